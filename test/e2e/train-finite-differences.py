# Gradients of a compiled training step agree with central finite
# differences of the loss the same library computes: with plain SGD at lr 1,
# one step moves each weight by its gradient; with the rate set to 0 a step
# only evaluates the loss, on weights perturbed by +-h in the safetensors file
# an instance is created from. A smooth model (tanh, SiLU, sigmoid, average
# pooling, batch norm in training mode) keeps the differences well defined.
# Tolerance: |analytic - numeric| <= 2e-2 * max(|analytic|) per parameter
# tensor, h = 1e-2 in f32 (rounding of the loss ~1e-7 / h plus O(h^2)).
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models:%S/Inputs %torch_python %s

import ctypes
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

import cnnc_torch
import harness


def read(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    return {k: np.frombuffer(data[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]],
                             np.float32).reshape(v["shape"]).copy()
            for k, v in header.items() if k != "__metadata__"}


def write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


torch.manual_seed(0)
module = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.Tanh(),
                       nn.AvgPool2d(2), nn.Conv2d(4, 4, 3, stride=2, padding=1), nn.SiLU(),
                       nn.Flatten(), nn.Linear(4 * 2 * 2, 5), nn.Sigmoid(), nn.Linear(5, 3))
x = harness.seeded_input((4, 2, 8, 8), seed=1)
labels = np.array([0, 2, 1, 2], np.int64)
failures = 0
with tempfile.TemporaryDirectory() as work:
    stem = os.path.join(work, "fd")
    cnnc_torch.export(module.eval(), x, stem, name="fd",
                      training={"loss": "cross_entropy", "optimizer": {"name": "sgd", "lr": 1.0}})
    out = os.path.join(work, "lib")
    subprocess.run([harness._cnnc(), "compile", stem + ".json", "--train", "-o", out],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(os.path.join(out, "libfd.so"))
    lib.cnn_fd_create.restype = ctypes.c_void_p
    lib.cnn_fd_create.argtypes = [ctypes.c_char_p]
    lib.cnn_fd_train_step.argtypes = [ctypes.c_void_p] * 4
    lib.cnn_fd_set_learning_rate.argtypes = [ctypes.c_void_p, ctypes.c_float]
    lib.cnn_fd_save_weights.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.cnn_fd_destroy.argtypes = [ctypes.c_void_p]
    xa = np.ascontiguousarray(x.numpy())

    def step(weights_path, lr):
        m = lib.cnn_fd_create(weights_path.encode())
        assert m
        lib.cnn_fd_set_learning_rate(m, lr)
        loss = ctypes.c_float()
        assert lib.cnn_fd_train_step(m, xa.ctypes.data, labels.ctypes.data, ctypes.byref(loss)) == 0
        return m, loss.value

    base = stem + ".safetensors"
    weights = read(base)
    m, _ = step(base, 1.0)
    after = os.path.join(work, "after.safetensors")
    lib.cnn_fd_save_weights(m, after.encode())
    lib.cnn_fd_destroy(m)
    grads = {k: weights[k] - v for k, v in read(after).items()}
    rng = np.random.default_rng(0)
    h = 1e-2
    for name, g in sorted(grads.items()):
        if "running" in name:
            continue
        worst = 0.0
        for flat in rng.choice(g.size, size=min(4, g.size), replace=False):
            losses = []
            for sign in (1, -1):
                w = {k: v.copy() for k, v in weights.items()}
                w[name].reshape(-1)[flat] += sign * h
                path = os.path.join(work, "p.safetensors")
                write(path, w)
                m, loss = step(path, 0.0)
                lib.cnn_fd_destroy(m)
                losses.append(loss)
            numeric = (losses[0] - losses[1]) / (2 * h)
            worst = max(worst, abs(numeric - g.reshape(-1)[flat]))
        scale = max(float(np.abs(g).max()), 1e-3)
        ok = worst <= 2e-2 * scale
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'} {name}: max |analytic - numeric| {worst:.2e} "
              f"(max |gradient| {scale:.2e})")
sys.exit(1 if failures else 0)
