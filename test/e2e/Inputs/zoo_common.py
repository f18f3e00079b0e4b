"""Zoo models compiled by cnnc against PyTorch (helper of test/e2e/zoo.py and
zoo-large.py).

Each model is built with its seeded PyTorch initialisation
(generate.build: torch.manual_seed(generate.SEED)), gets random batch-norm
running statistics and affine parameters (harness.randomize_batch_norm),
is exported with cnnc_torch.export at a small input size into a temporary
directory and run once with ``cnnc run``; every output is compared with the
module's eval-mode output under torch.no_grad.

Tolerance, per output: max|ours - torch| <= 1e-4 * max(1, max|torch|) (f32).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from typing import Dict, Tuple

import torch

import cnnc_torch
import generate
import harness


def run_models(title: str, sizes: Dict[str, Tuple[int, int]], *, expected: int) -> None:
    """Checks every model of `sizes` (name -> input H, W). Prints one line
    per model and a summary; exits with status 1 if any model fails or
    mismatches, or if the number of models compared is not `expected`."""
    failed = []
    compared = outputs = 0
    for name, (h, w) in sizes.items():
        spec = generate.ZOO[name]
        shape = [1, spec.input_shape[1], h, w]
        start = time.time()
        model = generate.build(name)
        harness.randomize_batch_norm(model, seed=1)
        x = harness.seeded_input(shape, seed=2)
        with torch.no_grad():
            want = model(x)
        wants = list(want) if isinstance(want, (tuple, list)) else [want]
        build_s = time.time() - start
        try:
            with tempfile.TemporaryDirectory(prefix=f"cnnc-e2e-{name}-") as workdir:
                stem = os.path.join(workdir, name)
                start = time.time()
                cnnc_torch.export(model, x, stem, name=name)
                export_s = time.time() - start
                got, run_s = harness.run_cnnc(stem + ".json", [x.numpy()], len(wants), workdir)
        except Exception as err:  # noqa: BLE001 - report and go on with the next model
            lines = str(err).splitlines() or [type(err).__name__]
            print(f"{name} {'x'.join(map(str, shape))}: FAILED: {type(err).__name__}: "
                  + "\n    ".join(line[:200] for line in lines[:12]))
            if not isinstance(err, RuntimeError):
                traceback.print_exc()
            failed.append(name)
            sys.stdout.flush()
            continue
        compared += 1
        worst_err = worst_scale = worst_rel = 0.0
        ok = True
        for i, (g, e) in enumerate(zip(got, wants)):
            err, scale, rel, good = harness.compare(g, e)
            outputs += 1
            if rel >= worst_rel:
                worst_err, worst_scale, worst_rel = err, scale, rel
            if not good:
                ok = False
                extra = "" if g.shape == tuple(e.shape) else f" shape {list(g.shape)} vs {list(e.shape)}"
                print(f"  {name} output {i}: max_err={err:.3e} max|torch|={scale:.3e} "
                      f"rel={rel:.3e} MISMATCH{extra}")
        print(f"{name:<13} {'x'.join(map(str, shape)):<11} outputs={len(wants)} "
              f"max_err={worst_err:.3e} max|torch|={worst_scale:.3e} rel={worst_rel:.3e} "
              f"cnnc_run={run_s:.1f}s (build {build_s:.1f}s, export {export_s:.1f}s)  "
              f"{'ok' if ok else 'MISMATCH'}")
        sys.stdout.flush()
        if not ok:
            failed.append(name)
    print(f"{title}: compared {compared} models ({outputs} outputs), "
          f"{len(failed)} failed: {', '.join(failed) or 'none'} "
          f"(tolerance: max|ours - torch| <= {harness.TOLERANCE:g} * max(1, max|torch|))")
    sys.stdout.flush()
    if failed:
        sys.exit(1)
    assert compared == expected, f"compared {compared} models, expected {expected}"
