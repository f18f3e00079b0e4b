"""Building models for export: seeded, or on the meta device.

Exporting a description needs shapes only. `on_meta` builds a model with
``torch.nn.init`` switched off (no random numbers drawn: VGG-16's 138 M
parameters would take seconds) and moves it to the meta device, where shape
propagation costs nothing; pair it with `meta_input`. `seeded` builds a
model with real, reproducible weights.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Sequence, TypeVar

import torch
import torch.nn as nn

__all__ = ["seeded", "on_meta", "meta_input", "skip_init"]

M = TypeVar("M", bound=nn.Module)


@contextlib.contextmanager
def skip_init() -> Iterator[None]:
    """Makes every in-place initialiser of ``torch.nn.init`` (``normal_``,
    ``kaiming_uniform_``, ...) a no-op for the duration; parameters keep
    whatever ``torch.empty`` gave them."""
    init = torch.nn.init
    names = [n for n in dir(init) if n.endswith("_") and not n.startswith("_")
             and callable(getattr(init, n))]
    saved = {n: getattr(init, n) for n in names}

    def keep(tensor, *args, **kwargs):
        return tensor

    try:
        for name in names:
            setattr(init, name, keep)
        yield
    finally:
        for name, fn in saved.items():
            setattr(init, name, fn)


def seeded(factory: Callable[[], M], seed: int = 0) -> M:
    """Builds ``factory()`` after ``torch.manual_seed(seed)``, in eval mode,
    without disturbing the caller's global RNG state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = factory()
    return model.eval()


def on_meta(factory: Callable[[], M]) -> M:
    """Builds ``factory()`` without initialising it and moves it to the meta
    device (shapes only, no storage), in eval mode."""
    with skip_init():
        model = factory()
    return model.to("meta").eval()


def meta_input(shape: Sequence[int]) -> torch.Tensor:
    """A float32 tensor of `shape` on the meta device."""
    return torch.empty(list(shape), dtype=torch.float32, device="meta")
