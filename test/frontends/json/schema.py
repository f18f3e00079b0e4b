# REQUIRES: jsonschema
# RUN: %python %s %cnn_src_root
#
# docs/model-format.schema.json is a valid draft 2020-12 schema; it accepts
# every description in models/ and the example in docs/model-format.md, and
# rejects malformed descriptions for the right reason (the error is reported
# at the expected place in the description).

import copy
import glob
import json
import os
import re
import sys

import jsonschema

root = sys.argv[1]
with open(os.path.join(root, "docs", "model-format.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

# Valid descriptions: the zoo and the documentation's example.
valid = {}
for path in sorted(glob.glob(os.path.join(root, "models", "*.json"))):
    with open(path) as f:
        valid["models/" + os.path.basename(path)] = json.load(f)
with open(os.path.join(root, "docs", "model-format.md")) as f:
    example = re.search(r"^```json\n(.*?)^```", f.read(), re.S | re.M)
assert example, "no ```json block in docs/model-format.md"
valid["docs/model-format.md"] = json.loads(example.group(1))
assert len(valid) >= 11, f"expected 10+ zoo models and the example, got {sorted(valid)}"

# A small description exercising the less common valid forms.
base = {
    "format": "cnnc-model", "version": 1, "name": "forms",
    "inputs": [{"name": "x", "shape": [1, 3, 8, 8]}],
    "layers": [
        {"name": "c", "op": "conv2d", "inputs": ["x"],
         "attrs": {"out_channels": 4, "kernel": 3, "padding": [1, 1, 1, 1]}},
        {"name": "s", "op": "mul", "inputs": ["c"], "attrs": {"scalar": 0.5}},
        {"name": "r", "op": "sub", "inputs": ["s"],
         "attrs": {"scalar": 1, "scalar_lhs": True}},
        {"name": "a", "op": "add", "inputs": ["c", "r"]},
        {"name": "u", "op": "upsample", "inputs": ["a"],
         "attrs": {"mode": "bilinear", "size": [16, 16], "align_corners": True}},
        {"name": "v", "op": "upsample", "inputs": ["a"], "attrs": {"scale": 2}},
        {"name": "k", "op": "concat", "inputs": ["u", "v", "u"]},
        {"name": "p", "op": "relu6", "inputs": ["k"], "attrs": {}},
        {"name": "t", "op": "transpose", "inputs": ["p"], "attrs": {"perm": [0, 2, 3, 1]}},
        {"name": "f", "op": "reshape", "inputs": ["t"], "attrs": {"shape": [1, -1]}},
        {"name": "n", "op": "batch_norm", "inputs": ["a"],
         "attrs": {"epsilon": 1e-3, "momentum": 0.01}},
    ],
    "outputs": ["f"],
}
valid["forms"] = base

accepted = 0
for name, description in valid.items():
    errors = sorted(validator.iter_errors(description), key=lambda e: list(e.absolute_path))
    for e in errors[:5]:
        print(f"{name}: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
    assert not errors, f"{name} is valid but the schema rejects it"
    accepted += 1


def layer(index, **change):
    """`base` with layer `index` changed (a value of None drops the key)."""
    d = copy.deepcopy(base)
    for key, value in change.items():
        if value is None:
            d["layers"][index].pop(key)
        else:
            d["layers"][index][key] = value
    return d


def top(**change):
    d = copy.deepcopy(base)
    d.update(change)
    return d


# (what is wrong, the description, where the error must be reported)
malformed = [
    ("unknown op", layer(0, op="convolution"), "/layers/0/op"),
    ("unknown attribute", layer(0, attrs={"out_channels": 4, "kernel": 3, "strides": 2}),
     "/layers/0/attrs"),
    ("missing kernel", layer(0, attrs={"out_channels": 4}), "/layers/0/attrs"),
    ("stride of the wrong type", layer(0, attrs={"out_channels": 4, "kernel": 3, "stride": "2"}),
     "/layers/0/attrs/stride"),
    ("bad format value", top(format="cnnc"), "/format"),
    ("upsample with scale and size",
     layer(5, attrs={"scale": 2, "size": [16, 16]}), "/layers/5/attrs"),
    ("upsample with neither scale nor size", layer(5, attrs={"mode": "nearest"}),
     "/layers/5/attrs"),
    ("align_corners in nearest mode",
     layer(4, attrs={"size": [16, 16], "align_corners": True}), "/layers/4/attrs"),
    ("kernel of 3 entries", layer(0, attrs={"out_channels": 4, "kernel": [3, 3, 3]}),
     "/layers/0/attrs/kernel"),
    ("padding of 3 entries", layer(0, attrs={"out_channels": 4, "kernel": 3, "padding": [1, 1, 1]}),
     "/layers/0/attrs/padding"),
    ("attribute of an op without any", layer(7, attrs={"max": 6}), "/layers/7/attrs"),
    ("scalar with two inputs", layer(3, attrs={"scalar": 1.0}), "/layers/3/attrs"),
    ("one input without scalar", layer(1, attrs={"scalar_lhs": True}), "/layers/1/attrs"),
    ("two inputs to relu6", layer(7, inputs=["k", "k"]), "/layers/7/inputs"),
    ("concat without inputs", layer(6, inputs=[]), "/layers/6/inputs"),
    ("layer without inputs key", layer(7, inputs=None), "/layers/7"),
    ("unknown layer key", layer(7, attributes={}), "/layers/7"),
    ("reshape with two -1", layer(9, attrs={"shape": [-1, -1]}), "/layers/9/attrs/shape"),
    ("bad version", top(version=2), "/version"),
    ("empty name", top(name=""), "/name"),
    ("no inputs", top(inputs=[]), "/inputs"),
    ("zero-sized input", top(inputs=[{"name": "x", "shape": [1, 0, 8, 8]}]), "/inputs/0/shape/1"),
    ("f16 input", top(inputs=[{"name": "x", "shape": [1], "dtype": "f16"}]), "/inputs/0/dtype"),
    ("no outputs", top(outputs=[]), "/outputs"),
    ("unknown optimizer",
     top(training={"loss": "mse", "optimizer": {"name": "rmsprop", "lr": 0.1}}),
     "/training/optimizer/name"),
]

rejected = 0
for what, description, where in malformed:
    errors = list(validator.iter_errors(description))
    places = sorted({"/" + "/".join(map(str, e.absolute_path)) for e in errors})
    assert errors, f"{what}: the schema accepts it"
    assert where in places, f"{what}: rejected at {places}, expected at {where}"
    rejected += 1

print(f"schema: {accepted} valid descriptions accepted, {rejected} malformed ones rejected")
assert accepted == len(valid) and rejected == len(malformed) == 25
