# `cnnc inspect` totals equal PyTorch's for every zoo model: parameters as
# module.parameters() counts them, MACs of convolutions and dense layers as
# counted by forward hooks (cnnc_torch.count_stats) on the same input shape.
#
# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models %torch_python %s %cnn_src_root/models | FileCheck %s

import re
import subprocess
import sys

import cnnc_torch
import generate

models_dir = sys.argv[1]
mismatches = []
for name, entry in sorted(generate.ZOO.items()):
    module = cnnc_torch.on_meta(entry.factory).eval()
    torch_stats = cnnc_torch.count_stats(module, cnnc_torch.meta_input(entry.input_shape))
    out = subprocess.run(["cnnc", "inspect", f"{models_dir}/{name}.json"],
                         capture_output=True, text=True, check=True).stdout
    total = re.search(r"^total: ([\d,]+) parameters, ([\d,]+) MACs", out, re.M)
    ours = {"parameters": int(total.group(1).replace(",", "")),
            "macs": int(total.group(2).replace(",", ""))}
    print(f"{name}: cnnc {ours['parameters']} params {ours['macs']} MACs; "
          f"torch {torch_stats['parameters']} params {torch_stats['macs']} MACs")
    if ours != torch_stats:
        mismatches.append(name)

print("mismatches:", mismatches or "none")
sys.exit(1 if mismatches else 0)

# CHECK: resnet50: cnnc 25557032 params 4089184256 MACs; torch 25557032 params 4089184256 MACs
# CHECK: mismatches: none
