# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models %torch_python %s | FileCheck %s
#
# python3 -m cnnc_torch.export_torchvision: --input-size, --batch, --seed,
# --no-weights, and its errors.

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

from cnnc_torch import export_torchvision, safetensors


def run_main(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = export_torchvision.main(list(args))
        except SystemExit as exit:
            code = exit.code
    return code, out.getvalue(), err.getvalue()


def load(stem):
    with open(stem + ".json") as f:
        description = json.load(f)
    tensors = None
    if os.path.exists(stem + ".safetensors"):
        with open(stem + ".safetensors", "rb") as f:
            tensors, _ = safetensors.read(f.read())
    return description, tensors


with tempfile.TemporaryDirectory() as tmp:
    # The real entry point, once.
    # CHECK: resnet18: 69 layers, 11,689,512 parameters, {{[0-9,]+}} MACs; wrote {{.*}}r18.json and {{.*}}r18.safetensors
    stem = os.path.join(tmp, "r18")
    proc = subprocess.run([sys.executable, "-m", "cnnc_torch.export_torchvision", "resnet18", stem,
                           "--input-size", "32", "32", "--batch", "2", "--seed", "1"],
                          check=True, capture_output=True, text=True)
    print(proc.stdout.strip())
    description, tensors = load(stem)
    assert description["name"] == "resnet18"
    assert description["weights"] == "r18.safetensors"
    assert description["inputs"] == [{"name": "x", "shape": [2, 3, 32, 32], "dtype": "f32"}]
    assert tensors["fc.weight"].shape == (1000, 512)
    # The weights are torchvision's init after torch.manual_seed(seed).
    torch.manual_seed(1)
    import torchvision
    reference = torchvision.models.resnet18(weights=None).state_dict()
    assert np.array_equal(tensors["conv1.weight"], reference["conv1.weight"].numpy())
    assert np.array_equal(tensors["layer4_1_bn2.running_var"], reference["layer4.1.bn2.running_var"].numpy())

    # Same seed, same bytes; another seed, other weights.
    code, out, _ = run_main("resnet18", os.path.join(tmp, "again"), "--input-size", "32", "32",
                            "--batch", "2", "--seed", "1")
    assert code == 0
    for ext in (".safetensors",):
        with open(stem + ext, "rb") as a, open(os.path.join(tmp, "again") + ext, "rb") as b:
            assert a.read() == b.read()
    code, out, _ = run_main("resnet18", os.path.join(tmp, "seed2"), "--input-size", "32", "32")
    other, other_tensors = load(os.path.join(tmp, "seed2"))
    assert not np.array_equal(other_tensors["conv1.weight"], tensors["conv1.weight"])
    assert other["layers"] == description["layers"]

    # --no-weights: JSON only, no "weights" key; inception_v3 defaults to 299.
    # CHECK: inception_v3: 314 layers, 23,834,568 parameters, 5,713,216,096 MACs; wrote {{.*}}iv3.json{{$}}
    code, out, _ = run_main("inception_v3", os.path.join(tmp, "iv3"), "--no-weights")
    print(out.strip())
    assert code == 0
    iv3, iv3_tensors = load(os.path.join(tmp, "iv3"))
    assert iv3_tensors is None and "weights" not in iv3
    assert iv3["inputs"][0]["shape"] == [1, 3, 299, 299]

    # Errors: an unknown model (usage error), an unsupported one (exit 1).
    # CHECK: unknown: 2 error: unknown model 'resnet7'
    code, _, err = run_main("resnet7", os.path.join(tmp, "x"))
    print("unknown:", code, err.strip().splitlines()[-1].split(": ", 1)[1][:32])
    # CHECK: unsupported: 1 error: swin_t: {{[0-9]+}} unsupported nodes:
    code, _, err = run_main("swin_t", os.path.join(tmp, "swin"), "--no-weights")
    print("unsupported:", code, err.splitlines()[0])
    assert sorted(os.listdir(tmp)) == ["again.json", "again.safetensors", "iv3.json", "r18.json",
                                       "r18.safetensors", "seed2.json", "seed2.safetensors"]
print("OK")
# CHECK: OK
