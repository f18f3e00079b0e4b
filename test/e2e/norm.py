# Normalization compiled by cnnc agrees with PyTorch: BatchNorm2d with random
# running statistics (several eps, affine or not, after a convolution),
# BatchNorm1d on a 2-D input, LocalResponseNorm (sizes 1, 2, 3, 5 and
# alpha/beta/k variants), F.normalize (L2, dim 1 and -1, eps that matters)
# and Dropout in eval mode (the identity).
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
x4 = harness.seeded_input((2, 7, 6, 5), seed=0, scale=2.0)
x2 = harness.seeded_input((4, 10), seed=1, scale=2.0)

cases = [
    # BatchNorm (running statistics randomised by the harness)
    ("bn2d", On(0, nn.BatchNorm2d(7))),
    ("bn2d_eps1e-3", On(0, nn.BatchNorm2d(7, eps=1e-3))),
    ("bn2d_eps0.5", On(0, nn.BatchNorm2d(7, eps=0.5))),
    ("bn2d_momentum0.01", On(0, nn.BatchNorm2d(7, momentum=0.01))),
    ("bn2d_no_affine", On(0, nn.BatchNorm2d(7, affine=False))),
    ("conv_bn", On(0, nn.Sequential(nn.Conv2d(7, 5, 3, padding=1, bias=False), nn.BatchNorm2d(5)))),
    ("conv_bias_bn_relu", On(0, nn.Sequential(nn.Conv2d(7, 5, 3), nn.BatchNorm2d(5, eps=1e-3),
                                              nn.ReLU()))),
    ("bn2d_then_conv", On(0, nn.Sequential(nn.BatchNorm2d(7), nn.Conv2d(7, 3, 1)))),
    ("bn1d_2d_input", On(1, nn.BatchNorm1d(10))),
    ("bn1d_eps1e-3_after_linear", On(1, nn.Sequential(nn.Linear(10, 6), nn.BatchNorm1d(6, eps=1e-3)))),
    # LocalResponseNorm
    ("lrn_size1", On(0, nn.LocalResponseNorm(1, alpha=0.5))),
    ("lrn_size2", On(0, nn.LocalResponseNorm(2, alpha=0.5, beta=0.75, k=1.0))),
    ("lrn_size3", On(0, nn.LocalResponseNorm(3, alpha=0.3, beta=0.5, k=2.0))),
    ("lrn_size5_alexnet", On(0, nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0))),
    ("lrn_size5_strong", On(0, nn.LocalResponseNorm(5, alpha=1.0, beta=1.0, k=1.0))),
    ("lrn_size4_even", On(0, nn.LocalResponseNorm(4, alpha=0.2, beta=0.6, k=0.5))),
    ("lrn_size9_gt_channels", On(0, nn.LocalResponseNorm(9, alpha=0.1, beta=0.75, k=1.0))),
    ("lrn_functional_default", On(0, lambda x: F.local_response_norm(x, 3))),
    # L2 normalize
    ("normalize_dim1_4d", On(0, lambda x: F.normalize(x, dim=1))),
    ("normalize_dim1_2d", On(1, lambda x: F.normalize(x))),
    ("normalize_dim-1_2d", On(1, lambda x: F.normalize(x, dim=-1))),
    ("normalize_eps_matters", On(1, lambda x: F.normalize(x * 1e-3, dim=1, eps=0.01))),
    # Dropout (eval mode: the identity)
    ("dropout", On(0, nn.Sequential(nn.Dropout(0.5), nn.Tanh()))),
    ("dropout_functional", On(1, lambda x: F.dropout(x * 2.0, 0.3, training=False))),
]

harness.check("norm", cases, (x4, x2), expected=24)
