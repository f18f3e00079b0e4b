"""Conversion of a PyTorch module into a cnnc model description.

The module is put in eval mode and traced with ``torch.fx.symbolic_trace``;
``ShapeProp`` then runs the traced graph on the example input so that every
node knows its output shape. Each fx node is mapped by a handler (one per
module class, function or tensor method) to

* one or more cnnc layers (``_Emit``), named after the fx node (a helper
  layer gets the node name plus a suffix; the last layer always carries the
  node name so that later layers can refer to it);
* an alias of another node (``_Alias``: ``nn.Identity``, ``contiguous()``,
  a reshape to the same shape), which emits nothing;
* a shape-derived Python value (``x.size(0)``, ``x.shape[1] * 2``) that the
  handlers of ``view``/``reshape`` and of the binary ops read from ShapeProp;
* or an ``_Unsupported`` reason.

Only nodes the outputs depend on are exported, so dead code and the shape
arithmetic feeding ``view`` disappear. Every unsupported live node is
collected and reported at once in one ``UnsupportedModelError``.

The op and attribute vocabulary is that of docs/model-format.md.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from torch.fx import Node
from torch.fx.node import map_aggregate
from torch.fx.passes.shape_prop import ShapeProp, TensorMetadata

from .errors import UnsupportedModelError, UnsupportedNode

__all__ = ["Converted", "convert", "FORMAT", "VERSION"]

FORMAT = "cnnc-model"
VERSION = 1


# ---------------------------------------------------------------------------
# Handler results
# ---------------------------------------------------------------------------

class _Unsupported(Exception):
    """Raised by a handler: the node has no cnnc equivalent (the message
    says why)."""


@dataclass
class _Layer:
    name: str
    op: str
    inputs: List[Union[Node, str]]  # fx nodes, or names of helper layers
    attrs: Dict[str, Any] = field(default_factory=dict)
    params: Dict[str, torch.Tensor] = field(default_factory=dict)


@dataclass
class _Emit:
    layers: List[_Layer]


@dataclass
class _Alias:
    source: Node


class _Static:
    """A Python value computed only from tensor shapes (known statically)."""


class _Input:
    """A model input (placeholder)."""


Result = Union[_Emit, _Alias, _Static, _Input, _Unsupported]


# ---------------------------------------------------------------------------
# Shape propagation that also remembers shape-derived Python values
# ---------------------------------------------------------------------------

def _plain_value(value: Any) -> bool:
    if isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, (tuple, list)):  # torch.Size is a tuple
        return all(isinstance(v, (bool, int, float)) for v in value)
    return False


class _ShapeProp(ShapeProp):
    """ShapeProp that also records non-tensor Python results (sizes and the
    arithmetic on them) in ``node.meta["cnnc_value"]``."""

    def run_node(self, n: Node) -> Any:
        result = super().run_node(n)
        if not isinstance(result, torch.Tensor) and _plain_value(result):
            n.meta["cnnc_value"] = result
        return result


# Functions whose result is static when all their Node arguments are static.
_STATIC_ARITH = {operator.getitem, operator.add, operator.sub, operator.mul,
                 operator.floordiv, operator.truediv, operator.mod,
                 operator.neg, operator.pow, operator.pos}


def _tensor_meta(node: Any) -> Optional[TensorMetadata]:
    if isinstance(node, Node):
        meta = node.meta.get("tensor_meta")
        if isinstance(meta, TensorMetadata):
            return meta
    return None


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

def _pair(value: Any, what: str) -> List[int]:
    """An int or a 1/2-sequence of ints as [a, b]."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            value = (value[0], value[0])
        if len(value) != 2:
            raise _Unsupported(f"{what} {tuple(value)} is not 2-D")
        return [int(value[0]), int(value[1])]
    return [int(value), int(value)]


def _pool_padding(value: Any) -> List[int]:
    """PyTorch pool padding (int or (ph, pw)) as [top, left, bottom, right]."""
    ph, pw = _pair(value, "padding")
    return [ph, pw, ph, pw]


def _float(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Unsupported(f"{what} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise _Unsupported(f"{what} is not finite ({value})")
    return value


def _module_target(module: nn.Module) -> str:
    cls = type(module)
    if cls.__module__.startswith("torch.nn."):
        return f"nn.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def _function_target(target: Any) -> str:
    try:
        name = torch.fx.node._get_qualified_name(target)
    except Exception:  # pragma: no cover - exotic callables
        name = getattr(target, "__name__", repr(target))
    for prefix, repl in (("_operator.", "operator."),
                         ("torch._C._nn.", "torch.nn.functional."),
                         ("torch._C._VariableFunctions.", "torch.")):
        if name.startswith(prefix):
            name = repl + name[len(prefix):]
    return name


def _describe_target(node: Node, gm: torch.fx.GraphModule) -> str:
    if node.op == "call_module":
        return _module_target(gm.get_submodule(node.target))
    if node.op == "call_function":
        return _function_target(node.target)
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    if node.op == "get_attr":
        return f"get_attr {node.target}"
    return node.op


# ---------------------------------------------------------------------------
# Per-node context given to handlers
# ---------------------------------------------------------------------------

class _Ctx:
    def __init__(self, conv: "_Converter", node: Node,
                 module: Optional[nn.Module] = None):
        self.conv = conv
        self.node = node
        self.module = module

    # -- arguments --------------------------------------------------------
    def bind(self, names: Sequence[str],
             defaults: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Binds the node's args/kwargs to `names` (positional order) with
        `defaults`. A missing required argument or an unknown one is
        unsupported."""
        args, kwargs = self.node.args, self.node.kwargs
        if len(args) > len(names):
            raise _Unsupported(f"unexpected extra arguments {args[len(names):]!r}")
        bound = dict(defaults or {})
        bound.update(zip(names, args))
        for key, value in kwargs.items():
            if key not in names:
                raise _Unsupported(f"unsupported argument {key}={value!r}")
            bound[key] = value
        missing = [n for n in names if n not in bound]
        if missing:
            raise _Unsupported(f"missing argument {missing[0]!r}")
        return bound

    def single_input(self) -> Node:
        """The only argument of a module call, checked to be a tensor."""
        if len(self.node.args) != 1 or self.node.kwargs:
            raise _Unsupported("called with extra arguments")
        return self.tensor(self.node.args[0])

    # -- tensors and shapes -------------------------------------------------
    def tensor(self, value: Any, what: str = "input") -> Node:
        meta = _tensor_meta(value)
        if meta is None:
            raise _Unsupported(f"{what} is not a tensor")
        if meta.dtype != torch.float32:
            raise _Unsupported(f"{what} has dtype {meta.dtype}, only float32 is supported")
        return value

    def is_tensor(self, value: Any) -> bool:
        return _tensor_meta(value) is not None

    @staticmethod
    def shape(node: Node) -> List[int]:
        return [int(d) for d in _tensor_meta(node).shape]

    def out_shape(self) -> List[int]:
        meta = _tensor_meta(self.node)
        if meta is None:
            raise _Unsupported("result is not a single tensor")
        return [int(d) for d in meta.shape]

    def require_rank(self, node: Node, ranks: Sequence[int], op: str) -> int:
        rank = len(self.shape(node))
        if rank not in ranks:
            want = " or ".join(str(r) for r in ranks)
            raise _Unsupported(f"{op} needs a rank-{want} input, got shape {self.shape(node)}")
        return rank

    def scalar(self, value: Any) -> float:
        """A Python number, or a shape-derived static node, as a float."""
        if isinstance(value, Node):
            if isinstance(self.conv.results.get(value), _Static):
                value = value.meta["cnnc_value"]
            else:
                raise _Unsupported(f"operand {value.name} is neither a float32 tensor nor a number")
        return _float(value, "scalar operand")

    # -- results ------------------------------------------------------------
    def fresh(self, tag: str) -> str:
        return self.conv.fresh_name(f"{self.node.name}_{tag}")

    def layer(self, op: str, inputs: Sequence[Union[Node, str]],
              attrs: Optional[Dict[str, Any]] = None,
              params: Optional[Dict[str, torch.Tensor]] = None) -> _Emit:
        return _Emit([_Layer(self.node.name, op, list(inputs), attrs or {}, params or {})])


Handler = Callable[[_Ctx], Result]


# ---------------------------------------------------------------------------
# Shared lowering of ops with several PyTorch spellings
# ---------------------------------------------------------------------------

def _conv_padding(padding: Any, kernel: Sequence[int], dilation: Sequence[int]) -> List[int]:
    """Conv padding as [ph, pw], or [top, left, bottom, right] when 'same'
    needs an asymmetric pad (PyTorch puts the odd pixel at the end)."""
    if isinstance(padding, str):
        if padding == "valid":
            return [0, 0]
        if padding != "same":
            raise _Unsupported(f"padding={padding!r}")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        begin = [t // 2 for t in totals]
        end = [t - b for t, b in zip(totals, begin)]
        if begin == end:
            return begin
        return [begin[0], begin[1], end[0], end[1]]
    return _pair(padding, "padding")


def _pool_stride(stride: Any, kernel: List[int]) -> List[int]:
    """Pool stride; None or [] (PyTorch's "default") means the kernel."""
    if stride is None or (isinstance(stride, (list, tuple)) and not stride):
        return list(kernel)
    return _pair(stride, "stride")


def _max_pool(ctx: _Ctx, x: Node, kernel: Any, stride: Any, padding: Any,
              dilation: Any, ceil_mode: bool, return_indices: bool) -> _Emit:
    if return_indices:
        raise _Unsupported("return_indices=True")
    ctx.require_rank(x, [4], "max_pool2d")
    k = _pair(kernel, "kernel")
    s = _pool_stride(stride, k)
    return ctx.layer("max_pool2d", [x], {
        "kernel": k, "stride": s, "padding": _pool_padding(padding),
        "dilation": _pair(dilation, "dilation"), "ceil_mode": bool(ceil_mode)})


def _avg_pool(ctx: _Ctx, x: Node, kernel: Any, stride: Any, padding: Any,
              ceil_mode: bool, count_include_pad: bool, divisor_override: Any) -> _Emit:
    if divisor_override is not None:
        raise _Unsupported(f"divisor_override={divisor_override!r}")
    ctx.require_rank(x, [4], "avg_pool2d")
    k = _pair(kernel, "kernel")
    s = _pool_stride(stride, k)
    return ctx.layer("avg_pool2d", [x], {
        "kernel": k, "stride": s, "padding": _pool_padding(padding),
        "ceil_mode": bool(ceil_mode), "count_include_pad": bool(count_include_pad)})


def _adaptive_avg(ctx: _Ctx, x: Node) -> _Emit:
    ctx.require_rank(x, [4], "adaptive_avg_pool2d")
    oh, ow = ctx.out_shape()[2:]
    if (oh, ow) == (1, 1):
        return ctx.layer("global_avg_pool2d", [x])
    return ctx.layer("adaptive_avg_pool2d", [x], {"output_size": [oh, ow]})


def _adaptive_max(ctx: _Ctx, x: Node, return_indices: bool = False) -> _Emit:
    if return_indices:
        raise _Unsupported("return_indices=True")
    ctx.require_rank(x, [4], "adaptive_max_pool2d")
    if ctx.out_shape()[2:] != [1, 1]:
        raise _Unsupported("adaptive max pooling is only supported to a 1x1 output")
    return ctx.layer("global_max_pool2d", [x])


def _upsample(ctx: _Ctx, x: Node, size: Any, scale: Any, mode: str,
              align_corners: Any, recompute_scale_factor: Any,
              antialias: bool = False) -> _Emit:
    ctx.require_rank(x, [4], "upsample")
    if mode not in ("nearest", "bilinear"):
        raise _Unsupported(f"interpolation mode {mode!r} (only nearest and bilinear)")
    if antialias:
        raise _Unsupported("antialias=True")
    attrs: Dict[str, Any] = {"mode": mode}
    if scale is not None and not recompute_scale_factor:
        scales = list(scale) if isinstance(scale, (list, tuple)) else [scale, scale]
        if len(scales) != 2:
            raise _Unsupported(f"scale_factor {scale!r} is not 2-D")
        attrs["scale"] = [_float(s, "scale_factor") for s in scales]
    else:
        attrs["size"] = ctx.out_shape()[2:]
    if mode == "bilinear":
        attrs["align_corners"] = bool(align_corners)
    return ctx.layer("upsample", [x], attrs)


def _pad(ctx: _Ctx, x: Node, pad: Sequence[int], mode: str, value: Any) -> _Emit:
    if mode not in ("constant", "reflect"):
        raise _Unsupported(f"padding mode {mode!r} (only constant and reflect)")
    pad = [int(p) for p in pad]
    rank = len(ctx.shape(x))
    if len(pad) % 2 or len(pad) > 2 * rank:
        raise _Unsupported(f"pad {tuple(pad)} does not fit a rank-{rank} input")
    if any(p < 0 for p in pad):
        raise _Unsupported(f"negative padding {tuple(pad)} (cropping)")
    pads = [0] * (2 * rank)
    for i in range(len(pad) // 2):  # PyTorch lists the last dimension first
        dim = rank - 1 - i
        pads[dim], pads[rank + dim] = pad[2 * i], pad[2 * i + 1]
    attrs: Dict[str, Any] = {"pads": pads, "mode": mode}
    if mode == "constant" and value:
        attrs["value"] = _float(value, "pad value")
    return ctx.layer("pad", [x], attrs)


def _softmax(ctx: _Ctx, op: str, x: Node, dim: Any, dtype: Any = None) -> _Emit:
    if dtype is not None:
        raise _Unsupported(f"dtype={dtype}")
    if dim is None:  # PyTorch's legacy implicit dimension
        dim = 0 if len(ctx.shape(x)) in (0, 1, 3) else 1
    return ctx.layer(op, [x], {"axis": int(dim)})


def _flatten(ctx: _Ctx, x: Node, start_dim: int, end_dim: int) -> _Emit:
    attrs: Dict[str, Any] = {}
    if start_dim != 1:
        attrs["start_dim"] = int(start_dim)
    if end_dim != -1:
        attrs["end_dim"] = int(end_dim)
    return ctx.layer("flatten", [x], attrs)


def _reshape(ctx: _Ctx, x: Node) -> Result:
    """view/reshape: the target shape comes from ShapeProp, so the shape
    arguments (and the size() arithmetic feeding them) are not needed."""
    meta = _tensor_meta(ctx.node)
    if meta is None or meta.dtype != torch.float32:
        raise _Unsupported("reinterprets the tensor's dtype")
    src, dst = ctx.shape(x), ctx.out_shape()
    if dst == src:
        return _Alias(x)
    if len(src) > 2 and len(dst) == 2 and dst[0] == src[0]:
        return ctx.layer("flatten", [x])
    return ctx.layer("reshape", [x], {"shape": dst})


def _permute(ctx: _Ctx, x: Node, perm: Sequence[int]) -> _Emit:
    rank = len(ctx.shape(x))
    perm = [int(p) % rank if rank else int(p) for p in perm]
    if sorted(perm) != list(range(rank)):
        raise _Unsupported(f"{perm} is not a permutation")
    return ctx.layer("transpose", [x], {"perm": perm})


def _transpose(ctx: _Ctx, x: Node, dim0: int, dim1: int) -> _Emit:
    rank = len(ctx.shape(x))
    perm = list(range(rank))
    a, b = int(dim0) % rank, int(dim1) % rank
    perm[a], perm[b] = perm[b], perm[a]
    return ctx.layer("transpose", [x], {"perm": perm})


def _mean(ctx: _Ctx, x: Node, dim: Any, keepdim: bool, dtype: Any = None) -> _Emit:
    if dtype is not None:
        raise _Unsupported(f"dtype={dtype}")
    rank = len(ctx.shape(x))
    dims = list(dim) if isinstance(dim, (list, tuple)) else [dim]
    if rank != 4 or len(dims) != 2 or {int(d) % 4 for d in dims} != {2, 3}:
        raise _Unsupported("mean is only supported over the spatial dims (2, 3) of a rank-4 input")
    if keepdim:
        return ctx.layer("global_avg_pool2d", [x])
    pool = ctx.fresh("gap")
    return _Emit([_Layer(pool, "global_avg_pool2d", [x]),
                  _Layer(ctx.node.name, "flatten", [pool])])


def _clip(ctx: _Ctx, x: Node, lo: Any, hi: Any) -> _Emit:
    if lo is None and hi is None:
        raise _Unsupported("clamp without bounds")
    if hi is None and lo is not None and not isinstance(lo, Node) and lo == 0:
        return ctx.layer("relu", [x])
    if lo is None or hi is None:
        raise _Unsupported("one-sided clamp (only both bounds, or min=0)")
    return ctx.layer("clip", [x], {"min": _float(lo, "min"), "max": _float(hi, "max")})


def _binary(op: str, ctx: _Ctx, a: Any, b: Any) -> _Emit:
    """Two tensors, or a tensor and a number (attr ``scalar``; a number on
    the left of ``-``/``/`` also sets ``scalar_lhs``)."""
    ta, tb = ctx.is_tensor(a), ctx.is_tensor(b)
    if ta and tb:
        return ctx.layer(op, [ctx.tensor(a, "lhs"), ctx.tensor(b, "rhs")])
    if ta:
        return ctx.layer(op, [ctx.tensor(a, "lhs")], {"scalar": ctx.scalar(b)})
    if tb:
        attrs: Dict[str, Any] = {"scalar": ctx.scalar(a)}
        if op in ("sub", "div"):
            attrs["scalar_lhs"] = True
        return ctx.layer(op, [ctx.tensor(b, "rhs")], attrs)
    raise _Unsupported("no tensor operand")


# ---------------------------------------------------------------------------
# Module handlers (checked in order with isinstance)
# ---------------------------------------------------------------------------

def _m_conv2d(ctx: _Ctx) -> Result:
    m: nn.Conv2d = ctx.module
    x = ctx.single_input()
    ctx.require_rank(x, [4], "conv2d")
    if m.padding_mode != "zeros":
        raise _Unsupported(f"padding_mode={m.padding_mode!r}")
    attrs: Dict[str, Any] = {"out_channels": m.out_channels, "kernel": list(m.kernel_size)}
    if list(m.stride) != [1, 1]:
        attrs["stride"] = list(m.stride)
    padding = _conv_padding(m.padding, m.kernel_size, m.dilation)
    if any(padding):
        attrs["padding"] = padding
    if list(m.dilation) != [1, 1]:
        attrs["dilation"] = list(m.dilation)
    if m.groups != 1:
        attrs["groups"] = m.groups
    params = {"weight": m.weight}
    if m.bias is None:
        attrs["bias"] = False
    else:
        params["bias"] = m.bias
    return ctx.layer("conv2d", [x], attrs, params)


def _m_conv_transpose2d(ctx: _Ctx) -> Result:
    m: nn.ConvTranspose2d = ctx.module
    if len(ctx.node.args) > 1 or ctx.node.kwargs:
        raise _Unsupported("output_size argument (set output_padding instead)")
    x = ctx.single_input()
    ctx.require_rank(x, [4], "conv_transpose2d")
    if m.padding_mode != "zeros":
        raise _Unsupported(f"padding_mode={m.padding_mode!r}")
    attrs: Dict[str, Any] = {"out_channels": m.out_channels, "kernel": list(m.kernel_size)}
    for key, value, default in (("stride", list(m.stride), [1, 1]),
                                ("padding", _pair(m.padding, "padding"), [0, 0]),
                                ("output_padding", list(m.output_padding), [0, 0]),
                                ("dilation", list(m.dilation), [1, 1])):
        if value != default:
            attrs[key] = value
    if m.groups != 1:
        attrs["groups"] = m.groups
    params = {"weight": m.weight}
    if m.bias is None:
        attrs["bias"] = False
    else:
        params["bias"] = m.bias
    return ctx.layer("conv_transpose2d", [x], attrs, params)


def _m_linear(ctx: _Ctx) -> Result:
    m: nn.Linear = ctx.module
    x = ctx.single_input()
    if len(ctx.shape(x)) != 2:
        raise _Unsupported(f"dense needs a rank-2 [N, features] input, got shape {ctx.shape(x)}")
    attrs: Dict[str, Any] = {"out_features": m.out_features}
    params = {"weight": m.weight}
    if m.bias is None:
        attrs["bias"] = False
    else:
        params["bias"] = m.bias
    return ctx.layer("dense", [x], attrs, params)


def _m_batch_norm(ctx: _Ctx) -> Result:
    m: nn.modules.batchnorm._BatchNorm = ctx.module
    x = ctx.single_input()
    if m.running_mean is None or m.running_var is None:
        raise _Unsupported("track_running_stats=False uses batch statistics at inference")
    attrs: Dict[str, Any] = {"epsilon": float(m.eps)}
    if m.momentum is not None and m.momentum != 0.1:
        attrs["momentum"] = float(m.momentum)
    c = m.num_features
    weight = m.weight if m.weight is not None else torch.ones(c)
    bias = m.bias if m.bias is not None else torch.zeros(c)
    params = {"weight": weight, "bias": bias,
              "running_mean": m.running_mean, "running_var": m.running_var}
    return ctx.layer("batch_norm", [x], attrs, params)


def _m_simple(op: str) -> Handler:
    return lambda ctx: ctx.layer(op, [ctx.single_input()])


def _m_hardtanh(ctx: _Ctx) -> Result:
    m: nn.Hardtanh = ctx.module
    return _clip(ctx, ctx.single_input(), m.min_val, m.max_val)


def _m_leaky_relu(ctx: _Ctx) -> Result:
    return ctx.layer("leaky_relu", [ctx.single_input()],
                     {"alpha": _float(ctx.module.negative_slope, "negative_slope")})


def _m_gelu(ctx: _Ctx) -> Result:
    return ctx.layer("gelu", [ctx.single_input()], {"approximate": ctx.module.approximate})


def _m_max_pool(ctx: _Ctx) -> Result:
    m: nn.MaxPool2d = ctx.module
    return _max_pool(ctx, ctx.single_input(), m.kernel_size, m.stride, m.padding,
                     m.dilation, m.ceil_mode, m.return_indices)


def _m_avg_pool(ctx: _Ctx) -> Result:
    m: nn.AvgPool2d = ctx.module
    return _avg_pool(ctx, ctx.single_input(), m.kernel_size, m.stride, m.padding,
                     m.ceil_mode, m.count_include_pad, m.divisor_override)


def _m_adaptive_avg(ctx: _Ctx) -> Result:
    return _adaptive_avg(ctx, ctx.single_input())


def _m_adaptive_max(ctx: _Ctx) -> Result:
    return _adaptive_max(ctx, ctx.single_input(), ctx.module.return_indices)


def _m_dropout(ctx: _Ctx) -> Result:
    return ctx.layer("dropout", [ctx.single_input()], {"rate": _float(ctx.module.p, "p")})


def _m_flatten(ctx: _Ctx) -> Result:
    m: nn.Flatten = ctx.module
    return _flatten(ctx, ctx.single_input(), m.start_dim, m.end_dim)


def _m_lrn(ctx: _Ctx) -> Result:
    m: nn.LocalResponseNorm = ctx.module
    x = ctx.single_input()
    ctx.require_rank(x, [3, 4, 5], "lrn")
    return ctx.layer("lrn", [x], {"size": int(m.size), "alpha": float(m.alpha),
                                  "beta": float(m.beta), "bias": float(m.k)})


def _m_upsample(ctx: _Ctx) -> Result:
    m: nn.Upsample = ctx.module
    return _upsample(ctx, ctx.single_input(), m.size, m.scale_factor, m.mode,
                     m.align_corners, getattr(m, "recompute_scale_factor", None))


def _m_constant_pad(ctx: _Ctx) -> Result:
    m = ctx.module
    return _pad(ctx, ctx.single_input(), m.padding, "constant", m.value)


def _m_reflection_pad(ctx: _Ctx) -> Result:
    return _pad(ctx, ctx.single_input(), ctx.module.padding, "reflect", 0)


def _m_softmax(op: str) -> Handler:
    return lambda ctx: _softmax(ctx, op, ctx.single_input(), ctx.module.dim)


def _m_identity(ctx: _Ctx) -> Result:
    return _Alias(ctx.single_input())


# isinstance order matters: ReLU6 derives from Hardtanh.
_MODULE_HANDLERS: List[Tuple[type, Handler]] = [
    (nn.Identity, _m_identity),
    (nn.Conv2d, _m_conv2d),
    (nn.ConvTranspose2d, _m_conv_transpose2d),
    (nn.Linear, _m_linear),
    (nn.BatchNorm1d, _m_batch_norm),
    (nn.BatchNorm2d, _m_batch_norm),
    (nn.ReLU, _m_simple("relu")),
    (nn.ReLU6, _m_simple("relu6")),
    (nn.Hardtanh, _m_hardtanh),
    (nn.LeakyReLU, _m_leaky_relu),
    (nn.SiLU, _m_simple("silu")),
    (nn.Hardswish, _m_simple("hardswish")),
    (nn.Hardsigmoid, _m_simple("hardsigmoid")),
    (nn.GELU, _m_gelu),
    (nn.Sigmoid, _m_simple("sigmoid")),
    (nn.Tanh, _m_simple("tanh")),
    (nn.MaxPool2d, _m_max_pool),
    (nn.AvgPool2d, _m_avg_pool),
    (nn.AdaptiveAvgPool2d, _m_adaptive_avg),
    (nn.AdaptiveMaxPool2d, _m_adaptive_max),
    (nn.Dropout, _m_dropout),
    (nn.Flatten, _m_flatten),
    (nn.LocalResponseNorm, _m_lrn),
    (nn.Upsample, _m_upsample),
    (nn.modules.padding._ConstantPadNd, _m_constant_pad),
    (nn.modules.padding._ReflectionPadNd, _m_reflection_pad),
    (nn.Softmax, _m_softmax("softmax")),
    (nn.LogSoftmax, _m_softmax("log_softmax")),
]


# ---------------------------------------------------------------------------
# Function and method handlers (methods see the tensor as argument 0)
# ---------------------------------------------------------------------------

def _f_unary(op: str, *extra: str) -> Handler:
    """A one-input op; the `extra` arguments (e.g. inplace) are accepted and
    ignored."""
    names = ["input", *extra]

    def handler(ctx: _Ctx) -> Result:
        args = ctx.bind(names, {n: None for n in extra})
        return ctx.layer(op, [ctx.tensor(args["input"])])
    return handler


def _f_binary(op: str) -> Handler:
    extra = {"add": ["alpha"], "sub": ["alpha"], "div": ["rounding_mode"]}.get(op, [])

    def handler(ctx: _Ctx) -> Result:
        args = ctx.bind(["input", "other", *extra], {"alpha": 1, "rounding_mode": None})
        if args["alpha"] != 1:
            raise _Unsupported(f"alpha={args['alpha']!r}")
        if args["rounding_mode"] is not None:
            raise _Unsupported(f"rounding_mode={args['rounding_mode']!r}")
        return _binary(op, ctx, args["input"], args["other"])
    return handler


def _f_cat(ctx: _Ctx) -> Result:
    args = ctx.bind(["tensors", "dim"], {"dim": 0})
    tensors = args["tensors"]
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise _Unsupported("cat of something other than a list of tensors")
    inputs = [ctx.tensor(t, "concatenated value") for t in tensors]
    return ctx.layer("concat", inputs, {"axis": int(args["dim"])})


def _f_flatten(ctx: _Ctx) -> Result:
    args = ctx.bind(["input", "start_dim", "end_dim"], {"start_dim": 0, "end_dim": -1})
    return _flatten(ctx, ctx.tensor(args["input"]), args["start_dim"], args["end_dim"])


def _f_leaky_relu(ctx: _Ctx) -> Result:
    args = ctx.bind(["input", "negative_slope", "inplace"],
                    {"negative_slope": 0.01, "inplace": False})
    return ctx.layer("leaky_relu", [ctx.tensor(args["input"])],
                     {"alpha": _float(args["negative_slope"], "negative_slope")})


def _f_gelu(ctx: _Ctx) -> Result:
    args = ctx.bind(["input", "approximate"], {"approximate": "none"})
    return ctx.layer("gelu", [ctx.tensor(args["input"])], {"approximate": args["approximate"]})


def _f_hardtanh(ctx: _Ctx) -> Result:
    args = ctx.bind(["input", "min_val", "max_val", "inplace"],
                    {"min_val": -1.0, "max_val": 1.0, "inplace": False})
    return _clip(ctx, ctx.tensor(args["input"]), args["min_val"], args["max_val"])


def _f_clamp(ctx: _Ctx) -> Result:
    args = ctx.bind(["input", "min", "max"], {"min": None, "max": None})
    return _clip(ctx, ctx.tensor(args["input"]), args["min"], args["max"])


def _f_max_pool(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "kernel_size", "stride", "padding", "dilation",
                  "ceil_mode", "return_indices"],
                 {"stride": None, "padding": 0, "dilation": 1,
                  "ceil_mode": False, "return_indices": False})
    return _max_pool(ctx, ctx.tensor(a["input"]), a["kernel_size"], a["stride"],
                     a["padding"], a["dilation"], a["ceil_mode"], a["return_indices"])


def _f_avg_pool(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "kernel_size", "stride", "padding", "ceil_mode",
                  "count_include_pad", "divisor_override"],
                 {"stride": None, "padding": 0, "ceil_mode": False,
                  "count_include_pad": True, "divisor_override": None})
    return _avg_pool(ctx, ctx.tensor(a["input"]), a["kernel_size"], a["stride"],
                     a["padding"], a["ceil_mode"], a["count_include_pad"],
                     a["divisor_override"])


def _f_adaptive_avg(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "output_size"])
    return _adaptive_avg(ctx, ctx.tensor(a["input"]))


def _f_adaptive_max(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "output_size", "return_indices"], {"return_indices": False})
    return _adaptive_max(ctx, ctx.tensor(a["input"]), a["return_indices"])


def _f_dropout(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "p", "training", "inplace"],
                 {"p": 0.5, "training": True, "inplace": False})
    if a["training"]:
        raise _Unsupported("training=True drops values at inference too "
                           "(pass training=self.training)")
    return ctx.layer("dropout", [ctx.tensor(a["input"])], {"rate": _float(a["p"], "p")})


def _f_normalize(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "p", "dim", "eps", "out"],
                 {"p": 2.0, "dim": 1, "eps": 1e-12, "out": None})
    if a["p"] != 2:
        raise _Unsupported(f"p={a['p']!r} (only the L2 norm)")
    if a["out"] is not None:
        raise _Unsupported("out= argument")
    return ctx.layer("l2_normalize", [ctx.tensor(a["input"])],
                     {"axis": int(a["dim"]), "epsilon": _float(a["eps"], "eps")})


def _f_lrn(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "size", "alpha", "beta", "k"],
                 {"alpha": 1e-4, "beta": 0.75, "k": 1.0})
    x = ctx.tensor(a["input"])
    ctx.require_rank(x, [3, 4, 5], "lrn")
    return ctx.layer("lrn", [x], {"size": int(a["size"]), "alpha": _float(a["alpha"], "alpha"),
                                  "beta": _float(a["beta"], "beta"), "bias": _float(a["k"], "k")})


def _f_interpolate(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "size", "scale_factor", "mode", "align_corners",
                  "recompute_scale_factor", "antialias"],
                 {"size": None, "scale_factor": None, "mode": "nearest",
                  "align_corners": None, "recompute_scale_factor": None,
                  "antialias": False})
    return _upsample(ctx, ctx.tensor(a["input"]), a["size"], a["scale_factor"], a["mode"],
                     a["align_corners"], a["recompute_scale_factor"], a["antialias"])


def _f_pad(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "pad", "mode", "value"], {"mode": "constant", "value": None})
    return _pad(ctx, ctx.tensor(a["input"]), a["pad"], a["mode"], a["value"] or 0)


def _f_softmax(op: str) -> Handler:
    def handler(ctx: _Ctx) -> Result:
        a = ctx.bind(["input", "dim", "_stacklevel", "dtype"],
                     {"dim": None, "_stacklevel": 3, "dtype": None})
        return _softmax(ctx, op, ctx.tensor(a["input"]), a["dim"], a["dtype"])
    return handler


def _f_reshape(ctx: _Ctx) -> Result:
    # torch.reshape(input, shape); Tensor.view/reshape(*shape) or (shape)
    if not ctx.node.args:
        raise _Unsupported("missing input")
    return _reshape(ctx, ctx.tensor(ctx.node.args[0]))


def _f_transpose(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "dim0", "dim1"])
    return _transpose(ctx, ctx.tensor(a["input"]), a["dim0"], a["dim1"])


def _f_permute(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "dims"])
    return _permute(ctx, ctx.tensor(a["input"]), a["dims"])


def _meth_permute(ctx: _Ctx) -> Result:
    args = list(ctx.node.args)
    if ctx.node.kwargs.get("dims") is not None:
        args.append(ctx.node.kwargs["dims"])
    if len(args) == 2 and isinstance(args[1], (list, tuple)):
        dims = args[1]
    else:
        dims = args[1:]
    return _permute(ctx, ctx.tensor(args[0]), dims)


def _f_mean(ctx: _Ctx) -> Result:
    a = ctx.bind(["input", "dim", "keepdim", "dtype"], {"keepdim": False, "dtype": None})
    return _mean(ctx, ctx.tensor(a["input"]), a["dim"], a["keepdim"], a["dtype"])


def _alias_first(ctx: _Ctx) -> Result:
    """contiguous(memory_format=...), clone(), detach(): values unchanged."""
    if not ctx.node.args:
        raise _Unsupported("missing input")
    return _Alias(ctx.tensor(ctx.node.args[0]))


def _meth_float(ctx: _Ctx) -> Result:
    if len(ctx.node.args) != 1 or ctx.node.kwargs:
        raise _Unsupported("called with extra arguments")
    return _Alias(ctx.tensor(ctx.node.args[0]))


_FUNCTION_HANDLERS: Dict[Any, Handler] = {}


def _register(targets: Sequence[Any], handler: Handler) -> None:
    for target in targets:
        _FUNCTION_HANDLERS[target] = handler


_register([operator.add, torch.add], _f_binary("add"))
_register([operator.sub, torch.sub, torch.subtract], _f_binary("sub"))
_register([operator.mul, torch.mul, torch.multiply], _f_binary("mul"))
_register([operator.truediv, torch.div, torch.divide, torch.true_divide], _f_binary("div"))
_register([torch.cat, torch.concat], _f_cat)
_register([torch.flatten], _f_flatten)
_register([F.relu], _f_unary("relu", "inplace"))
_register([torch.relu], _f_unary("relu"))
_register([F.relu6], _f_unary("relu6", "inplace"))
_register([F.leaky_relu], _f_leaky_relu)
_register([F.silu], _f_unary("silu", "inplace"))
_register([F.hardswish], _f_unary("hardswish", "inplace"))
_register([F.hardsigmoid], _f_unary("hardsigmoid", "inplace"))
_register([F.gelu], _f_gelu)
_register([torch.sigmoid], _f_unary("sigmoid"))
_register([torch.tanh], _f_unary("tanh"))
_register([F.hardtanh], _f_hardtanh)
_register([torch.clamp, torch.clip], _f_clamp)
_register([F.max_pool2d], _f_max_pool)
_register([F.avg_pool2d], _f_avg_pool)
_register([F.adaptive_avg_pool2d], _f_adaptive_avg)
_register([F.adaptive_max_pool2d], _f_adaptive_max)
_register([F.dropout], _f_dropout)
_register([F.normalize], _f_normalize)
_register([F.local_response_norm], _f_lrn)
_register([F.interpolate], _f_interpolate)
_register([F.pad], _f_pad)
_register([F.softmax, torch.softmax], _f_softmax("softmax"))
_register([F.log_softmax, torch.log_softmax], _f_softmax("log_softmax"))
_register([torch.reshape], _f_reshape)
_register([torch.transpose], _f_transpose)
_register([torch.permute], _f_permute)
_register([torch.mean], _f_mean)

def _f_stochastic_depth(ctx: _Ctx) -> Result:
    """torchvision.ops.stochastic_depth: the identity when not training."""
    a = ctx.bind(["input", "p", "mode", "training"], {"training": True})
    if a["training"]:
        raise _Unsupported("training=True drops rows at inference too")
    return _Alias(ctx.tensor(a["input"]))


try:  # torchvision is optional
    import torchvision.ops
    _register([torchvision.ops.stochastic_depth], _f_stochastic_depth)
except ImportError:  # pragma: no cover
    pass


_METHOD_HANDLERS: Dict[str, Handler] = {
    "add": _f_binary("add"), "sub": _f_binary("sub"),
    "mul": _f_binary("mul"), "div": _f_binary("div"),
    "relu": _f_unary("relu"), "sigmoid": _f_unary("sigmoid"), "tanh": _f_unary("tanh"),
    "clamp": _f_clamp, "clip": _f_clamp,
    "flatten": _f_flatten,
    "view": _f_reshape, "reshape": _f_reshape,
    "transpose": _f_transpose, "permute": _meth_permute,
    "mean": _f_mean,
    "softmax": _f_softmax("softmax"), "log_softmax": _f_softmax("log_softmax"),
    "contiguous": _alias_first, "clone": _alias_first, "detach": _alias_first,
    "float": _meth_float,
}
# In-place spellings map like their pure forms (see _mutates_live_input).
for _name in ("add", "sub", "mul", "div", "relu", "sigmoid", "tanh", "clamp", "clip"):
    _METHOD_HANDLERS[_name + "_"] = _METHOD_HANDLERS[_name]


# ---------------------------------------------------------------------------
# The converter
# ---------------------------------------------------------------------------

@dataclass
class Converted:
    """The result of `convert`: the description (a JSON-ready dict) and the
    parameters it names, ``<layer>.<param>`` -> tensor, in layer order."""

    description: Dict[str, Any]
    tensors: Dict[str, torch.Tensor]


class _Converter:
    def __init__(self, gm: torch.fx.GraphModule):
        self.gm = gm
        self.nodes: List[Node] = list(gm.graph.nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        self.results: Dict[Node, Result] = {}
        self.names = {n.name for n in self.nodes}

    def fresh_name(self, base: str) -> str:
        name, k = base, 1
        while name in self.names:
            name = f"{base}_{k}"
            k += 1
        self.names.add(name)
        return name

    # -- classification -----------------------------------------------------
    def _is_static(self, node: Node) -> bool:
        if "cnnc_value" not in node.meta or _tensor_meta(node) is not None:
            return False
        args = list(node.args) + list(node.kwargs.values())
        if node.op == "call_method" and node.target in ("size", "dim"):
            return self.is_tensor_or_static(args[0] if args else None)
        if node.op == "call_function" and node.target is getattr:
            return (len(args) >= 2 and args[1] in ("shape", "ndim")
                    and self.is_tensor_or_static(args[0]))
        if node.op == "call_function" and node.target in _STATIC_ARITH:
            nodes: List[Node] = []
            map_aggregate(args, lambda a: nodes.append(a) if isinstance(a, Node) else None)
            return all(isinstance(self.results.get(a), _Static) for a in nodes)
        return False

    def is_tensor_or_static(self, value: Any) -> bool:
        return (_tensor_meta(value) is not None
                or isinstance(self.results.get(value), _Static))

    def _handle(self, node: Node) -> Result:
        if node.op == "placeholder":
            return _Input()
        if self._is_static(node):
            return _Static()
        if node.op == "get_attr":
            raise _Unsupported("uses a parameter or buffer directly; only the "
                               "parameters of supported modules can be exported")
        if node.op == "call_module":
            module = self.gm.get_submodule(node.target)
            for cls, handler in _MODULE_HANDLERS:
                if isinstance(module, cls):
                    return handler(_Ctx(self, node, module))
            raise _Unsupported("no cnn op for this module")
        if node.op == "call_function" and node.target is operator.getitem:
            source = node.args[0] if node.args else None
            if _tensor_meta(source) is not None:
                raise _Unsupported("tensor indexing and slicing have no cnn op")
            raise _Unsupported("indexes a non-tensor value")
        if node.op == "call_function":
            handler = None
            try:
                handler = _FUNCTION_HANDLERS.get(node.target)
            except TypeError:  # unhashable target
                pass
            if handler is None:
                raise _Unsupported("no cnn op for this function")
            return handler(_Ctx(self, node))
        if node.op == "call_method":
            handler = _METHOD_HANDLERS.get(node.target)
            if handler is None:
                raise _Unsupported("no cnn op for this tensor method")
            return handler(_Ctx(self, node))
        raise _Unsupported(f"unexpected fx node kind {node.op}")

    def _in_place(self, node: Node) -> bool:
        if node.op == "call_method":
            return node.target.endswith("_") and not node.target.endswith("__")
        if node.op == "call_module":
            return bool(getattr(self.gm.get_submodule(node.target), "inplace", False))
        return bool(node.kwargs.get("inplace", False))

    def _mutates_live_input(self, node: Node, result: Result) -> bool:
        """An in-place op whose input is read again later: PyTorch would see
        the mutated value, the exported graph the original one."""
        if not isinstance(result, _Emit) or not self._in_place(node) or not node.args:
            return False
        if result.layers[-1].op == "dropout":  # the identity at inference
            return False
        target = node.args[0]
        if not isinstance(target, Node):
            return False
        return any(self.index[user] > self.index[node] for user in target.users
                   if user is not node)

    def classify(self) -> None:
        for node in self.nodes:
            if node.op == "output":
                continue
            try:
                result = self._handle(node)
                if self._mutates_live_input(node, result):
                    raise _Unsupported("in-place op on a tensor that is used again later")
            except _Unsupported as err:
                result = err
            self.results[node] = result

    # -- liveness -------------------------------------------------------------
    def deps(self, node: Node) -> List[Node]:
        result = self.results[node]
        if isinstance(result, _Emit):
            return [i for layer in result.layers for i in layer.inputs if isinstance(i, Node)]
        if isinstance(result, _Alias):
            return [result.source]
        if isinstance(result, _Unsupported):
            found: List[Node] = []
            map_aggregate((node.args, node.kwargs),
                          lambda a: found.append(a) if isinstance(a, Node) else None)
            return found
        return []

    @staticmethod
    def shape_of(node: Node) -> List[int]:
        return [int(d) for d in _tensor_meta(node).shape]

    def _unpacks_unsupported(self, node: Node) -> bool:
        """`a, b = torch.topk(...)`: the getitem nodes add nothing to the
        report of the unsupported node they unpack."""
        return (node.op == "call_function" and node.target is operator.getitem
                and bool(node.args) and isinstance(self.results.get(node.args[0]), _Unsupported))

    def resolve(self, node: Node) -> Node:
        while isinstance(self.results.get(node), _Alias):
            node = self.results[node].source
        return node

    def run(self, name: str, weights_file: Optional[str],
            training: Optional[Dict[str, Any]]) -> Converted:
        self.classify()
        output = next(n for n in self.nodes if n.op == "output")
        out_nodes: List[Node] = []
        bad_outputs: List[UnsupportedNode] = []

        def collect(value: Any) -> Any:
            if isinstance(value, Node):
                out_nodes.append(value)
            else:
                bad_outputs.append(UnsupportedNode(
                    "output", "output", f"returns a non-tensor value {value!r}"))
            return value
        map_aggregate(output.args[0], collect)

        # Liveness: only what the outputs depend on is exported (or reported).
        live: set = set()
        stack = list(out_nodes)
        while stack:
            node = stack.pop()
            if node in live:
                continue
            live.add(node)
            stack.extend(self.deps(node))

        problems = [UnsupportedNode(n.name, _describe_target(n, self.gm), str(self.results[n]))
                    for n in self.nodes
                    if n in live and isinstance(self.results.get(n), _Unsupported)
                    and not self._unpacks_unsupported(n)]
        for node in out_nodes:
            resolved = self.resolve(node)
            result = self.results.get(resolved)
            if isinstance(result, _Unsupported):
                continue  # already reported
            if isinstance(result, _Static) or _tensor_meta(resolved) is None:
                bad_outputs.append(UnsupportedNode(
                    node.name, "output", "the model returns a non-tensor value"))
        problems += bad_outputs
        if problems:
            raise UnsupportedModelError.from_nodes(problems)

        # Every placeholder is a model input, used or not.
        inputs = [{"name": n.name, "shape": self.shape_of(n), "dtype": "f32"}
                  for n in self.nodes if n.op == "placeholder"]
        layers: List[Dict[str, Any]] = []
        tensors: Dict[str, torch.Tensor] = {}
        for node in self.nodes:
            result = self.results.get(node)
            if node not in live or not isinstance(result, _Emit):
                continue
            for layer in result.layers:
                entry: Dict[str, Any] = {
                    "name": layer.name, "op": layer.op,
                    "inputs": [self.resolve(i).name if isinstance(i, Node) else i
                               for i in layer.inputs]}
                if layer.attrs:
                    entry["attrs"] = layer.attrs
                layers.append(entry)
                for pname, tensor in layer.params.items():
                    tensors[f"{layer.name}.{pname}"] = tensor

        description: Dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": name}
        if weights_file is not None:
            description["weights"] = weights_file
        description["inputs"] = inputs
        description["layers"] = layers
        description["outputs"] = [self.resolve(n).name for n in out_nodes]
        if training is not None:
            description["training"] = training
        return Converted(description, tensors)


def _as_inputs(example_input: Any) -> Tuple[torch.Tensor, ...]:
    inputs = tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)
    for i, tensor in enumerate(inputs):
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"example input {i} is a {type(tensor).__name__}, not a tensor")
        if tensor.dtype != torch.float32:
            raise TypeError(f"example input {i} has dtype {tensor.dtype}; cnnc inputs are float32")
        if tensor.dim() == 0 or 0 in tensor.shape:
            raise ValueError(f"example input {i} has shape {list(tensor.shape)}; "
                             "every size must be positive")
    return inputs


class _LeafWrapper(nn.Module):
    """Holds a bare leaf module (an ``nn.Conv2d`` exported on its own) so
    that tracing sees a call of it rather than its functional body."""

    def __init__(self, layer: nn.Module):
        super().__init__()
        self.layer = layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)


def convert(module: nn.Module, example_input: Any, *, name: Optional[str] = None,
            weights_file: Optional[str] = None,
            training: Optional[Dict[str, Any]] = None) -> Converted:
    """Converts `module` (called on `example_input`, a tensor or a tuple of
    tensors) into a cnnc description.

    `name` defaults to the module's class name in lower case; `weights_file`
    becomes the description's "weights" key (omitted when None); `training`
    is copied as the "training" block. A bare supported module (e.g. an
    ``nn.Conv2d``) becomes one layer named "layer". The module and the
    example may live on the meta device (shapes only; then the returned
    tensors cannot be written). The module is traced in eval mode and its
    train/eval flags are restored afterwards.

    Raises `UnsupportedModelError` listing every unsupported node.
    """
    inputs = _as_inputs(example_input)
    modes = {m: m.training for m in module.modules()}
    try:
        module.eval()
        traced = module
        if any(isinstance(module, cls) for cls, _ in _MODULE_HANDLERS):
            traced = _LeafWrapper(module).eval()
        try:
            gm = torch.fx.symbolic_trace(traced)
        except Exception as err:  # control flow on tensors, unsupported Python
            raise UnsupportedModelError(
                f"torch.fx cannot trace {type(module).__name__}: "
                f"{type(err).__name__}: {err}") from err
        placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
        if len(placeholders) != len(inputs):
            raise TypeError(f"{type(module).__name__}.forward takes {len(placeholders)} "
                            f"inputs but {len(inputs)} example inputs were given")
        with torch.no_grad():
            _ShapeProp(gm).propagate(*inputs)
        model_name = name if name is not None else type(module).__name__.lower()
        return _Converter(gm).run(model_name, weights_file, training)
    finally:
        for m, mode in modes.items():
            m.training = mode
