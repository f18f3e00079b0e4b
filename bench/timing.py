"""The timing loop shared by the Python workers (torch_worker.py, ort_worker.py).

It follows the same rules as driver.c, so every framework is measured alike:
`warmup` untimed runs, then at least `repeat` timed runs, continuing until
`budget` seconds of timed runs have passed; stop after `max_runs` runs or
once `max_time` seconds have passed (never with fewer than one run).
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from typing import Callable, Dict, Optional


def measure(fn: Callable[[], object], warmup: int, repeat: int, budget: float,
            max_time: float, max_runs: int) -> Dict[str, float]:
    """Times fn() and returns median_ms, min_ms, mean_ms, runs and cpu_util
    (CPU time over wall time of the timed runs: the cores kept busy)."""
    for _ in range(warmup):
        fn()
    times = []
    spent = 0.0
    cpu0 = cpu_seconds()
    max_runs = max(max_runs, repeat, 1)
    while (len(times) < max_runs and (len(times) < repeat or spent < budget)
           and (not times or spent < max_time)):
        start = time.perf_counter()
        fn()
        dt = time.perf_counter() - start
        times.append(dt * 1e3)
        spent += dt
    cpu_util = (cpu_seconds() - cpu0) / spent if spent > 0 else 0.0
    return {"median_ms": statistics.median(times), "min_ms": min(times),
            "mean_ms": statistics.fmean(times), "runs": len(times),
            "cpu_util": round(cpu_util, 2)}


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def rss_mb() -> float:
    """The process's current resident set in MB (0 when unknown)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGESIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def maxrss_mb() -> float:
    """The process's peak resident set in MB (Linux reports ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def mapped_library(*names: str) -> Optional[str]:
    """The path of the first shared library mapped into this process whose file
    name contains one of `names` (to confirm that LD_PRELOAD took effect, or
    to see which BLAS was loaded), else None."""
    try:
        with open("/proc/self/maps") as f:
            paths = [line.split()[-1] for line in f if "/" in line]
    except OSError:
        return None
    for path in paths:
        if any(n in os.path.basename(path) for n in names):
            return path
    return None
