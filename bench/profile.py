#!/usr/bin/env python3
"""Per-layer profile of a cnnc-compiled model: loop timers or `perf record`.

    /usr/bin/python3 bench/profile.py resnet50 --batch 8 --threads 1

compiles the model (`models/<name>.json`, or a path to a description) with
`cnnc compile --batch N`, runs its library through bench/driver.c, and
prints one row per layer: the time it took per inference, its share, its
MACs (from `cnnc inspect`) and its GFLOP/s. cnnc names each parallel loop it
outlines after the layer it computes
(`cnn_resnet50_forward_parallel12_layer2_0_conv1`), which is what ties the
times to layers; a fusion group's elementwise layers (bias, batch norm,
activation, residual add) run inside its convolution's loop and are counted
there.

Two ways to measure (--method):
- `timer` (default): the runtime times each of its parallel loops
  (`CNNC_PROFILE=FILE`, see docs/cpu-codegen.md). Times are wall-clock, as
  the program sees them, with nothing else running: comparable with ONNX
  Runtime's per-node profile. With --threads 2 a loop's time is that of both
  threads together. Time in the forward pass outside the loops (padding
  borders, the model's boundary copies) is shown as one line below.
- `perf`: `perf record` samples, summed over threads (CPU time), with the
  samples outside the loops (weight preparation, loading, the kernel)
  summarized below the table. Sampling in a VM slows the program down, so
  take its times as shares. Needs Linux `perf` (linux-perf).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run import driver_io_args, io_sizes  # noqa: E402

# `cnn_<model>_forward_parallel<N>[_<layer>]`, the loop bodies cnnc outlines
# (without the model's prefix from cnnc before it made them local symbols).
LOOP_SYMBOL = re.compile(r"^(?:cnn_\w+?_)?forward_parallel\d+(?:_(\w+))?$")


def run(cmd: List[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise SystemExit(f"profile.py: {' '.join(cmd)} failed "
                         f"(exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc


def layer_macs(cnnc: str, model: str, batch: int) -> Dict[str, Tuple[str, int]]:
    """Layer name -> (op, MACs), from `cnnc inspect`'s table."""
    out = run([cnnc, "inspect", model, f"--batch={batch}"]).stdout
    layers = {}
    for line in out.splitlines():
        cols = line.split()
        if len(cols) == 5 and re.fullmatch(r"[\d,]+", cols[4]) and cols[0] != "layer":
            layers[cols[0]] = (cols[1], int(cols[4].replace(",", "")))
    if not layers:
        raise SystemExit("profile.py: cnnc inspect printed no layer table")
    return layers


def perf_periods(data: str) -> Dict[str, int]:
    """Symbol -> CPU nanoseconds sampled in it (cpu-clock periods)."""
    out = run(["perf", "report", "-i", data, "--stdio", "-F", "period,sym"]).stdout
    periods: Dict[str, int] = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"^\s*(\d+)\s+\[.\]\s+(\S+)", line)
        if m:
            periods[m.group(2)] += int(m.group(1))
    return periods


def split_loops(times: Dict[str, int]) -> Tuple[Dict[str, int], Dict[str, int]]:
    """Symbol -> ns into the layers' loops (by layer) and everything else."""
    rows: Dict[str, int] = collections.Counter()
    rest: Dict[str, int] = collections.Counter()
    for sym, ns in times.items():
        m = LOOP_SYMBOL.match(sym)
        if m:
            rows[m.group(1) or "(unnamed loop)"] += ns
        else:
            rest[sym] += ns
    return rows, rest


def perf_profile(cmd: List[str], env: Dict[str, str], out: str):
    data = os.path.join(out, "perf.data")
    proc = run(["perf", "record", "-q", "-o", data, "--"] + cmd, env=env)
    timing = json.loads(proc.stdout.strip().splitlines()[-1])
    return (timing,) + split_loops(perf_periods(data)) + (None,)


def timer_profile(cmd: List[str], env: Dict[str, str], out: str):
    """The runtime's loop timers (CNNC_PROFILE): library, offset, calls, total
    and fastest call's nanoseconds per loop, the offsets named with `nm`.
    Also returns each layer's fastest ms per inference: its loops' fastest
    calls, each times its calls per inference."""
    path = os.path.join(out, "loops.tsv")
    if os.path.exists(path):
        os.remove(path)
    proc = run(cmd, env=dict(env, CNNC_PROFILE=path))
    timing = json.loads(proc.stdout.strip().splitlines()[-1])
    inferences = timing["runs"] + 1  # and the warmup
    if not os.path.isfile(path):
        raise SystemExit(f"profile.py: the library wrote no loop timings to {path}")
    symbols: Dict[Tuple[str, int], str] = {}
    times: Dict[str, int] = collections.Counter()
    fastest: Dict[str, float] = collections.Counter()
    for line in open(path, encoding="utf-8"):
        library, offset, calls, ns, min_ns = line.rstrip("\n").split("\t")
        if (library, 0) not in symbols:
            symbols[(library, 0)] = ""
            for sym in run(["nm", "--defined-only", library]).stdout.splitlines():
                cols = sym.split()
                if len(cols) == 3:
                    symbols[(library, int(cols[0], 16))] = cols[2]
        sym = symbols.get((library, int(offset, 16)), offset)
        times[sym] += int(ns)
        m = LOOP_SYMBOL.match(sym)
        if m:
            per_inference = max(1, round(int(calls) / inferences))
            fastest[m.group(1) or "(unnamed loop)"] += int(min_ns) * per_inference / 1e6
    return (timing,) + split_loops(times) + (fastest,)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="a name in models/ or a model description (.json)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--method", choices=("timer", "perf"), default="timer",
                   help="the runtime's loop timers (default) or perf record")
    p.add_argument("--seconds", type=float, default=4.0,
                   help="keep running inferences for this long (4)")
    p.add_argument("--out", default=None, help="work folder (default: a new one in /tmp)")
    p.add_argument("--cnnc", default=os.path.join(ROOT, "build", "bin", "cnnc"))
    p.add_argument("--cc", default=os.environ.get("CC", "cc"))
    p.add_argument("--top", type=int, default=0, help="print only the N costliest layers")
    a = p.parse_args(argv)

    if a.method == "perf" and not shutil.which("perf"):
        raise SystemExit("profile.py: needs Linux perf (apt-get install linux-perf)")
    model = a.model if a.model.endswith(".json") else os.path.join(ROOT, "models", a.model + ".json")
    if not os.path.isfile(model):
        raise SystemExit(f"profile.py: no model description {model}")
    out = a.out or tempfile.mkdtemp(prefix="cnnc-profile.")
    os.makedirs(out, exist_ok=True)

    libdir = os.path.join(out, "lib")
    run([a.cnnc, "compile", model, "-o", libdir, f"--batch={a.batch}"])
    header = [f for f in os.listdir(libdir) if f.endswith(".h")]
    if len(header) != 1:
        raise SystemExit(f"profile.py: expected one header in {libdir}")
    name = header[0][:-2]
    with open(os.path.join(libdir, header[0]), encoding="utf-8") as f:
        sizes = io_sizes(f.read(), name)
    macs = layer_macs(a.cnnc, model, a.batch)

    driver = os.path.join(out, "driver")
    run([a.cc, "-O2", "-std=gnu11", "-o", driver, os.path.join(HERE, "driver.c"), "-ldl"])
    weights = os.path.join(libdir, f"{name}.safetensors")
    cmd = ([driver, os.path.join(libdir, f"lib{name}.so"), name, "--threads", str(a.threads),
            "--warmup", "1", "--repeat", "3", "--budget", str(a.seconds)] +
           driver_io_args(sizes, weights if os.path.isfile(weights) else None))
    env = dict(os.environ, CNNC_NUM_THREADS=str(a.threads))
    if a.method == "timer":
        timing, rows, rest, fastest = timer_profile(cmd, env, out)
    else:
        timing, rows, rest, fastest = perf_profile(cmd, env, out)
    inferences = timing["runs"] + 1  # and the warmup

    if not rows:
        raise SystemExit("profile.py: no samples in forward_parallel* loops; "
                         "is this library built by this cnnc?")
    total = sum(rows.values())

    kind = "wall" if a.method == "timer" else "CPU"
    print(f"# {name}, batch {a.batch}, {a.threads} thread(s), {a.method}: median "
          f"{timing['median_ms']:.2f} ms over {timing['runs']} runs; {total / 1e6 / inferences:.2f} "
          f"{kind} ms per inference in the layers' loops")
    print(f"{'layer':32} {'op':16} {kind + ' ms':>9} {'share':>7} {'MMACs':>10} {'GFLOP/s':>8}"
          + (f" {'fastest ms':>10}" if fastest else ""))
    ranked = sorted(rows.items(), key=lambda kv: -kv[1])
    for layer, ns in ranked[:a.top or None]:
        ms = ns / 1e6 / inferences
        op, mac = macs.get(layer, ("?", 0))
        gflops = f"{2 * mac / ms / 1e6:8.1f}" if mac else f"{'':8}"
        print(f"{layer:32} {op:16} {ms:9.3f} {100 * ns / total:6.1f}% {mac / 1e6:10.1f} {gflops}"
              + (f" {fastest[layer]:10.3f}" if fastest else ""))
    if a.method == "timer":
        mean_ms = timing["mean_ms"]
        print(f"\noutside the layers' loops: {mean_ms - total / 1e6 / inferences:.2f} ms per "
              "inference (the mean inference less the loops)")
        return 0
    prepare = sum(ns for sym, ns in rest.items() if "prepare" in sym)
    others = sorted(((sym, ns) for sym, ns in rest.items() if "prepare" not in sym),
                    key=lambda kv: -kv[1])
    print(f"\noutside the layers' loops, per inference (one-time loading spread over "
          f"the {inferences} inferences): {sum(ns for _, ns in others) / 1e6 / inferences:.2f} "
          "CPU ms; costliest:")
    for sym, ns in others[:6]:
        print(f"  {sym:50} {ns / 1e6 / inferences:8.3f} ms")
    print(f"one-time weight preparation (cnn_{name}_create): {prepare / 1e6:.2f} CPU ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
