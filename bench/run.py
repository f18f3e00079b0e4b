#!/usr/bin/python3
"""Benchmarks cnnc-compiled models against PyTorch and ONNX Runtime on the CPU.

    /usr/bin/python3 bench/run.py                      # 6 models x batch {1,8} x threads {1,2}
    /usr/bin/python3 bench/run.py --models resnet18 --batches 1 --threads 1 \\
        --repeat 3 --size 64                           # a smoke test in a minute

For each model, batch and thread count it times our library (compiled with
`cnnc compile`, driven through its C API by driver.c), PyTorch (best of
eager, channels_last and TorchScript, with tcmalloc) and ONNX Runtime (CPU,
all graph optimisations), each in its own process, on the same weights and
input. It writes results.md, results.json and chart.png to
bench/results/<timestamp>/ (or --out). bench/README.md explains the
columns and the method.
"""

from __future__ import annotations

import argparse
import ctypes.util
import datetime
import glob
import json
import math
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

MODELS = ["resnet18", "resnet50", "vgg16", "googlenet", "inception_v3", "mobilenet_v2"]
VARIANTS = ["eager", "channels_last", "jit"]
FRAMEWORKS = ["ours", "pytorch", "ort"]

# Environment variables that decide thread counts or preload libraries; the
# harness sets them per subprocess and never inherits them.
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "CNNC_NUM_THREADS", "LD_PRELOAD")


class BenchError(RuntimeError):
    """A step failed; the message is what the report shows."""


# ---- small helpers -----------------------------------------------------------

class Log:
    """Progress on stderr with the elapsed time, copied to a log file."""

    def __init__(self, path: str):
        self.start = time.monotonic()
        self.file = open(path, "a", encoding="utf-8")

    def __call__(self, msg: str) -> None:
        t = int(time.monotonic() - self.start)
        line = f"[{t // 60:3d}:{t % 60:02d}] {msg}"
        print(line, file=sys.stderr, flush=True)
        self.file.write(line + "\n")
        self.file.flush()


def io_sizes(header: str, name: str) -> Dict[str, List[int]]:
    """The floats of each input and output, in order, from the generated
    header's CNN_<NAME>_INPUT<i>_SIZE and _OUTPUT<i>_SIZE."""
    return {kind: [int(n) for _, n in sorted(
                (int(i), n) for i, n in re.findall(
                    rf"#define CNN_{name.upper()}_{kind.upper()}(\d+)_SIZE (\d+)", header))]
            for kind in ("input", "output")}


def driver_io_args(sizes: Dict[str, List[int]], weights: Optional[str]) -> List[str]:
    """driver.c's arguments for a library with these io_sizes and weights file."""
    args: List[str] = []
    for kind, flag in (("input", "--in"), ("output", "--out")):
        for n in sizes[kind]:
            args += [flag, str(n)]
    return args + (["--weights", weights] if weights else [])


def comma_list(values: Sequence[str]) -> List[str]:
    """['a,b', 'c'] -> ['a', 'b', 'c'] so both `--x a b` and `--x a,b` work."""
    return [v for item in values for v in item.split(",") if v]


def clean_env(**extra: str) -> Dict[str, str]:
    """os.environ without thread/preload settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env.update(extra)
    return env


def thread_env(threads: int, **extra: str) -> Dict[str, str]:
    t = str(threads)
    return clean_env(OMP_NUM_THREADS=t, MKL_NUM_THREADS=t, OPENBLAS_NUM_THREADS=t,
                     CNNC_NUM_THREADS=t, **extra)


def busy_cpu_seconds() -> float:
    """CPU seconds spent outside idle by the whole machine since boot."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    # user nice system idle iowait irq softirq steal (guest is inside user)
    busy = sum(fields[:3]) + sum(fields[5:8])
    return busy / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_json(cmd: List[str], env: Optional[Dict[str, str]] = None,
             log: Optional[Log] = None) -> Dict[str, Any]:
    """Runs cmd and returns the JSON object on the last line of its stdout;
    raises BenchError with the tail of stderr when it fails.

    The result gains "other_cpu": how many CPUs other processes kept busy, on
    average, while cmd ran (the machine's busy time less cmd's own CPU time).
    Much above 0.1 means the timing shared the machine and is suspect."""
    busy0, ours0, wall0 = busy_cpu_seconds(), children_cpu_seconds(), time.monotonic()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, cwd=ROOT)
    wall = time.monotonic() - wall0
    other = (busy_cpu_seconds() - busy0) - (children_cpu_seconds() - ours0)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-3:]
        if log:
            log(f"  FAILED: {' '.join(cmd)}\n" + proc.stderr[-4000:])
        raise BenchError(f"exit {proc.returncode}: " + " | ".join(t.strip() for t in tail))
    result = json.loads(lines[-1])
    result["other_cpu"] = round(max(0.0, other) / max(wall, 1e-9), 3)
    return result


def python_with(candidates: Sequence[Optional[str]], modules: str) -> Optional[str]:
    """The first interpreter among `candidates` that can import `modules`."""
    seen = set()
    for exe in candidates:
        if not exe or exe in seen:
            continue
        seen.add(exe)
        try:
            ok = subprocess.run([exe, "-c", f"import {modules}"], env=clean_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                timeout=120).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return exe
    return None


def find_tcmalloc() -> Optional[str]:
    patterns = ["/usr/lib/*/libtcmalloc_minimal.so.4", "/usr/lib/*/libtcmalloc.so.4",
                "/usr/lib/libtcmalloc_minimal.so.4", "/usr/lib64/libtcmalloc_minimal.so.4"]
    for pattern in patterns:
        hits = sorted(glob.glob(pattern))
        if hits:
            return hits[0]
    # A bare soname such as "libtcmalloc_minimal.so.4" works in LD_PRELOAD too.
    return ctypes.util.find_library("tcmalloc_minimal")


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def git_describe() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def max_rel_diff(out_path: str, ref_path: str) -> Optional[float]:
    """max |out - ref| / max |ref| over two raw float32 files (None if either
    is missing or they differ in length)."""
    import numpy as np
    if not (os.path.exists(out_path) and os.path.exists(ref_path)):
        return None
    out = np.fromfile(out_path, dtype="<f4").astype(np.float64)
    ref = np.fromfile(ref_path, dtype="<f4").astype(np.float64)
    if out.shape != ref.shape or ref.size == 0:
        return None
    scale = max(float(np.abs(ref).max()), 1e-30)
    return float(np.abs(out - ref).max() / scale)


# ---- the steps ---------------------------------------------------------------

class Bench:
    def __init__(self, args: argparse.Namespace, out_dir: str, log: Log):
        self.args = args
        self.out_dir = out_dir
        self.work = os.path.join(out_dir, "work")
        os.makedirs(self.work, exist_ok=True)
        self.log = log
        self.results: List[Dict[str, Any]] = []
        self.compiles: List[Dict[str, Any]] = []
        self.meta: Dict[str, Any] = {}
        self.timing_args = ["--warmup", str(args.warmup), "--repeat", str(args.repeat),
                            "--budget", str(args.budget), "--max-time", str(args.max_time),
                            "--max-runs", str(args.max_runs)]

    # -- tools and environment

    def setup(self) -> None:
        a = self.args
        self.torch_py = python_with([a.torch_python, sys.executable, "/usr/bin/python3"],
                                    "torch, torchvision")
        self.ort_py = python_with([a.ort_python, sys.executable, shutil.which("python3"),
                                   "/usr/bin/python3"], "onnxruntime, numpy")
        self.tcmalloc = None if a.no_tcmalloc else (a.tcmalloc or find_tcmalloc())
        if "pytorch" in a.frameworks or "ort" in a.frameworks:
            if not self.torch_py:
                raise SystemExit("run.py: no Python with torch and torchvision "
                                 "(needed for PyTorch, the ONNX export and the weights); "
                                 "pass --torch-python or --frameworks ours")
        if "ort" in a.frameworks and not self.ort_py:
            raise SystemExit("run.py: no Python with onnxruntime (pip install onnxruntime); "
                             "pass --ort-python or leave ort out of --frameworks")
        if "pytorch" in a.frameworks and not self.tcmalloc and not a.no_tcmalloc:
            raise SystemExit("run.py: libtcmalloc_minimal.so.4 not found "
                             "(apt-get install libtcmalloc-minimal4), or pass --no-tcmalloc")
        if "ours" in a.frameworks and not os.access(a.cnnc, os.X_OK):
            raise SystemExit(f"run.py: {a.cnnc} is not executable; build cnnc first "
                             "(bash scripts/setup) or pass --cnnc")

        cc = a.cc
        self.driver = os.path.join(self.work, "driver")
        self.peak = os.path.join(self.work, "peak")
        for src, exe, libs in (("driver.c", self.driver, ["-ldl"]),
                               ("peak.c", self.peak, ["-pthread"])):
            cmd = [cc, "-O2", "-std=gnu11", "-Wall", "-o", exe, os.path.join(HERE, src)] + libs
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(f"run.py: {' '.join(cmd)} failed:\n{proc.stderr}")

        self.peaks = peaks = self.measure_peaks()
        for t, p in peaks.items():
            self.log(f"peak: {t} thread(s) {p['gflops']:.1f} GFLOP/s ({p['isa']})")
        self.meta = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "host": socket.gethostname(), "cpu": cpu_name(), "cpus": os.cpu_count(),
            "commit": git_describe(),
            "cnnc": (subprocess.run([a.cnnc, "--version"], capture_output=True, text=True)
                     .stdout.strip() if os.access(a.cnnc, os.X_OK) else None),
            "torch_python": self.torch_py, "ort_python": self.ort_py,
            "tcmalloc": self.tcmalloc,
            "peak_gflops": peaks,
            "args": {k: v for k, v in vars(a).items()},
        }
        self.log(f"PyTorch: {self.torch_py} (tcmalloc: {self.tcmalloc}); ORT: {self.ort_py}")

    def measure_peaks(self) -> Dict[str, Dict[str, Any]]:
        isa = ["--isa", self.args.peak_isa] if self.args.peak_isa else []
        return {str(t): run_json([self.peak, "--threads", str(t), "--seconds",
                                  str(self.args.peak_seconds), *isa], env=clean_env())
                for t in self.args.threads}

    def core_round_trip(self) -> Optional[float]:
        """ns for a cache line to go from one core to another and back
        (peak.c --round-trip): about 50-130 ns where the two CPUs share a
        last-level cache, several hundred where a VM's two vCPUs sit on
        different dies, which slows every two-thread time."""
        try:
            return run_json([self.peak, "--round-trip"], env=clean_env()).get("round_trip_ns")
        except BenchError:
            return None

    def remeasure_peak(self) -> None:
        """Measures the peak again, to show whether the machine's speed
        drifted during the run (shared hosts do); % of peak uses the first."""
        self.meta["peak_gflops_end"] = self.measure_peaks()

    # -- per model

    def model_json(self, name: str, size: Optional[int]) -> Tuple[str, List[int]]:
        """The description to compile (a copy with the input resized when
        --size is given) and its input shape at batch 1."""
        path = os.path.join(ROOT, "models", name + ".json")
        with open(path, encoding="utf-8") as f:
            desc = json.load(f)
        if len(desc["inputs"]) != 1 or len(desc["inputs"][0]["shape"]) != 4:
            raise BenchError(f"{name}: the harness handles one NCHW input")
        shape = list(desc["inputs"][0]["shape"])
        shape[0] = 1
        if size is None or shape[2:] == [size, size]:
            return path, shape
        shape[2:] = [size, size]
        desc["inputs"][0]["shape"] = shape
        if isinstance(desc.get("weights"), str):  # keep a relative weights path valid
            desc["weights"] = os.path.join(os.path.dirname(path), desc["weights"])
        copy = os.path.join(self.work, name, f"{name}_{size}.json")
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        with open(copy, "w", encoding="utf-8") as f:
            json.dump(desc, f, indent=1)
        return copy, shape

    def prepare_weights(self, name: str) -> Optional[str]:
        """PyTorch's seeded weights as safetensors, for our library."""
        if not self.torch_py:
            return None
        out = os.path.join(self.work, name, "weights.safetensors")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        try:
            run_json([self.torch_py, os.path.join(HERE, "torch_worker.py"), "weights",
                      "--model", name, "--out", out], env=clean_env(), log=self.log)
            return out
        except BenchError as e:
            self.log(f"  {name}: no shared weights ({e}); ours uses cnnc's seeded init")
            return None

    def export(self, name: str, shape: List[int], bdir: str) -> Dict[str, Optional[str]]:
        """The ONNX model (when ORT runs) and the shared input, for one batch."""
        files = {"onnx": None, "input": None}
        if not self.torch_py:
            return files
        onnx = os.path.join(bdir, "model.onnx")
        inp = os.path.join(bdir, "input.f32")
        cmd = [self.torch_py, os.path.join(HERE, "torch_worker.py"), "export", "--model",
               name, "--shape", ",".join(map(str, shape)), "--input", inp, "--onnx", onnx]
        if "ort" not in self.args.frameworks:
            cmd[-2:] = []
        run_json(cmd, env=clean_env(), log=self.log)
        files["input"] = inp
        if "ort" in self.args.frameworks:
            files["onnx"] = onnx
        return files

    def compile_ours(self, name: str, json_path: str, batch: int, bdir: str) -> Dict[str, Any]:
        a = self.args
        libdir = os.path.join(bdir, "lib")
        start = time.perf_counter()
        cpu = [f"--cpu={a.cpu}"] if a.cpu else []
        proc = subprocess.run([a.cnnc, "compile", json_path, "-o", libdir, f"--batch={batch}",
                               *cpu], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            self.log("  cnnc compile failed:\n" + proc.stderr[-4000:])
            tail = proc.stderr.strip().splitlines()[-1:] or ["(no output)"]
            raise BenchError(f"cnnc compile: {tail[0]}")
        with open(os.path.join(libdir, name + ".h"), encoding="utf-8") as f:
            header = f.read()
        upper = name.upper()
        sizes = io_sizes(header, name)
        if not sizes["input"] or not sizes["output"]:
            raise BenchError(f"{name}.h: no CNN_{upper}_INPUT0_SIZE/OUTPUT0_SIZE")
        inspect = subprocess.run([a.cnnc, "inspect", json_path, f"--batch={batch}", *cpu],
                                 capture_output=True, text=True)
        m = re.search(r"total: ([\d,]+) parameters, ([\d,]+) MACs", inspect.stdout)
        if inspect.returncode != 0 or not m:
            raise BenchError("cnnc inspect: no 'total: ... MACs' line")
        # The planned activation arena and the liveness lower bound.
        arena = re.search(rf"#define CNN_{upper}_ARENA_BYTES (\d+)", header)
        bound = re.search(r"the most bytes live at once is (\d+)", header)
        memory = {"arena_bytes": int(arena.group(1)),
                  "arena_lower_bound": int(bound.group(1))} if arena and bound else {}
        lib = os.path.join(libdir, f"lib{name}.so")
        return {"compile_s": round(seconds, 3), "lib": lib, **memory,
                "lib_mb": round(os.path.getsize(lib) / 2**20, 2),
                "parameters": int(m.group(1).replace(",", "")),
                "macs": int(m.group(2).replace(",", "")), **sizes}

    # -- measurements

    def run_ours(self, name: str, comp: Dict[str, Any], weights: Optional[str],
                 inp: Optional[str], threads: int, out_file: str) -> Dict[str, Any]:
        cmd = ([self.driver, comp["lib"], name, "--threads", str(threads),
                "--save-output", out_file] + self.timing_args +
               driver_io_args(comp, weights))
        if inp:
            cmd += ["--input", inp]
        return run_json(cmd, env=thread_env(threads), log=self.log)

    def run_pytorch(self, name: str, shape: List[int], inp: str, threads: int,
                    bdir: str) -> Dict[str, Any]:
        env = thread_env(threads, **({"LD_PRELOAD": self.tcmalloc} if self.tcmalloc else {}))
        variants: Dict[str, Any] = {}
        for v in self.args.variants:
            out = os.path.join(bdir, f"out_pytorch_{v}_t{threads}.f32")
            try:
                variants[v] = run_json(
                    [self.torch_py, os.path.join(HERE, "torch_worker.py"), "bench",
                     "--model", name, "--shape", ",".join(map(str, shape)), "--input", inp,
                     "--variant", v, "--threads", str(threads), "--save-output", out]
                    + self.timing_args, env=env, log=self.log)
                variants[v]["output"] = out
            except BenchError as e:
                variants[v] = {"error": str(e)}
        ok = {v: r for v, r in variants.items() if "error" not in r}
        if not ok:
            raise BenchError("; ".join(f"{v}: {r['error']}" for v, r in variants.items()))
        best = min(ok, key=lambda v: ok[v]["median_ms"])
        return {**ok[best], "variant": best, "variants": variants}

    def run_ort(self, onnx: str, shape: List[int], inp: str, threads: int,
                out_file: str) -> Dict[str, Any]:
        return run_json([self.ort_py, os.path.join(HERE, "ort_worker.py"), "--onnx", onnx,
                         "--shape", ",".join(map(str, shape)), "--input", inp,
                         "--threads", str(threads), "--save-output", out_file]
                        + self.timing_args, env=thread_env(threads), log=self.log)

    def attempt(self, what: str, fn, *args) -> Dict[str, Any]:
        """fn(*args), or {"error": ...} when it fails (logged; the run goes on)."""
        try:
            return fn(*args)
        except BenchError as e:
            self.log(f"  {what}: {e}")
            return {"error": str(e)}

    def model(self, name: str) -> None:
        a = self.args
        try:
            json_path, shape1 = self.model_json(name, a.size)
        except (OSError, ValueError, KeyError, BenchError) as e:
            self.log(f"{name}: {e}")
            for b in a.batches:
                for t in a.threads:
                    self.results.append({"model": name, "batch": b, "threads": t,
                                         "error": str(e)})
            return
        size = f"{shape1[2]}x{shape1[3]}"
        weights = self.prepare_weights(name) if "ours" in a.frameworks else None
        for b in a.batches:
            shape = [b] + shape1[1:]
            bdir = os.path.join(self.work, name, f"b{b}")
            os.makedirs(bdir, exist_ok=True)
            self.log(f"{name} {size} batch {b}: export and compile")
            files = self.attempt("export", self.export, name, shape, bdir)
            comp = (self.attempt("compile", self.compile_ours, name, json_path, b, bdir)
                    if "ours" in a.frameworks else {"error": "not run"})
            self.compiles.append({"model": name, "size": size, "batch": b,
                                  **{k: v for k, v in comp.items()
                                     if k not in ("lib", "input", "output")}})
            if "compile_s" in comp:
                self.log(f"  cnnc compile {comp['compile_s']:.1f} s, "
                         f"{comp['macs'] / 1e9:.2f} GMACs")
            for t in a.threads:
                self.measure(name, size, shape, b, t, bdir, files, comp, weights)
            if not a.keep_work:
                for f in glob.glob(os.path.join(bdir, "*.onnx")):
                    os.remove(f)

    def measure(self, name, size, shape, b, t, bdir, files, comp, weights) -> None:
        a = self.args
        inp = files.get("input")
        row: Dict[str, Any] = {"model": name, "size": size, "batch": b, "threads": t}
        missing_input = {"error": files.get("error", "no input")}
        # Each round times every framework in turn; each framework keeps its
        # fastest round, so a slow phase of the machine that falls on one
        # framework's turn does not decide the ratio.
        rounds: Dict[str, List[Dict[str, Any]]] = {k: [] for k in a.frameworks}
        round_trips: List[Optional[float]] = []
        for _ in range(a.rounds):
            if t > 1:
                round_trips.append(self.core_round_trip())
            if "ours" in a.frameworks:
                ours = (comp if "error" in comp else self.attempt(
                    "ours", self.run_ours, name, comp, weights, inp, t,
                    os.path.join(bdir, f"out_ours_t{t}.f32")))
                rounds["ours"].append({k: v for k, v in ours.items()
                                       if k not in ("lib", "input", "output")})
            if "pytorch" in a.frameworks:
                rounds["pytorch"].append(
                    self.attempt("pytorch", self.run_pytorch, name, shape, inp, t, bdir)
                    if inp else missing_input)
            if "ort" in a.frameworks:
                rounds["ort"].append(
                    self.attempt("ort", self.run_ort, files["onnx"], shape, inp, t,
                                 os.path.join(bdir, f"out_ort_t{t}.f32"))
                    if files.get("onnx") else missing_input)
        for key, results in rounds.items():
            row[key] = fastest_round(results)
        if round_trips:
            row["core_round_trip_ns"] = round_trips

        # Derived figures: speedups (> 1: ours is faster), throughput, output check.
        ours, pt, ort = (row.get(k, {}) for k in ("ours", "pytorch", "ort"))
        if "median_ms" in ours and "macs" in comp:
            gflops = 2.0 * comp["macs"] / (ours["median_ms"] * 1e-3) / 1e9
            row["gflops"] = round(gflops, 3)
            row["pct_peak"] = round(100.0 * gflops / self.peaks[str(t)]["gflops"], 3)
            for peer, r in (("pytorch", pt), ("ort", ort)):
                if "median_ms" in r:
                    row[f"speedup_vs_{peer}"] = r["median_ms"] / ours["median_ms"]
            peers = [r["median_ms"] for r in (pt, ort) if "median_ms" in r]
            if peers:
                row["speedup_vs_best_peer"] = min(peers) / ours["median_ms"]
        others = [r.get("other_cpu", 0.0) for r in (ours, ort)]
        others += [v.get("other_cpu", 0.0) for v in pt.get("variants", {}).values()]
        row["other_cpu"] = max(others)
        eager_out = pt.get("variants", {}).get("eager", {}).get("output")
        if eager_out:
            check = {}
            if weights and inp and "median_ms" in ours:
                check["ours"] = max_rel_diff(os.path.join(bdir, f"out_ours_t{t}.f32"), eager_out)
            if "median_ms" in ort:
                check["ort"] = max_rel_diff(os.path.join(bdir, f"out_ort_t{t}.f32"), eager_out)
            row["max_rel_diff_vs_eager"] = check
        self.results.append(row)

        def ms(r):
            return f"{r['median_ms']:.2f} ms" if "median_ms" in r else "error" if r else "–"
        self.log(f"  threads {t}: ours {ms(ours)}, PyTorch {ms(pt)}"
                 f"{' (' + pt['variant'] + ')' if 'variant' in pt else ''}, ORT {ms(ort)}")
        write_reports(self.out_dir, self.meta, self.results, self.compiles)


def fastest_round(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The round with the lowest median (the first error when none has one),
    with every round's median when there were several."""
    timed = [r for r in results if "median_ms" in r]
    if not timed:
        return results[0]
    best = min(timed, key=lambda r: r["median_ms"])
    if len(results) > 1:
        best = {**best, "round_medians_ms": [r.get("median_ms") for r in results]}
    return best


# ---- reports -----------------------------------------------------------------

def fmt_ms(r: Optional[Dict[str, Any]]) -> str:
    if not r:
        return "–"
    if "median_ms" not in r:
        return "error"
    v = r["median_ms"]
    return f"{v:.1f}" if v >= 100 else f"{v:.2f}" if v >= 1 else f"{v:.3f}"


def fmt_x(v: Optional[float]) -> str:
    if v is None:
        return "–"
    return f"{v:.2f}×" if v >= 0.1 else f"{v:.3g}×"


def fmt_num(v: Optional[float], digits: int = 1) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


NOISY_CPU = 0.1  # other processes' average CPUs above which a row is flagged
WRONG_DIFF = 1e-3  # max relative output difference to PyTorch eager deemed wrong


def noisy(r: Dict[str, Any]) -> bool:
    return (r.get("other_cpu") or 0.0) > NOISY_CPU


def wrong(r: Dict[str, Any], key: str) -> bool:
    diff = r.get("max_rel_diff_vs_eager", {}).get(key)
    return diff is not None and not diff <= WRONG_DIFF  # NaN counts as wrong


def compile_cell(c: Dict[str, Any]) -> str:
    if "compile_s" in c:
        return f"{c['compile_s']:.1f}"
    return "–" if c.get("error") == "not run" else "error"


def write_reports(out_dir: str, meta: Dict[str, Any], results: List[Dict[str, Any]],
                  compiles: List[Dict[str, Any]]) -> None:
    """(Re)writes results.json, results.md and chart.png; called after every
    configuration so that an interrupted run keeps what it measured."""
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "compiles": compiles, "results": results}, f, indent=1)
    with open(os.path.join(out_dir, "results.md"), "w", encoding="utf-8") as f:
        f.write(render_markdown(meta, results, compiles))
    try:
        write_chart(os.path.join(out_dir, "chart.png"), meta, results)
    except Exception as e:  # a chart problem must not lose the tables
        print(f"run.py: chart.png not written: {e}", file=sys.stderr)


def render_markdown(meta: Dict[str, Any], results: List[Dict[str, Any]],
                    compiles: List[Dict[str, Any]]) -> str:
    args = meta.get("args", {})
    peaks = meta.get("peak_gflops", {})
    versions = {}
    for r in results:
        for key, field in (("pytorch", "torch"), ("ort", "onnxruntime")):
            if field in r.get(key, {}):
                versions[key] = r[key][field]
    L = [f"# cnnc benchmark, {meta.get('date', '')}", ""]
    L.append(f"- machine: {meta.get('cpu')}, {meta.get('cpus')} CPUs ({meta.get('host')})")
    L.append(f"- cnnc: {meta.get('cnnc')}, commit {meta.get('commit')}"
             + (f", --cpu={args['cpu']}" if args.get("cpu") else ""))
    L.append(f"- PyTorch {versions.get('pytorch', '?')} "
             f"(tcmalloc: {meta.get('tcmalloc') or 'no'}; best of "
             f"{', '.join(args.get('variants', []))}), "
             f"ONNX Runtime {versions.get('ort', '?')} (CPU, ORT_ENABLE_ALL)")
    blas = {r["pytorch"].get("blas") for r in results if "blas" in r.get("pytorch", {})}
    if blas:
        L.append(f"- BLAS loaded by PyTorch: {', '.join(sorted(str(b) for b in blas))}")
    L.append("- measured FMA peak: " + ", ".join(
        f"{t} thread{'s' if t != '1' else ''} {p['gflops']:.1f} GFLOP/s ({p['isa']})"
        for t, p in peaks.items()))
    if meta.get("peak_gflops_end"):
        L.append("  (remeasured at the end: " + ", ".join(
            f"{p['gflops']:.1f}" for p in meta["peak_gflops_end"].values())
            + " GFLOP/s; a large change means the machine's speed drifted)")
    L.append(f"- timing: median of at least {args.get('repeat')} runs after "
             f"{args.get('warmup')} warm-up, continuing to {args.get('budget')} s, "
             f"at most {args.get('max_time')} s per measurement")
    if (args.get("rounds") or 1) > 1:
        L.append(f"- {args['rounds']} rounds per configuration, each timing ours, "
                 "PyTorch and ORT in turn; each framework's figure is its "
                 "fastest round's median (results.json has every round's)")
    L.append("")
    L.append("## Inference time (median ms; speedup > 1 means cnnc is faster)")
    L.append("")
    L.append("| model | input | batch | threads | ours ms | PyTorch ms | ORT ms "
             "| ours/PyTorch | ours/ORT | our GFLOP/s | % of peak |")
    L.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    errors = []
    for r in results:
        ours, pt, ort = r.get("ours"), r.get("pytorch"), r.get("ort")
        pt_cell = fmt_ms(pt) + (f" ({pt['variant']})" if pt and "variant" in pt else "")
        L.append(f"| {r['model']} | {r.get('size', '?')} | {r['batch']} "
                 f"| {r['threads']}{' ⚠' if noisy(r) else ''} "
                 f"| {fmt_ms(ours)}{' ✗' if wrong(r, 'ours') else ''} | {pt_cell} "
                 f"| {fmt_ms(ort)}{' ✗' if wrong(r, 'ort') else ''} "
                 f"| {fmt_x(r.get('speedup_vs_pytorch'))} | {fmt_x(r.get('speedup_vs_ort'))} "
                 f"| {fmt_num(r.get('gflops'), 2)} | {fmt_num(r.get('pct_peak'), 2)} |")
        for key in ("ours", "pytorch", "ort"):
            if r.get(key) and "error" in r[key]:
                errors.append(f"{r['model']} batch {r['batch']} threads {r['threads']}, "
                              f"{key}: {r[key]['error']}")
        if "error" in r:
            errors.append(f"{r['model']}: {r['error']}")

    if any(wrong(r, k) for r in results for k in ("ours", "ort")):
        L += ["", f"✗: the output differs from PyTorch eager's on the same input by more "
              f"than {WRONG_DIFF:g} of its largest value (Run details): a wrong result, "
              "so its time means little."]
    if any(noisy(r) for r in results):
        L += ["", f"⚠: other processes kept more than {NOISY_CPU} CPUs busy on average "
              "during one of this row's measurements ('other CPU' below); "
              "its times are suspect, rerun on an idle machine."]
    variants = args.get("variants", VARIANTS)
    L += ["", "## Run details", "",
          "Median ms of each PyTorch variant; timed runs and cores kept busy "
          "(CPU time / wall time) per framework; CPUs used by other processes "
          "meanwhile; a cache line's round trip between two cores before "
          "each round of a two-thread row (ns: about 50-130 where they share "
          "a last-level cache; several hundred where the VM's vCPUs sit on "
          "different dies, which slows every framework's two-thread time); "
          "max |y - y_eager| / max |y_eager| against PyTorch eager "
          "on the same input.", "",
          "| model | batch | threads | " + " | ".join(variants)
          + " | runs ours/PT/ORT | cores ours/PT/ORT | other CPU | core round trip ns "
          "| ours vs eager | ORT vs eager |",
          "|---|--:|--:|" + "--:|" * len(variants) + "--:|--:|--:|--:|--:|--:|"]
    for r in results:
        ours, pt, ort = r.get("ours"), r.get("pytorch"), r.get("ort")
        pv = (pt or {}).get("variants", {})
        check = r.get("max_rel_diff_vs_eager", {})
        cells = [fmt_ms(pv.get(v)) for v in variants]
        runs = "/".join(str(x["runs"]) if x and "runs" in x else "–" for x in (ours, pt, ort))
        cores = "/".join(f"{x['cpu_util']:.1f}" if x and "cpu_util" in x else "–"
                         for x in (ours, pt, ort))
        diffs = [("–" if check.get(k) is None else f"{check[k]:.1e}") for k in ("ours", "ort")]
        trips = "/".join(fmt_num(x, 0) for x in r.get("core_round_trip_ns", [])) or "–"
        L.append(f"| {r['model']} | {r['batch']} | {r['threads']} | " + " | ".join(cells)
                 + f" | {runs} | {cores} | {fmt_num(r.get('other_cpu'), 2)} | {trips} "
                 f"| {diffs[0]} | {diffs[1]} |")

    L += ["", "## Compile time and memory", "",
          "Peak RSS is the largest over the thread counts, of the whole process "
          "(interpreter and framework included for PyTorch and ORT).", "",
          "| model | input | batch | cnnc compile s | library MB | GMACs "
          "| arena MB | arena / liveness bound "
          "| ours peak RSS MB | PyTorch peak RSS MB | ORT peak RSS MB |",
          "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for c in compiles:
        rows = [r for r in results if r["model"] == c["model"] and r["batch"] == c["batch"]]

        def peak_rss(key: str) -> str:
            vals = [r[key]["maxrss_mb"] for r in rows if "maxrss_mb" in r.get(key, {})]
            return fmt_num(max(vals)) if vals else "–"
        L.append(f"| {c['model']} | {c['size']} | {c['batch']} "
                 f"| {compile_cell(c)} "
                 f"| {fmt_num(c.get('lib_mb'), 1)} "
                 f"| {fmt_num(c['macs'] / 1e9, 2) if 'macs' in c else '–'} "
                 f"| {fmt_num(c['arena_bytes'] / 2**20, 1) if 'arena_bytes' in c else '–'} "
                 f"| {fmt_num(c['arena_bytes'] / c['arena_lower_bound'], 2) if c.get('arena_lower_bound') else '–'} "
                 f"| {peak_rss('ours')} | {peak_rss('pytorch')} | {peak_rss('ort')} |")
    if errors:
        L += ["", "## Errors", ""] + [f"- {e}" for e in dict.fromkeys(errors)]
    L.append("")
    return "\n".join(L)


def write_chart(path: str, meta: Dict[str, Any], results: List[Dict[str, Any]]) -> None:
    """Grouped bars: per model, one bar per (batch, threads) configuration,
    height = speedup of ours over the faster of PyTorch and ORT (log scale)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    models = list(dict.fromkeys(r["model"] for r in results))
    configs = list(dict.fromkeys((r["batch"], r["threads"]) for r in results))
    fig, ax = plt.subplots(figsize=(max(6.0, 2.0 + 0.5 * len(models) * len(configs)), 4.5))
    width = 0.8 / max(1, len(configs))
    values = []
    for i, (b, t) in enumerate(configs):
        xs, ys, bad = [], [], []
        for j, m in enumerate(models):
            for r in results:
                if (r["model"], r["batch"], r["threads"]) == (m, b, t) \
                        and r.get("speedup_vs_best_peer"):
                    xs.append(j + (i - (len(configs) - 1) / 2) * width)
                    ys.append(r["speedup_vs_best_peer"])
                    bad.append(wrong(r, "ours"))
        values += ys
        bars = ax.bar(xs, ys, width, label=f"batch {b}, {t} thread{'s' if t > 1 else ''}")
        for bar, x, y, w in zip(bars, xs, ys, bad):
            if w:  # hatched: our output was wrong
                bar.set_hatch("//")
            ax.annotate(f"{y:.2g}" + (" wrong" if w else ""), (x, y), ha="center",
                        va="bottom", fontsize=7)
    ax.axhline(1.0, color="black", linewidth=1, linestyle="--")
    if values:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        lo, hi = min(values + [1.0]), max(values + [1.0])
        # whole decades, so that labelled ticks are always in view
        ax.set_ylim(10 ** math.floor(math.log10(lo / 1.5)), 10 ** math.ceil(math.log10(hi * 1.5)))
    else:
        ax.text(0.5, 0.5, "no comparable measurements", ha="center", transform=ax.transAxes)
    ax.set_xticks(range(len(models)))
    ax.set_xticklabels(models)
    ax.set_ylabel("speedup vs faster of PyTorch / ORT\n(> 1: cnnc faster)")
    sizes = sorted({r.get("size", "?") for r in results})
    ax.set_title(f"cnnc vs best peer ({', '.join(sizes)}), {meta.get('cpu', '')}", fontsize=9)
    if configs:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ---- main --------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Timing: after --warmup runs, at least --repeat timed runs, continuing "
               "until --budget seconds have passed; at most --max-runs runs and "
               "--max-time seconds (never fewer than one run).")
    parser.add_argument("--models", nargs="+", default=MODELS, metavar="M",
                        help=f"models (default: {' '.join(MODELS)})")
    parser.add_argument("--batches", nargs="+", default=["1", "8"], metavar="N",
                        help="batch sizes (default: 1 8)")
    parser.add_argument("--threads", nargs="+", default=["1", "2"], metavar="N",
                        help="thread counts (default: 1 2)")
    parser.add_argument("--size", type=int, metavar="PX",
                        help="input height and width (default: each model's own, "
                             "224 or 299 for inception_v3)")
    parser.add_argument("--frameworks", nargs="+", default=FRAMEWORKS, metavar="F",
                        help="which of ours, pytorch, ort to run (default: all)")
    parser.add_argument("--variants", nargs="+", default=VARIANTS, metavar="V",
                        help="PyTorch variants (default: eager channels_last jit)")
    parser.add_argument("--repeat", type=int, default=5, help="minimum timed runs (5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (1)")
    parser.add_argument("--budget", type=float, default=2.0,
                        help="keep timing until this many seconds (2)")
    parser.add_argument("--max-time", type=float, default=120.0,
                        help="stop timing after this many seconds (120)")
    parser.add_argument("--max-runs", type=int, default=1000,
                        help="stop timing after this many runs (1000)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="time every framework this many times in turn per "
                             "configuration and keep each one's fastest median (1)")
    parser.add_argument("--out", help="results folder (default: bench/results/<timestamp>)")
    parser.add_argument("--cnnc", default=os.path.join(ROOT, "build", "bin", "cnnc"),
                        help="the compiler (default: build/bin/cnnc)")
    parser.add_argument("--cpu", metavar="NAME",
                        help="cnnc compile's target CPU, e.g. x86-64-v3 for AVX2 "
                             "(default: cnnc's, the host)")
    parser.add_argument("--peak-isa", choices=["avx512", "avx2", "sse"],
                        help="instruction set of the FMA peak that %% of peak divides by "
                             "(default: the host's widest)")
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"),
                        help="C compiler for driver.c and peak.c ($CC or cc)")
    parser.add_argument("--torch-python", help="Python with torch (default: this one)")
    parser.add_argument("--ort-python",
                        help="Python with onnxruntime (default: the first of this one, "
                             "python3 on PATH, /usr/bin/python3 that has it)")
    parser.add_argument("--tcmalloc", help="tcmalloc library to preload for PyTorch")
    parser.add_argument("--no-tcmalloc", action="store_true",
                        help="run PyTorch with glibc malloc")
    parser.add_argument("--peak-seconds", type=float, default=1.0,
                        help="length of the FMA peak measurement per thread count (1)")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the compiled libraries, ONNX files and outputs")
    args = parser.parse_args(argv)

    args.models = comma_list(args.models)
    args.frameworks = comma_list(args.frameworks)
    args.variants = comma_list(args.variants)
    try:
        args.batches = [int(b) for b in comma_list(args.batches)]
        args.threads = [int(t) for t in comma_list(args.threads)]
    except ValueError:
        parser.error("--batches and --threads take integers")
    for values, known, what in ((args.frameworks, FRAMEWORKS, "--frameworks"),
                                (args.variants, VARIANTS, "--variants")):
        bad = [v for v in values if v not in known]
        if bad:
            parser.error(f"{what}: unknown {', '.join(bad)} (known: {', '.join(known)})")
    unknown = [m for m in args.models
               if not os.path.exists(os.path.join(ROOT, "models", m + ".json"))]
    if unknown:
        parser.error(f"no models/{unknown[0]}.json")
    if min(args.batches + args.threads) < 1 or args.repeat < 1 or args.rounds < 1:
        parser.error("--batches, --threads, --repeat and --rounds must be positive")
    if not args.variants and "pytorch" in args.frameworks:
        parser.error("--variants: at least one")

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = os.path.abspath(args.out or os.path.join(HERE, "results", stamp))
    os.makedirs(out_dir, exist_ok=True)
    log = Log(os.path.join(out_dir, "log.txt"))
    log(f"results in {out_dir}")

    bench = Bench(args, out_dir, log)
    try:
        bench.setup()
        for name in args.models:
            bench.model(name)
        bench.remeasure_peak()
    finally:
        write_reports(out_dir, bench.meta, bench.results, bench.compiles)
        if not args.keep_work:
            shutil.rmtree(bench.work, ignore_errors=True)
    log(f"done: {os.path.join(out_dir, 'results.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
