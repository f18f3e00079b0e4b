"""A reference interpreter of cnnc model descriptions, written with PyTorch.

`run(description, tensors, inputs)` evaluates a description (the dict of
docs/model-format.md) on input tensors, op by op with ``torch`` functions,
following the op table of the format: attribute defaults, the padding
spellings (int, ``[h, w]``, ``[top, left, bottom, right]``), ONNX-order
``pads``, the one-input binary ops with ``scalar``/``scalar_lhs``.

It is slow and simple on purpose: it is the executable meaning of the
format, used by the tests to check that an exported description computes
what the PyTorch module computes, and usable as an oracle for cnnc itself.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Mapping, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["run"]

Tensor = torch.Tensor


def _pair(value: Any) -> List[int]:
    if isinstance(value, (list, tuple)):
        return [int(value[0]), int(value[-1])] if len(value) in (1, 2) else list(value)
    return [int(value), int(value)]


def _quad(value: Any) -> List[int]:
    """Conv/pool padding as [top, left, bottom, right]."""
    if isinstance(value, (list, tuple)) and len(value) == 4:
        return [int(v) for v in value]
    ph, pw = _pair(value)
    return [ph, pw, ph, pw]


def _pad_spatial(x: Tensor, quad: Sequence[int], value: float = 0.0) -> Tensor:
    top, left, bottom, right = quad
    if not any(quad):
        return x
    return F.pad(x, (left, right, top, bottom), value=value)


def _symmetric(quad: Sequence[int]) -> bool:
    return quad[0] == quad[2] and quad[1] == quad[3]


def _conv2d(x: Tensor, a: Dict[str, Any], p: Dict[str, Tensor]) -> Tensor:
    quad = _quad(a.get("padding", 0))
    if not _symmetric(quad):
        x, quad = _pad_spatial(x, quad), [0, 0, 0, 0]
    return F.conv2d(x, p["weight"], p.get("bias"), _pair(a.get("stride", 1)),
                    [quad[0], quad[1]], _pair(a.get("dilation", 1)), a.get("groups", 1))


def _conv_transpose2d(x: Tensor, a: Dict[str, Any], p: Dict[str, Tensor]) -> Tensor:
    return F.conv_transpose2d(x, p["weight"], p.get("bias"), _pair(a.get("stride", 1)),
                              _pair(a.get("padding", 0)), _pair(a.get("output_padding", 0)),
                              a.get("groups", 1), _pair(a.get("dilation", 1)))


def _max_pool2d(x: Tensor, a: Dict[str, Any], p: Dict[str, Tensor]) -> Tensor:
    kernel = _pair(a["kernel"])
    stride = _pair(a.get("stride", kernel))
    quad = _quad(a.get("padding", 0))
    if not _symmetric(quad):
        x, quad = _pad_spatial(x, quad, -math.inf), [0, 0, 0, 0]
    return F.max_pool2d(x, kernel, stride, [quad[0], quad[1]], _pair(a.get("dilation", 1)),
                        bool(a.get("ceil_mode", False)))


def _avg_pool2d(x: Tensor, a: Dict[str, Any], p: Dict[str, Tensor]) -> Tensor:
    kernel = _pair(a["kernel"])
    stride = _pair(a.get("stride", kernel))
    quad = _quad(a.get("padding", 0))
    if not _symmetric(quad):
        raise NotImplementedError("asymmetric avg_pool2d padding")
    return F.avg_pool2d(x, kernel, stride, [quad[0], quad[1]], bool(a.get("ceil_mode", False)),
                        bool(a.get("count_include_pad", True)))


def _binary(fn: Callable[[Any, Any], Tensor]) -> Callable[..., Tensor]:
    def op(*xs: Tensor, a: Dict[str, Any]) -> Tensor:
        if len(xs) == 2:
            return fn(xs[0], xs[1])
        scalar = float(a["scalar"])
        return fn(scalar, xs[0]) if a.get("scalar_lhs", False) else fn(xs[0], scalar)
    return op


def _upsample(x: Tensor, a: Dict[str, Any], p: Dict[str, Tensor]) -> Tensor:
    mode = a["mode"]
    align = bool(a.get("align_corners", False)) if mode == "bilinear" else None
    if "scale" in a:
        scale = a["scale"]
        scale = [float(s) for s in scale] if isinstance(scale, list) else [float(scale)] * 2
        return F.interpolate(x, scale_factor=scale, mode=mode, align_corners=align)
    return F.interpolate(x, size=_pair(a["size"]), mode=mode, align_corners=align)


def _pad(x: Tensor, a: Dict[str, Any], p: Dict[str, Tensor]) -> Tensor:
    pads = [int(v) for v in a["pads"]]
    rank = x.dim()
    torch_pad: List[int] = []
    for dim in reversed(range(rank)):  # PyTorch lists the last dimension first
        torch_pad += [pads[dim], pads[rank + dim]]
    mode = a.get("mode", "constant")
    # Drop the all-zero pairs of leading dimensions; reflection padding of an
    # N-d input must still list its N - 2 trailing dimensions.
    keep = 2 if mode == "constant" else 2 * max(1, rank - 2)
    while len(torch_pad) > keep and torch_pad[-1] == 0 and torch_pad[-2] == 0:
        torch_pad = torch_pad[:-2]
    if mode == "constant":
        return F.pad(x, torch_pad, value=float(a.get("value", 0.0)))
    return F.pad(x, torch_pad, mode=mode)


def _flatten(x: Tensor, a: Dict[str, Any], p: Dict[str, Tensor]) -> Tensor:
    return torch.flatten(x, a.get("start_dim", 1), a.get("end_dim", -1))


_UNARY: Dict[str, Callable[[Tensor, Dict[str, Any], Dict[str, Tensor]], Tensor]] = {
    "conv2d": _conv2d,
    "conv_transpose2d": _conv_transpose2d,
    "dense": lambda x, a, p: F.linear(x, p["weight"], p.get("bias")),
    "batch_norm": lambda x, a, p: F.batch_norm(
        x, p["running_mean"], p["running_var"], p["weight"], p["bias"], False, 0.0,
        float(a.get("epsilon", 1e-5))),
    "max_pool2d": _max_pool2d,
    "avg_pool2d": _avg_pool2d,
    "global_avg_pool2d": lambda x, a, p: x.mean((2, 3), keepdim=True),
    "global_max_pool2d": lambda x, a, p: x.amax((2, 3), keepdim=True),
    "adaptive_avg_pool2d": lambda x, a, p: F.adaptive_avg_pool2d(x, _pair(a["output_size"])),
    "relu": lambda x, a, p: torch.relu(x),
    "sigmoid": lambda x, a, p: torch.sigmoid(x),
    "tanh": lambda x, a, p: torch.tanh(x),
    "silu": lambda x, a, p: F.silu(x),
    "hardswish": lambda x, a, p: F.hardswish(x),
    "relu6": lambda x, a, p: torch.clamp(x, 0.0, 6.0),
    "leaky_relu": lambda x, a, p: F.leaky_relu(x, float(a.get("alpha", 0.01))),
    "clip": lambda x, a, p: torch.clamp(x, float(a["min"]), float(a["max"])),
    "hardsigmoid": lambda x, a, p: torch.clamp(
        float(a.get("alpha", 1 / 6)) * x + float(a.get("beta", 0.5)), 0.0, 1.0),
    "gelu": lambda x, a, p: F.gelu(x, approximate=a.get("approximate", "none")),
    "softmax": lambda x, a, p: torch.softmax(x, int(a.get("axis", 1))),
    "log_softmax": lambda x, a, p: torch.log_softmax(x, int(a.get("axis", 1))),
    "lrn": lambda x, a, p: F.local_response_norm(
        x, int(a["size"]), float(a.get("alpha", 1e-4)), float(a.get("beta", 0.75)),
        float(a.get("bias", 1.0))),
    "l2_normalize": lambda x, a, p: F.normalize(
        x, p=2.0, dim=int(a.get("axis", 1)), eps=float(a.get("epsilon", 1e-12))),
    "dropout": lambda x, a, p: x,
    "flatten": _flatten,
    "reshape": lambda x, a, p: torch.reshape(x, [int(d) for d in a["shape"]]),
    "transpose": lambda x, a, p: x.permute([int(d) for d in a["perm"]]),
    "pad": _pad,
    "upsample": _upsample,
}

_BINARY = {
    "add": _binary(lambda a, b: a + b),
    "sub": _binary(lambda a, b: a - b),
    "mul": _binary(lambda a, b: a * b),
    "div": _binary(lambda a, b: a / b),
}


def _as_tensor(value: Union[Tensor, np.ndarray]) -> Tensor:
    if isinstance(value, Tensor):
        return value.detach().float()
    return torch.from_numpy(np.array(value, dtype=np.float32))


def run(description: Mapping[str, Any], tensors: Mapping[str, Any],
        inputs: Union[Tensor, Sequence[Tensor], Mapping[str, Tensor]]) -> List[Tensor]:
    """Evaluates `description` with parameters `tensors` (``<layer>.<param>``
    -> tensor or array) on `inputs` (a tensor, a sequence in the order of the
    description's inputs, or a name -> tensor mapping); returns the outputs
    in order."""
    if isinstance(inputs, Tensor):
        inputs = [inputs]
    if not isinstance(inputs, Mapping):
        inputs = {spec["name"]: t for spec, t in zip(description["inputs"], inputs)}
    values: Dict[str, Tensor] = {}
    for spec in description["inputs"]:
        value = inputs[spec["name"]]
        if list(value.shape) != list(spec["shape"]):
            raise ValueError(f"input {spec['name']}: shape {list(value.shape)}, "
                             f"expected {spec['shape']}")
        values[spec["name"]] = value.detach().float()
    with torch.no_grad():
        for layer in description["layers"]:
            op, name = layer["op"], layer["name"]
            attrs = layer.get("attrs", {})
            args = [values[i] for i in layer["inputs"]]
            prefix = name + "."
            params = {k[len(prefix):]: _as_tensor(v) for k, v in tensors.items()
                      if k.startswith(prefix) and "." not in k[len(prefix):]}
            if op in _BINARY:
                out = _BINARY[op](*args, a=attrs)
            elif op == "concat":
                out = torch.cat(args, int(attrs.get("axis", 1)))
            elif op in _UNARY:
                if len(args) != 1:
                    raise ValueError(f"{name}: {op} takes one input")
                out = _UNARY[op](args[0], attrs, params)
            else:
                raise NotImplementedError(f"{name}: op {op!r}")
            values[name] = out
    return [values[o] for o in description["outputs"]]
