"""PyTorch definitions of the zoo models that torchvision does not provide.

* `LeNet5`: LeCun et al.'s LeNet-5 for 1x28x28 digits (padded first conv,
  ReLU and max pooling), the example of docs/model-format.md.
* `UNet`: the standard 4-level U-Net (Ronneberger et al. 2015, with padded
  convolutions and batch norm as in most PyTorch ports).
* `YoloV3Tiny`: darknet's yolov3-tiny.cfg, both detection heads.
* `InceptionResnetV1`: FaceNet's embedding network as in the facenet-pytorch
  project (timesler/facenet-pytorch), without the classification layer.

Each class's layer attribute names become the layer names of the exported
description (torch.fx names nodes after module paths).
"""

from __future__ import annotations

from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["LeNet5", "UNet", "YoloV3Tiny", "InceptionResnetV1"]


# ---------------------------------------------------------------------------
# LeNet-5
# ---------------------------------------------------------------------------

class LeNet5(nn.Module):
    """LeNet-5: [N, 1, 28, 28] -> [N, num_classes] logits."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2, 2)
        self.flat = nn.Flatten()
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(120, 84)
        self.relu4 = nn.ReLU()
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.pool1(self.relu1(self.conv1(image)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.flat(x)
        x = self.relu3(self.fc1(x))
        x = self.relu4(self.fc2(x))
        return self.fc3(x)


# ---------------------------------------------------------------------------
# U-Net
# ---------------------------------------------------------------------------

class DoubleConv(nn.Sequential):
    """(3x3 conv without bias, batch norm, ReLU) twice."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )


class Down(nn.Sequential):
    """2x2 max pooling, then a DoubleConv."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__(nn.MaxPool2d(2), DoubleConv(in_channels, out_channels))


class Up(nn.Module):
    """2x2 stride-2 transposed conv halving the channels, concatenation with
    the skip connection, then a DoubleConv."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.up = nn.ConvTranspose2d(in_channels, in_channels // 2, 2, stride=2)
        self.conv = DoubleConv(in_channels, out_channels)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat([skip, self.up(x)], dim=1))


class UNet(nn.Module):
    """U-Net: [N, in_channels, H, W] -> [N, num_classes, H, W] logits; H and
    W must be multiples of 16."""

    def __init__(self, in_channels: int = 3, num_classes: int = 2):
        super().__init__()
        self.inc = DoubleConv(in_channels, 64)
        self.down1 = Down(64, 128)
        self.down2 = Down(128, 256)
        self.down3 = Down(256, 512)
        self.down4 = Down(512, 1024)
        self.up1 = Up(1024, 512)
        self.up2 = Up(512, 256)
        self.up3 = Up(256, 128)
        self.up4 = Up(128, 64)
        self.outc = nn.Conv2d(64, num_classes, kernel_size=1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x1 = self.inc(image)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x5 = self.down4(x4)
        x = self.up1(x5, x4)
        x = self.up2(x, x3)
        x = self.up3(x, x2)
        x = self.up4(x, x1)
        return self.outc(x)


# ---------------------------------------------------------------------------
# YOLOv3-tiny
# ---------------------------------------------------------------------------

class ConvBnLeaky(nn.Sequential):
    """darknet's [convolutional] with batch_normalize=1, activation=leaky:
    'same' padding, no conv bias, batch norm, LeakyReLU(0.1)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.LeakyReLU(0.1),
        )


class YoloV3Tiny(nn.Module):
    """yolov3-tiny: [N, 3, 416, 416] -> ([N, 255, 13, 13], [N, 255, 26, 26]),
    the raw outputs of the two [yolo] layers (3 anchors x (5 + classes))."""

    def __init__(self, num_classes: int = 80):
        super().__init__()
        out = 3 * (5 + num_classes)
        # Backbone: cfg layers 0-12.
        self.conv0 = ConvBnLeaky(3, 16, 3)
        self.pool1 = nn.MaxPool2d(2, 2)
        self.conv2 = ConvBnLeaky(16, 32, 3)
        self.pool3 = nn.MaxPool2d(2, 2)
        self.conv4 = ConvBnLeaky(32, 64, 3)
        self.pool5 = nn.MaxPool2d(2, 2)
        self.conv6 = ConvBnLeaky(64, 128, 3)
        self.pool7 = nn.MaxPool2d(2, 2)
        self.conv8 = ConvBnLeaky(128, 256, 3)
        self.pool9 = nn.MaxPool2d(2, 2)
        self.conv10 = ConvBnLeaky(256, 512, 3)
        # size=2 stride=1 maxpool: darknet pads one pixel right and bottom.
        self.pad11 = nn.ZeroPad2d((0, 1, 0, 1))
        self.pool11 = nn.MaxPool2d(2, 1)
        self.conv12 = ConvBnLeaky(512, 1024, 3)
        # First head (13x13): layers 13-15.
        self.conv13 = ConvBnLeaky(1024, 256, 1)
        self.conv14 = ConvBnLeaky(256, 512, 3)
        self.head1 = nn.Conv2d(512, out, 1)
        # Second head (26x26): layers 17-22, route -4 = conv13.
        self.conv18 = ConvBnLeaky(256, 128, 1)
        self.upsample19 = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv21 = ConvBnLeaky(128 + 256, 256, 3)
        self.head2 = nn.Conv2d(256, out, 1)

    def forward(self, image: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.pool1(self.conv0(image))
        x = self.pool3(self.conv2(x))
        x = self.pool5(self.conv4(x))
        x = self.pool7(self.conv6(x))
        route8 = self.conv8(x)
        x = self.pool9(route8)
        x = self.conv10(x)
        x = self.pool11(self.pad11(x))
        x = self.conv12(x)
        route13 = self.conv13(x)
        y1 = self.head1(self.conv14(route13))
        x = self.upsample19(self.conv18(route13))
        x = torch.cat([x, route8], dim=1)
        y2 = self.head2(self.conv21(x))
        return y1, y2


# ---------------------------------------------------------------------------
# FaceNet: Inception-ResNet-v1 (facenet-pytorch)
# ---------------------------------------------------------------------------

class BasicConv2d(nn.Module):
    """Conv (no bias), batch norm (eps 1e-3), ReLU."""

    def __init__(self, in_planes: int, out_planes: int, kernel_size, stride: int, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(in_planes, out_planes, kernel_size=kernel_size,
                              stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_planes, eps=0.001, momentum=0.1, affine=True)
        self.relu = nn.ReLU(inplace=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


class Block35(nn.Module):
    """Inception-ResNet-A (35x35 grid in the paper; 17x17 at 160x160)."""

    def __init__(self, scale: float = 1.0):
        super().__init__()
        self.scale = scale
        self.branch0 = BasicConv2d(256, 32, kernel_size=1, stride=1)
        self.branch1 = nn.Sequential(
            BasicConv2d(256, 32, kernel_size=1, stride=1),
            BasicConv2d(32, 32, kernel_size=3, stride=1, padding=1),
        )
        self.branch2 = nn.Sequential(
            BasicConv2d(256, 32, kernel_size=1, stride=1),
            BasicConv2d(32, 32, kernel_size=3, stride=1, padding=1),
            BasicConv2d(32, 32, kernel_size=3, stride=1, padding=1),
        )
        self.conv2d = nn.Conv2d(96, 256, kernel_size=1, stride=1)
        self.relu = nn.ReLU(inplace=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.cat((self.branch0(x), self.branch1(x), self.branch2(x)), 1)
        out = self.conv2d(out)
        out = out * self.scale + x
        return self.relu(out)


class Block17(nn.Module):
    """Inception-ResNet-B, with factorised 1x7 / 7x1 convolutions."""

    def __init__(self, scale: float = 1.0):
        super().__init__()
        self.scale = scale
        self.branch0 = BasicConv2d(896, 128, kernel_size=1, stride=1)
        self.branch1 = nn.Sequential(
            BasicConv2d(896, 128, kernel_size=1, stride=1),
            BasicConv2d(128, 128, kernel_size=(1, 7), stride=1, padding=(0, 3)),
            BasicConv2d(128, 128, kernel_size=(7, 1), stride=1, padding=(3, 0)),
        )
        self.conv2d = nn.Conv2d(256, 896, kernel_size=1, stride=1)
        self.relu = nn.ReLU(inplace=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.cat((self.branch0(x), self.branch1(x)), 1)
        out = self.conv2d(out)
        out = out * self.scale + x
        return self.relu(out)


class Block8(nn.Module):
    """Inception-ResNet-C, with factorised 1x3 / 3x1 convolutions; the last
    block of the network has no ReLU."""

    def __init__(self, scale: float = 1.0, noReLU: bool = False):
        super().__init__()
        self.scale = scale
        self.noReLU = noReLU
        self.branch0 = BasicConv2d(1792, 192, kernel_size=1, stride=1)
        self.branch1 = nn.Sequential(
            BasicConv2d(1792, 192, kernel_size=1, stride=1),
            BasicConv2d(192, 192, kernel_size=(1, 3), stride=1, padding=(0, 1)),
            BasicConv2d(192, 192, kernel_size=(3, 1), stride=1, padding=(1, 0)),
        )
        self.conv2d = nn.Conv2d(384, 1792, kernel_size=1, stride=1)
        if not self.noReLU:
            self.relu = nn.ReLU(inplace=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.cat((self.branch0(x), self.branch1(x)), 1)
        out = self.conv2d(out)
        out = out * self.scale + x
        if not self.noReLU:
            out = self.relu(out)
        return out


class Mixed_6a(nn.Module):
    """Reduction-A: 256 -> 896 channels, halving the grid."""

    def __init__(self):
        super().__init__()
        self.branch0 = BasicConv2d(256, 384, kernel_size=3, stride=2)
        self.branch1 = nn.Sequential(
            BasicConv2d(256, 192, kernel_size=1, stride=1),
            BasicConv2d(192, 192, kernel_size=3, stride=1, padding=1),
            BasicConv2d(192, 256, kernel_size=3, stride=2),
        )
        self.branch2 = nn.MaxPool2d(3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.branch0(x), self.branch1(x), self.branch2(x)), 1)


class Mixed_7a(nn.Module):
    """Reduction-B: 896 -> 1792 channels, halving the grid."""

    def __init__(self):
        super().__init__()
        self.branch0 = nn.Sequential(
            BasicConv2d(896, 256, kernel_size=1, stride=1),
            BasicConv2d(256, 384, kernel_size=3, stride=2),
        )
        self.branch1 = nn.Sequential(
            BasicConv2d(896, 256, kernel_size=1, stride=1),
            BasicConv2d(256, 256, kernel_size=3, stride=2),
        )
        self.branch2 = nn.Sequential(
            BasicConv2d(896, 256, kernel_size=1, stride=1),
            BasicConv2d(256, 256, kernel_size=3, stride=1, padding=1),
            BasicConv2d(256, 256, kernel_size=3, stride=2),
        )
        self.branch3 = nn.MaxPool2d(3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat((self.branch0(x), self.branch1(x), self.branch2(x),
                          self.branch3(x)), 1)


class InceptionResnetV1(nn.Module):
    """FaceNet's Inception-ResNet-v1: [N, 3, 160, 160] face crops ->
    [N, 512] L2-normalised embeddings."""

    def __init__(self, dropout_prob: float = 0.6):
        super().__init__()
        self.conv2d_1a = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.conv2d_2a = BasicConv2d(32, 32, kernel_size=3, stride=1)
        self.conv2d_2b = BasicConv2d(32, 64, kernel_size=3, stride=1, padding=1)
        self.maxpool_3a = nn.MaxPool2d(3, stride=2)
        self.conv2d_3b = BasicConv2d(64, 80, kernel_size=1, stride=1)
        self.conv2d_4a = BasicConv2d(80, 192, kernel_size=3, stride=1)
        self.conv2d_4b = BasicConv2d(192, 256, kernel_size=3, stride=2)
        self.repeat_1 = nn.Sequential(*[Block35(scale=0.17) for _ in range(5)])
        self.mixed_6a = Mixed_6a()
        self.repeat_2 = nn.Sequential(*[Block17(scale=0.10) for _ in range(10)])
        self.mixed_7a = Mixed_7a()
        self.repeat_3 = nn.Sequential(*[Block8(scale=0.20) for _ in range(5)])
        self.block8 = Block8(noReLU=True)
        self.avgpool_1a = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout_prob)
        self.last_linear = nn.Linear(1792, 512, bias=False)
        self.last_bn = nn.BatchNorm1d(512, eps=0.001, momentum=0.1, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv2d_1a(x)
        x = self.conv2d_2a(x)
        x = self.conv2d_2b(x)
        x = self.maxpool_3a(x)
        x = self.conv2d_3b(x)
        x = self.conv2d_4a(x)
        x = self.conv2d_4b(x)
        x = self.repeat_1(x)
        x = self.mixed_6a(x)
        x = self.repeat_2(x)
        x = self.mixed_7a(x)
        x = self.repeat_3(x)
        x = self.block8(x)
        x = self.avgpool_1a(x)
        x = self.dropout(x)
        x = self.last_linear(x.view(x.shape[0], -1))
        x = self.last_bn(x)
        return F.normalize(x, p=2, dim=1)
