"""ONNX Runtime side of the benchmark; bench/run.py starts it in a subprocess,
under whichever Python has onnxruntime installed.

    ort_worker.py --onnx FILE --shape B,C,H,W --input FILE --threads T
                  [--save-output FILE] [timing options]

Runs the model on the CPU execution provider with every graph optimisation
(ORT_ENABLE_ALL), intra_op_num_threads=T and inter_op_num_threads=1 with
sequential execution, and prints one JSON line with the timings (the same
rules as driver.c, see timing.py) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import timing  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--onnx", required=True)
    parser.add_argument("--shape", required=True, help="input shape B,C,H,W")
    parser.add_argument("--input", required=True, help="raw float32 input")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--save-output", help="write the outputs as raw float32")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=2.0)
    parser.add_argument("--max-time", type=float, default=float("inf"))
    parser.add_argument("--max-runs", type=int, default=1000)
    args = parser.parse_args(argv)

    import numpy as np
    import onnxruntime as ort

    baseline = timing.rss_mb()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(args.onnx, sess_options=opts,
                                   providers=["CPUExecutionProvider"])

    shape = tuple(int(d) for d in args.shape.split(","))
    x = np.fromfile(args.input, dtype="<f4").reshape(shape)
    feeds = {session.get_inputs()[0].name: x}

    def run():
        return session.run(None, feeds)

    result = timing.measure(run, args.warmup, args.repeat, args.budget,
                            args.max_time, args.max_runs)
    if args.save_output:
        with open(args.save_output, "wb") as f:
            for out in run():
                np.ascontiguousarray(out, dtype="<f4").tofile(f)
    result.update({
        "threads": args.threads,
        "baseline_rss_mb": round(baseline, 1),
        "maxrss_mb": round(timing.maxrss_mb(), 1),
        "onnxruntime": ort.__version__,
    })
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
