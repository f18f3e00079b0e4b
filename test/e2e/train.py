# Training steps compiled by cnnc (cnnc compile --train) update parameters and
# batch-norm running statistics as PyTorch's autograd and optimizers do:
# each case runs the same two steps on the same batches in PyTorch (train
# mode) and through the library's cnn_<m>_train_step, then compares the two
# losses and every saved tensor (cnn_<m>_save_weights against the exporter's
# safetensors of the PyTorch model after its steps).
# Covers conv2d (stride, padding, dilation, groups, depthwise), dense,
# batch norm in training mode, max/avg/global pools, the activations,
# flatten, add, concat, nearest upsampling, conv_transpose2d, softmax
# cross-entropy, MSE and the triplet loss after l2_normalize (FaceNet), with SGD (momentum, Nesterov, weight decay), Adam
# and AdamW; and one step of torchvision's ResNet-18 with SGD and Adam.
# Tolerance: relative error max|ours - torch| / max(1, max|torch|) <= 1e-4 per
# tensor, in f32.
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models:%S/Inputs %torch_python %s

import copy
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
import torch.nn.functional as F

import cnnc_torch
import harness

torch.manual_seed(0)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + b:8 + n + e],
                                  dtype=np.float32).reshape(info["shape"])
    return out


class Residual(nn.Module):
    """conv -> bn -> relu, plus a 1x1 shortcut; concat with an upsampled
    branch; two heads joined by add."""

    def __init__(self):
        super().__init__()
        # No bias before batch norm: its gradient is zero up to rounding,
        # which Adam's normalisation would amplify into noise.
        self.conv = nn.Conv2d(3, 6, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(6, momentum=0.2)
        self.short = nn.Conv2d(3, 6, 1, bias=False)
        self.down = nn.Conv2d(6, 4, 2, stride=2)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.mix = nn.Conv2d(10, 4, 3, padding=1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        y = F.relu(self.bn(self.conv(x))) + self.short(x)
        z = torch.cat([y, self.up(self.down(y))], dim=1)
        z = torch.tanh(self.mix(z))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(z, 1), 1))


class Embedding(nn.Module):
    """FaceNet's head: features to an L2-normalised embedding."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 6)

    def forward(self, x):
        x = torch.flatten(F.adaptive_avg_pool2d(F.relu(self.conv(x)), 1), 1)
        return F.normalize(self.fc(x), dim=1)


class Elementwise(nn.Module):
    """mul, sub, div with broadcasting, constant pad, global max pooling,
    reshape and transpose, softmax and log-softmax."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.scale = nn.Conv2d(3, 1, 3)
        self.fc = nn.Linear(4, 6)

    def forward(self, x):
        a = torch.sigmoid(self.conv(x))
        b = torch.tanh(self.scale(x))
        y = (a * b - a) / (b * b + 2.0)
        y = F.pad(y, (1, 2, 0, 1))
        y = torch.flatten(F.adaptive_max_pool2d(y, 1), 1)
        z = self.fc(y)
        z = torch.transpose(torch.reshape(z, (-1, 2, 3)), 1, 2).reshape(-1, 6)
        return F.log_softmax(z, dim=1) + F.softmax(z, dim=1)


def cases():
    yield ("sgd_conv_bn_pools", nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2), nn.LeakyReLU(0.1),
        nn.MaxPool2d(2), nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU6(),
        nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
        nn.Flatten(), nn.Linear(8 * 3 * 3, 16), nn.Sigmoid(), nn.Linear(16, 5)),
        (4, 3, 12, 12), "cross_entropy",
        {"name": "sgd", "lr": 0.5})
    yield ("sgd_momentum_nesterov_decay", nn.Sequential(
        nn.Conv2d(3, 6, 5, padding=2), nn.Tanh(), nn.MaxPool2d(3, stride=2, padding=1),
        nn.Conv2d(6, 6, 3), nn.SiLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(6, 4)),
        (3, 3, 10, 10), "cross_entropy",
        {"name": "sgd-momentum", "lr": 0.2, "momentum": 0.9, "nesterov": True,
         "weight_decay": 0.01})
    yield ("adam_activations", nn.Sequential(
        nn.Conv2d(2, 6, 3, padding=1), nn.Hardswish(), nn.Conv2d(6, 6, 1),
        nn.GELU(), nn.Conv2d(6, 6, 3, padding=1), nn.Hardsigmoid(),
        nn.MaxPool2d(2, ceil_mode=True), nn.Flatten(), nn.Linear(6 * 4 * 4, 7)),
        (5, 2, 7, 7), "cross_entropy",
        {"name": "adam", "lr": 0.01, "weight_decay": 0.001})
    yield ("adamw_residual_concat_upsample_mse", Residual(), (2, 3, 8, 8), "mse",
           {"name": "adamw", "lr": 0.01, "weight_decay": 0.1})
    yield ("adam_elementwise_shape_softmax", Elementwise(), (3, 3, 7, 7), "mse",
           {"name": "adam", "lr": 0.01})
    yield ("triplet_l2_normalize", Embedding(), (6, 3, 6, 6), "triplet",
           {"name": "sgd-momentum", "lr": 0.5, "momentum": 0.9})
    yield ("sgd_conv_transpose_mse", nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=2, padding=1), nn.ReLU(),
        nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1),
        nn.BatchNorm2d(3), nn.Sigmoid()),
        (2, 2, 8, 8), "mse", {"name": "sgd-momentum", "lr": 0.3, "momentum": 0.5})
    # 1x1 filter gradients whose stride never reaches the last rows (8 rows
    # at stride 2, 2x2 at stride 3): those rows are cut off before the
    # gradient runs as a convolution; 7 columns at stride 2 are all reached.
    yield ("sgd_momentum_strided_1x1", nn.Sequential(
        nn.Conv2d(3, 8, 1, stride=2, bias=False), nn.ReLU(),
        nn.Conv2d(8, 6, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(6, 4, 1, stride=3), nn.Flatten(), nn.Linear(4, 5)),
        (2, 3, 8, 7), "cross_entropy",
        {"name": "sgd-momentum", "lr": 0.2, "momentum": 0.9})
    # U-Net's upsampling: a kernel the size of its stride, computed by phases.
    yield ("adam_conv_transpose_k2_s2_mse", nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(),
        nn.ConvTranspose2d(4, 3, 2, stride=2), nn.Sigmoid()),
        (2, 2, 6, 5), "mse", {"name": "adam", "lr": 0.01})


def resnet18_cases():
    """One step of torchvision's ResNet-18 (batch 4 at 64x64, 10 classes).
    Adam's first step moves each weight by about lr * sign(gradient) where
    the gradient is far above epsilon; where a gradient is rounding noise
    (|g| ~ 1e-8) that sign is noise too, in PyTorch as here, so the Adam
    case uses epsilon 1e-3, which keeps the update continuous in g."""
    import torchvision
    for spec in ({"name": "sgd-momentum", "lr": 0.05, "momentum": 0.9, "weight_decay": 1e-4},
                 {"name": "adam", "lr": 0.001, "epsilon": 1e-3}):
        torch.manual_seed(0)
        yield ("resnet18_" + spec["name"].replace("-", "_"),
               torchvision.models.resnet18(num_classes=10), (4, 3, 64, 64),
               "cross_entropy", spec)


def torch_optimizer(spec, params):
    name = spec["name"]
    if name in ("sgd", "sgd-momentum"):
        return torch.optim.SGD(params, lr=spec["lr"],
                               momentum=spec.get("momentum", 0.9) if name == "sgd-momentum" else 0.0,
                               nesterov=spec.get("nesterov", False),
                               weight_decay=spec.get("weight_decay", 0.0))
    cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
    return cls(params, lr=spec["lr"], weight_decay=spec.get("weight_decay", 0.0),
               eps=spec.get("epsilon", 1e-8))


def run_case(title, module, shape, loss_name, spec, workdir, steps=2):
    module = module.float()
    x0 = harness.seeded_input(shape, seed=1, scale=1.0)
    ours_module = copy.deepcopy(module)
    stem = os.path.join(workdir, title)
    training = {"loss": loss_name, "optimizer": spec}
    cnnc_torch.export(ours_module.eval(), x0, stem, name=title, training=training)

    # Two batches and their targets.
    xs = [harness.seeded_input(shape, seed=10 + i, scale=1.0) for i in range(steps)]
    with torch.no_grad():
        out_shape = module.eval()(xs[0]).shape
    if loss_name == "triplet":
        ys = [torch.zeros(shape[0], dtype=torch.int64) for _ in range(steps)]
    elif loss_name == "cross_entropy":
        gen = torch.Generator().manual_seed(3)
        ys = [torch.randint(0, out_shape[1], (shape[0],), generator=gen) for _ in range(steps)]
    else:
        ys = [harness.seeded_input(tuple(out_shape), seed=20 + i, scale=0.5) for i in range(steps)]

    # PyTorch: train mode, two steps.
    module.train()
    opt = torch_optimizer(spec, module.parameters())
    torch_losses = []
    for x, y in zip(xs, ys):
        opt.zero_grad()
        out = module(x)
        if loss_name == "triplet":
            n = out.shape[0] // 3
            loss = F.triplet_margin_loss(out[:n], out[n:2 * n], out[2 * n:], margin=1.0, eps=1e-6)
        elif loss_name == "cross_entropy":
            loss = F.cross_entropy(out, y)
        else:
            loss = F.mse_loss(out, y)
        loss.backward()
        opt.step()
        torch_losses.append(loss.item())
    cnnc_torch.export(module.eval(), x0, stem + "_after", name=title)
    want = read_safetensors(stem + "_after.safetensors")

    # Ours.
    outdir = os.path.join(workdir, title + "_lib")
    proc = subprocess.run([harness._cnnc(), "compile", stem + ".json", "--train",
                           "-o", outdir], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"cnnc compile --train failed:\n{proc.stdout}{proc.stderr}")
    lib = ctypes.CDLL(os.path.join(outdir, f"lib{title}.so"))
    p = f"cnn_{title}"
    getattr(lib, p + "_create").restype = ctypes.c_void_p
    getattr(lib, p + "_create").argtypes = [ctypes.c_char_p]
    step = getattr(lib, p + "_train_step")
    step.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    save = getattr(lib, p + "_save_weights")
    save.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.cnnrt_last_error.restype = ctypes.c_char_p
    model = getattr(lib, p + "_create")(None)
    if not model:
        raise RuntimeError(lib.cnnrt_last_error().decode())
    our_losses = []
    for x, y in zip(xs, ys):
        xa = np.ascontiguousarray(x.numpy(), dtype=np.float32)
        ya = np.ascontiguousarray(y.numpy(), dtype=np.float32 if loss_name == "mse" else np.int64)
        loss = ctypes.c_float(0)
        if step(model, xa.ctypes.data, ya.ctypes.data, ctypes.byref(loss)) != 0:
            raise RuntimeError(lib.cnnrt_last_error().decode())
        our_losses.append(loss.value)
    saved = os.path.join(workdir, title + "_ours.safetensors")
    if save(model, saved.encode()) != 0:
        raise RuntimeError(lib.cnnrt_last_error().decode())
    getattr(lib, p + "_destroy").argtypes = [ctypes.c_void_p]
    getattr(lib, p + "_destroy")(model)
    got = read_safetensors(saved)

    worst = 0.0
    failures = []
    for i, (a, b) in enumerate(zip(our_losses, torch_losses)):
        err = abs(a - b) / max(1.0, abs(b))
        worst = max(worst, err)
        if err > 1e-4:
            failures.append(f"loss of step {i + 1}: ours {a:.7g}, torch {b:.7g}")
    if set(got) != set(want):
        failures.append(f"tensor names differ: {sorted(set(got) ^ set(want))}")
    for name in sorted(set(got) & set(want)):
        a, b = got[name], want[name]
        err = float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(b))))
        worst = max(worst, err)
        if err > 1e-4:
            failures.append(f"{name}: relative error {err:.2e}")
    status = "ok" if not failures else "FAIL"
    print(f"{status:4} {title}: losses {' '.join(f'{v:.5f}' for v in our_losses)}, "
          f"{len(got)} tensors, worst relative error {worst:.2e}")
    for f in failures:
        print(f"     {f}")
    return not failures


with tempfile.TemporaryDirectory() as workdir:
    results = [run_case(*case, workdir) for case in cases()]
    results += [run_case(*case, workdir, steps=1) for case in resnet18_cases()]
print(f"{sum(results)}/{len(results)} training cases agree with PyTorch")
sys.exit(0 if all(results) else 1)
