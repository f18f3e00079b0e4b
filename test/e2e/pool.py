# Pooling compiled by cnnc agrees with PyTorch: MaxPool2d (kernel, stride,
# padding, dilation, ceil_mode, including a ceil window that PyTorch keeps
# and one it drops), AvgPool2d (ceil_mode, count_include_pad both ways,
# padding), AdaptiveAvgPool2d (divisible and non-divisible, shrinking and
# growing), global average and global max pooling, max pools of an input
# with NaNs (which they propagate) and of ReLU outputs (padded with 0).
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
x0 = harness.seeded_input((2, 3, 11, 13), seed=0)   # main input
x1 = harness.seeded_input((1, 4, 7, 10), seed=1)    # adaptive 7->3, 10->4, ...
x2 = harness.seeded_input((1, 2, 5, 5), seed=2)     # adaptive 5->7 (growing)
x3 = harness.seeded_input((1, 2, 8, 12), seed=3)    # divisible sizes
# 32 channels (whole vectors, as in a network) with NaNs: a max pool
# propagates a NaN of its window, as PyTorch's does.
x4 = harness.seeded_input((1, 32, 9, 14), seed=4)
x4[0, 0, 0, 0] = float("nan")
x4[0, 5, 4, 7] = float("nan")
x4[0, 31, 8, 13] = float("nan")
x4[0, 17, 2, 3:6] = float("nan")
x5 = harness.seeded_input((1, 32, 9, 14), seed=5)   # for ReLU outputs
x6 = harness.seeded_input((1, 32, 17, 17), seed=6)  # width 17: pools split in two parts


def pool_of_concat(x):
    """An Inception block's branch pool: a padded max pool of the block's
    output (ReLUs joined by a concat), which the next layers also read."""
    joined = torch.cat([F.relu(x), F.relu6(x - 0.5)], 1)
    return F.max_pool2d(joined, 3, stride=1, padding=1) + joined

cases = [
    # MaxPool2d
    ("max_k2", On(0, nn.MaxPool2d(2))),
    ("max_k3_s2", On(0, nn.MaxPool2d(3, stride=2))),
    ("max_k3_s1_p1", On(0, nn.MaxPool2d(3, stride=1, padding=1))),
    ("max_k3_s2_p1", On(0, nn.MaxPool2d(3, stride=2, padding=1))),
    ("max_k(2,3)_s(1,2)_p(1,0)", On(0, nn.MaxPool2d((2, 3), stride=(1, 2), padding=(1, 0)))),
    ("max_k3_dil2", On(0, nn.MaxPool2d(3, stride=1, dilation=2))),
    ("max_k2_dil(2,3)_p1", On(0, nn.MaxPool2d(2, stride=2, padding=1, dilation=(2, 3)))),
    # 11 -> 5 (floor) / 6 (ceil: a partial last window is added)
    ("max_k2_ceil_adds_window", On(0, nn.MaxPool2d(2, stride=2, ceil_mode=True))),
    ("max_k3_s2_ceil_adds_window", On(0, nn.MaxPool2d(3, stride=2, ceil_mode=True))),
    # H=11: ceil would give 4 but the last window starts in the padding, so
    # PyTorch drops it (3); W=13 keeps 4.
    ("max_k3_s4_p1_ceil_drops_window", On(0, nn.MaxPool2d(3, stride=4, padding=1, ceil_mode=True))),
    ("max_k3_s2_p1_dil2_ceil", On(0, nn.MaxPool2d(3, stride=2, padding=1, dilation=2, ceil_mode=True))),
    # all-negative input: padding must act as -inf, not 0
    ("max_negative_input_p1", On(0, lambda x: F.max_pool2d(x - 10.0, 2, stride=2, padding=1))),
    ("max_negative_input_p1_ceil", On(0, lambda x: F.max_pool2d(x - 10.0, 3, stride=2, padding=1,
                                                                ceil_mode=True))),
    ("max_functional_default_stride", On(0, lambda x: F.max_pool2d(x, 3))),
    # AvgPool2d
    ("avg_k2", On(0, nn.AvgPool2d(2))),
    ("avg_k3_s2", On(0, nn.AvgPool2d(3, stride=2))),
    ("avg_k3_s1_p1_incl", On(0, nn.AvgPool2d(3, stride=1, padding=1))),
    ("avg_k3_s1_p1_excl", On(0, nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False))),
    ("avg_k(2,3)_s(1,2)_p(1,1)_excl", On(0, nn.AvgPool2d((2, 3), stride=(1, 2), padding=(1, 1),
                                                         count_include_pad=False))),
    ("avg_k2_ceil", On(0, nn.AvgPool2d(2, ceil_mode=True))),
    ("avg_k3_s2_ceil", On(0, nn.AvgPool2d(3, stride=2, ceil_mode=True))),
    ("avg_k3_s2_p1_ceil_incl", On(0, nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True))),
    ("avg_k3_s2_p1_ceil_excl", On(0, nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                                  count_include_pad=False))),
    ("avg_k3_s4_p1_ceil_drops_incl", On(0, nn.AvgPool2d(3, stride=4, padding=1, ceil_mode=True))),
    ("avg_k4_s3_p2_ceil_incl", On(0, nn.AvgPool2d(4, stride=3, padding=2, ceil_mode=True))),
    ("avg_k4_s3_p2_ceil_excl", On(0, nn.AvgPool2d(4, stride=3, padding=2, ceil_mode=True,
                                                  count_include_pad=False))),
    # AdaptiveAvgPool2d
    ("adaptive_avg_7x10_to_3x4", On(1, nn.AdaptiveAvgPool2d((3, 4)))),
    ("adaptive_avg_7x10_to_7x10", On(1, nn.AdaptiveAvgPool2d((7, 10)))),
    ("adaptive_avg_7x10_to_2x5", On(1, nn.AdaptiveAvgPool2d((2, 5)))),
    ("adaptive_avg_7x10_to_1x3", On(1, nn.AdaptiveAvgPool2d((1, 3)))),
    ("adaptive_avg_5x5_to_7x7", On(2, nn.AdaptiveAvgPool2d(7))),
    ("adaptive_avg_5x5_to_3x8", On(2, nn.AdaptiveAvgPool2d((3, 8)))),
    ("adaptive_avg_8x12_to_4x3_divisible", On(3, nn.AdaptiveAvgPool2d((4, 3)))),
    ("adaptive_avg_11x13_to_5x6", On(0, nn.AdaptiveAvgPool2d((5, 6)))),
    # global
    ("global_avg", On(0, nn.AdaptiveAvgPool2d(1))),
    ("global_avg_mean_keepdim", On(0, lambda x: x.mean((2, 3), keepdim=True))),
    ("global_avg_mean_flat", On(1, lambda x: torch.mean(x, dim=(-2, -1)))),
    ("global_max", On(0, nn.AdaptiveMaxPool2d(1))),
    ("global_max_negative", On(1, lambda x: F.adaptive_max_pool2d(x - 10.0, (1, 1)))),
    # NaN in the window
    ("max_k3_s1_p1_nan", On(4, nn.MaxPool2d(3, stride=1, padding=1))),
    ("max_k3_s2_nan", On(4, nn.MaxPool2d(3, stride=2))),
    ("max_k2_nan", On(4, nn.MaxPool2d(2))),
    ("global_max_nan", On(4, nn.AdaptiveMaxPool2d(1))),
    # Padded max pools of an input that is at least 0 (padded with 0)
    ("max_relu_k3_s1_p1", On(5, lambda x: F.max_pool2d(F.relu(x), 3, stride=1, padding=1))),
    ("max_relu_k3_s2_p1_ceil", On(5, lambda x: F.max_pool2d(F.relu(x), 3, stride=2, padding=1,
                                                            ceil_mode=True))),
    ("max_of_concat_k3_s1_p1", On(5, pool_of_concat)),
    # Width 17, split into parts of 12 and 5 pixels, each with its own fill
    ("avg_w17_k3_s1_p1_incl", On(6, nn.AvgPool2d(3, stride=1, padding=1))),
    ("avg_w17_k3_s1_p1_excl", On(6, nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False))),
    ("max_w17_k3_s1_p1", On(6, nn.MaxPool2d(3, stride=1, padding=1))),
]

harness.check("pool", cases, (x0, x1, x2, x3, x4, x5, x6), expected=49)
