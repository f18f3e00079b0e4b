# Training-mode dropout (cnn.dropout_train) drops exactly the elements that a
# reference Philox-4x32-10 (checked here against Random123's known answer)
# selects for the seed, the dropout's index and the step, scales the others
# by 1 / (1 - rate), and back-propagates through the same mask.
# The model is dropout -> dense (no bias) with an MSE loss against zero and
# plain SGD at lr 1, so the updated weight is predictable with NumPy:
# W' = W - 2 / (N * F) * (y^T (x * mask)), y = (x * mask) W^T.
# Tolerance: max|ours - numpy| <= 1e-5 * max(1, max|numpy|), f32.
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models:%S/Inputs %torch_python %s

import ctypes
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import harness

M0, M1, W0, W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85
MASK32 = 0xFFFFFFFF


def philox4x32_10(counter, key):
    c = [int(v) & MASK32 for v in counter]
    k0, k1 = key & MASK32, (key >> 32) & MASK32
    for _ in range(10):
        p0, p1 = M0 * c[0], M1 * c[2]
        c = [((p1 >> 32) ^ c[1] ^ k0) & MASK32, p1 & MASK32,
             ((p0 >> 32) ^ c[3] ^ k1) & MASK32, p0 & MASK32]
        k0, k1 = (k0 + W0) & MASK32, (k1 + W1) & MASK32
    return c


# Random123's known answer for philox4x32_10 at counter 0, key 0.
assert philox4x32_10([0, 0, 0, 0], 0) == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]


def mask(shape, rate, seed, step):
    n = int(np.prod(shape))
    threshold = min(int(np.floor(rate * 2.0 ** 32)), MASK32)
    keep = np.array([philox4x32_10([i & MASK32, i >> 32, step & MASK32, step >> 32], seed)[0] >= threshold
                     for i in range(n)])
    return (keep / np.float32(1 - rate)).astype(np.float32).reshape(shape)


N, F = 4, 16
RATE, SEED = 0.3, 5
description = {
    "format": "cnnc-model", "version": 1, "name": "drop",
    "inputs": [{"name": "x", "shape": [N, F], "dtype": "f32"}],
    "layers": [
        {"name": "drop", "op": "dropout", "inputs": ["x"], "attrs": {"rate": RATE}},
        {"name": "fc", "op": "dense", "inputs": ["drop"], "attrs": {"out_features": F, "bias": False}},
    ],
    "outputs": ["fc"],
    "training": {"loss": "mse", "optimizer": {"name": "sgd", "lr": 1.0}},
}
rng = np.random.default_rng(0)
x = rng.standard_normal((N, F)).astype(np.float32)
target = np.zeros((N, F), np.float32)
failures = 0
with tempfile.TemporaryDirectory() as work:
    path = os.path.join(work, "drop.json")
    with open(path, "w") as f:
        json.dump(description, f)
    proc = subprocess.run([harness._cnnc(), "compile", path, "--train", "--seed", str(SEED),
                           "-o", os.path.join(work, "out")], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"cnnc compile --train failed:\n{proc.stdout}{proc.stderr}")
    # The first (only) dropout's Philox key.
    key = (SEED * 0x9E3779B97F4A7C15 + 0) & ((1 << 64) - 1)
    w = {}
    lib = ctypes.CDLL(os.path.join(work, "out", "libdrop.so"))
    lib.cnn_drop_create.restype = ctypes.c_void_p
    lib.cnn_drop_create.argtypes = [ctypes.c_char_p]
    lib.cnn_drop_train_step.argtypes = [ctypes.c_void_p] * 4
    lib.cnn_drop_save_weights.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    model = lib.cnn_drop_create(None)
    import struct

    def weights(file):
        data = open(file, "rb").read()
        n = struct.unpack("<Q", data[:8])[0]
        info = json.loads(data[8:8 + n])["fc.weight"]
        b, e = info["data_offsets"]
        return np.frombuffer(data[8 + n + b:8 + n + e], np.float32).reshape(info["shape"]).copy()

    W = weights(os.path.join(work, "out", "drop.safetensors"))
    for step in (1, 2, 3):
        loss = ctypes.c_float()
        assert lib.cnn_drop_train_step(model, x.ctypes.data, target.ctypes.data, ctypes.byref(loss)) == 0
        m = mask((N, F), RATE, key, step)
        xd = x * m
        y = xd @ W.T
        want_loss = float(np.mean(y * y))
        W = W - (2.0 / (N * F)) * (y.T @ xd)
        out = os.path.join(work, f"w{step}.safetensors")
        assert lib.cnn_drop_save_weights(model, out.encode()) == 0
        got = weights(out)
        err = float(np.abs(got - W).max()) / max(1.0, float(np.abs(W).max()))
        loss_err = abs(loss.value - want_loss) / max(1.0, want_loss)
        dropped = float((m == 0).mean())
        ok = err <= 1e-5 and loss_err <= 1e-5
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'} step {step}: dropped {dropped:.2f} of {N * F}, "
              f"weight error {err:.2e}, loss error {loss_err:.2e}")
        W = got.astype(np.float32)
    # Over many elements the dropped fraction is close to the rate.
    big = mask((64, 64), RATE, key, 1)
    frac = float((big == 0).mean())
    print(f"dropped fraction over 4096 elements: {frac:.3f} (rate {RATE})")
    failures += abs(frac - RATE) > 0.03
sys.exit(1 if failures else 0)
