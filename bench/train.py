#!/usr/bin/python3
"""Benchmarks cnnc-compiled training steps against PyTorch on the CPU.

    /usr/bin/python3 bench/train.py                    # lenet5 digits resnet18 x threads {1,2}
    /usr/bin/python3 bench/train.py --models digits lenet5 --threads 1 --repeat 3
    /usr/bin/python3 bench/train.py --models resnet18 --size 32 --repeat 1   # smoke test

For each model it compiles the training step (`cnnc compile --train`, SGD
with momentum 0.9, lr 0.01, cross-entropy, no weight decay) and, per thread
count, times one step through the C API (train_driver.c) and one PyTorch
step (zero_grad, forward, F.cross_entropy, backward, torch.optim.SGD.step,
train mode, with tcmalloc) in separate processes, on the same initial
weights and the same fixed random batch. Before timing it checks that both
compute the same losses and weights over the first steps. It writes
results.md and results.json to bench/results-train/ (or --out) and prints
the tables; bench/README.md explains them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

# The helpers of the inference benchmark: logging, clean per-process thread
# environments, subprocesses that print one JSON line, tcmalloc lookup.
from run import (BenchError, Log, NOISY_CPU, WRONG_DIFF, clean_env,  # noqa: E402
                 comma_list, cpu_name, find_tcmalloc, fmt_ms, fmt_num, git_describe,
                 python_with, run_json, thread_env)

# model -> its description, the batch of the benchmark, whether --size
# applies, and the PyTorch memory formats to try (the best one is reported).
MODELS: Dict[str, Dict[str, Any]] = {
    "lenet5": {"json": "models/lenet5.json", "batch": 64, "resizable": False,
               "variants": ["contiguous"]},
    "digits": {"json": "models/digits/digits_lenet.json", "batch": 64, "resizable": False,
               "variants": ["contiguous"]},
    "resnet18": {"json": "models/resnet18.json", "batch": 8, "resizable": True,
                 "variants": ["contiguous", "channels_last"]},
}

# The training configuration of both sides (train_worker.py hard-codes the
# same SGD).
TRAIN_FLAGS = ["--train", "--loss=cross_entropy", "--optimizer=sgd-momentum",
               "--lr=0.01", "--momentum=0.9", "--weight-decay=0"]


class TrainBench:
    def __init__(self, args: argparse.Namespace, out_dir: str, log: Log):
        self.args = args
        self.out_dir = out_dir
        self.work = os.path.join(out_dir, "work")
        os.makedirs(self.work, exist_ok=True)
        self.log = log
        self.rows: List[Dict[str, Any]] = []
        self.models: List[Dict[str, Any]] = []
        self.meta: Dict[str, Any] = {}
        self.timing_args = ["--warmup", str(args.warmup), "--repeat", str(args.repeat),
                            "--budget", str(args.budget), "--max-time", str(args.max_time),
                            "--max-runs", str(args.max_runs)]

    def setup(self) -> None:
        a = self.args
        if not os.access(a.cnnc, os.X_OK):
            raise SystemExit(f"train.py: {a.cnnc} is not executable; build cnnc first "
                             "(bash scripts/setup) or pass --cnnc")
        self.torch_py = python_with([a.torch_python, sys.executable, "/usr/bin/python3"],
                                    "torch, torchvision, numpy")
        if not self.torch_py:
            raise SystemExit("train.py: no Python with torch, torchvision and numpy; "
                             "pass --torch-python")
        self.tcmalloc = None if a.no_tcmalloc else (a.tcmalloc or find_tcmalloc())
        if not self.tcmalloc and not a.no_tcmalloc:
            raise SystemExit("train.py: libtcmalloc_minimal.so.4 not found "
                             "(apt-get install libtcmalloc-minimal4), or pass --no-tcmalloc")
        self.driver = os.path.join(self.work, "train_driver")
        cmd = [a.cc, "-O2", "-std=gnu11", "-Wall", "-o", self.driver,
               os.path.join(HERE, "train_driver.c"), "-ldl", "-lm"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"train.py: {' '.join(cmd)} failed:\n{proc.stderr}")
        self.meta = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "cpu": cpu_name(), "cpus": os.cpu_count(), "commit": git_describe(),
            "cnnc": subprocess.run([a.cnnc, "--version"], capture_output=True,
                                   text=True).stdout.strip(),
            "torch_python": self.torch_py, "tcmalloc": self.tcmalloc,
            "train_flags": TRAIN_FLAGS,
            "args": {k: v for k, v in vars(a).items()},
        }
        self.log(f"PyTorch: {self.torch_py} (tcmalloc: {self.tcmalloc})")

    # -- per model

    def model_json(self, key: str, mdir: str) -> Dict[str, Any]:
        """The description to compile (a copy with the input resized for
        --size), its layer name, input shape at the benchmark's batch and
        its weights file if it names one."""
        spec = MODELS[key]
        path = os.path.join(ROOT, spec["json"])
        with open(path, encoding="utf-8") as f:
            desc = json.load(f)
        if len(desc["inputs"]) != 1 or len(desc["inputs"][0]["shape"]) != 4:
            raise BenchError(f"{key}: the harness handles one NCHW input")
        shape = list(desc["inputs"][0]["shape"])
        shape[0] = self.args.batch or spec["batch"]
        weights = desc.get("weights")
        if isinstance(weights, str):
            weights = os.path.join(os.path.dirname(path), weights)
        size = self.args.size
        if spec["resizable"] and size and shape[2:] != [size, size]:
            shape[2:] = [size, size]
            desc["inputs"][0]["shape"] = [1] + shape[1:]
            if weights:
                desc["weights"] = weights  # keep the weights path valid
            path = os.path.join(mdir, f"{desc['name']}_{size}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(desc, f, indent=1)
        return {"json": path, "name": desc["name"], "shape": shape, "weights": weights}

    def compile(self, m: Dict[str, Any], mdir: str) -> Dict[str, Any]:
        a = self.args
        libdir = os.path.join(mdir, "lib")
        cmd = [a.cnnc, "compile", m["json"], *TRAIN_FLAGS, f"--batch={m['shape'][0]}",
               "-o", libdir]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            self.log("  cnnc compile failed:\n" + proc.stderr[-4000:])
            tail = proc.stderr.strip().splitlines()[-1:] or ["(no output)"]
            raise BenchError(f"cnnc compile --train: {tail[0]}")
        name, upper = m["name"], m["name"].upper()
        with open(os.path.join(libdir, name + ".h"), encoding="utf-8") as f:
            header = f.read()
        sizes = {}
        for kind in ("INPUT0", "OUTPUT0"):
            hit = re.search(rf"#define CNN_{upper}_{kind}_SIZE (\d+)", header)
            if not hit:
                raise BenchError(f"{name}.h: no CNN_{upper}_{kind}_SIZE")
            sizes[kind] = int(hit.group(1))
        if "_train_step(" not in header:
            raise BenchError(f"{name}.h declares no cnn_{name}_train_step")
        weights = m["weights"] or os.path.join(libdir, name + ".safetensors")
        if not os.path.exists(weights):
            raise BenchError(f"no initial weights: {weights} is missing")
        lib = os.path.join(libdir, f"lib{name}.so")
        batch = m["shape"][0]
        return {"compile_s": round(seconds, 3), "lib": lib, "weights": weights,
                "lib_mb": round(os.path.getsize(lib) / 2**20, 2),
                "in_elems": sizes["INPUT0"], "classes": sizes["OUTPUT0"] // batch}

    def make_batch(self, m: Dict[str, Any], classes: int, mdir: str) -> Dict[str, str]:
        """A fixed random batch in [-1, 1) (raw float32) and labels (raw int64)."""
        import numpy as np
        rng = np.random.default_rng(self.args.seed)
        x = rng.uniform(-1.0, 1.0, size=m["shape"]).astype("<f4")
        y = rng.integers(0, classes, size=m["shape"][0]).astype("<i8")
        files = {"input": os.path.join(mdir, "x.f32"), "labels": os.path.join(mdir, "y.i64")}
        x.tofile(files["input"])
        y.tofile(files["labels"])
        return files

    def run_ours(self, m, comp, files, threads: int, check: Optional[str]) -> Dict[str, Any]:
        cmd = [self.driver, comp["lib"], m["name"], "--in", str(comp["in_elems"]),
               "--batch", str(m["shape"][0]), "--weights", comp["weights"],
               "--input", files["input"], "--labels", files["labels"],
               "--threads", str(threads)] + self.timing_args
        if check:
            cmd += ["--check-steps", str(self.args.check_steps), "--save-weights", check]
        return run_json(cmd, env=thread_env(threads), log=self.log)

    def worker_args(self, key, m, comp, files) -> List[str]:
        return ["--model", key, "--shape", ",".join(map(str, m["shape"])),
                "--input", files["input"], "--labels", files["labels"],
                "--weights", comp["weights"]]

    def run_check(self, key, m, comp, files, threads: int, ours_after: str) -> Dict[str, Any]:
        env = thread_env(threads, **({"LD_PRELOAD": self.tcmalloc} if self.tcmalloc else {}))
        return run_json([self.torch_py, os.path.join(HERE, "train_worker.py"), "check",
                         *self.worker_args(key, m, comp, files), "--threads", str(threads),
                         "--steps", str(self.args.check_steps),
                         "--ours-weights", ours_after], env=env, log=self.log)

    def run_pytorch(self, key, m, comp, files, threads: int) -> Dict[str, Any]:
        env = thread_env(threads, **({"LD_PRELOAD": self.tcmalloc} if self.tcmalloc else {}))
        variants: Dict[str, Any] = {}
        for v in self.args.variants or MODELS[key]["variants"]:
            try:
                variants[v] = run_json(
                    [self.torch_py, os.path.join(HERE, "train_worker.py"), "bench",
                     *self.worker_args(key, m, comp, files), "--threads", str(threads),
                     "--variant", v] + self.timing_args, env=env, log=self.log)
            except BenchError as e:
                variants[v] = {"error": str(e)}
        ok = {v: r for v, r in variants.items() if "error" not in r}
        if not ok:
            raise BenchError("; ".join(f"{v}: {r['error']}" for v, r in variants.items()))
        best = min(ok, key=lambda v: ok[v]["median_ms"])
        return {**ok[best], "variant": best, "variants": variants}

    def attempt(self, what: str, fn, *args) -> Dict[str, Any]:
        try:
            return fn(*args)
        except BenchError as e:
            self.log(f"  {what}: {e}")
            return {"error": str(e)}

    def model(self, key: str) -> None:
        a = self.args
        mdir = os.path.join(self.work, key)
        os.makedirs(mdir, exist_ok=True)
        info: Dict[str, Any] = {"model": key}
        self.models.append(info)
        try:
            m = self.model_json(key, mdir)
            info.update(size=f"{m['shape'][2]}x{m['shape'][3]}", batch=m["shape"][0])
            self.log(f"{key} {info['size']} batch {info['batch']}: cnnc compile --train")
            comp = self.compile(m, mdir)
            files = self.make_batch(m, comp["classes"], mdir)
        except (OSError, ValueError, KeyError, BenchError) as e:
            self.log(f"  {key}: {e}")
            info["error"] = str(e)
            self.write()
            return
        info.update({k: comp[k] for k in ("compile_s", "lib_mb", "classes")})
        self.log(f"  compiled in {comp['compile_s']:.1f} s; {comp['classes']} classes")
        for i, t in enumerate(a.threads):
            row: Dict[str, Any] = {"model": key, "size": info["size"],
                                   "batch": info["batch"], "threads": t}
            check = (os.path.join(mdir, "ours_after_check.safetensors")
                     if i == 0 and a.check_steps > 0 else None)
            row["ours"] = self.attempt("ours", self.run_ours, m, comp, files, t, check)
            if check and "check_losses" in row["ours"]:
                c = self.attempt("check", self.run_check, key, m, comp, files, t, check)
                info["check"] = self.check_summary(row["ours"]["check_losses"], c)
                self.log_check(info["check"])
            row["pytorch"] = self.attempt("pytorch", self.run_pytorch, key, m, comp, files, t)
            ours, pt = row["ours"], row["pytorch"]
            if "median_ms" in ours and "median_ms" in pt:
                row["speedup_vs_pytorch"] = pt["median_ms"] / ours["median_ms"]
            others = [ours.get("other_cpu", 0.0)]
            others += [v.get("other_cpu", 0.0) for v in pt.get("variants", {}).values()]
            row["other_cpu"] = max(others)
            self.rows.append(row)
            self.log(f"  threads {t}: ours {fmt_ms(ours)} ms, PyTorch {fmt_ms(pt)} ms"
                     + (f" ({pt['variant']})" if "variant" in pt else "")
                     + (f", PyTorch/ours {row['speedup_vs_pytorch']:.2f}"
                        if "speedup_vs_pytorch" in row else ""))
            self.write()
        if not a.keep_work:
            shutil.rmtree(os.path.join(mdir, "lib"), ignore_errors=True)

    @staticmethod
    def check_summary(ours_losses: List[Optional[float]], c: Dict[str, Any]) -> Dict[str, Any]:
        if "error" in c:
            return {"ours_losses": ours_losses, "error": c["error"]}
        theirs = c["torch_losses"]
        diffs = [None if o is None else abs(o - t) for o, t in zip(ours_losses, theirs)]
        rel = [None if d is None else d / max(abs(t), 1e-30) for d, t in zip(diffs, theirs)]
        return {"ours_losses": ours_losses, "torch_losses": theirs, "loss_abs_diff": diffs,
                "loss_rel_diff": rel, "param_max_rel_diff": c.get("param_max_rel_diff"),
                "param_worst": c.get("param_worst")}

    def log_check(self, c: Dict[str, Any]) -> None:
        if "error" in c:
            self.log(f"  check: PyTorch failed: {c['error']}")
            return
        for i, (o, t, d) in enumerate(zip(c["ours_losses"], c["torch_losses"],
                                          c["loss_abs_diff"])):
            self.log(f"  check step {i + 1}: loss ours {o:.6f}, PyTorch {t:.6f}, "
                     f"|diff| {'nan' if d is None else f'{d:.2e}'}"
                     if o is not None else f"  check step {i + 1}: our loss is not finite")
        p = c.get("param_max_rel_diff")
        self.log(f"  check: weights after {len(c['ours_losses'])} steps, max rel diff "
                 f"{'n/a' if p is None else f'{p:.2e}'} ({c.get('param_worst')})"
                 + ("  WRONG" if check_wrong(c) else ""))

    def write(self) -> None:
        write_reports(self.out_dir, self.meta, self.models, self.rows)


# ---- reports -----------------------------------------------------------------

def check_wrong(c: Optional[Dict[str, Any]]) -> bool:
    """The check failed: a loss or a weight differs by more than WRONG_DIFF
    (relative), or ours is not finite."""
    if not c or "error" in c:
        return False
    values = list(c.get("loss_rel_diff") or []) + [c.get("param_max_rel_diff", 0.0)]
    return any(v is None or not v <= WRONG_DIFF for v in values)


def fmt_e(v: Optional[float]) -> str:
    return "–" if v is None else f"{v:.1e}"


def write_reports(out_dir: str, meta: Dict[str, Any], models: List[Dict[str, Any]],
                  rows: List[Dict[str, Any]]) -> str:
    text = render_markdown(meta, models, rows)
    with open(os.path.join(out_dir, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "models": models, "results": rows}, f, indent=1)
    with open(os.path.join(out_dir, "results.md"), "w", encoding="utf-8") as f:
        f.write(text)
    return text


def render_markdown(meta: Dict[str, Any], models: List[Dict[str, Any]],
                    rows: List[Dict[str, Any]]) -> str:
    args = meta.get("args", {})
    torch_v = next((r["pytorch"]["torch"] for r in rows if "torch" in r.get("pytorch", {})),
                   "?")
    L = [f"# cnnc training-step benchmark, {meta.get('date', '')}", ""]
    L.append(f"- machine: {meta.get('cpu')}, {meta.get('cpus')} CPUs")
    L.append(f"- cnnc: {meta.get('cnnc')}, commit {meta.get('commit')}")
    L.append(f"- PyTorch {torch_v} (tcmalloc: {meta.get('tcmalloc') or 'no'})")
    L.append("- step: SGD, momentum 0.9, lr 0.01, no weight decay, cross-entropy, "
             "the same fixed random batch every step, train mode")
    L.append(f"- timing: median of at least {args.get('repeat')} steps after "
             f"{args.get('warmup')} warm-up (ours: at least {args.get('check_steps')} "
             f"untimed when checking), continuing to {args.get('budget')} s, at most "
             f"{args.get('max_time')} s per measurement")
    L += ["", "## Training step (median ms per step of the batch; PyTorch/ours > 1 means "
          "cnnc is faster)", "",
          "| model | input | batch | threads | ours ms | PyTorch ms | PyTorch/ours "
          "| ours peak RSS MB | PyTorch peak RSS MB | cores ours/PT | other CPU |",
          "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    wrong = {m["model"] for m in models if check_wrong(m.get("check"))}
    errors = []
    for r in rows:
        ours, pt = r.get("ours", {}), r.get("pytorch", {})
        pt_cell = fmt_ms(pt) + (f" ({pt['variant']})" if "variant" in pt else "")
        others = [f"{v} {fmt_ms(x)}" for v, x in pt.get("variants", {}).items()
                  if v != pt.get("variant")]
        if others:  # the memory formats that lost
            pt_cell += " [" + ", ".join(others) + "]"
        sp = r.get("speedup_vs_pytorch")
        cores = "/".join(f"{x['cpu_util']:.1f}" if "cpu_util" in x else "–" for x in (ours, pt))
        L.append(f"| {r['model']} | {r['size']} | {r['batch']} "
                 f"| {r['threads']}{' ⚠' if (r.get('other_cpu') or 0) > NOISY_CPU else ''} "
                 f"| {fmt_ms(ours)}{' ✗' if r['model'] in wrong else ''} | {pt_cell} "
                 f"| {'–' if sp is None else f'{sp:.2f}×'} "
                 f"| {fmt_num(ours.get('maxrss_mb'))} | {fmt_num(pt.get('maxrss_mb'))} "
                 f"| {cores} | {fmt_num(r.get('other_cpu'), 2)} |")
        for k in ("ours", "pytorch"):
            if "error" in r.get(k, {}):
                errors.append(f"{r['model']} threads {r['threads']}, {k}: {r[k]['error']}")
    if wrong:
        L += ["", f"✗: the check failed (a loss or weight differs from PyTorch's by more "
              f"than {WRONG_DIFF:g}, relative): the step is wrong, so its time means little."]
    if any((r.get("other_cpu") or 0) > NOISY_CPU for r in rows):
        L += ["", f"⚠: other processes kept more than {NOISY_CPU} CPUs busy on average "
              "during this row; rerun on an idle machine."]
    L += ["", "## Check, compile time and memory", "",
          "Losses of the first steps from the same initial weights and batch, "
          "ours and PyTorch's; weights: max over tensors of "
          "max |ours − torch| / max(1, max |torch|) after those steps. "
          "Peak RSS: the largest over the thread counts, whole process "
          "(PyTorch's includes the interpreter and framework; baseline = before "
          "the model was built).", "",
          "| model | input | batch | cnnc compile --train s | library MB | losses ours "
          "| losses PyTorch | max loss diff | weights diff | ours peak (baseline) MB "
          "| PyTorch peak (baseline) MB |",
          "|---|---|--:|--:|--:|---|---|--:|--:|--:|--:|"]
    for m in models:
        c = m.get("check") or {}
        mrows = [r for r in rows if r["model"] == m["model"]]

        def rss(k: str) -> str:
            vals = [r[k] for r in mrows if "maxrss_mb" in r.get(k, {})]
            if not vals:
                return "–"
            best = max(vals, key=lambda x: x["maxrss_mb"])
            return f"{best['maxrss_mb']:.1f} ({best.get('baseline_rss_mb', 0):.1f})"

        def losses(k: str) -> str:
            v = c.get(k)
            return "–" if not v else ", ".join("nan" if x is None else f"{x:.5f}" for x in v)
        diffs = [d for d in c.get("loss_abs_diff") or [] if d is not None]
        L.append(f"| {m['model']} | {m.get('size', '?')} | {m.get('batch', '?')} "
                 f"| {fmt_num(m.get('compile_s'))} | {fmt_num(m.get('lib_mb'), 2)} "
                 f"| {losses('ours_losses')} | {losses('torch_losses')} "
                 f"| {fmt_e(max(diffs)) if diffs else '–'}"
                 f"{' ✗' if check_wrong(c) else ''} "
                 f"| {fmt_e(c.get('param_max_rel_diff'))} | {rss('ours')} | {rss('pytorch')} |")
        if "error" in m:
            errors.append(f"{m['model']}: {m['error']}")
        if "error" in c:
            errors.append(f"{m['model']} check: {c['error']}")
    if errors:
        L += ["", "## Errors", ""] + [f"- {e}" for e in dict.fromkeys(errors)]
    L.append("")
    return "\n".join(L)


# ---- main --------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Timing: after --warmup steps, at least --repeat timed steps, continuing "
               "until --budget seconds have passed; at most --max-runs steps and "
               "--max-time seconds (never fewer than one).")
    parser.add_argument("--models", nargs="+", default=list(MODELS), metavar="M",
                        help=f"models (default: {' '.join(MODELS)})")
    parser.add_argument("--threads", nargs="+", default=["1", "2"], metavar="N",
                        help="thread counts (default: 1 2)")
    parser.add_argument("--size", type=int, metavar="PX",
                        help="input height and width of resnet18 (default: 224)")
    parser.add_argument("--batch", type=int, metavar="N",
                        help="batch of every model (default: 64 for lenet5 and digits, "
                             "8 for resnet18)")
    parser.add_argument("--repeat", type=int, default=5, help="minimum timed steps (5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps first (1)")
    parser.add_argument("--budget", type=float, default=2.0,
                        help="keep timing until this many seconds (2)")
    parser.add_argument("--max-time", type=float, default=120.0,
                        help="stop timing after this many seconds (120)")
    parser.add_argument("--max-runs", type=int, default=1000,
                        help="stop timing after this many steps (1000)")
    parser.add_argument("--check-steps", type=int, default=2,
                        help="steps compared with PyTorch before timing (2; 0: no check)")
    parser.add_argument("--variants", nargs="+", metavar="V",
                        help="PyTorch memory formats, contiguous and/or channels_last "
                             "(default: both for resnet18, contiguous for the others)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the batch (0)")
    parser.add_argument("--out", help="results folder (default: bench/results-train)")
    parser.add_argument("--cnnc", default=os.path.join(ROOT, "build", "bin", "cnnc"),
                        help="the compiler (default: build/bin/cnnc)")
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"),
                        help="C compiler for train_driver.c ($CC or cc)")
    parser.add_argument("--torch-python", help="Python with torch (default: this one)")
    parser.add_argument("--tcmalloc", help="tcmalloc library to preload for PyTorch")
    parser.add_argument("--no-tcmalloc", action="store_true",
                        help="run PyTorch with glibc malloc")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the compiled libraries, batches and checked weights")
    args = parser.parse_args(argv)

    args.models = comma_list(args.models)
    if args.variants:
        args.variants = comma_list(args.variants)
        bad = [v for v in args.variants if v not in ("contiguous", "channels_last")]
        if bad:
            parser.error(f"--variants: unknown {', '.join(bad)}")
    try:
        args.threads = [int(t) for t in comma_list(args.threads)]
    except ValueError:
        parser.error("--threads takes integers")
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model {unknown[0]} (known: {', '.join(MODELS)})")
    if (not args.threads or min(args.threads) < 1 or args.repeat < 1
            or (args.batch is not None and args.batch < 1)
            or (args.size is not None and args.size < 1)):
        parser.error("--threads, --repeat, --batch and --size must be positive")
    if not 0 <= args.check_steps <= 64:
        parser.error("--check-steps: 0 to 64")

    out_dir = os.path.abspath(args.out or os.path.join(HERE, "results-train"))
    os.makedirs(out_dir, exist_ok=True)
    if os.path.exists(os.path.join(out_dir, "log.txt")):  # results.* are rewritten too
        os.remove(os.path.join(out_dir, "log.txt"))
    log = Log(os.path.join(out_dir, "log.txt"))
    log(f"results in {out_dir}")

    bench = TrainBench(args, out_dir, log)
    try:
        bench.setup()
        for key in args.models:
            bench.model(key)
    finally:
        text = write_reports(out_dir, bench.meta, bench.models, bench.rows)
        if not args.keep_work:
            shutil.rmtree(bench.work, ignore_errors=True)
    print(text)
    log(f"done: {os.path.join(out_dir, 'results.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
