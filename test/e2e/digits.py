# The training demo end to end: scikit-learn's digits (1437 training, 360
# test images, 8x8), `cnnc train models/digits/digits_lenet.json` (Adam, 40
# epochs, batch 64, seeded initialisation and shuffling) must reach >= 97%
# test accuracy; the saved weights, loaded by the inference library through
# `cnnc run --weights`, must give the same accuracy; and the whole run must
# be reproducible (a second run of 2 epochs with the same seed writes the same
# weights file byte for byte).
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models:%S/Inputs %torch_python %s %cnn_src_root

import os
import subprocess
import sys
import tempfile

import numpy as np

import harness

root = sys.argv[1]
model = os.path.join(root, "models", "digits", "digits_lenet.json")
cnnc = harness._cnnc()
failures = []
with tempfile.TemporaryDirectory() as work:
    subprocess.run([sys.executable, os.path.join(root, "models", "digits", "prepare.py"),
                    "--out", work], check=True)
    data = lambda name: os.path.join(work, name)

    def train(epochs, out):
        proc = subprocess.run([cnnc, "train", model, "--x", data("x_train.npy"),
                               "--y", data("y_train.npy"), "--val-x", data("x_test.npy"),
                               "--val-y", data("y_test.npy"), "--seed", "1",
                               "--epochs", str(epochs), "-o", out],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"cnnc train failed:\n{proc.stdout}{proc.stderr}")
        return proc.stdout.strip().splitlines()

    lines = train(40, data("w.safetensors"))
    print("\n".join(lines[-3:]))
    accuracy = float(lines[-1].split()[1])
    if accuracy < 0.97:
        failures.append(f"test accuracy {accuracy:.4f} < 0.97")

    # The inference library on the saved weights, batch by batch (the test
    # set padded to a multiple of 64 with its first images).
    x, y = np.load(data("x_test.npy")), np.load(data("y_test.npy"))
    n = len(x)
    padded = np.concatenate([x, x[:(-n) % 64]])
    predictions = []
    for start in range(0, len(padded), 64):
        np.save(data("batch.npy"), padded[start:start + 64])
        subprocess.run([cnnc, "run", model, "--weights", data("w.safetensors"),
                        "--input", data("batch.npy"), "--output", data("logits.npy")],
                       check=True, capture_output=True)
        predictions.append(np.load(data("logits.npy")).argmax(axis=1))
    inference = float((np.concatenate(predictions)[:n] == y).mean())
    print(f"inference library on the saved weights: accuracy {inference:.4f}")
    if abs(inference - accuracy) > 5e-5:  # printed with 4 decimals
        failures.append(f"inference accuracy {inference:.4f} != training's {accuracy:.4f}")

    # Reproducible: the same seed, the same bytes.
    first = train(2, data("a.safetensors"))
    second = train(2, data("b.safetensors"))
    same = first == second and open(data("a.safetensors"), "rb").read() == open(data("b.safetensors"), "rb").read()
    print(f"two runs with seed 1: {'identical' if same else 'DIFFERENT'}")
    if not same:
        failures.append("two runs with the same seed differ")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
