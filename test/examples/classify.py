# docs/examples/classify.c: builds against a cnnc-compiled ResNet-18 (weights
# from a seeded PyTorch model), classifies a generated PPM image, and prints
# the same top-5 classes as PyTorch on the same preprocessed image.
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models %torch_python %s %cnn_src_root %t

import os
import re
import subprocess
import sys

import numpy as np
import torch
import torchvision

import cnnc_torch

src, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)

torch.manual_seed(0)
model = torchvision.models.resnet18(weights=None).eval()
for m in model.modules():  # non-trivial batch-norm statistics
    if isinstance(m, torch.nn.BatchNorm2d):
        m.running_mean.uniform_(-0.1, 0.1)
        m.running_var.uniform_(0.5, 1.5)
cnnc_torch.export(model, torch.zeros(1, 3, 224, 224), f"{work}/resnet18")

# A 300x200 image with smooth colour gradients.
h, w = 200, 300
yy, xx = np.mgrid[0:h, 0:w]
rgb = np.stack([xx * 255 // w, yy * 255 // h, (xx + yy) * 255 // (w + h)], -1)
with open(f"{work}/image.ppm", "wb") as f:
    f.write(f"P6\n# test image\n{w} {h}\n255\n".encode())
    f.write(rgb.astype(np.uint8).tobytes())

out = f"{work}/lib"
subprocess.run(["cnnc", "compile", f"{work}/resnet18.json", "-o", out], check=True)
subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-I", out,
                f"{src}/docs/examples/classify.c", f"{out}/libresnet18.so",
                f"-Wl,-rpath,{out}", "-lm", "-o", f"{work}/classify"], check=True)
result = subprocess.run([f"{work}/classify", f"{work}/image.ppm"],
                        capture_output=True, text=True, check=True).stdout
print(result)
ours = [int(c) for c in re.findall(r"class (\d+)", result)]
probs = [float(p) for p in re.findall(r"\(([\d.]+)\)", result)]

# The same preprocessing in PyTorch: nearest resize, ImageNet normalisation.
sy = np.arange(224) * h // 224
sx = np.arange(224) * w // 224
pixels = rgb[sy][:, sx].astype(np.float32) / 255
mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
x = torch.from_numpy(((pixels - mean) / std).transpose(2, 0, 1)[None].astype(np.float32))
with torch.no_grad():
    p = torch.softmax(model(x), 1)[0]
top = torch.topk(p, 5)
print("torch:", top.indices.tolist(), [round(v, 4) for v in top.values.tolist()])
assert ours == top.indices.tolist(), (ours, top.indices.tolist())
assert np.allclose(probs, top.values.numpy(), atol=2e-4), (probs, top.values)
print("top-5 classes match PyTorch")
