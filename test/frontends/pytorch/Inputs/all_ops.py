"""A small module that uses every module, function and tensor method the
cnnc PyTorch exporter maps (helper of export-all-ops.py)."""

import torch
import torch.nn as nn
import torch.nn.functional as F

INPUT_SHAPE = (2, 4, 8, 8)


class AllOps(nn.Module):
    def __init__(self):
        super().__init__()
        # Convolutions: plain, depthwise, dilated with tuple padding,
        # 'same' with an even kernel (asymmetric), 'valid', transposed.
        self.conv = nn.Conv2d(4, 8, 3, padding=1)
        self.dwconv = nn.Conv2d(8, 8, 3, stride=2, padding=(1, 1), groups=8, bias=False)
        self.dilconv = nn.Conv2d(8, 6, (3, 1), dilation=(2, 1), padding=(2, 0))
        self.sameconv = nn.Conv2d(4, 4, 4, padding="same")
        self.validconv = nn.Conv2d(4, 4, 3, padding="valid")
        self.deconv = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
        self.deconv_nobias = nn.ConvTranspose2d(6, 6, 2, stride=2, groups=2, bias=False)
        # Normalization.
        self.bn = nn.BatchNorm2d(8, eps=1e-3, momentum=0.2)
        self.bn1d = nn.BatchNorm1d(10)
        self.lrn = nn.LocalResponseNorm(3, alpha=2e-4, beta=0.5, k=2.0)
        # Activations.
        self.relu = nn.ReLU(inplace=True)
        self.relu6 = nn.ReLU6()
        self.leaky = nn.LeakyReLU(0.2)
        self.silu = nn.SiLU()
        self.hardswish = nn.Hardswish()
        self.hardsigmoid = nn.Hardsigmoid()
        self.gelu = nn.GELU(approximate="tanh")
        self.sigmoid = nn.Sigmoid()
        self.tanh = nn.Tanh()
        self.hardtanh = nn.Hardtanh(-2.0, 3.0)
        self.softmax = nn.Softmax(dim=1)
        self.logsoftmax = nn.LogSoftmax(dim=-1)
        # Pooling.
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.avgpool = nn.AvgPool2d((2, 3), stride=(1, 2), padding=(1, 1), count_include_pad=False)
        self.gap = nn.AdaptiveAvgPool2d((1, 1))
        self.adapool = nn.AdaptiveAvgPool2d((2, 3))
        self.gmp = nn.AdaptiveMaxPool2d(1)
        # Dense and shape.
        self.fc = nn.Linear(8, 10)
        self.fc_nobias = nn.Linear(10, 5, bias=False)
        self.drop = nn.Dropout(0.25)
        self.flatten = nn.Flatten()
        self.ident = nn.Identity()
        self.up_nearest = nn.Upsample(scale_factor=2, mode="nearest")
        self.up_bilinear = nn.Upsample(size=(5, 7), mode="bilinear", align_corners=True)
        self.zpad = nn.ZeroPad2d((0, 1, 0, 1))
        self.cpad = nn.ConstantPad2d((1, 2, 3, 4), 0.5)
        self.rpad = nn.ReflectionPad2d(1)

    def forward(self, x):
        # Convolutions and batch norm.                                  [2, 4, 8, 8]
        a = self.relu(self.bn(self.conv(x)))                          # [2, 8, 8, 8]
        b = self.dwconv(a)                                            # [2, 8, 4, 4]
        c = self.deconv_nobias(self.dilconv(b))                       # [2, 6, 8, 8]
        s = self.sameconv(x) + self.validconv(self.rpad(x))           # [2, 4, 8, 8]
        d = self.deconv(b)                                            # [2, 4, 8, 8]
        e = torch.cat([d, s, self.ident(x)], dim=1)                   # [2, 12, 8, 8]

        # Activation modules and functions, binary ops on tensors.
        m = self.relu6(e) + self.leaky(e) - self.silu(e) * self.hardswish(e)
        m = m / (self.hardsigmoid(e) + 1) + self.gelu(e) + self.sigmoid(e) + self.tanh(e)
        m = torch.add(m, self.hardtanh(e))
        f = F.relu(m) + F.relu6(m) + F.leaky_relu(m, 0.3) + F.silu(m) + F.hardswish(m)
        f = torch.mul(f, F.hardsigmoid(m)) + F.gelu(m) + torch.sigmoid(m) + torch.tanh(m)
        f = f + torch.clamp(m, -1.0, 1.0) + m.sigmoid() + m.relu()

        # Scalars: right, left (sub/div), shape-derived.
        g = (f + 1) * 0.5 - 2
        g = g / 4 + (1 - g) + 2 * g + 3 / (self.sigmoid(g) + 1) + g * x.shape[1]

        # Pooling, padding, resizing, normalization.
        p1 = self.maxpool(g)                                          # [2, 12, 4, 4]
        p2 = self.avgpool(self.zpad(g))                               # [2, 12, 10, 4]
        p3 = F.max_pool2d(g, 2)                                       # [2, 12, 4, 4]
        p4 = F.avg_pool2d(g, 3, 1, 1)                                 # [2, 12, 8, 8]
        p5 = self.adapool(g)                                          # [2, 12, 2, 3]
        u1 = self.up_nearest(p1)                                      # [2, 12, 8, 8]
        u2 = self.up_bilinear(p1)                                     # [2, 12, 5, 7]
        u3 = F.interpolate(p1, scale_factor=(2.0, 3.0), mode="nearest")   # [2, 12, 8, 12]
        u4 = F.interpolate(p1, size=(3, 5), mode="bilinear", align_corners=False)
        q1 = self.cpad(p3)                                            # [2, 12, 11, 7]
        q2 = F.pad(p3, (1, 1, 2, 0), value=0.0)                       # [2, 12, 6, 6]
        q3 = F.pad(p3, (2, 2, 1, 0), mode="reflect")                  # [2, 12, 5, 8]
        q4 = self.lrn(u1)                                             # [2, 12, 10, 10]
        q5 = F.local_response_norm(p4, 2)                             # [2, 12, 8, 8]

        # Heads: global pools, dense, batch norm 1-D, softmaxes.
        h1 = self.flatten(self.gap(a))                                # [2, 8]
        h1 = self.fc_nobias(self.drop(self.bn1d(self.fc(h1))))       # [2, 5]
        h2 = self.softmax(F.adaptive_avg_pool2d(a, 1).view(a.size(0), -1))
        h3 = torch.flatten(self.gmp(a), 1) + a.mean((2, 3)) + F.adaptive_max_pool2d(a, 1).flatten(1)
        h4 = self.logsoftmax(F.dropout(h3, 0.1, training=self.training))
        h5 = F.normalize(F.softmax(h3, dim=1), dim=1) + F.log_softmax(h3, 1)
        h6 = a.mean([2, 3], keepdim=True)                             # [2, 8, 1, 1]

        # Shape ops.
        r1 = c.contiguous().reshape(2, 6, 64)                         # [2, 6, 64]
        r2 = r1.transpose(1, 2)                                       # [2, 64, 6]
        r3 = c.permute(0, 2, 3, 1)                                    # [2, 8, 8, 6]
        r4 = c.flatten(2)                                             # [2, 6, 64]
        r5 = c.view(2, 6, 8, 8)                                       # same shape: skipped
        return (p1, p2, p5, u2, u3, u4, q1, q2, q3, q4, q5, h1, h2, h4, h5, h6,
                r2, r3, r4, r5)
