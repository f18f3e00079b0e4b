# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models %torch_python %s | FileCheck %s
#
# The exported descriptions compute what the PyTorch modules compute: each
# zoo model (seeded weights, random batch-norm statistics, smaller inputs
# where the architecture allows) is exported and evaluated by
# cnnc_torch.reference, the op-by-op interpreter of docs/model-format.md,
# and compared with the module's own eval-mode output. VGG-16 is left out
# (it is slow to initialise and uses no op the others do not).

import time

import torch

import cnnc_torch
import generate
from cnnc_torch import reference

SIZES = {  # input H, W used here: about the smallest each architecture takes
    "lenet5": (28, 28), "resnet18": (32, 32), "resnet50": (32, 32),
    "googlenet": (32, 32), "inception_v3": (75, 75), "mobilenet_v2": (32, 32),
    "unet": (16, 16), "yolov3_tiny": (64, 64), "facenet": (80, 80),
}

# CHECK: lenet5 ok
# CHECK: resnet18 ok
# CHECK: resnet50 ok
# CHECK: googlenet ok
# CHECK: inception_v3 ok
# CHECK: mobilenet_v2 ok
# CHECK: unet ok
# CHECK: yolov3_tiny ok
# CHECK: facenet ok
for name, (h, w) in SIZES.items():
    start = time.time()
    model = generate.build(name)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
    shape = list(generate.ZOO[name].input_shape[:2]) + [h, w]
    x = torch.randn(shape, generator=gen)
    converted = cnnc_torch.convert(model, x, name=name)
    with torch.no_grad():
        want = model(x)
    want = list(want) if isinstance(want, (tuple, list)) else [want]
    got = reference.run(converted.description, converted.tensors, x)
    assert len(got) == len(want), name
    for g, e in zip(got, want):
        assert g.shape == e.shape, (name, g.shape, e.shape)
        scale = float(e.abs().max()) + 1e-6
        err = float((g - e).abs().max())
        assert err <= 1e-4 * scale, (name, err, scale)
    print(f"{name} ok ({time.time() - start:.1f} s)")
