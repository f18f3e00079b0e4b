"""End-to-end numerical checks of cnnc against PyTorch (helper of test/e2e).

`check(title, cases, inputs, expected=N)` takes a list of ``(name, case)``
pairs that all read the same model input(s) and

1. builds ONE torch module whose forward returns the tuple of every case's
   output (each case one layer chain),
2. exports it with ``cnnc_torch.export`` into a temporary directory,
3. runs ``cnnc run`` once, with every input and every output,
4. compares each output with PyTorch's (eval mode, ``torch.no_grad``) and
   reports every mismatching case with its error, not just the first.

A case is an ``nn.Module`` (called on the input(s)) or a plain function of
the input(s) (``lambda x: 1 - x``; it is traced inline by torch.fx);
``On(i, case)`` applies a case to input number i only. Functions must not
call unregistered modules (wrap those in nn.Sequential with an Fn).
Modules are built by the caller, after its own ``torch.manual_seed``;
every batch norm of the combined module gets random running statistics
and affine parameters (`randomize_batch_norm`) so that it is not the
identity.

Tolerance: max|ours - torch| <= 1e-4 * max(1, max|torch|), in float32, per
case. The summary line ``<title>: compared N cases, M mismatches`` is
printed, and the run fails unless N == `expected` and M == 0.

If the export or ``cnnc run`` of the combined model fails (a crash, an
error), every case is compiled and compared on its own to name the
culprits, and the test fails in any case.

Environment: CNNC_E2E_KEEP=DIR keeps the exported model, inputs and outputs
in DIR; CNNC_E2E_EACH=1 runs every case on its own (debugging).
`write_reproducer` saves one case as a stand-alone model + command.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from typing import Any, Callable, List, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn

import cnnc_torch

__all__ = ["TOLERANCE", "Fn", "On", "check", "randomize_batch_norm", "run_cnnc",
           "compare", "write_reproducer", "seeded_input"]

warnings.filterwarnings("ignore", message="Using padding='same'")

TOLERANCE = 1e-4  # relative to max(1, max|torch|)

Case = Union[nn.Module, Callable[..., torch.Tensor]]


class Fn(nn.Module):
    """A plain function of the input(s) as a module (traced inline)."""

    def __init__(self, fn: Callable[..., torch.Tensor]):
        super().__init__()
        self.fn = fn

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        return self.fn(*xs)


class On(nn.Module):
    """Applies `module` to model input number `index` only (for tests with
    several inputs of different shapes)."""

    def __init__(self, index: int, module: Case):
        super().__init__()
        self.index = index
        self.module = _as_module(module)

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        return self.module(xs[self.index])


def _as_module(case: Case) -> nn.Module:
    if isinstance(case, nn.Module):
        return case
    if callable(case):
        return Fn(case)
    raise TypeError(f"a case must be an nn.Module or a function, got {type(case).__name__}")


def _combined(modules: Sequence[nn.Module], n_inputs: int) -> nn.Module:
    """One module whose forward(x0, ..., xn-1) returns the tuple of the cases'
    outputs. The forward is generated with a fixed arity because torch.fx
    cannot trace a root forward taking *args."""
    args = ", ".join(f"x{i}" for i in range(n_inputs))
    calls = ", ".join(f"self.cases[{i}]({args})" for i in range(len(modules)))
    src = f"def forward(self, {args}):\n    return ({calls},)\n"
    scope: dict = {}
    exec(compile(src, "<cnnc-e2e-combined>", "exec"), scope)

    class Combined(nn.Module):
        forward = scope["forward"]

    combined = Combined()
    combined.cases = nn.ModuleList(modules)
    return combined.eval()


def randomize_batch_norm(module: nn.Module, seed: int = 1) -> None:
    """Random running statistics and affine parameters for every batch norm
    of `module`, so that none of them is the identity."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                c = m.num_features
                if m.running_mean is not None:
                    m.running_mean.copy_(torch.randn(c, generator=gen) * 0.5)
                    m.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.25)
                if m.weight is not None:
                    m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                    m.bias.copy_(torch.randn(c, generator=gen) * 0.2)


def seeded_input(shape: Sequence[int], seed: int = 0, scale: float = 1.0) -> torch.Tensor:
    """A float32 standard-normal tensor of `shape` (times `scale`) from its
    own generator."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(list(shape), generator=gen) * scale


def _cnnc() -> str:
    """The cnnc executable; waits a while if it is being rebuilt."""
    for _ in range(60):
        path = shutil.which("cnnc")
        if path and os.access(path, os.X_OK):
            return path
        time.sleep(2)
    raise RuntimeError("cnnc not found on PATH")


def run_cnnc(model_json: str, inputs: Sequence[np.ndarray], n_outputs: int,
             workdir: str, options: Sequence[str] = ()) -> Tuple[List[np.ndarray], float]:
    """Runs ``cnnc run`` on `model_json` once, with `options`; returns its
    outputs and the wall time in seconds. Raises RuntimeError with cnnc's
    output on failure."""
    cmd = [_cnnc(), "run", model_json, *options]
    for i, x in enumerate(inputs):
        path = os.path.join(workdir, f"input{i}.npy")
        np.save(path, np.ascontiguousarray(x, dtype=np.float32))
        cmd.append(f"--input={path}")
    out_paths = [os.path.join(workdir, f"output{i}.npy") for i in range(n_outputs)]
    cmd += [f"--output={p}" for p in out_paths]
    for attempt in range(3):
        start = time.time()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as err:  # e.g. ETXTBSY while the binary is relinked
            if attempt == 2:
                raise
            print(f"note: cannot start cnnc ({err}); retrying", file=sys.stderr)
            time.sleep(5)
            cmd[0] = _cnnc()
            continue
        elapsed = time.time() - start
        break
    if proc.returncode != 0:
        status = f"exit {proc.returncode}"
        if proc.returncode < 0:
            try:
                status = f"killed by {signal.Signals(-proc.returncode).name}"
            except ValueError:
                pass
        raise RuntimeError(f"cnnc run failed ({status}):\n"
                           f"  {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return [np.load(p) for p in out_paths], elapsed


def compare(ours: np.ndarray, want: torch.Tensor) -> Tuple[float, float, float, bool]:
    """(max abs error, max|torch|, error / max(1, max|torch|), within
    tolerance). Infinities of the same sign and NaNs where PyTorch has NaN
    match; shape mismatch or any other non-finite error counts as
    infinite."""
    ref = want.detach().numpy().astype(np.float64)
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    if ours.shape != ref.shape:
        return math.inf, scale, math.inf, False
    diff = np.abs(ours.astype(np.float64) - ref)
    both_nonfinite = ~np.isfinite(ref) & ((ours == ref) | (np.isnan(ref) & np.isnan(ours)))
    diff[both_nonfinite] = 0.0
    err = float(diff.max()) if diff.size else 0.0
    if not math.isfinite(err):
        err = math.inf
    rel = err / max(1.0, scale)
    return err, scale, rel, rel <= TOLERANCE


def _as_tuple(inputs: Any) -> Tuple[torch.Tensor, ...]:
    return tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)


def check(title: str, cases: Sequence[Tuple[str, Case]], inputs: Any, *,
          expected: int, options: Sequence[str] = ()) -> int:
    """Compiles all `cases` (see the module docstring) in one cnnc run (with
    `options`) and compares them with PyTorch. Prints one line per case and the summary;
    exits with status 1 on any mismatch or if the number of cases compared
    is not `expected`. Returns the number of cases compared."""
    names = [n for n, _ in cases]
    assert len(set(names)) == len(names), "case names must be unique"
    assert len(cases) > 0, "no cases"
    xs = _as_tuple(inputs)
    if os.environ.get("CNNC_E2E_EACH"):
        return _check_each(title, cases, xs, options=options)
    modules = [_as_module(c) for _, c in cases]
    model = _combined(modules, len(xs))
    randomize_batch_norm(model)
    with torch.no_grad():
        wants = model(*xs)
    assert len(wants) == len(cases)

    keep = os.environ.get("CNNC_E2E_KEEP")
    tmp = None
    if keep:
        os.makedirs(keep, exist_ok=True)
        workdir = keep
    else:
        tmp = tempfile.TemporaryDirectory(prefix=f"cnnc-e2e-{title}-")
        workdir = tmp.name
    try:
        stem = os.path.join(workdir, "model")
        start = time.time()
        cnnc_torch.export(model, xs if len(xs) > 1 else xs[0], stem, name=f"e2e_{title}")
        export_s = time.time() - start
        outs, run_s = run_cnnc(stem + ".json", [x.numpy() for x in xs], len(cases), workdir,
                               options)
    except Exception as err:  # noqa: BLE001
        lines = str(err).splitlines()
        print(f"{title}: the combined model failed: {type(err).__name__}:")
        shown = [line[:300] for line in lines[:8]]
        if len(lines) > 8:
            shown.append(f"... ({len(lines) - 8} more lines)")
        print("\n".join(shown))
        print(f"{title}: compiling every case on its own to find the culprits")
        sys.stdout.flush()
        _check_each(title, cases, xs, combined_failed=True, options=options)
        raise AssertionError("unreachable")  # _check_each exits
    finally:
        if tmp is not None:
            tmp.cleanup()

    compared, bad = 0, []
    width = max(len(n) for n in names)
    for name, got, want in zip(names, outs, wants):
        err, scale, rel, ok = compare(got, want)
        compared += 1
        shape = "x".join(str(d) for d in want.shape)
        status = "ok" if ok else "MISMATCH"
        extra = "" if got.shape == tuple(want.shape) else \
            f" (shape {list(got.shape)} vs torch {list(want.shape)})"
        print(f"{name:<{width}}  {shape:<14} max_err={err:.3e} max|torch|={scale:.3e} "
              f"rel={rel:.3e}  {status}{extra}")
        if not ok:
            bad.append((name, err, rel))
    print(f"{title}: export {export_s:.1f} s, cnnc run {run_s:.1f} s")
    for name, err, rel in bad:
        print(f"{title}: MISMATCH {name}: max_err={err:.3e} rel={rel:.3e} "
              f"(tolerance {TOLERANCE:g})")
    print(f"{title}: compared {compared} cases, {len(bad)} mismatches "
          f"(tolerance: max|ours - torch| <= {TOLERANCE:g} * max(1, max|torch|))")
    sys.stdout.flush()
    assert compared == expected, f"compared {compared} cases, expected {expected}"
    if bad:
        sys.exit(1)
    return compared


def _check_each(title: str, cases: Sequence[Tuple[str, Case]],
                xs: Tuple[torch.Tensor, ...], combined_failed: bool = False,
                options: Sequence[str] = ()) -> int:
    """Compiles and runs every case on its own, so that a crash or a
    mismatch is pinned to its case: after the combined model failed, and as
    a debugging aid (CNNC_E2E_EACH=1). Exits with status 1 if any case fails
    or if `combined_failed` (a combination of passing cases that fails is
    still a failure)."""
    bad = []
    for name, case in cases:
        model = _combined([_as_module(case)], len(xs))
        randomize_batch_norm(model)
        with torch.no_grad():
            want = model(*xs)[0]
        with tempfile.TemporaryDirectory(prefix="cnnc-e2e-each-") as workdir:
            stem = os.path.join(workdir, "model")
            try:
                cnnc_torch.export(model, xs if len(xs) > 1 else xs[0], stem, name="each")
                outs, run_s = run_cnnc(stem + ".json", [x.numpy() for x in xs], 1, workdir,
                                       options)
            except Exception as err:  # noqa: BLE001 - report and go on
                first = str(err).splitlines()[0]
                print(f"{name}: FAILED: {first}")
                bad.append(name)
                continue
        err, scale, rel, ok = compare(outs[0], want)
        print(f"{name}: max_err={err:.3e} max|torch|={scale:.3e} rel={rel:.3e} "
              f"{'ok' if ok else 'MISMATCH'} ({run_s:.1f} s)")
        if not ok:
            bad.append(name)
    print(f"{title} (each case on its own): compared {len(cases) - len(bad)} cases, "
          f"{len(bad)} failed: {', '.join(bad) or 'none'}")
    if combined_failed:
        print(f"{title}: FAILED: the combined model of all {len(cases)} cases failed "
              f"(see above){'' if bad else ' although every case passes on its own'}")
    sys.exit(1 if bad or combined_failed else 0)


def write_reproducer(directory: str, case: Case, inputs: Any, note: str = "") -> None:
    """Writes a minimal stand-alone reproducer of one case into `directory`:
    model.json + model.safetensors, input*.npy, expected*.npy (PyTorch) and
    README with the cnnc command and `note`."""
    os.makedirs(directory, exist_ok=True)
    xs = _as_tuple(inputs)
    model = _combined([_as_module(case)], len(xs))
    randomize_batch_norm(model)
    with torch.no_grad():
        want = model(*xs)[0]
    stem = os.path.join(directory, "model")
    cnnc_torch.export(model, xs if len(xs) > 1 else xs[0], stem, name="repro")
    args = []
    for i, x in enumerate(xs):
        np.save(os.path.join(directory, f"input{i}.npy"), x.numpy())
        args.append(f"--input {directory}/input{i}.npy")
    np.save(os.path.join(directory, "expected.npy"), want.numpy())
    with open(os.path.join(directory, "README"), "w") as f:
        f.write(f"{note}\n\ncnnc run {directory}/model.json {' '.join(args)} "
                f"--output /tmp/out.npy\n"
                f"/usr/bin/python3 -c \"import numpy as n; a=n.load('/tmp/out.npy'); "
                f"b=n.load('{directory}/expected.npy'); print(a.shape, b.shape, "
                f"abs(a-b).max())\"\n")
