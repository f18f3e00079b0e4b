# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models %torch_python %s | FileCheck %s
#
# An unsupported model is rejected with ONE UnsupportedModelError listing
# every unsupported node (name, target, reason) at once; dead code is not
# reported; nothing is written (no partial file, no temporary), and existing
# files are left alone. Also: an untraceable model, and a failure while
# writing, leave nothing behind either.

import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

import cnnc_torch
import cnnc_torch.safetensors


class Bad(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.prelu = nn.PReLU()
        self.scale = nn.Parameter(torch.ones(1))
        self.replpad = nn.ReplicationPad2d(1)
        self.conv_circ = nn.Conv2d(4, 4, 3, padding=1, padding_mode="circular")
        self.pool = nn.AvgPool2d(2, divisor_override=3)
        self.fc = nn.Linear(2, 3)

    def forward(self, x):
        a = self.conv(x)
        b = F.relu(a, inplace=True)        # mutates `a`, which is read again
        y = self.prelu(a + b)
        y = y * self.scale                 # a parameter used directly
        y = self.replpad(y)
        y = self.conv_circ(y)
        y = self.pool(y)
        v = torch.topk(y, 2)[0]            # the getitem is not reported
        torch.argsort(x)                   # dead code: traced, not reported
        z = F.dropout(v, 0.5)              # training=True by default
        w = self.fc(z)                     # rank-4 input to nn.Linear
        return w, x.sum(), x[:, :1]


# CHECK:      11 unsupported nodes:
# CHECK-NEXT:   - relu (torch.nn.functional.relu): in-place op on a tensor that is used again later
# CHECK-NEXT:   - prelu (nn.PReLU): no cnn op for this module
# CHECK-NEXT:   - scale (get_attr scale): uses a parameter or buffer directly; only the parameters of supported modules can be exported
# CHECK-NEXT:   - replpad (nn.ReplicationPad2d): no cnn op for this module
# CHECK-NEXT:   - conv_circ (nn.Conv2d): padding_mode='circular'
# CHECK-NEXT:   - pool (nn.AvgPool2d): divisor_override=3
# CHECK-NEXT:   - topk (torch.topk): no cnn op for this function
# CHECK-NEXT:   - dropout (torch.nn.functional.dropout): training=True drops values at inference too (pass training=self.training)
# CHECK-NEXT:   - fc (nn.Linear): dense needs a rank-2 [N, features] input, got shape [1, 4, 5, 2]
# CHECK-NEXT:   - sum_1 (Tensor.sum): no cnn op for this tensor method
# CHECK-NEXT:   - getitem_1 (operator.getitem): tensor indexing and slicing have no cnn op
# CHECK-NEXT: ---
# CHECK-NEXT: untraceable: torch.fx cannot trace Branchy: TraceError: symbolically traced variables cannot be used as inputs to control flow
# CHECK-NEXT: write failure: OSError disk full
# CHECK-NEXT: OK

with tempfile.TemporaryDirectory() as tmp:
    stem = os.path.join(tmp, "bad")
    try:
        cnnc_torch.export(Bad(), torch.randn(1, 3, 10, 10), stem)
    except cnnc_torch.UnsupportedModelError as err:
        print(err)
        assert len(err.nodes) == 11, err.nodes
        assert [n.name for n in err.nodes][:2] == ["relu", "prelu"]
        assert not any(n.name in ("argsort", "getitem") for n in err.nodes)
    else:
        raise AssertionError("Bad exported")
    assert os.listdir(tmp) == [], os.listdir(tmp)

    # Existing files survive a failed export untouched.
    for ext in (".json", ".safetensors"):
        with open(stem + ext, "w") as f:
            f.write("old")
    try:
        cnnc_torch.export(Bad(), torch.randn(1, 3, 10, 10), stem)
        raise AssertionError("Bad exported")
    except cnnc_torch.UnsupportedModelError:
        pass
    assert sorted(os.listdir(tmp)) == ["bad.json", "bad.safetensors"], os.listdir(tmp)
    for ext in (".json", ".safetensors"):
        with open(stem + ext) as f:
            assert f.read() == "old"
print("---")


class Branchy(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return torch.relu(x)
        return x


with tempfile.TemporaryDirectory() as tmp:
    try:
        cnnc_torch.export(Branchy(), torch.randn(1, 3, 4, 4), os.path.join(tmp, "b"))
        raise AssertionError("Branchy exported")
    except cnnc_torch.UnsupportedModelError as err:
        assert err.nodes == []
        print("untraceable:", str(err).splitlines()[0])
    assert os.listdir(tmp) == []

    # A failure in the middle of writing the weights leaves no file behind.
    real_write = cnnc_torch.safetensors.write

    def failing_write(stream, tensors, metadata=None):
        stream.write(b"partial")
        raise OSError("disk full")

    cnnc_torch.safetensors.write = failing_write
    try:
        cnnc_torch.export(nn.Conv2d(3, 2, 1), torch.randn(1, 3, 4, 4), os.path.join(tmp, "c"))
        raise AssertionError("export did not fail")
    except OSError as err:
        print("write failure:", type(err).__name__, err)
    finally:
        cnnc_torch.safetensors.write = real_write
    assert os.listdir(tmp) == [], os.listdir(tmp)

    # ...and a successful one right after writes both files.
    cnnc_torch.export(nn.Conv2d(3, 2, 1), torch.randn(1, 3, 4, 4), os.path.join(tmp, "c"))
    assert sorted(os.listdir(tmp)) == ["c.json", "c.safetensors"]
print("OK")
