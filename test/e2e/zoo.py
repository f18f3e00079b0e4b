# The zoo models (models/generate.py) that cnnc compiles in well under a
# minute agree with PyTorch: seeded weights, random batch-norm statistics,
# small input sizes (the size adds nothing to coverage), every output
# compared. zoo-large.py has inception_v3 and facenet.
# Tolerance: max|ours - torch| <= 1e-4 * max(1, max|torch|) in f32, per output.
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models:%S/Inputs %torch_python %s

import zoo_common

SIZES = {  # input H, W
    "lenet5": (28, 28),        # fixed by its dense layers
    "vgg16": (64, 64),         # 2x2 -> adaptive average pooling to 7x7
    "resnet18": (64, 64),
    "resnet50": (64, 64),
    "googlenet": (32, 32),     # 1x1 before the global pooling
    "mobilenet_v2": (64, 64),
    "unet": (32, 32),          # 2x2 at the bottleneck
    "yolov3_tiny": (64, 64),   # both heads, 2x2 and 4x4
}

zoo_common.run_models("zoo", SIZES, expected=len(SIZES))
