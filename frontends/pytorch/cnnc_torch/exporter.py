"""Writing a PyTorch module as a cnnc model: ``<stem>.json`` plus
``<stem>.safetensors``.

Both files are written to temporary files in the target directory first and
renamed over the targets (``os.replace``) only once both are complete, so a
failed export leaves neither a partial file nor any temporary behind.
"""

from __future__ import annotations

import os
import secrets
from typing import Any, BinaryIO, Callable, Dict, List, Optional, Tuple, Union

import torch.nn as nn

from . import jsonfmt, safetensors
from .converter import Converted, convert

__all__ = ["export", "describe", "write_atomically"]

PathLike = Union[str, "os.PathLike[str]"]


def write_atomically(files: List[Tuple[str, Callable[[BinaryIO], None]]]) -> None:
    """Writes each ``(path, writer)``: ``writer(stream)`` fills a temporary
    file next to `path`; when every writer succeeded the temporaries are
    renamed over their paths in order. On any failure, all temporaries are
    removed and the exception propagates."""
    temps: List[str] = []
    try:
        for path, writer in files:
            directory, base = os.path.split(os.path.abspath(path))
            temp = os.path.join(directory, f".{base}.{secrets.token_hex(4)}.tmp")
            with open(temp, "xb") as stream:  # 'x': never clobber; honours umask
                temps.append(temp)
                writer(stream)
        for (path, _), temp in zip(files, temps):
            os.replace(temp, path)
    except BaseException:
        for temp in temps:
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass
        raise


def describe(module: nn.Module, example_input: Any, name: Optional[str] = None, *,
             training: Optional[Dict[str, Any]] = None) -> str:
    """The formatted JSON description of `module` without a "weights" key
    (what `export(..., weights=False)` writes). Works on meta modules."""
    converted = convert(module, example_input, name=name, training=training)
    return jsonfmt.dumps(converted.description)


def export(module: nn.Module, example_input: Any, path_stem: PathLike,
           name: Optional[str] = None, *, weights: bool = True,
           training: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Exports `module`, traced on `example_input` (a tensor or a tuple of
    tensors), to ``<path_stem>.json`` and ``<path_stem>.safetensors``.

    `name` defaults to the base name of `path_stem`. With ``weights=False``
    only the JSON is written and it has no "weights" key (cnnc then uses its
    seeded initialisation). `training` is copied as the "training" block.
    Nothing is written if the export fails; an unsupported model raises
    `UnsupportedModelError` listing every unsupported node.

    Returns the description dict.
    """
    stem = os.fspath(path_stem)
    json_path = stem + ".json"
    weights_path = stem + ".safetensors"
    if name is None:
        name = os.path.basename(stem)
    converted: Converted = convert(
        module, example_input, name=name, training=training,
        weights_file=os.path.basename(weights_path) if weights else None)
    text = jsonfmt.dumps(converted.description).encode("utf-8")

    files: List[Tuple[str, Callable[[BinaryIO], None]]] = []
    if weights:
        tensors = converted.tensors
        for key, tensor in tensors.items():
            if tensor.is_meta:
                raise ValueError(f"parameter {key} is on the meta device; "
                                 "export with weights=False")
        metadata = {"producer": "cnnc_torch", "model": name}
        files.append((weights_path, lambda s: safetensors.write(s, tensors, metadata)))
    files.append((json_path, lambda s: s.write(text)))
    write_atomically(files)
    return converted.description
