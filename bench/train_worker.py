#!/usr/bin/python3
"""PyTorch side of the training benchmark; bench/train.py starts it in a
subprocess.

    train_worker.py check --model M --shape B,C,H,W --input X.f32 --labels Y.i64
                          --weights INIT.safetensors --steps S
                          [--ours-weights AFTER.safetensors]
    train_worker.py bench --model M --shape B,C,H,W --input X.f32 --labels Y.i64
                          --weights INIT.safetensors --threads T
                          --variant contiguous|channels_last [timing options]

The module is the PyTorch twin of the cnnc model (LeNet-5 from
models/zoo_modules.py, ResNet-18 from torchvision, the digits LeNet below),
loaded with the initial weights cnnc used (INIT: the safetensors file that
`cnnc compile` writes for a seeded model; tensor `<layer>.<param>` is
parameter or buffer `<module.path>.<param>` with the dots of the module path
turned into underscores, as cnnc_torch names layers). One step is
zero_grad, forward, F.cross_entropy, backward and the step of
torch.optim.SGD(lr=0.01, momentum=0.9), in train mode, on the same batch
each time.

`check` runs S steps and prints their losses; with --ours-weights it also
compares every tensor of that file (our weights after S steps) with the
PyTorch model's after S steps: max |ours - torch| / max(1, max |torch|).
`bench` times one step with timing.py's loop. Each prints one JSON line on
stdout. Set OMP_NUM_THREADS and LD_PRELOAD (tcmalloc) in the environment
before it starts; train.py does.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import sys
from typing import Dict, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "models"))

import timing  # noqa: E402

VARIANTS = ("contiguous", "channels_last")
LR = 0.01
MOMENTUM = 0.9


def parse_shape(text: str) -> Tuple[int, ...]:
    return tuple(int(d) for d in text.split(","))


def build(name: str):
    """The PyTorch twin of the cnnc model `name` (weights loaded later)."""
    import torch.nn as nn
    if name == "lenet5":
        import zoo_modules
        return zoo_modules.LeNet5()
    if name == "resnet18":
        import torchvision
        return torchvision.models.resnet18(weights=None)
    if name == "digits":
        class DigitsLeNet(nn.Module):
            """models/digits/digits_lenet.json: [N, 1, 8, 8] -> [N, 10]."""

            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
                self.relu1 = nn.ReLU()
                self.pool1 = nn.MaxPool2d(2, 2)
                self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
                self.relu2 = nn.ReLU()
                self.pool2 = nn.MaxPool2d(2, 2)
                self.flat = nn.Flatten()
                self.fc1 = nn.Linear(32 * 2 * 2, 64)
                self.relu3 = nn.ReLU()
                self.fc2 = nn.Linear(64, 10)

            def forward(self, x):
                x = self.pool1(self.relu1(self.conv1(x)))
                x = self.pool2(self.relu2(self.conv2(x)))
                x = self.relu3(self.fc1(self.flat(x)))
                return self.fc2(x)
        return DigitsLeNet()
    raise SystemExit(f"train_worker: unknown model {name!r}")


def cnnc_name(key: str) -> str:
    """PyTorch state_dict key -> cnnc tensor name: 'layer1.0.conv1.weight'
    -> 'layer1_0_conv1.weight'."""
    module, _, param = key.rpartition(".")
    return module.replace(".", "_") + "." + param


def safetensors_header(path: str) -> Tuple[Dict[str, dict], int]:
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    return header, 8 + n


def read_tensors(path: str):
    """Yields (name, float32 numpy array) one tensor at a time, so that no
    more than one tensor's bytes are held at once."""
    import numpy as np
    header, base = safetensors_header(path)
    with open(path, "rb") as f:
        for name, info in header.items():
            if info["dtype"] != "F32":
                raise SystemExit(f"train_worker: {path}: {name} is {info['dtype']}, not F32")
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            data = f.read(end - begin)
            yield name, np.frombuffer(data, dtype="<f4").reshape(info["shape"])


def tensors_by_cnnc_name(model) -> Dict[str, "object"]:
    """Every parameter and buffer of `model` (batch norm's counter aside) by
    its cnnc tensor name."""
    return {cnnc_name(k): v for k, v in model.state_dict(keep_vars=True).items()
            if not k.endswith("num_batches_tracked")}


def load_weights(model, path: str) -> None:
    """Copies the safetensors file `path` into `model`; every tensor of the
    model must be in the file with the same shape, and vice versa."""
    import torch
    targets = tensors_by_cnnc_name(model)
    seen = set()
    with torch.no_grad():
        for name, array in read_tensors(path):
            if name not in targets:
                raise SystemExit(f"train_worker: {path}: {name} is not in the PyTorch model")
            t = targets[name]
            if tuple(t.shape) != tuple(array.shape):
                raise SystemExit(f"train_worker: {name}: shape {list(array.shape)} in {path}, "
                                 f"{list(t.shape)} in the PyTorch model")
            t.copy_(torch.from_numpy(array.copy()))
            seen.add(name)
    missing = sorted(set(targets) - seen)
    if missing:
        raise SystemExit(f"train_worker: {path} lacks {', '.join(missing[:5])}")


def setup(args: argparse.Namespace, channels_last: bool):
    """Model (train mode, our initial weights), batch, labels, optimizer and
    the step function."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    shape = parse_shape(args.shape)
    x = torch.from_numpy(np.fromfile(args.input, dtype="<f4").reshape(shape))
    y = torch.from_numpy(np.fromfile(args.labels, dtype="<i8"))
    if y.shape != (shape[0],):
        raise SystemExit(f"train_worker: {args.labels} holds {y.numel()} labels, "
                         f"the batch is {shape[0]}")
    model = build(args.model)
    load_weights(model, args.weights)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return model, step


def cmd_check(args: argparse.Namespace) -> dict:
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)
    model, step = setup(args, channels_last=False)
    losses = [float(step().detach()) for _ in range(args.steps)]
    result = {"torch_losses": losses}
    if args.ours_weights:
        targets = tensors_by_cnnc_name(model)
        worst, worst_name = 0.0, None
        for name, ours in read_tensors(args.ours_weights):
            if name not in targets:
                raise SystemExit(f"train_worker: {args.ours_weights}: unknown tensor {name}")
            ref = targets[name].detach().contiguous().numpy().astype(np.float64)
            diff = float(np.abs(ours.astype(np.float64) - ref).max(initial=0.0)
                         / max(1.0, float(np.abs(ref).max(initial=0.0))))
            if not diff <= worst:  # NaN propagates
                worst, worst_name = diff, name
        result.update({"param_max_rel_diff": worst if worst == worst else None,
                       "param_worst": worst_name, "param_tensors": len(targets)})
    return result


def cmd_bench(args: argparse.Namespace) -> dict:
    import torch
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set: harmless
        pass
    baseline = timing.rss_mb()
    _, step = setup(args, channels_last=args.variant == "channels_last")
    result = timing.measure(step, args.warmup, args.repeat, args.budget,
                            args.max_time, args.max_runs)
    result.update({
        "variant": args.variant,
        "threads": torch.get_num_threads(),
        "last_loss": float(step().detach()),
        "baseline_rss_mb": round(baseline, 1),
        "maxrss_mb": round(timing.maxrss_mb(), 1),
        "tcmalloc": timing.mapped_library("tcmalloc") is not None,
        "blas": timing.mapped_library("blas"),
        "torch": torch.__version__,
    })
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    for cmd in ("check", "bench"):
        p = sub.add_parser(cmd)
        p.add_argument("--model", required=True)
        p.add_argument("--shape", required=True, help="input shape B,C,H,W")
        p.add_argument("--input", required=True, help="raw float32 batch")
        p.add_argument("--labels", required=True, help="raw int64 labels")
        p.add_argument("--weights", required=True, help="initial weights (safetensors)")
        p.add_argument("--threads", type=int, default=1)
        if cmd == "check":
            p.add_argument("--steps", type=int, default=2)
            p.add_argument("--ours-weights", help="our weights after --steps steps")
        else:
            p.add_argument("--variant", choices=VARIANTS, default="contiguous")
            p.add_argument("--warmup", type=int, default=1)
            p.add_argument("--repeat", type=int, default=5)
            p.add_argument("--budget", type=float, default=2.0)
            p.add_argument("--max-time", type=float, default=float("inf"))
            p.add_argument("--max-runs", type=int, default=1000)
    args = parser.parse_args(argv)
    result = {"check": cmd_check, "bench": cmd_bench}[args.cmd](args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
