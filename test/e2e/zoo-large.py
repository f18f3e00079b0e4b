# The zoo models that take cnnc about a minute or more each to compile,
# inception_v3 (314 layers, 40-65 s) and facenet (Inception-ResNet-v1, 448
# layers, about 70 s), agree with PyTorch: seeded weights, random batch-norm
# statistics, the smallest input their pooling allows (75x75), every output
# compared. zoo.py has the other zoo models.
# Tolerance: max|ours - torch| <= 1e-4 * max(1, max|torch|) in f32, per output.
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models:%S/Inputs %torch_python %s

import zoo_common

SIZES = {  # input H, W
    "inception_v3": (75, 75),  # the smallest it takes
    "facenet": (75, 75),       # the smallest it takes
}

zoo_common.run_models("zoo-large", SIZES, expected=len(SIZES))
