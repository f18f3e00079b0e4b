# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models %torch_python %s | FileCheck %s
#
# Exports a module that uses every module, function and tensor method the
# PyTorch frontend maps (Inputs/all_ops.py) and checks
#  - the whole JSON description: ops, attributes, inputs, outputs (FileCheck);
#  - that every op the exporter can emit appears;
#  - that the description, evaluated by cnnc_torch.reference (the op-by-op
#    meaning of the format), computes what the module computes;
#  - that the safetensors file, decoded by hand here (not with cnnc_torch),
#    holds exactly the module's state_dict (minus num_batches_tracked) as
#    little-endian F32 in the layout of the format;
#  - that exporting again gives identical bytes, leaves no temporaries, and
#    restores the module's train/eval flags.

import json
import os
import struct
import sys
import tempfile
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import all_ops  # noqa: E402
import cnnc_torch  # noqa: E402
from cnnc_torch import reference  # noqa: E402

# padding="same" with an even kernel makes PyTorch warn about a padded copy.
warnings.filterwarnings("ignore", message="Using padding='same'")

EXPECTED_OPS = {
    "conv2d", "conv_transpose2d", "dense", "batch_norm", "max_pool2d", "avg_pool2d",
    "global_avg_pool2d", "global_max_pool2d", "adaptive_avg_pool2d", "relu", "relu6",
    "leaky_relu", "clip", "silu", "hardswish", "hardsigmoid", "gelu", "sigmoid", "tanh",
    "softmax", "log_softmax", "lrn", "l2_normalize", "dropout", "add", "sub", "mul",
    "div", "concat", "flatten", "reshape", "transpose", "pad", "upsample",
}


def read_safetensors_by_hand(path):
    """Decodes a safetensors file with struct/json/numpy only and checks its
    layout: 8-byte header size, 8-byte aligned header, F32 tensors tiling the
    data section in order."""
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    assert size % 8 == 0, size
    header = json.loads(data[8:8 + size])
    metadata = header.pop("__metadata__")
    body = data[8 + size:]
    tensors, position = {}, 0
    for name, info in header.items():
        assert info["dtype"] == "F32", (name, info)
        begin, end = info["data_offsets"]
        assert begin == position, (name, begin, position)
        count = int(np.prod(info["shape"], dtype=np.int64))
        assert end - begin == 4 * count, (name, info)
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(info["shape"])
        position = end
    assert position == len(body), (position, len(body))
    return tensors, metadata


torch.manual_seed(0)
model = all_ops.AllOps()
# Non-trivial batch-norm statistics, so the check below means something.
with torch.no_grad():
    for bn in (model.bn, model.bn1d):
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 2)
        bn.bias.uniform_(-1, 1)
model.train()
example = torch.randn(*all_ops.INPUT_SHAPE)

with tempfile.TemporaryDirectory() as tmp:
    stem = os.path.join(tmp, "all_ops")
    description = cnnc_torch.export(model, example, stem)
    assert model.training and all(m.training for m in model.modules()), "modes not restored"
    assert sorted(os.listdir(tmp)) == ["all_ops.json", "all_ops.safetensors"], os.listdir(tmp)

    with open(stem + ".json") as f:
        text = f.read()
    assert json.loads(text) == description
    sys.stdout.write(text)

    ops = {layer["op"] for layer in description["layers"]}
    assert ops == EXPECTED_OPS, (ops ^ EXPECTED_OPS)
    names = [layer["name"] for layer in description["layers"]]
    assert len(set(names)) == len(names)

    tensors, metadata = read_safetensors_by_hand(stem + ".safetensors")
    assert metadata["producer"] == "cnnc_torch", metadata
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    # Layer names are fx node names: module paths with '.' -> '_' (all flat here).
    assert set(tensors) == set(state), set(tensors) ^ set(state)
    for key, value in state.items():
        expected = value.detach().numpy()
        assert tensors[key].shape == expected.shape, key
        assert np.array_equal(tensors[key], expected), key
    # Shapes are those docs/model-format.md gives per layer.
    assert tensors["deconv.weight"].shape == (8, 4, 3, 3)          # [in, out/groups, kh, kw]
    assert tensors["deconv_nobias.weight"].shape == (6, 3, 2, 2)
    assert tensors["dwconv.weight"].shape == (8, 1, 3, 3)          # [out, in/groups, kh, kw]
    assert tensors["fc.weight"].shape == (10, 8)
    assert tensors["bn1d.running_var"].shape == (10,)

    # Same numbers as the module (eval mode), from the weights file.
    with torch.no_grad():
        model.eval()
        want = model(example)
        model.train()
    got = reference.run(description, tensors, example)
    assert len(got) == len(want) == len(description["outputs"])
    for out, g, w in zip(description["outputs"], got, want):
        assert g.shape == w.shape, (out, g.shape, w.shape)
        err, scale = float((g - w).abs().max()), float(w.abs().max())
        assert err <= 1e-5 * max(scale, 1.0), (out, err, scale)

    # Deterministic, and no temporaries left behind.
    with open(stem + ".safetensors", "rb") as f:
        first = f.read()
    cnnc_torch.export(model, example, stem)
    with open(stem + ".safetensors", "rb") as f:
        assert f.read() == first
    with open(stem + ".json") as f:
        assert f.read() == text
    assert sorted(os.listdir(tmp)) == ["all_ops.json", "all_ops.safetensors"], os.listdir(tmp)

    # weights=False: JSON only, no "weights" key.
    cnnc_torch.export(model, example, os.path.join(tmp, "bare"), weights=False)
    with open(os.path.join(tmp, "bare.json")) as f:
        bare = json.load(f)
    assert "weights" not in bare and not os.path.exists(os.path.join(tmp, "bare.safetensors"))
    assert bare["layers"] == description["layers"]

# CHECK: {
# CHECK-NEXT:   "format": "cnnc-model",
# CHECK-NEXT:   "version": 1,
# CHECK-NEXT:   "name": "all_ops",
# CHECK-NEXT:   "weights": "all_ops.safetensors",
# CHECK-NEXT:   "inputs": [
# CHECK-NEXT:     {"name": "x", "shape": [2, 4, 8, 8], "dtype": "f32"}
# CHECK-NEXT:   ],
# CHECK-NEXT:   "layers": [
# CHECK-NEXT:     {"name": "conv", "op": "conv2d", "inputs": ["x"], "attrs": {"out_channels": 8, "kernel": [3, 3], "padding": [1, 1]}},
# CHECK-NEXT:     {"name": "bn", "op": "batch_norm", "inputs": ["conv"], "attrs": {"epsilon": 0.001, "momentum": 0.2}},
# CHECK-NEXT:     {"name": "relu", "op": "relu", "inputs": ["bn"]},
# CHECK-NEXT:     {"name": "dwconv", "op": "conv2d", "inputs": ["relu"], "attrs": {"out_channels": 8, "kernel": [3, 3], "stride": [2, 2], "padding": [1, 1], "groups": 8, "bias": false}},
# CHECK-NEXT:     {"name": "dilconv", "op": "conv2d", "inputs": ["dwconv"], "attrs": {"out_channels": 6, "kernel": [3, 1], "padding": [2, 0], "dilation": [2, 1]}},
# CHECK-NEXT:     {"name": "deconv_nobias", "op": "conv_transpose2d", "inputs": ["dilconv"], "attrs": {"out_channels": 6, "kernel": [2, 2], "stride": [2, 2], "groups": 2, "bias": false}},
# CHECK-NEXT:     {"name": "sameconv", "op": "conv2d", "inputs": ["x"], "attrs": {"out_channels": 4, "kernel": [4, 4], "padding": [1, 1, 2, 2]}},
# CHECK-NEXT:     {"name": "rpad", "op": "pad", "inputs": ["x"], "attrs": {"pads": [0, 0, 1, 1, 0, 0, 1, 1], "mode": "reflect"}},
# CHECK-NEXT:     {"name": "validconv", "op": "conv2d", "inputs": ["rpad"], "attrs": {"out_channels": 4, "kernel": [3, 3]}},
# CHECK-NEXT:     {"name": "add", "op": "add", "inputs": ["sameconv", "validconv"]},
# CHECK-NEXT:     {"name": "deconv", "op": "conv_transpose2d", "inputs": ["dwconv"], "attrs": {"out_channels": 4, "kernel": [3, 3], "stride": [2, 2], "padding": [1, 1], "output_padding": [1, 1]}},
# CHECK-NEXT:     {"name": "cat", "op": "concat", "inputs": ["deconv", "add", "x"], "attrs": {"axis": 1}},
# CHECK-NEXT:     {"name": "relu6", "op": "relu6", "inputs": ["cat"]},
# CHECK-NEXT:     {"name": "leaky", "op": "leaky_relu", "inputs": ["cat"], "attrs": {"alpha": 0.2}},
# CHECK-NEXT:     {"name": "add_1", "op": "add", "inputs": ["relu6", "leaky"]},
# CHECK-NEXT:     {"name": "silu", "op": "silu", "inputs": ["cat"]},
# CHECK-NEXT:     {"name": "hardswish", "op": "hardswish", "inputs": ["cat"]},
# CHECK-NEXT:     {"name": "mul", "op": "mul", "inputs": ["silu", "hardswish"]},
# CHECK-NEXT:     {"name": "sub", "op": "sub", "inputs": ["add_1", "mul"]},
# CHECK-NEXT:     {"name": "hardsigmoid", "op": "hardsigmoid", "inputs": ["cat"]},
# CHECK-NEXT:     {"name": "add_2", "op": "add", "inputs": ["hardsigmoid"], "attrs": {"scalar": 1.0}},
# CHECK-NEXT:     {"name": "truediv", "op": "div", "inputs": ["sub", "add_2"]},
# CHECK-NEXT:     {"name": "gelu", "op": "gelu", "inputs": ["cat"], "attrs": {"approximate": "tanh"}},
# CHECK-NEXT:     {"name": "add_3", "op": "add", "inputs": ["truediv", "gelu"]},
# CHECK-NEXT:     {"name": "sigmoid", "op": "sigmoid", "inputs": ["cat"]},
# CHECK-NEXT:     {"name": "add_4", "op": "add", "inputs": ["add_3", "sigmoid"]},
# CHECK-NEXT:     {"name": "tanh", "op": "tanh", "inputs": ["cat"]},
# CHECK-NEXT:     {"name": "add_5", "op": "add", "inputs": ["add_4", "tanh"]},
# CHECK-NEXT:     {"name": "hardtanh", "op": "clip", "inputs": ["cat"], "attrs": {"min": -2.0, "max": 3.0}},
# CHECK-NEXT:     {"name": "add_6", "op": "add", "inputs": ["add_5", "hardtanh"]},
# CHECK-NEXT:     {"name": "relu_1", "op": "relu", "inputs": ["add_6"]},
# CHECK-NEXT:     {"name": "relu6_1", "op": "relu6", "inputs": ["add_6"]},
# CHECK-NEXT:     {"name": "add_7", "op": "add", "inputs": ["relu_1", "relu6_1"]},
# CHECK-NEXT:     {"name": "leaky_relu", "op": "leaky_relu", "inputs": ["add_6"], "attrs": {"alpha": 0.3}},
# CHECK-NEXT:     {"name": "add_8", "op": "add", "inputs": ["add_7", "leaky_relu"]},
# CHECK-NEXT:     {"name": "silu_1", "op": "silu", "inputs": ["add_6"]},
# CHECK-NEXT:     {"name": "add_9", "op": "add", "inputs": ["add_8", "silu_1"]},
# CHECK-NEXT:     {"name": "hardswish_1", "op": "hardswish", "inputs": ["add_6"]},
# CHECK-NEXT:     {"name": "add_10", "op": "add", "inputs": ["add_9", "hardswish_1"]},
# CHECK-NEXT:     {"name": "hardsigmoid_1", "op": "hardsigmoid", "inputs": ["add_6"]},
# CHECK-NEXT:     {"name": "mul_1", "op": "mul", "inputs": ["add_10", "hardsigmoid_1"]},
# CHECK-NEXT:     {"name": "gelu_1", "op": "gelu", "inputs": ["add_6"], "attrs": {"approximate": "none"}},
# CHECK-NEXT:     {"name": "add_11", "op": "add", "inputs": ["mul_1", "gelu_1"]},
# CHECK-NEXT:     {"name": "sigmoid_1", "op": "sigmoid", "inputs": ["add_6"]},
# CHECK-NEXT:     {"name": "add_12", "op": "add", "inputs": ["add_11", "sigmoid_1"]},
# CHECK-NEXT:     {"name": "tanh_1", "op": "tanh", "inputs": ["add_6"]},
# CHECK-NEXT:     {"name": "add_13", "op": "add", "inputs": ["add_12", "tanh_1"]},
# CHECK-NEXT:     {"name": "clamp", "op": "clip", "inputs": ["add_6"], "attrs": {"min": -1.0, "max": 1.0}},
# CHECK-NEXT:     {"name": "add_14", "op": "add", "inputs": ["add_13", "clamp"]},
# CHECK-NEXT:     {"name": "sigmoid_2", "op": "sigmoid", "inputs": ["add_6"]},
# CHECK-NEXT:     {"name": "add_15", "op": "add", "inputs": ["add_14", "sigmoid_2"]},
# CHECK-NEXT:     {"name": "relu_2", "op": "relu", "inputs": ["add_6"]},
# CHECK-NEXT:     {"name": "add_16", "op": "add", "inputs": ["add_15", "relu_2"]},
# CHECK-NEXT:     {"name": "add_17", "op": "add", "inputs": ["add_16"], "attrs": {"scalar": 1.0}},
# CHECK-NEXT:     {"name": "mul_2", "op": "mul", "inputs": ["add_17"], "attrs": {"scalar": 0.5}},
# CHECK-NEXT:     {"name": "sub_1", "op": "sub", "inputs": ["mul_2"], "attrs": {"scalar": 2.0}},
# CHECK-NEXT:     {"name": "truediv_1", "op": "div", "inputs": ["sub_1"], "attrs": {"scalar": 4.0}},
# CHECK-NEXT:     {"name": "sub_2", "op": "sub", "inputs": ["sub_1"], "attrs": {"scalar": 1.0, "scalar_lhs": true}},
# CHECK-NEXT:     {"name": "add_18", "op": "add", "inputs": ["truediv_1", "sub_2"]},
# CHECK-NEXT:     {"name": "mul_3", "op": "mul", "inputs": ["sub_1"], "attrs": {"scalar": 2.0}},
# CHECK-NEXT:     {"name": "add_19", "op": "add", "inputs": ["add_18", "mul_3"]},
# CHECK-NEXT:     {"name": "sigmoid_3", "op": "sigmoid", "inputs": ["sub_1"]},
# CHECK-NEXT:     {"name": "add_20", "op": "add", "inputs": ["sigmoid_3"], "attrs": {"scalar": 1.0}},
# CHECK-NEXT:     {"name": "truediv_2", "op": "div", "inputs": ["add_20"], "attrs": {"scalar": 3.0, "scalar_lhs": true}},
# CHECK-NEXT:     {"name": "add_21", "op": "add", "inputs": ["add_19", "truediv_2"]},
# CHECK-NEXT:     {"name": "mul_4", "op": "mul", "inputs": ["sub_1"], "attrs": {"scalar": 4.0}},
# CHECK-NEXT:     {"name": "add_22", "op": "add", "inputs": ["add_21", "mul_4"]},
# CHECK-NEXT:     {"name": "maxpool", "op": "max_pool2d", "inputs": ["add_22"], "attrs": {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1, 1, 1], "dilation": [1, 1], "ceil_mode": true}},
# CHECK-NEXT:     {"name": "zpad", "op": "pad", "inputs": ["add_22"], "attrs": {"pads": [0, 0, 0, 0, 0, 0, 1, 1], "mode": "constant"}},
# CHECK-NEXT:     {"name": "avgpool", "op": "avg_pool2d", "inputs": ["zpad"], "attrs": {"kernel": [2, 3], "stride": [1, 2], "padding": [1, 1, 1, 1], "ceil_mode": false, "count_include_pad": false}},
# CHECK-NEXT:     {"name": "max_pool2d", "op": "max_pool2d", "inputs": ["add_22"], "attrs": {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0, 0, 0], "dilation": [1, 1], "ceil_mode": false}},
# CHECK-NEXT:     {"name": "avg_pool2d", "op": "avg_pool2d", "inputs": ["add_22"], "attrs": {"kernel": [3, 3], "stride": [1, 1], "padding": [1, 1, 1, 1], "ceil_mode": false, "count_include_pad": true}},
# CHECK-NEXT:     {"name": "adapool", "op": "adaptive_avg_pool2d", "inputs": ["add_22"], "attrs": {"output_size": [2, 3]}},
# CHECK-NEXT:     {"name": "up_nearest", "op": "upsample", "inputs": ["maxpool"], "attrs": {"mode": "nearest", "scale": [2.0, 2.0]}},
# CHECK-NEXT:     {"name": "up_bilinear", "op": "upsample", "inputs": ["maxpool"], "attrs": {"mode": "bilinear", "size": [5, 7], "align_corners": true}},
# CHECK-NEXT:     {"name": "interpolate", "op": "upsample", "inputs": ["maxpool"], "attrs": {"mode": "nearest", "scale": [2.0, 3.0]}},
# CHECK-NEXT:     {"name": "interpolate_1", "op": "upsample", "inputs": ["maxpool"], "attrs": {"mode": "bilinear", "size": [3, 5], "align_corners": false}},
# CHECK-NEXT:     {"name": "cpad", "op": "pad", "inputs": ["max_pool2d"], "attrs": {"pads": [0, 0, 3, 1, 0, 0, 4, 2], "mode": "constant", "value": 0.5}},
# CHECK-NEXT:     {"name": "pad", "op": "pad", "inputs": ["max_pool2d"], "attrs": {"pads": [0, 0, 2, 1, 0, 0, 0, 1], "mode": "constant"}},
# CHECK-NEXT:     {"name": "pad_1", "op": "pad", "inputs": ["max_pool2d"], "attrs": {"pads": [0, 0, 1, 2, 0, 0, 0, 2], "mode": "reflect"}},
# CHECK-NEXT:     {"name": "lrn", "op": "lrn", "inputs": ["up_nearest"], "attrs": {"size": 3, "alpha": 0.0002, "beta": 0.5, "bias": 2.0}},
# CHECK-NEXT:     {"name": "local_response_norm", "op": "lrn", "inputs": ["avg_pool2d"], "attrs": {"size": 2, "alpha": 0.0001, "beta": 0.75, "bias": 1.0}},
# CHECK-NEXT:     {"name": "gap", "op": "global_avg_pool2d", "inputs": ["relu"]},
# CHECK-NEXT:     {"name": "flatten", "op": "flatten", "inputs": ["gap"]},
# CHECK-NEXT:     {"name": "fc", "op": "dense", "inputs": ["flatten"], "attrs": {"out_features": 10}},
# CHECK-NEXT:     {"name": "bn1d", "op": "batch_norm", "inputs": ["fc"], "attrs": {"epsilon": 1e-05}},
# CHECK-NEXT:     {"name": "drop", "op": "dropout", "inputs": ["bn1d"], "attrs": {"rate": 0.25}},
# CHECK-NEXT:     {"name": "fc_nobias", "op": "dense", "inputs": ["drop"], "attrs": {"out_features": 5, "bias": false}},
# CHECK-NEXT:     {"name": "adaptive_avg_pool2d", "op": "global_avg_pool2d", "inputs": ["relu"]},
# CHECK-NEXT:     {"name": "view", "op": "flatten", "inputs": ["adaptive_avg_pool2d"]},
# CHECK-NEXT:     {"name": "softmax", "op": "softmax", "inputs": ["view"], "attrs": {"axis": 1}},
# CHECK-NEXT:     {"name": "gmp", "op": "global_max_pool2d", "inputs": ["relu"]},
# CHECK-NEXT:     {"name": "flatten_1", "op": "flatten", "inputs": ["gmp"]},
# CHECK-NEXT:     {"name": "mean_gap", "op": "global_avg_pool2d", "inputs": ["relu"]},
# CHECK-NEXT:     {"name": "mean", "op": "flatten", "inputs": ["mean_gap"]},
# CHECK-NEXT:     {"name": "add_23", "op": "add", "inputs": ["flatten_1", "mean"]},
# CHECK-NEXT:     {"name": "adaptive_max_pool2d", "op": "global_max_pool2d", "inputs": ["relu"]},
# CHECK-NEXT:     {"name": "flatten_2", "op": "flatten", "inputs": ["adaptive_max_pool2d"]},
# CHECK-NEXT:     {"name": "add_24", "op": "add", "inputs": ["add_23", "flatten_2"]},
# CHECK-NEXT:     {"name": "dropout", "op": "dropout", "inputs": ["add_24"], "attrs": {"rate": 0.1}},
# CHECK-NEXT:     {"name": "logsoftmax", "op": "log_softmax", "inputs": ["dropout"], "attrs": {"axis": -1}},
# CHECK-NEXT:     {"name": "softmax_1", "op": "softmax", "inputs": ["add_24"], "attrs": {"axis": 1}},
# CHECK-NEXT:     {"name": "normalize", "op": "l2_normalize", "inputs": ["softmax_1"], "attrs": {"axis": 1, "epsilon": 1e-12}},
# CHECK-NEXT:     {"name": "log_softmax", "op": "log_softmax", "inputs": ["add_24"], "attrs": {"axis": 1}},
# CHECK-NEXT:     {"name": "add_25", "op": "add", "inputs": ["normalize", "log_softmax"]},
# CHECK-NEXT:     {"name": "mean_1", "op": "global_avg_pool2d", "inputs": ["relu"]},
# CHECK-NEXT:     {"name": "reshape", "op": "reshape", "inputs": ["deconv_nobias"], "attrs": {"shape": [2, 6, 64]}},
# CHECK-NEXT:     {"name": "transpose", "op": "transpose", "inputs": ["reshape"], "attrs": {"perm": [0, 2, 1]}},
# CHECK-NEXT:     {"name": "permute", "op": "transpose", "inputs": ["deconv_nobias"], "attrs": {"perm": [0, 2, 3, 1]}},
# CHECK-NEXT:     {"name": "flatten_3", "op": "flatten", "inputs": ["deconv_nobias"], "attrs": {"start_dim": 2}}
# CHECK-NEXT:   ],
# CHECK-NEXT:   "outputs": ["maxpool", "avgpool", "adapool", "up_bilinear", "interpolate", "interpolate_1", "cpad", "pad", "pad_1", "lrn", "local_response_norm", "fc_nobias", "softmax", "logsoftmax", "add_25", "mean_1", "transpose", "permute", "flatten_3", "deconv_nobias"]
# CHECK-NEXT: }
