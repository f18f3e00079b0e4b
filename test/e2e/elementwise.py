# Element-wise add/sub/mul/div compiled by cnnc agree with PyTorch: same
# shapes, NumPy broadcasting ([N,C,H,W] with [N,C,1,1], [C,1,1], [W], both
# operands broadcast, either operand the smaller one) and scalar constants
# on either side (x + 2, 2 + x, 1 - x, x / 3, 1 / x, ...).
# Tolerance: max|ours - torch| <= 1e-4 * max(1, max|torch|) in f32, per case.
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models:%S/Inputs %torch_python %s

import torch

import harness

torch.manual_seed(0)
N, C, H, W = 2, 4, 5, 6
inputs = [
    harness.seeded_input((N, C, H, W), seed=0),          # X
    harness.seeded_input((N, C, H, W), seed=1),          # Y
    harness.seeded_input((N, C, 1, 1), seed=2),          # A
    harness.seeded_input((C, 1, 1), seed=3),             # B
    harness.seeded_input((W,), seed=4),                  # Wv
    harness.seeded_input((N, 1, H, 1), seed=5),          # R
    harness.seeded_input((1, C, 1, W), seed=6),          # Q
    harness.seeded_input((N, C, H, W), seed=7).abs() + 0.5,  # XP (positive, for division)
    harness.seeded_input((N, C, 1, 1), seed=8).abs() + 0.5,  # AP
    harness.seeded_input((C, 1, 1), seed=9).abs() + 0.5,     # BP
]
X, Y, A, B, Wv, R, Q, XP, AP, BP = range(len(inputs))

cases = [
    # same shape
    ("add_same", lambda *t: t[X] + t[Y]),
    ("sub_same", lambda *t: t[X] - t[Y]),
    ("mul_same", lambda *t: t[X] * t[Y]),
    ("div_same", lambda *t: t[Y] / t[XP]),
    ("torch_add_sub_mul_div", lambda *t: torch.div(torch.mul(torch.sub(torch.add(t[X], t[Y]), t[A]),
                                                             t[B]), t[BP])),
    # [N,C,H,W] with [N,C,1,1]
    ("add_nc11", lambda *t: t[X] + t[A]),
    ("sub_nc11_rhs", lambda *t: t[X] - t[A]),
    ("sub_nc11_lhs", lambda *t: t[A] - t[X]),
    ("mul_nc11", lambda *t: t[A] * t[X]),
    ("div_nc11_rhs", lambda *t: t[X] / t[AP]),
    ("div_nc11_lhs", lambda *t: t[A] / t[XP]),
    # [N,C,H,W] with [C,1,1] (lower rank)
    ("add_c11", lambda *t: t[X] + t[B]),
    ("sub_c11_lhs", lambda *t: t[B] - t[X]),
    ("mul_c11", lambda *t: t[X] * t[B]),
    ("div_c11", lambda *t: t[X] / t[BP]),
    # [N,C,H,W] with [W]
    ("add_w", lambda *t: t[X] + t[Wv]),
    ("sub_w_lhs", lambda *t: t[Wv] - t[X]),
    ("mul_w", lambda *t: t[Wv] * t[X]),
    ("div_w_lhs", lambda *t: t[Wv] / t[XP]),
    # both operands broadcast: [N,1,H,1] with [1,C,1,W]
    ("add_both_broadcast", lambda *t: t[R] + t[Q]),
    ("sub_both_broadcast", lambda *t: t[Q] - t[R]),
    ("mul_both_broadcast", lambda *t: t[R] * t[Q]),
    ("div_both_broadcast", lambda *t: t[Q] / (t[R] * t[R] + 0.5)),
    # scalar constants on either side
    ("add_scalar", lambda *t: t[X] + 2.0),
    ("add_scalar_lhs", lambda *t: 2.5 + t[X]),
    ("sub_scalar", lambda *t: t[X] - 0.5),
    ("sub_scalar_lhs_1-x", lambda *t: 1 - t[X]),
    ("mul_scalar", lambda *t: t[X] * 0.17),
    ("mul_scalar_lhs", lambda *t: -3 * t[X]),
    ("div_scalar_x/3", lambda *t: t[X] / 3),
    ("div_scalar_lhs_1/x", lambda *t: 1.0 / t[XP]),
    ("scalar_chain", lambda *t: (1 - t[X] * 0.5) / 4 + 2 - 3 / t[XP]),
    # a shape-derived number (x.shape[-1]) as the scalar
    ("div_by_shape", lambda *t: t[X] / t[X].shape[-1]),
    # typical uses: scale-shift with per-channel tensors, residual
    ("affine_per_channel", lambda *t: (t[X] - t[B]) / t[BP] * t[A] + t[AP]),
    ("residual", lambda *t: torch.relu(t[X] + t[Y]) * t[Y]),
]

harness.check("elementwise", cases, inputs, expected=35)
