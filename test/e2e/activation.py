# Activations compiled by cnnc agree with PyTorch: ReLU, ReLU6, LeakyReLU,
# Sigmoid, Tanh, SiLU, Hardswish, Hardsigmoid, GELU (exact and tanh),
# Hardtanh/clamp, and Softmax/LogSoftmax over dim 1 and dim -1 of 2-D and
# 4-D inputs (also with large logits, which need the max subtraction).
# Tolerance: max|ours - torch| <= 1e-4 * max(1, max|torch|) in f32, per case.
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models:%S/Inputs %torch_python %s

import torch
import torch.nn as nn
import torch.nn.functional as F

import harness
from harness import On

torch.manual_seed(0)
x4 = harness.seeded_input((2, 6, 5, 7), seed=0, scale=4.0)  # covers the saturating ranges
x2 = harness.seeded_input((3, 10), seed=1, scale=4.0)

cases = [
    ("relu", On(0, nn.ReLU())),
    ("relu_functional_inplace", On(0, lambda x: F.relu(x * 1.0, inplace=True))),
    ("relu6", On(0, nn.ReLU6())),
    ("relu6_functional", On(0, lambda x: F.relu6(x * 2.0))),
    ("leaky_relu_default", On(0, nn.LeakyReLU())),
    ("leaky_relu_0.1", On(0, nn.LeakyReLU(0.1))),
    ("leaky_relu_1.5", On(0, lambda x: F.leaky_relu(x, 1.5))),
    ("sigmoid", On(0, nn.Sigmoid())),
    ("sigmoid_large", On(0, lambda x: torch.sigmoid(x * 10.0))),
    ("tanh", On(0, nn.Tanh())),
    ("tanh_large", On(0, lambda x: torch.tanh(x * 10.0))),
    ("silu", On(0, nn.SiLU())),
    ("silu_large", On(0, lambda x: F.silu(x * 10.0))),
    ("hardswish", On(0, nn.Hardswish())),
    ("hardsigmoid", On(0, nn.Hardsigmoid())),
    ("gelu_exact", On(0, nn.GELU())),
    ("gelu_tanh", On(0, nn.GELU(approximate="tanh"))),
    ("gelu_exact_2d", On(1, lambda x: F.gelu(x))),
    ("hardtanh_default", On(0, nn.Hardtanh())),
    ("hardtanh(-2,3)", On(0, nn.Hardtanh(-2.0, 3.0))),
    ("clamp(-0.5,2)", On(0, lambda x: torch.clamp(x, -0.5, 2.0))),
    ("clamp_min0", On(0, lambda x: x.clamp(min=0.0))),
    ("clip(0.25,0.75)", On(1, lambda x: torch.clip(x, 0.25, 0.75))),
    ("softmax_4d_dim1", On(0, nn.Softmax(dim=1))),
    ("softmax_4d_dim-1", On(0, nn.Softmax(dim=-1))),
    ("softmax_4d_dim2", On(0, lambda x: F.softmax(x, dim=2))),
    ("softmax_2d_dim1", On(1, nn.Softmax(dim=1))),
    ("softmax_2d_dim-1_large", On(1, lambda x: torch.softmax(x * 30.0, dim=-1))),
    ("softmax_2d_dim0", On(1, lambda x: F.softmax(x, dim=0))),
    ("log_softmax_4d_dim1", On(0, nn.LogSoftmax(dim=1))),
    ("log_softmax_4d_dim-1", On(0, nn.LogSoftmax(dim=-1))),
    ("log_softmax_2d_dim1", On(1, nn.LogSoftmax(dim=1))),
    ("log_softmax_2d_dim-1_large", On(1, lambda x: F.log_softmax(x * 30.0, dim=-1))),
    ("chain_conv_bn_relu6", On(0, nn.Sequential(nn.Conv2d(6, 4, 3, padding=1), nn.BatchNorm2d(4),
                                                nn.ReLU6()))),
]

harness.check("activation", cases, (x4, x2), expected=34)
