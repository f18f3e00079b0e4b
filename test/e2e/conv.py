# Conv2d, ConvTranspose2d and Linear (dense) compiled by cnnc agree with
# PyTorch: strides, symmetric/asymmetric/'same' padding, dilation, groups
# (depthwise, grouped, channel multiplier), bias on/off, 1x1 kernels.
# Tolerance: max|ours - torch| <= 1e-4 * max(1, max|torch|) in f32, per case.
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models:%S/Inputs %torch_python %s

import torch
import torch.nn as nn

import harness

torch.manual_seed(0)
C = 8
x = harness.seeded_input((2, C, 13, 11))

cases = [
    # Conv2d
    ("conv3x3", nn.Conv2d(C, 16, 3)),
    ("conv3x3_pad1", nn.Conv2d(C, 16, 3, padding=1)),
    ("conv3x3_s2_p1", nn.Conv2d(C, 12, 3, stride=2, padding=1)),
    ("conv5x5_s3_p2_nobias", nn.Conv2d(C, 6, 5, stride=3, padding=2, bias=False)),
    ("conv_rect_k3x1_s(2,1)_p(1,0)", nn.Conv2d(C, 5, (3, 1), stride=(2, 1), padding=(1, 0))),
    ("conv_rect_k1x5_p(0,2)", nn.Conv2d(C, 7, (1, 5), padding=(0, 2))),
    ("conv_k2_even", nn.Conv2d(C, 4, 2)),
    ("conv_k4_s2_p1", nn.Conv2d(C, 4, 4, stride=2, padding=1)),
    ("conv_pad_gt_half_kernel", nn.Conv2d(C, 4, 3, padding=3)),
    ("conv1x1", nn.Conv2d(C, 24, 1)),
    ("conv1x1_s2_nobias", nn.Conv2d(C, 3, 1, stride=2, bias=False)),
    ("conv_dil2_p2", nn.Conv2d(C, 6, 3, dilation=2, padding=2)),
    ("conv_dil(2,3)_s2", nn.Conv2d(C, 6, 3, dilation=(2, 3), stride=2)),
    ("conv_same_k3", nn.Conv2d(C, 6, 3, padding="same")),
    ("conv_same_k4_asym", nn.Conv2d(C, 6, 4, padding="same")),
    ("conv_same_k(2,5)_dil2", nn.Conv2d(C, 6, (2, 5), padding="same", dilation=2)),
    ("conv_valid", nn.Conv2d(C, 6, 3, padding="valid")),
    ("conv_zeropad_asym(1,2,0,3)", nn.Sequential(nn.ZeroPad2d((1, 2, 0, 3)), nn.Conv2d(C, 6, 3))),
    ("conv_zeropad_asym_s2(0,1,0,1)", nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)),
                                                    nn.Conv2d(C, 6, 3, stride=2))),
    # Nearly whole vectors of filters (YOLO's heads: 255): computed with
    # zero filters up to whole vectors, the extra channels sliced off.
    ("conv1x1_255", nn.Conv2d(C, 255, 1)),
    ("conv3x3_125_relu", nn.Sequential(nn.Conv2d(C, 125, 3, padding=1), nn.ReLU())),
    ("conv3x3_s2_250_nobias_conv", nn.Sequential(nn.Conv2d(C, 250, 3, stride=2, bias=False),
                                                 nn.Conv2d(250, 6, 1))),
    # Odd counts further from whole vectors keep their odd tiles.
    ("conv1x1_37", nn.Conv2d(C, 37, 1)),
    ("conv3x3_20_relu", nn.Sequential(nn.Conv2d(C, 20, 3, padding=1), nn.ReLU())),
    ("conv_groups2", nn.Conv2d(C, 6, 3, padding=1, groups=2)),
    ("conv_groups4_s2", nn.Conv2d(C, 8, 3, stride=2, padding=1, groups=4)),
    ("conv_depthwise", nn.Conv2d(C, C, 3, padding=1, groups=C)),
    ("conv_depthwise_s2_nobias", nn.Conv2d(C, C, 3, stride=2, padding=1, groups=C, bias=False)),
    ("conv_depthwise_mult2", nn.Conv2d(C, 2 * C, 3, padding=1, groups=C)),
    ("conv_grouped_mult3_g4_dil2", nn.Conv2d(C, 12, 3, padding=2, dilation=2, groups=4)),
    ("conv_depthwise_k5_p2", nn.Conv2d(C, C, 5, padding=2, groups=C)),
    ("conv_conv_chain", nn.Sequential(nn.Conv2d(C, 16, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(16, 4, 3, stride=2))),
    # ConvTranspose2d
    ("convT_k3", nn.ConvTranspose2d(C, 6, 3)),
    ("convT_k2_s2", nn.ConvTranspose2d(C, 6, 2, stride=2)),
    # A kernel the size of its stride: one 1x1 convolution per output phase.
    ("convT_k2_s2_32_nobias", nn.ConvTranspose2d(C, 32, 2, stride=2, bias=False)),
    ("convT_k(3,1)_s(3,1)", nn.ConvTranspose2d(C, 5, (3, 1), stride=(3, 1))),
    ("convT_k2_s2_relu_conv", nn.Sequential(nn.ConvTranspose2d(C, 16, 2, stride=2), nn.ReLU(),
                                            nn.Conv2d(16, 4, 3, padding=1))),
    ("convT_k3_s2_p1", nn.ConvTranspose2d(C, 5, 3, stride=2, padding=1)),
    ("convT_k3_s2_p1_op1", nn.ConvTranspose2d(C, 5, 3, stride=2, padding=1, output_padding=1)),
    ("convT_k4_s2_p1_nobias", nn.ConvTranspose2d(C, 4, 4, stride=2, padding=1, bias=False)),
    ("convT_k3_s3_op(2,1)", nn.ConvTranspose2d(C, 4, 3, stride=3, output_padding=(2, 1))),
    ("convT_rect_k(3,2)_s(2,1)_p(1,0)", nn.ConvTranspose2d(C, 4, (3, 2), stride=(2, 1), padding=(1, 0))),
    ("convT_dil2_p1", nn.ConvTranspose2d(C, 4, 3, dilation=2, padding=1)),
    ("convT_dil2_s2_op1", nn.ConvTranspose2d(C, 4, 3, stride=2, dilation=2, output_padding=1)),
    ("convT_groups2_s2", nn.ConvTranspose2d(C, 6, 3, stride=2, padding=1, groups=2)),
    ("convT_depthwise_s2", nn.ConvTranspose2d(C, C, 2, stride=2, groups=C)),
    ("convT_groups4_mult2_nobias", nn.ConvTranspose2d(C, 16, 3, stride=2, groups=4, bias=False)),
    # Linear (dense)
    ("linear_flatten", nn.Sequential(nn.Flatten(), nn.Linear(C * 13 * 11, 16))),
    ("linear_flatten_nobias", nn.Sequential(nn.Flatten(), nn.Linear(C * 13 * 11, 7, bias=False))),
    ("linear_gap_mlp", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(C, 32),
                                     nn.ReLU(), nn.Linear(32, 3))),
    ("linear_gap_1out_nobias", nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                             nn.Linear(C, 1, bias=False))),
]

harness.check("conv", cases, x, expected=51)

# Output widths without a divisor near the register tile (19 and 9 here)
# are split into whole tiles and a narrower tail. 24 filters (a vector and a
# half) are tiled as 16 lanes and the last 8, with the bias, residual add
# and ReLU in both parts.


class Residual24(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.project = nn.Conv2d(channels, 24, 1)
        self.conv = nn.Conv2d(channels, 24, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.project(x) + self.conv(x))


x_ragged = harness.seeded_input((2, 16, 19, 19))
ragged = [
    ("ragged_conv3x3_p1", nn.Conv2d(16, 32, 3, padding=1)),
    ("ragged_conv1x7", nn.Conv2d(16, 32, (1, 7), padding=(0, 3))),
    ("ragged_conv3x3_s2", nn.Conv2d(16, 32, 3, stride=2)),
    ("ragged_conv48_relu", nn.Sequential(nn.Conv2d(16, 48, 3, padding=1), nn.ReLU())),
    ("ragged_depthwise", nn.Conv2d(16, 16, 3, padding=1, groups=16)),
    ("ragged_maxpool", nn.MaxPool2d(3, stride=1, padding=1)),
    ("ragged_avgpool", nn.AvgPool2d(3, stride=1, padding=1)),
    ("ragged_conv24_residual", Residual24(16)),
    ("ragged_conv24_s2", nn.Conv2d(16, 24, 3, stride=2)),
]
harness.check("conv_ragged", ragged, x_ragged, expected=9)

# 3x3 convolutions of stride 1 with at least 64 filters run as Winograd
# F(2x2, 3x3) (cnn-winograd): bias or none, fused activations and residual adds after them, batch norm folded in, chains.
# The same tolerance holds: F(2x2, 3x3)'s transforms add and subtract, and
# halve in the filter transform, so its rounding error stays near direct
# summation's.


class Residual(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x) + x)


x_winograd = harness.seeded_input((2, 64, 12, 10))
winograd = [
    ("winograd_conv3x3_p1", nn.Conv2d(64, 64, 3, padding=1)),
    ("winograd_nobias_relu", nn.Sequential(nn.Conv2d(64, 96, 3, padding=1, bias=False),
                                           nn.ReLU())),
    ("winograd_valid_c64_f128", nn.Conv2d(64, 128, 3)),
    ("winograd_bn_relu_chain", nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64),
                                             nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1))),
    ("winograd_residual", Residual(64)),
    ("winograd_pad_h_only", nn.Conv2d(64, 64, 3, padding=(1, 0))),
    ("winograd_c48_after_1x1", nn.Sequential(nn.Conv2d(64, 48, 1), nn.ReLU(),
                                             nn.Conv2d(48, 64, 3, padding=1))),
    ("winograd_c24_direct", nn.Sequential(nn.Conv2d(64, 24, 1), nn.Conv2d(24, 64, 3, padding=1))),
    ("winograd_2x2", nn.Conv2d(64, 128, 2)),
]
harness.check("conv_winograd", winograd, x_winograd, expected=9)

# Odd output sizes: the last block of each odd row or column of blocks
# computes one output pixel of two (9x7, 7x5, 5x3 and 3x1 outputs here).
x_winograd_odd = harness.seeded_input((2, 64, 9, 7))
winograd_odd = [
    ("winograd_odd_p1", nn.Conv2d(64, 64, 3, padding=1)),
    ("winograd_odd_residual", Residual(64)),
    ("winograd_odd_valid_chain", nn.Sequential(nn.Conv2d(64, 96, 3), nn.ReLU(),
                                               nn.Conv2d(96, 64, 3, bias=False),
                                               nn.Conv2d(64, 64, 3))),
]
harness.check("conv_winograd_odd", winograd_odd, x_winograd_odd, expected=3)

# Filters of 1, 3, 5 or 7 taps along each axis: F(2, r) along each axis of
# more than one tap (F(2, 7) along the 7 of a 1x7 filter), with enough
# channels for the pass to apply. Output sizes odd along the F(2, r) axes
# (17 and 9).
x_winograd_taps = harness.seeded_input((1, 128, 17, 9))
winograd_taps = [
    ("winograd_1x7", nn.Conv2d(128, 128, (1, 7), padding=(0, 3))),
    ("winograd_7x1_relu", nn.Sequential(nn.Conv2d(128, 192, (7, 1), padding=(3, 0)), nn.ReLU())),
    ("winograd_1x3_3x1", nn.Sequential(nn.Conv2d(128, 192, (1, 3), padding=(0, 1)),
                                       nn.Conv2d(192, 192, (3, 1), padding=(1, 0)))),
    ("winograd_5x5", nn.Conv2d(128, 64, 5, padding=2)),
    ("winograd_valid_7x1", nn.Conv2d(128, 128, (7, 1))),
]
harness.check("conv_winograd_taps", winograd_taps, x_winograd_taps, expected=5)

# F(4, 3) along axes of 3 taps whose output size is at least 12: F(4x4,
# 3x3) for 16x20 outputs, F(4x2, 3x3) for 16x10, F(1x4, 1x3) for a 1x3
# filter.
x_winograd_f4 = harness.seeded_input((2, 64, 16, 20))
winograd_f4 = [
    ("winograd_f4x4_p1", nn.Conv2d(64, 64, 3, padding=1)),
    ("winograd_f4x4_residual", Residual(64)),
    ("winograd_f4x4_chain", nn.Sequential(nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(),
                                          nn.Conv2d(128, 64, 3, padding=1, bias=False))),
    ("winograd_f4x2", nn.Sequential(nn.MaxPool2d((1, 2)), nn.Conv2d(64, 64, 3, padding=1))),
    ("winograd_f1x4_1x3", nn.Sequential(nn.Conv2d(64, 256, 1), nn.Conv2d(256, 256, (1, 3), padding=(0, 1)))),
]
harness.check("conv_winograd_f4", winograd_f4, x_winograd_f4, expected=5)

# F(4x4, 3x3) whose last block of a row or column computes 1, 2 or 3 of its
# 4 outputs (14x15 and 12x13 outputs). A batch of 4: with fewer samples to
# share the transformed filter, the 12x13 output would take F(4x2, 3x3).
x_winograd_f4_rem = harness.seeded_input((4, 64, 14, 15))
winograd_f4_rem = [
    ("winograd_f4_rem_p1", nn.Conv2d(64, 64, 3, padding=1)),
    ("winograd_f4_rem_residual", Residual(64)),
    ("winograd_f4_rem_valid", nn.Conv2d(64, 96, 3)),
]
harness.check("conv_winograd_f4_rem", winograd_f4_rem, x_winograd_f4_rem, expected=3)

# F(6x6, 3x3) for 3x3 layers of at least 96 outputs along an axis, which
# cnnc takes for AMD Zen 4 (--cpu=znver4 here, on every host that has Zen
# 4's AVX-512 extensions; others run the host's plan): 100x98 outputs,
# 17x17 blocks of 6x6, the last of each row and column computing 4 and 2 of
# its 6.
with open("/proc/cpuinfo") as cpuinfo:
    flags = set(next((line for line in cpuinfo if line.startswith("flags")), "").split())
zen4_isa = {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx512ifma",
            "avx512vbmi", "avx512_vbmi2", "avx512_vnni", "avx512_bitalg",
            "avx512_vpopcntdq", "avx512_bf16", "gfni", "vaes", "vpclmulqdq"}
x_winograd_f6 = harness.seeded_input((1, 64, 100, 98))
winograd_f6 = [
    ("winograd_f6x6_p1", nn.Conv2d(64, 64, 3, padding=1)),
    ("winograd_f6x6_relu_chain", nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
                                               nn.Conv2d(64, 64, 3, padding=1))),
]
harness.check("conv_winograd_f6", winograd_f6, x_winograd_f6, expected=2,
              options=["--cpu=znver4"] if zen4_isa <= flags else [])

# 3x3 convolutions of stride 2 run as four convolutions of stride 1, one per
# phase of the input (cnn-winograd's splitPhases): the 2x2 phase as Winograd
# F(4x4, 2x2) (28x28 and 27x27 outputs) or F(2x2, 2x2) (a 7x7 output), the
# 2x1 and 1x2 phases direct or, with 256 filters, as F(4, 2), and the 1x1
# phase, each accumulating into the phase before; with and without padding,
# an odd input width (55: the last column is read by the even phases only),
# bias or none, batch norm, an activation and a residual add after the last
# phase. A stride-2 layer of 32 filters stays one convolution (one filter
# block with AVX-512; with AVX2's blocks of 16 its 2x2 phase saves too few
# multiply-adds for the transforms' traffic).


class StridedResidual(nn.Module):
    def __init__(self, channels: int, filters: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, filters, 3, stride=2, padding=1)
        self.down = nn.Conv2d(channels, filters, 1, stride=2)

    def forward(self, x):
        return torch.relu(self.conv(x) + self.down(x))


x_phases = harness.seeded_input((2, 128, 56, 55))
phases = [
    ("phases_s2_p1", nn.Conv2d(128, 128, 3, stride=2, padding=1)),
    ("phases_s2_valid_relu", nn.Sequential(nn.Conv2d(128, 128, 3, stride=2), nn.ReLU())),
    ("phases_s2_bn_relu_f256", nn.Sequential(nn.Conv2d(128, 256, 3, stride=2, padding=1, bias=False),
                                             nn.BatchNorm2d(256), nn.ReLU())),
    ("phases_s2_residual", StridedResidual(128, 128)),
    ("phases_s2_7x7", nn.Sequential(nn.MaxPool2d(4), nn.Conv2d(128, 128, 3, stride=2, padding=1))),
    ("phases_s2_f32_direct", nn.Sequential(nn.Conv2d(128, 32, 1), nn.Conv2d(32, 32, 3, stride=2))),
]
harness.check("conv_phases", phases, x_phases, expected=6)

# Convolutions whose consecutive pixels are 4 KiB apart (1024 input
# channels, or 512 at stride 2) with an output width of 7 or 14 get register
# tiles of 7 pixels x 64 channels (hasWideConvTiles): blocks of 64 filters,
# one filter block of 64 alone, a fused activation and residual add, an
# output 14 wide; a 3x3 filter whose 64-filter block exceeds 512 KiB keeps
# the 14 x 32 tiles.


class Residual1x1(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        return torch.relu(self.conv(x) + x)


x_wide = harness.seeded_input((1, 1024, 7, 7))
wide = [
    ("wide_1x1_relu", nn.Sequential(nn.Conv2d(1024, 256, 1), nn.ReLU())),
    ("wide_1x1_one_block", nn.Conv2d(1024, 64, 1, bias=False)),
    ("wide_1x1_residual", Residual1x1(1024)),
]
harness.check("conv_wide", wide, x_wide, expected=3)
x_wide_s2 = harness.seeded_input((1, 512, 14, 14))
wide_s2 = [
    ("wide_1x1_s2", nn.Conv2d(512, 128, 1, stride=2)),
    ("narrow_3x3_s2_c512", nn.Conv2d(512, 128, 3, stride=2, padding=1)),
    ("wide_width14", nn.Sequential(nn.Conv2d(512, 1024, 1), nn.Conv2d(1024, 64, 1))),
]
harness.check("conv_wide_s2", wide_s2, x_wide_s2, expected=3)

# Image inputs of 1, 3 and 4 channels: their NCHW -> NHWC transpose is tiled
# as 16 (or 13 or 1: a divisor of the width) pixels x all channels.
for name, shape in (("conv_image_rgb", (2, 3, 9, 48)), ("conv_image_rgba", (1, 4, 5, 17)),
                    ("conv_image_grey", (1, 1, 7, 26))):
    harness.check(name, [("conv3x3_pad1", nn.Conv2d(shape[1], 8, 3, padding=1)),
                         ("conv1x1", nn.Conv2d(shape[1], 16, 1))],
                  harness.seeded_input(shape), expected=2)

# Layout changes at the boundary of more channels: an input of 40 channels
# (NCHW -> NHWC in tiles of 16, 13 or 14 pixels, for widths 32, 26 and 14,
# x 10 channels) and outputs of 48 channels (NHWC -> NCHW in tiles of 16
# channels x 16 pixels) and of 255 (15 channels x 13 or 14 pixels).
for name, shape, filters in (("layout_c40_f48", (2, 40, 5, 32), 48),
                             ("layout_c40_f255_w26", (1, 40, 3, 26), 255),
                             ("layout_c40_f255_w14", (1, 40, 2, 14), 255)):
    harness.check(name, [("conv1x1", nn.Conv2d(shape[1], filters, 1)),
                         ("conv3x3_pad1", nn.Conv2d(shape[1], filters, 3, padding=1))],
                  harness.seeded_input(shape), expected=2)

# A model's result that an activation computes from its last convolution is
# computed in NHWC (the convolution's epilogue) and transposed to NCHW once.
# A chain of two activations (the first still gathers), an activation of the
# input itself, and one of a residual add of the input keep their layout.
x_act = harness.seeded_input((2, 48, 5, 32))


class ConvPlusInputRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(48, 48, 1)

    def forward(self, x):
        return torch.relu(self.conv(x) + x)


act_outputs = [
    ("conv1x1_relu", nn.Sequential(nn.Conv2d(48, 48, 1), nn.ReLU())),
    ("conv3x3_bn_sigmoid", nn.Sequential(nn.Conv2d(48, 32, 3, padding=1), nn.BatchNorm2d(32),
                                         nn.Sigmoid())),
    ("conv1x1_relu6_hardswish", nn.Sequential(nn.Conv2d(48, 16, 1), nn.ReLU6(), nn.Hardswish())),
    ("relu_of_input", nn.ReLU()),
    ("conv_plus_input_relu", ConvPlusInputRelu()),
]
harness.check("activation_outputs", act_outputs, x_act, expected=5)

# A 1x1 expansion of more than 1 MiB per sample followed by a depthwise
# convolution of stride 2 runs by bands of rows (cnn-fuse-row-bands). 57 rows
# give 29 output rows, one chunk, whose last band reads a padding row below
# the input (or 28 in two chunks, with padding only below and right). 60 rows give two chunks of 15 output rows: in bands of 5 with a
# 3x3 window (a pair of bands and one left over), in bands of 3 with a 5x5
# window, whose last band reads a padding row. The batch of 2 runs one
# sample at a time, and once more whole (--per-sample=false: the bands'
# loop over samples).


class InvertedResidual(nn.Module):
    def __init__(self, channels: int, expanded: int, kernel: int = 3,
                 bias: bool = True, activation: bool = True):
        super().__init__()
        act = nn.ReLU6 if activation else nn.Identity
        self.block = nn.Sequential(
            nn.Conv2d(channels, expanded, 1, bias=bias), act(),
            nn.Conv2d(expanded, expanded, kernel, stride=2, padding=kernel // 2,
                      groups=expanded, bias=bias), act(),
            nn.Conv2d(expanded, 24, 1))

    def forward(self, x):
        return self.block(x)


row_bands_odd = [
    ("bands_s2_57", InvertedResidual(16, 96)),
    ("bands_s2_57_nobias_noact", InvertedResidual(16, 96, bias=False, activation=False)),
    ("bands_s2_57_bn", nn.Sequential(nn.Conv2d(16, 96, 1, bias=False), nn.BatchNorm2d(96),
                                     nn.ReLU6(), nn.Conv2d(96, 96, 3, stride=2, padding=1,
                                                           groups=96, bias=False),
                                     nn.BatchNorm2d(96), nn.ReLU6())),
    # Padding only below and right (TensorFlow's 'same' at stride 2).
    ("bands_s2_57_pad_after", nn.Sequential(nn.Conv2d(16, 96, 1), nn.ReLU6(),
                                            nn.ZeroPad2d((0, 1, 0, 1)),
                                            nn.Conv2d(96, 96, 3, stride=2, groups=96))),
]
x_bands_odd = harness.seeded_input((2, 16, 57, 57))
harness.check("conv_row_bands_odd", row_bands_odd, x_bands_odd, expected=4)
row_bands_even = [("bands_s2_60", InvertedResidual(16, 80)),
                  ("bands_s2_60_k5", InvertedResidual(16, 80, kernel=5))]
x_bands_even = harness.seeded_input((2, 16, 60, 60))
harness.check("conv_row_bands_even", row_bands_even, x_bands_even, expected=2)
harness.check("conv_row_bands_batch", row_bands_even, x_bands_even, expected=2,
              options=["--per-sample=false"])
# With a depthwise result of more than 1 MiB a sample (57x57 or 58x58 x 96),
# the 1x1 convolution after it (to 24 channels) takes each band's rows too:
# 57 output rows in one chunk, 58 in two.
row_bands_project = [("bands_s2_project", InvertedResidual(16, 96))]
for size in (114, 116):
    harness.check(f"conv_row_bands_project_{size}", row_bands_project,
                  harness.seeded_input((2, 16, size, size)), expected=1)

# A depthwise convolution of more than 1 MiB a sample whose result (after
# its activation) only a 1x1 convolution reads runs with it by bands of rows
# (cnn-fuse-row-bands), the 1x1 convolution's residual add too: 96 rows of
# 96 x 32 channels in two chunks of bands of 2 rows; 75 output rows at
# stride 2 in one chunk of bands of 1. Each also whole-batch
# (--per-sample=false: the bands' loop over samples).


class DepthwiseProject(nn.Module):
    def __init__(self, channels: int, out: int, kernel: int = 3, stride: int = 1,
                 residual: bool = False, bias: bool = True):
        super().__init__()
        self.residual = residual
        self.depthwise = nn.Conv2d(channels, channels, kernel, stride=stride,
                                   padding=kernel // 2, groups=channels, bias=bias)
        self.act = nn.ReLU6()
        self.project = nn.Conv2d(channels, out, 1, bias=bias)

    def forward(self, x):
        y = self.project(self.act(self.depthwise(x)))
        return x + y if self.residual else y


depthwise_project = [
    ("dw_pw_residual", DepthwiseProject(32, 32, residual=True)),
    ("dw_pw_k5_24_nobias", DepthwiseProject(32, 24, kernel=5, bias=False)),
    ("dw_pw_bn", nn.Sequential(nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False),
                               nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 64, 1, bias=False),
                               nn.BatchNorm2d(64))),
]
x_dw_project = harness.seeded_input((2, 32, 96, 96))
depthwise_project_s2 = [("dw_pw_s2", DepthwiseProject(48, 16, stride=2))]
x_dw_project_s2 = harness.seeded_input((2, 48, 150, 150))
for options in ([], ["--per-sample=false"]):
    suffix = "_batch" if options else ""
    harness.check("conv_depthwise_project" + suffix, depthwise_project, x_dw_project,
                  expected=3, options=options)
    harness.check("conv_depthwise_project_s2" + suffix, depthwise_project_s2,
                  x_dw_project_s2, expected=1, options=options)

# A batch run one sample at a time runs its last layers, from where every
# activation of a sample is at most 256 KiB, on the whole batch: here the
# first convolution (1 MiB a sample) and the stride-2 one after it, with
# its batch norm and ReLU, run per sample, and the rest (a 3x3 and a 1x1
# convolution, the global pool and the classifier) on the batch of 3.
split = [("split_head_tail", nn.Sequential(
    nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(),
    nn.Conv2d(64, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
    nn.Conv2d(32, 24, 3, padding=1), nn.ReLU6(), nn.Conv2d(24, 48, 1),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(48, 10)))]
x_split = harness.seeded_input((3, 3, 64, 64))
harness.check("conv_split_batch", split, x_split, expected=1)

# AVX2 (--cpu=x86-64-v3, which this AVX-512 host also runs): register tiles
# fit its 16 vector registers, at most 6 pixels x 2 vectors. Widths 28
# (tiles of 4 pixels), 14 and 7 (split into tiles of 5, 5 and 4, and of 4
# and 3), a depthwise convolution with its projection, Winograd with a
# residual add, and a classifier.
avx2 = [
    ("avx2_1x1_w28", nn.Sequential(nn.Conv2d(64, 128, 1), nn.ReLU())),
    ("avx2_3x3_s2_w14", nn.Sequential(nn.Conv2d(64, 96, 3, stride=2, padding=1), nn.ReLU6())),
    ("avx2_dw_pw", DepthwiseProject(64, 48)),
    ("avx2_winograd_residual", Residual(64)),
    ("avx2_w7_classifier", nn.Sequential(
        nn.Conv2d(64, 32, 3, stride=4, padding=1), nn.ReLU(), nn.Flatten(),
        nn.Linear(32 * 4 * 7, 10))),
]
x_avx2 = harness.seeded_input((2, 64, 14, 28))
harness.check("conv_avx2", avx2, x_avx2, expected=5, options=["--cpu=x86-64-v3"])
