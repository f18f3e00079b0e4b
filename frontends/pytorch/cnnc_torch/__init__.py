"""cnnc_torch: export PyTorch models to cnnc's model description format.

A description (docs/model-format.md) is a JSON file listing the model's
inputs, layers and outputs, plus a safetensors file with its parameters::

    import torch, torchvision, cnnc_torch
    model = torchvision.models.resnet18(weights=None)
    cnnc_torch.export(model, torch.randn(1, 3, 224, 224), "out/resnet18")
    # -> out/resnet18.json, out/resnet18.safetensors

    cnnc_torch.count_stats(model, torch.randn(1, 3, 224, 224))
    # -> {"parameters": 11689512, "macs": 1814073344}

Models are traced with torch.fx; anything without a cnnc equivalent raises
one `UnsupportedModelError` naming every unsupported node. The command line
``python3 -m cnnc_torch.export_torchvision NAME OUT_STEM`` exports a
torchvision classifier with seeded random weights.

Modules: `converter` (fx graph -> description), `exporter` (atomic file
writing), `safetensors` (hand-written reader/writer), `jsonfmt` (one layer
per line), `stats` (parameter/MAC counts), `construct` (seeded or meta-device
model building), `reference` (a PyTorch interpreter of descriptions).
"""

from .construct import meta_input, on_meta, seeded
from .converter import Converted, convert
from .errors import UnsupportedModelError, UnsupportedNode
from .exporter import describe, export
from .stats import count_stats

__all__ = ["export", "describe", "convert", "Converted", "count_stats",
           "UnsupportedModelError", "UnsupportedNode", "seeded", "on_meta",
           "meta_input"]
