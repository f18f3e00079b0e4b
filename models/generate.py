#!/usr/bin/python3
"""Regenerates the model zoo descriptions in models/.

    /usr/bin/python3 models/generate.py                 # every <name>.json
    /usr/bin/python3 models/generate.py resnet18 unet   # just these
    /usr/bin/python3 models/generate.py --weights       # + <name>.safetensors
    /usr/bin/python3 models/generate.py --out DIR       # somewhere else

The descriptions are exported through cnnc_torch from torchvision (random
init, no download) or from models/zoo_modules.py. They carry no "weights"
key, so each one works on its own with cnnc's seeded initialisation; the
safetensors files that ``--weights`` writes next to them (git-ignored) hold
PyTorch's own initialisation after ``torch.manual_seed(SEED)``, for runs
that compare cnnc with PyTorch numerically.

The output is deterministic: the JSON depends only on the architectures
(shapes are propagated on the meta device, so it is also fast), and the
weights only on SEED and the torch version. test/frontends/pytorch checks
that the committed JSON files are what this script produces.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    import cnnc_torch
except ImportError:  # run straight from a checkout
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "frontends", "pytorch"))
    import cnnc_torch

if HERE not in sys.path:
    sys.path.insert(0, HERE)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import zoo_modules  # noqa: E402
from cnnc_torch import jsonfmt, safetensors  # noqa: E402
from cnnc_torch.exporter import write_atomically  # noqa: E402

SEED = 0

# LeNet-5 carries the training block of the example in docs/model-format.md.
LENET5_TRAINING: Dict[str, Any] = {
    "loss": "cross_entropy",
    "optimizer": {"name": "sgd-momentum", "lr": 0.01, "momentum": 0.9,
                  "weight_decay": 0.0005},
    "batch": 64,
    "epochs": 10,
}


@dataclass(frozen=True)
class ZooModel:
    """A zoo entry: how to build the module and the input it is traced on."""

    factory: Callable[[], nn.Module]
    input_shape: Tuple[int, ...]
    training: Optional[Dict[str, Any]] = None
    source: str = ""


def _torchvision(name: str, **kwargs: Any) -> Callable[[], nn.Module]:
    def build() -> nn.Module:
        import torchvision
        return torchvision.models.get_model(name, weights=None, **kwargs)
    return build


_NO_AUX = dict(aux_logits=False, transform_input=False, init_weights=False)

ZOO: Dict[str, ZooModel] = {
    "lenet5": ZooModel(zoo_modules.LeNet5, (1, 1, 28, 28), LENET5_TRAINING,
                       "zoo_modules.LeNet5"),
    "vgg16": ZooModel(_torchvision("vgg16"), (1, 3, 224, 224), source="torchvision"),
    "resnet18": ZooModel(_torchvision("resnet18"), (1, 3, 224, 224), source="torchvision"),
    "resnet50": ZooModel(_torchvision("resnet50"), (1, 3, 224, 224), source="torchvision"),
    "googlenet": ZooModel(_torchvision("googlenet", **_NO_AUX), (1, 3, 224, 224),
                          source="torchvision"),
    "inception_v3": ZooModel(_torchvision("inception_v3", **_NO_AUX), (1, 3, 299, 299),
                             source="torchvision"),
    "mobilenet_v2": ZooModel(_torchvision("mobilenet_v2"), (1, 3, 224, 224),
                             source="torchvision"),
    "unet": ZooModel(zoo_modules.UNet, (1, 3, 128, 128), source="zoo_modules.UNet"),
    "yolov3_tiny": ZooModel(zoo_modules.YoloV3Tiny, (1, 3, 416, 416),
                            source="zoo_modules.YoloV3Tiny"),
    "facenet": ZooModel(zoo_modules.InceptionResnetV1, (1, 3, 160, 160),
                        source="zoo_modules.InceptionResnetV1"),
}


def render(name: str) -> str:
    """The JSON description of zoo model `name` (shapes only: fast)."""
    spec = ZOO[name]
    model = cnnc_torch.on_meta(spec.factory)
    return cnnc_torch.describe(model, cnnc_torch.meta_input(spec.input_shape),
                               name=name, training=spec.training)


def build(name: str) -> nn.Module:
    """Zoo model `name` with its seeded PyTorch initialisation, in eval mode."""
    return cnnc_torch.seeded(ZOO[name].factory, SEED)


def write_weights(name: str, path: str) -> Dict[str, int]:
    """Writes the seeded parameters of `name` to the safetensors file `path`
    and returns its count_stats."""
    spec = ZOO[name]
    model = build(name)
    example = torch.randn(list(spec.input_shape),
                          generator=torch.Generator().manual_seed(SEED))
    converted = cnnc_torch.convert(model, example, name=name, training=spec.training)
    if jsonfmt.dumps(converted.description) != render(name):  # pragma: no cover
        raise RuntimeError(f"{name}: the meta and the real traces disagree")
    metadata = {"producer": "cnnc_torch", "model": name, "seed": str(SEED)}
    write_atomically([(path, lambda s: safetensors.write(s, converted.tensors, metadata))])
    return cnnc_torch.count_stats(model, example)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"models to generate (default: all of {', '.join(ZOO)})")
    parser.add_argument("--out", default=HERE, help="output directory (default: models/)")
    parser.add_argument("--weights", action="store_true",
                        help="also write seeded <name>.safetensors files")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in ZOO]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(ZOO)}")
    os.makedirs(args.out, exist_ok=True)
    for name in args.names or list(ZOO):
        text = render(name).encode("utf-8")
        json_path = os.path.join(args.out, name + ".json")
        write_atomically([(json_path, lambda s, t=text: s.write(t))])
        line = f"{json_path}"
        if args.weights:
            stats = write_weights(name, os.path.join(args.out, name + ".safetensors"))
            line += (f" + {name}.safetensors ({stats['parameters']:,} parameters, "
                     f"{stats['macs']:,} MACs)")
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
