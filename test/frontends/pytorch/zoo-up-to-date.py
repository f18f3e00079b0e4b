# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models %torch_python %s | FileCheck %s
#
# Every model description committed in models/ is exactly what
# models/generate.py produces now (regenerated into a temporary directory,
# on the meta device, so this is fast), and the zoo has no stray or missing
# JSON file. After changing the exporter or a zoo model, rerun
# `/usr/bin/python3 models/generate.py` and commit the result.

import glob
import json
import os
import tempfile

import generate

# CHECK: facenet: 448 layers, outputs ["normalize"]
# CHECK: googlenet: 197 layers, outputs ["fc"]
# CHECK: inception_v3: 314 layers, outputs ["fc"]
# CHECK: lenet5: 12 layers, outputs ["fc3"]
# CHECK: mobilenet_v2: 153 layers, outputs ["classifier_1"]
# CHECK: resnet18: 69 layers, outputs ["fc"]
# CHECK: resnet50: 175 layers, outputs ["fc"]
# CHECK: unet: 67 layers, outputs ["outc"]
# CHECK: vgg16: 40 layers, outputs ["classifier_6"]
# CHECK: yolov3_tiny: 44 layers, outputs ["head1", "head2"]
# CHECK: 10 models up to date

models_dir = os.path.dirname(os.path.abspath(generate.__file__))
committed = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(models_dir, "*.json")))
assert committed == sorted(generate.ZOO), f"models/*.json {committed} != zoo {sorted(generate.ZOO)}"

with tempfile.TemporaryDirectory() as tmp:
    assert generate.main(["--out", tmp]) == 0
    stale = []
    for name in committed:
        with open(os.path.join(models_dir, name + ".json"), encoding="utf-8") as f:
            want = f.read()
        with open(os.path.join(tmp, name + ".json"), encoding="utf-8") as f:
            got = f.read()
        if got != want:
            stale.append(name)
            continue
        description = json.loads(got)
        assert description["format"] == "cnnc-model" and description["version"] == 1
        assert description["name"] == name and "weights" not in description
        print(f"{name}: {len(description['layers'])} layers, outputs "
              f"{json.dumps(description['outputs'])}")
    assert not stale, f"stale zoo descriptions (rerun models/generate.py): {stale}"
    assert sorted(os.listdir(tmp)) == sorted(n + ".json" for n in committed)
print(f"{len(committed)} models up to date")
