"""A dependency-free reader and writer for the safetensors format.

The format (https://github.com/huggingface/safetensors) is:

* 8 bytes: the header length ``n`` as an unsigned little-endian 64-bit int;
* ``n`` bytes: a UTF-8 JSON object mapping each tensor name to
  ``{"dtype": ..., "shape": [...], "data_offsets": [begin, end]}`` (offsets
  relative to the start of the data section), plus an optional
  ``"__metadata__"`` object of string to string;
* the data section: every tensor, contiguous, row-major, little-endian, with
  no gaps between tensors.

The writer pads the header with spaces to a multiple of 8 bytes (as the
reference implementation does) so that every tensor starts 8-byte aligned.
Only float tensors are written, as ``F32``; the reader also understands
``F16`` and ``BF16`` (widened to float32) because cnnc accepts them.
"""

from __future__ import annotations

import json
import struct
from typing import BinaryIO, Dict, Mapping, Optional, Tuple

import numpy as np

__all__ = ["write", "read", "read_header"]

_ALIGN = 8
# Headers bigger than this are refused by the reference implementation too.
_MAX_HEADER = 100 * 1024 * 1024


def _as_f32(value) -> np.ndarray:
    """Returns `value` (a torch tensor or array-like) as a C-contiguous
    little-endian float32 NumPy array."""
    if hasattr(value, "detach"):  # a torch.Tensor, without importing torch
        if getattr(value, "is_meta", False):
            raise ValueError("cannot write a tensor on the meta device")
        value = value.detach().cpu().float().numpy()
    # order="C" copies only when needed and, unlike ascontiguousarray,
    # keeps 0-d arrays 0-d.
    return np.asarray(value, dtype="<f4", order="C")


def write(stream: BinaryIO, tensors: Mapping[str, object],
          metadata: Optional[Mapping[str, str]] = None) -> None:
    """Writes `tensors` (name -> tensor or array) to the binary `stream` as
    F32 safetensors, in the mapping's order. `metadata` values must be
    strings."""
    arrays = {name: _as_f32(t) for name, t in tensors.items()}
    header: Dict[str, object] = {}
    if metadata:
        for key, val in metadata.items():
            if not isinstance(key, str) or not isinstance(val, str):
                raise TypeError("safetensors metadata maps strings to strings")
        header["__metadata__"] = dict(metadata)
    offset = 0
    for name, array in arrays.items():
        if name == "__metadata__":
            raise ValueError("'__metadata__' is not a valid tensor name")
        size = array.size * 4
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False)
    raw = text.encode("utf-8")
    raw += b" " * (-len(raw) % _ALIGN)
    stream.write(struct.pack("<Q", len(raw)))
    stream.write(raw)
    for array in arrays.values():
        if array.size:
            stream.write(memoryview(array.reshape(-1)).cast("B"))


def read_header(data: bytes) -> Tuple[dict, int]:
    """Parses and validates the header of the safetensors bytes `data`;
    returns it with the offset of the data section."""
    if len(data) < 8:
        raise ValueError("safetensors: file shorter than its 8-byte header size")
    (size,) = struct.unpack("<Q", data[:8])
    if size > _MAX_HEADER or 8 + size > len(data):
        raise ValueError(f"safetensors: bad header size {size}")
    header = json.loads(data[8:8 + size].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("safetensors: header is not a JSON object")
    return header, 8 + size


_DTYPES = {"F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": ("<u2", 2)}


def read(data: bytes) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Decodes safetensors bytes into (name -> float32 array, metadata).
    Checks that the tensors tile the data section exactly."""
    header, start = read_header(data)
    metadata = header.pop("__metadata__", {}) or {}
    body = data[start:]
    tensors: Dict[str, np.ndarray] = {}
    spans = []
    for name, info in header.items():
        dtype = info["dtype"]
        if dtype not in _DTYPES:
            raise ValueError(f"safetensors: {name}: unsupported dtype {dtype}")
        np_dtype, width = _DTYPES[dtype]
        shape = [int(d) for d in info["shape"]]
        begin, end = (int(v) for v in info["data_offsets"])
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != count * width or end > len(body) or begin < 0:
            raise ValueError(f"safetensors: {name}: bad data_offsets {begin}..{end}")
        spans.append((begin, end))
        raw = np.frombuffer(body, dtype=np_dtype, count=count, offset=begin)
        if dtype == "BF16":
            raw = (raw.astype(np.uint32) << 16).view("<f4")
        tensors[name] = raw.astype(np.float32).reshape(shape)
    position = 0
    for begin, end in sorted(spans):
        if begin != position:
            raise ValueError("safetensors: tensors do not tile the data section")
        position = end
    if position != len(body):
        raise ValueError("safetensors: trailing bytes after the last tensor")
    return tensors, dict(metadata)
