"""Parameter and multiply-accumulate counts of a PyTorch module.

This is the reference for ``cnnc inspect``:

* ``parameters``: the number of elements of ``module.parameters()``
  (each shared parameter once; buffers such as batch-norm running statistics
  do not count);
* ``macs``: multiply-accumulates of one forward pass on the example input
  (the whole batch), counted with forward hooks for

  - ``nn.Conv2d``: output elements x ``in_channels / groups`` x ``kh`` x ``kw``;
  - ``nn.ConvTranspose2d``: input elements x ``out_channels / groups`` x
    ``kh`` x ``kw``;
  - ``nn.Linear``: rows x ``in_features`` x ``out_features`` (rows = input
    elements / ``in_features``);

  and 0 for every other op (bias additions, batch norm, activations,
  pooling, element-wise ops). A module called twice counts twice.

Only shapes are used, so a module on the meta device works too.
"""

from __future__ import annotations

from typing import Any, Dict, List

import torch
import torch.nn as nn

__all__ = ["count_stats"]


def _conv_macs(module: nn.Conv2d, inputs: Any, output: torch.Tensor) -> int:
    kh, kw = module.kernel_size
    return output.numel() * (module.in_channels // module.groups) * kh * kw


def _conv_transpose_macs(module: nn.ConvTranspose2d, inputs: Any, output: torch.Tensor) -> int:
    kh, kw = module.kernel_size
    return inputs[0].numel() * (module.out_channels // module.groups) * kh * kw


def _linear_macs(module: nn.Linear, inputs: Any, output: torch.Tensor) -> int:
    return inputs[0].numel() * module.out_features


_COUNTERS = ((nn.Conv2d, _conv_macs), (nn.ConvTranspose2d, _conv_transpose_macs),
             (nn.Linear, _linear_macs))


def count_stats(module: nn.Module, example_input: Any) -> Dict[str, int]:
    """Returns ``{"parameters": int, "macs": int}`` for `module` run in eval
    mode on `example_input` (a tensor or a tuple of tensors). The module's
    train/eval flags are restored afterwards."""
    inputs = tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)
    total = [0]
    handles: List[Any] = []

    def hook_for(counter):
        def hook(mod: nn.Module, args: Any, output: torch.Tensor) -> None:
            total[0] += int(counter(mod, args, output))
        return hook

    for sub in module.modules():
        for cls, counter in _COUNTERS:
            if isinstance(sub, cls):
                handles.append(sub.register_forward_hook(hook_for(counter)))
                break
    modes = {m: m.training for m in module.modules()}
    try:
        module.eval()
        with torch.no_grad():
            module(*inputs)
    finally:
        for handle in handles:
            handle.remove()
        for m, mode in modes.items():
            m.training = mode
    parameters = sum(p.numel() for p in module.parameters())
    return {"parameters": int(parameters), "macs": total[0]}
