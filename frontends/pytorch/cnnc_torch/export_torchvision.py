"""Command line: export a torchvision classification model to cnnc.

    /usr/bin/python3 -m cnnc_torch.export_torchvision NAME OUT_STEM
        [--input-size H W] [--batch N] [--seed S] [--no-weights]

writes ``OUT_STEM.json`` and ``OUT_STEM.safetensors``. Weights are
torchvision's random initialisation after ``torch.manual_seed(S)`` (default
0); nothing is downloaded. With ``--no-weights`` only the JSON is written,
without a "weights" key. GoogLeNet and Inception-v3 are built without their
auxiliary classifiers and input transform (``aux_logits=False,
transform_input=False, init_weights=False``); Inception-v3's default input
is 299x299, every other model's 224x224.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn as nn

from .construct import meta_input, on_meta, seeded
from .errors import UnsupportedModelError
from .exporter import export
from .stats import count_stats

__all__ = ["build", "default_input_size", "classification_models", "main"]

_NO_AUX: Dict[str, Any] = dict(aux_logits=False, transform_input=False, init_weights=False)
_EXTRA_KWARGS: Dict[str, Dict[str, Any]] = {"googlenet": _NO_AUX, "inception_v3": _NO_AUX}
_INPUT_SIZE: Dict[str, Tuple[int, int]] = {"inception_v3": (299, 299)}


def classification_models() -> List[str]:
    """Names of torchvision's classification models."""
    import torchvision
    return sorted(torchvision.models.list_models(module=torchvision.models))


def default_input_size(name: str) -> Tuple[int, int]:
    return _INPUT_SIZE.get(name, (224, 224))


def build(name: str, seed: Optional[int] = 0, meta: bool = False) -> nn.Module:
    """torchvision classification model `name`, untrained, in eval mode:
    seeded with `seed`, or shapes only on the meta device if `meta`."""
    import torchvision
    if name not in classification_models():
        raise ValueError(f"{name!r} is not a torchvision classification model")

    def factory() -> nn.Module:
        return torchvision.models.get_model(name, weights=None, **_EXTRA_KWARGS.get(name, {}))
    return on_meta(factory) if meta else seeded(factory, seed or 0)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m cnnc_torch.export_torchvision",
        description="Export a torchvision classification model (random seeded "
                    "weights) as a cnnc model description.")
    parser.add_argument("name", help="torchvision model name, e.g. resnet18")
    parser.add_argument("out_stem", help="output path without extension")
    parser.add_argument("--input-size", nargs=2, type=int, metavar=("H", "W"),
                        help="input height and width (default 224 224; 299 299 "
                             "for inception_v3)")
    parser.add_argument("--batch", type=int, default=1, help="batch size (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="torch.manual_seed (default 0)")
    parser.add_argument("--no-weights", action="store_true",
                        help="write only the JSON, without a \"weights\" key")
    args = parser.parse_args(argv)

    if args.name not in classification_models():
        parser.error(f"unknown model {args.name!r}; choose one of: "
                     + ", ".join(classification_models()))
    height, width = args.input_size or default_input_size(args.name)
    if min(args.batch, height, width) <= 0:
        parser.error("--batch and --input-size must be positive")
    shape = [args.batch, 3, height, width]

    if args.no_weights:  # shapes only: skip the random initialisation
        model = build(args.name, meta=True)
        example = meta_input(shape)
    else:
        model = build(args.name, seed=args.seed)
        example = torch.randn(shape, generator=torch.Generator().manual_seed(args.seed))
    try:
        description = export(model, example, args.out_stem, name=args.name,
                             weights=not args.no_weights)
    except UnsupportedModelError as err:
        print(f"error: {args.name}: {err}", file=sys.stderr)
        return 1
    stats = count_stats(model, example)
    written = args.out_stem + ".json"
    if not args.no_weights:
        written += " and " + args.out_stem + ".safetensors"
    print(f"{args.name}: {len(description['layers'])} layers, "
          f"{stats['parameters']:,} parameters, {stats['macs']:,} MACs; wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
