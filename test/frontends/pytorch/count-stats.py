# REQUIRES: torch
# RUN: env PYTHONPATH=%cnn_src_root/frontends/pytorch:%cnn_src_root/models %torch_python %s | FileCheck %s
#
# cnnc_torch.count_stats, the reference for `cnnc inspect`: parameters are
# the elements of module.parameters() (no buffers), MACs those of Conv2d
# (output elements x in/groups x kh x kw), ConvTranspose2d (input elements x
# out/groups x kh x kw) and Linear (rows x in x out) only.

import torch
import torch.nn as nn
import torchvision

import cnnc_torch
import zoo_modules

# ResNet-50 at 1x3x224x224: the published 25.56 M parameters, 4.09 G MACs.
# CHECK: resnet50: parameters 25557032 macs 4089184256
torch.manual_seed(0)
resnet50 = torchvision.models.resnet50(weights=None).train()
stats = cnnc_torch.count_stats(resnet50, torch.randn(1, 3, 224, 224))
print(f"resnet50: parameters {stats['parameters']} macs {stats['macs']}")
assert stats == {"parameters": 25_557_032, "macs": 4_089_184_256}, stats
assert resnet50.training, "train mode not restored"
# Shapes only: the meta device gives the same counts.
meta = cnnc_torch.on_meta(lambda: torchvision.models.resnet50(weights=None))
assert cnnc_torch.count_stats(meta, cnnc_torch.meta_input([1, 3, 224, 224])) == stats

# LeNet-5 by hand: conv1 28*28*6 * 1*5*5 + conv2 10*10*16 * 6*5*5
# + fc 400*120 + 120*84 + 84*10 = 117600 + 240000 + 58920.
# CHECK: lenet5: parameters 61706 macs 416520
stats = cnnc_torch.count_stats(zoo_modules.LeNet5(), torch.randn(1, 1, 28, 28))
print(f"lenet5: parameters {stats['parameters']} macs {stats['macs']}")
assert stats == {"parameters": 61_706, "macs": 117_600 + 240_000 + 58_920}, stats


class Mixed(nn.Module):
    """Grouped conv, transposed conv, a shared Linear called twice, batch
    norm (its buffers do not count), and a batch of 2."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 6, 3, padding=1, groups=2)       # 6*2*3*3 + 6 = 114
        self.deconv = nn.ConvTranspose2d(6, 4, 2, stride=2, groups=2, bias=False)  # 6*2*2*2 = 48
        self.bn = nn.BatchNorm2d(4)                                # 8
        self.fc = nn.Linear(16, 16)                                # 272

    def forward(self, x):                                         # [2, 4, 4, 4]
        y = self.bn(self.deconv(self.conv(x)))                    # [2, 4, 8, 8]
        y = y.flatten(2)[:, :, :16]                               # [2, 4, 16]
        return self.fc(self.fc(y))


# conv: 2*6*4*4 outputs * 2*3*3 = 3456; deconv: 2*6*4*4 inputs * 2*2*2 = 1536;
# fc twice on 8 rows: 2 * 8*16*16 = 4096.
# CHECK: mixed: parameters 442 macs 9088
stats = cnnc_torch.count_stats(Mixed(), torch.randn(2, 4, 4, 4))
print(f"mixed: parameters {stats['parameters']} macs {stats['macs']}")
assert stats == {"parameters": 114 + 48 + 8 + 272, "macs": 3456 + 1536 + 4096}, stats
