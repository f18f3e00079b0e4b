#!/usr/bin/python3
"""PyTorch side of the benchmark; bench/run.py starts it in a subprocess.

    torch_worker.py weights --model M --out FILE.safetensors
    torch_worker.py export  --model M --shape B,C,H,W --input FILE [--onnx FILE]
    torch_worker.py bench   --model M --shape B,C,H,W --threads T --variant V
                            --input FILE [--save-output FILE] [timing options]

Models are built exactly as the zoo in models/generate.py builds them
(torchvision constructors, random initialisation after torch.manual_seed(0),
eval mode), so the PyTorch, ONNX Runtime and cnnc runs share architecture
and weights: `weights` writes that initialisation as the safetensors file
our library loads, `export` writes the ONNX model for ONNX Runtime and a
random input (raw float32) that every framework reads.

`bench` times one variant and prints one JSON line on stdout:
  eager          the nn.Module under torch.inference_mode()
  channels_last  the same with model and input in channels_last memory format
  jit            torch.jit.trace + torch.jit.freeze +
                 torch.jit.optimize_for_inference, under torch.no_grad()
Set OMP_NUM_THREADS and LD_PRELOAD (tcmalloc) in the environment before it
starts; run.py does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "models"))

import timing  # noqa: E402

VARIANTS = ("eager", "channels_last", "jit")
# The JIT profiling executor specialises the graph over its first runs.
JIT_MIN_WARMUP = 3


def parse_shape(text: str) -> Tuple[int, ...]:
    return tuple(int(d) for d in text.split(","))


def build(name: str):
    """The zoo model `name` with its seeded initialisation, in eval mode."""
    import generate  # models/generate.py: the zoo's single definition
    if name not in generate.ZOO:
        raise SystemExit(f"torch_worker: unknown model {name!r}")
    return generate.build(name)


def cmd_weights(args: argparse.Namespace) -> dict:
    import generate
    stats = generate.write_weights(args.model, args.out)
    return {"weights": args.out, **stats}


def cmd_export(args: argparse.Namespace) -> dict:
    import torch
    shape = parse_shape(args.shape)
    model = build(args.model)
    x = torch.rand(shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
    x.numpy().astype("<f4").tofile(args.input)
    if not args.onnx:
        return {"input": args.input, "shape": list(shape)}
    with torch.no_grad():
        torch.onnx.export(model, x, args.onnx, opset_version=args.opset,
                          input_names=["input"], output_names=["output"],
                          do_constant_folding=True)
    return {"onnx": args.onnx, "input": args.input, "shape": list(shape)}


def cmd_bench(args: argparse.Namespace) -> dict:
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set: harmless
        pass
    baseline = timing.rss_mb()
    shape = parse_shape(args.shape)
    x = torch.from_numpy(np.fromfile(args.input, dtype="<f4").reshape(shape))
    model = build(args.model)
    warmup = args.warmup

    if args.variant == "jit":
        with torch.no_grad():
            traced = torch.jit.trace(model, x)
            frozen = torch.jit.freeze(traced)
            fn_model = torch.jit.optimize_for_inference(frozen)
        warmup = max(warmup, JIT_MIN_WARMUP)

        def run():
            with torch.no_grad():
                return fn_model(x)
    else:
        if args.variant == "channels_last":
            model = model.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)

        def run():
            with torch.inference_mode():
                return model(x)

    result = timing.measure(run, warmup, args.repeat, args.budget,
                            args.max_time, args.max_runs)
    if args.save_output:
        out = run()
        outs: List = list(out) if isinstance(out, (tuple, list)) else [out]
        with open(args.save_output, "wb") as f:
            for o in outs:
                o.contiguous().numpy().astype("<f4").tofile(f)
    result.update({
        "variant": args.variant,
        "threads": torch.get_num_threads(),
        "baseline_rss_mb": round(baseline, 1),
        "maxrss_mb": round(timing.maxrss_mb(), 1),
        "tcmalloc": timing.mapped_library("tcmalloc") is not None,
        # Eager convolutions without MKL-DNN go through im2col and this BLAS.
        "blas": timing.mapped_library("blas"),
        "torch": torch.__version__,
    })
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("weights", help="write the seeded weights as safetensors")
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)

    p = sub.add_parser("export", help="write the ONNX model and an input")
    p.add_argument("--model", required=True)
    p.add_argument("--shape", required=True, help="input shape B,C,H,W")
    p.add_argument("--input", required=True, help="raw float32 input to write")
    p.add_argument("--onnx", help="ONNX file to write (default: none)")
    p.add_argument("--opset", type=int, default=13)

    p = sub.add_parser("bench", help="time one variant")
    p.add_argument("--model", required=True)
    p.add_argument("--shape", required=True, help="input shape B,C,H,W")
    p.add_argument("--input", required=True, help="raw float32 input")
    p.add_argument("--variant", choices=VARIANTS, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--save-output", help="write the output as raw float32")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--budget", type=float, default=2.0)
    p.add_argument("--max-time", type=float, default=float("inf"))
    p.add_argument("--max-runs", type=int, default=1000)

    args = parser.parse_args(argv)
    result = {"weights": cmd_weights, "export": cmd_export, "bench": cmd_bench}[args.cmd](args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
