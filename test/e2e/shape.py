# Shape ops compiled by cnnc agree with PyTorch: torch.cat (dims 1, 2, 3 and
# -1, inputs of different sizes), flatten (default, start_dim=2, end_dim,
# torch.flatten to 1-D), view/reshape, permute/transpose (incl. channel
# shuffle through a 5-D view), F.pad constant (non-zero value) and reflect,
# nn.Upsample / F.interpolate nearest (scale 2, (2, 3), 1.5, size, shrinking
# size) and bilinear (align_corners True/False, scale and size, shrinking).
# Tolerance: max|ours - torch| <= 1e-4 * max(1, max|torch|) in f32, per case.
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models:%S/Inputs %torch_python %s

import torch
import torch.nn as nn
import torch.nn.functional as F

import harness

torch.manual_seed(0)
inputs = [
    harness.seeded_input((2, 3, 5, 6), seed=0),  # X
    harness.seeded_input((2, 5, 5, 6), seed=1),  # Y: more channels
    harness.seeded_input((2, 1, 5, 6), seed=2),  # Z: one channel
    harness.seeded_input((2, 3, 2, 6), seed=3),  # U: fewer rows
    harness.seeded_input((2, 3, 5, 4), seed=4),  # V: fewer columns
]
X, Y, Z, U, V = range(len(inputs))


def up(**kwargs):
    return nn.Upsample(**kwargs)


def on_x(module):
    return harness.On(X, module)


cases = [
    # concat
    ("cat_dim1_3_inputs", lambda *t: torch.cat([t[X], t[Y], t[Z]], dim=1)),
    ("cat_dim2", lambda *t: torch.cat((t[X], t[U]), 2)),
    ("cat_dim3", lambda *t: torch.cat([t[V], t[X], t[V]], dim=3)),
    ("cat_dim-1", lambda *t: torch.cat([t[X], t[V]], dim=-1)),
    ("cat_same_twice", lambda *t: torch.cat([t[Z], t[Z] * 2.0], dim=1)),
    # flatten
    ("flatten_module", on_x(nn.Flatten())),
    ("flatten_start2", lambda *t: torch.flatten(t[X], start_dim=2)),
    ("flatten_1_2", lambda *t: t[X].flatten(1, 2)),
    ("flatten_all_1d", lambda *t: torch.flatten(t[X])),
    # view / reshape
    ("view_n_minus1", lambda *t: t[X].view(2, -1)),
    ("reshape_3d", lambda *t: t[X].reshape(2, 3, 30)),
    ("view_minus1_6", lambda *t: t[X].view(-1, 6)),
    ("reshape_split_channels", lambda *t: torch.reshape(t[Y], (2, 5, 3, 10))),
    ("view_size_arith", lambda *t: t[Y].view(t[Y].size(0), t[Y].size(1) * t[Y].size(2), -1)),
    # permute / transpose
    ("permute_nhwc", lambda *t: t[X].permute(0, 2, 3, 1)),
    ("permute_0312", lambda *t: torch.permute(t[X], (0, 3, 1, 2))),
    ("transpose_1_2", lambda *t: t[X].transpose(1, 2)),
    ("transpose_-1_-2", lambda *t: torch.transpose(t[Y], -1, -2)),
    ("permute_then_flatten", lambda *t: t[X].permute(0, 2, 3, 1).reshape(2, -1)),
    ("channel_shuffle_5d", lambda *t: torch.cat([t[X], t[Z]], 1).view(2, 2, 2, 5, 6)
                                          .transpose(1, 2).contiguous().view(2, 4, 5, 6)),
    # pad
    ("pad_const_w_0.5", lambda *t: F.pad(t[X], (1, 2), value=0.5)),
    ("pad_const_hw_-1", lambda *t: F.pad(t[X], (1, 2, 3, 0), mode="constant", value=-1.0)),
    ("pad_const_channels", lambda *t: F.pad(t[X], (0, 0, 0, 0, 2, 1), value=0.25)),
    ("pad_const_zero", lambda *t: F.pad(t[X], (2, 2, 1, 1))),
    ("pad_ConstantPad2d", on_x(nn.ConstantPad2d((0, 3, 2, 1), 3.5))),
    ("pad_ZeroPad2d", on_x(nn.ZeroPad2d(1))),
    ("pad_reflect_1", lambda *t: F.pad(t[X], (1, 1, 1, 1), mode="reflect")),
    ("pad_reflect_asym", lambda *t: F.pad(t[X], (2, 0, 0, 3), mode="reflect")),
    ("pad_reflect_max", lambda *t: F.pad(t[X], (5, 5, 4, 4), mode="reflect")),
    ("pad_ReflectionPad2d", on_x(nn.ReflectionPad2d((1, 2, 3, 4)))),
    ("pad_reflect_w_only", lambda *t: F.pad(t[X], (3, 1, 0, 0), mode="reflect")),
    # upsample nearest
    ("nearest_scale2", on_x(up(scale_factor=2, mode="nearest"))),
    ("nearest_scale(2,3)", on_x(up(scale_factor=(2, 3), mode="nearest"))),
    ("nearest_scale1.5", on_x(up(scale_factor=1.5, mode="nearest"))),
    ("nearest_size(7,9)", on_x(up(size=(7, 9), mode="nearest"))),
    ("nearest_size_shrink(3,4)", on_x(up(size=(3, 4), mode="nearest"))),
    ("nearest_interpolate_scale2", lambda *t: F.interpolate(t[Y], scale_factor=2)),
    # upsample bilinear
    ("bilinear_scale2_ac_false", on_x(up(scale_factor=2, mode="bilinear", align_corners=False))),
    ("bilinear_scale2_ac_true", on_x(up(scale_factor=2, mode="bilinear", align_corners=True))),
    ("bilinear_scale1.5_ac_false", on_x(up(scale_factor=1.5, mode="bilinear", align_corners=False))),
    ("bilinear_size(8,11)_ac_false", on_x(up(size=(8, 11), mode="bilinear", align_corners=False))),
    ("bilinear_size(8,11)_ac_true", on_x(up(size=(8, 11), mode="bilinear", align_corners=True))),
    ("bilinear_shrink(3,4)_ac_false", on_x(up(size=(3, 4), mode="bilinear", align_corners=False))),
    ("bilinear_shrink(3,4)_ac_true", on_x(up(size=(3, 4), mode="bilinear", align_corners=True))),
    ("bilinear_size(1,1)_ac_true", on_x(up(size=(1, 1), mode="bilinear", align_corners=True))),
    ("bilinear_interpolate_scale(3,2)", lambda *t: F.interpolate(t[Y], scale_factor=(3, 2),
                                                                 mode="bilinear",
                                                                 align_corners=False)),
]

harness.check("shape", cases, inputs, expected=46)
