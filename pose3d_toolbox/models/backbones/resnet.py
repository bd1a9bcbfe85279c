"""ResNet backbones (He et al., CVPR 2016), depths 18 to 152.

One parametrised :class:`ResNet`; ``ResNet18`` ... ``ResNet152`` are thin
registered builders. Module names follow torchvision's layout (``conv1``,
``bn1``, ``layer1.0.conv1``, ``layer1.0.downsample.0``, ...), so ImageNet
weights saved from torchvision load with

    init_cfg=dict(type='Pretrained', checkpoint='resnet50-imagenet.pth')

from a local file (the classifier's ``fc.*`` keys are ignored); no
torchvision import and no download happen here.
"""
from typing import Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from pose3d_toolbox.registry import MODELS


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual (ResNet-18/34).

    Args:
        in_channels: input channels.
        channels: output channels (``expansion = 1``).
        stride: stride of the first convolution.
        downsample: projection of the residual (``nn.Identity`` if none).
    """
    expansion = 1

    def __init__(self, in_channels: int, channels: int, stride: int = 1,
                 downsample: nn.Module = None):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample if downsample is not None \
            else nn.Identity()

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.downsample(x))


class Bottleneck(nn.Module):
    """1x1 - 3x3 - 1x1 convolutions with a residual (ResNet-50/101/152);
    the stride sits on the 3x3 convolution (torchvision's "ResNet v1.5").

    Args:
        in_channels: input channels.
        channels: width of the 3x3 convolution; output is ``4 * channels``.
        stride: stride of the 3x3 convolution.
        downsample: projection of the residual (``nn.Identity`` if none).
    """
    expansion = 4

    def __init__(self, in_channels: int, channels: int, stride: int = 1,
                 downsample: nn.Module = None):
        super().__init__()
        out = channels * self.expansion
        self.conv1 = nn.Conv2d(in_channels, channels, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.conv3 = nn.Conv2d(channels, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample if downsample is not None \
            else nn.Identity()

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + self.downsample(x))


#: depth -> (block, blocks per stage)
ARCH_SETTINGS = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}


@MODELS.register_module()
class ResNet(BaseModule):
    """ResNet without its classifier: stem (7x7/2 conv, 3x3/2 max-pool) and
    four stages of strides 4, 8, 16, 32.

    Args:
        depth: 18, 34, 50, 101 or 152.
        in_channels: image channels.
        out_indices: stages (0 to ``num_stages - 1``) whose outputs are
            returned; one index returns a tensor, several a tuple.
        num_stages: stages built (1-4, as MMPose's ResNet): 3 stops at
            stride 16 without the last stage's 3/4 of the weights (8.4 of
            ResNet-18's 11.2 M parameters), for heads on small inputs.
        zero_init_residual: start every block's last BN at zero scale (the
            block begins as the identity).
        init_cfg: e.g. ``dict(type='Pretrained', checkpoint=PATH)``; without
            one, convolutions get Kaiming-normal and BNs (1, 0).

    Output of stage ``i`` for an ``(N, 3, H, W)`` input:
    ``(N, 64 * 2**i * expansion, H / 2**(i + 2), W / 2**(i + 2))``
    (C5 of ResNet-50: 2048 x H/32 x W/32).
    """

    def __init__(self, depth: int = 50, in_channels: int = 3,
                 out_indices: Union[int, Sequence[int]] = (3, ),
                 num_stages: int = 4, zero_init_residual: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if depth not in ARCH_SETTINGS:
            raise KeyError(f'ResNet: depth must be one of '
                           f'{sorted(ARCH_SETTINGS)}, got {depth!r}')
        self.depth = depth
        block, counts = ARCH_SETTINGS[depth]
        self.out_indices: Tuple[int, ...] = (
            (out_indices, ) if isinstance(out_indices, int)
            else tuple(out_indices))
        if num_stages not in (1, 2, 3, 4):
            raise ValueError(f'ResNet: num_stages must be 1-4, got '
                             f'{num_stages!r}')
        self.num_stages = num_stages
        if not self.out_indices or not all(0 <= i < num_stages
                                           for i in self.out_indices):
            raise ValueError(
                f'ResNet: out_indices must be stages 0-{num_stages - 1} '
                f'(num_stages={num_stages}), got {out_indices!r}')
        self.zero_init_residual = zero_init_residual
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        channels, self.out_channels = 64, []
        for i, n in enumerate(counts[:num_stages]):
            stride = 1 if i == 0 else 2
            layer, channels = self._make_stage(block, channels, 64 * 2**i, n,
                                               stride)
            self.add_module(f'layer{i + 1}', layer)
            self.out_channels.append(channels)
        self.feat_channels = self.out_channels[self.out_indices[-1]]

    @staticmethod
    def _make_stage(block, in_channels, channels, n, stride):
        out = channels * block.expansion
        downsample = None
        if stride != 1 or in_channels != out:
            downsample = nn.Sequential(
                nn.Conv2d(in_channels, out, 1, stride, bias=False),
                nn.BatchNorm2d(out))
        layers = [block(in_channels, channels, stride, downsample)]
        layers += [block(out, channels) for _ in range(n - 1)]
        return nn.Sequential(*layers), out

    def init_weights(self):
        if self.init_cfg is not None:  # e.g. Pretrained: mmengine loads it
            return super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out',
                                        nonlinearity='relu')
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if self.zero_init_residual:
            for m in self.modules():
                last = getattr(m, 'bn3', None) if isinstance(
                    m, Bottleneck) else getattr(m, 'bn2', None) if isinstance(
                        m, BasicBlock) else None
                if last is not None:
                    nn.init.zeros_(last.weight)

    def forward(self, x: torch.Tensor):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        outs = []
        for i in range(self.num_stages):
            x = getattr(self, f'layer{i + 1}')(x)
            if i in self.out_indices:
                outs.append(x)
            if i == max(self.out_indices):  # later stages are not needed
                break
        return outs[0] if len(outs) == 1 else tuple(outs)


def _variant(depth):
    def build(**kwargs) -> ResNet:
        return ResNet(depth=depth, **kwargs)
    build.__name__ = f'ResNet{depth}'
    build.__doc__ = f'ResNet-{depth}: ``ResNet(depth={depth}, **kwargs)``.'
    return build


ResNet18 = MODELS.register_module('ResNet18', module=_variant(18))
ResNet34 = MODELS.register_module('ResNet34', module=_variant(34))
ResNet50 = MODELS.register_module('ResNet50', module=_variant(50))
ResNet101 = MODELS.register_module('ResNet101', module=_variant(101))
ResNet152 = MODELS.register_module('ResNet152', module=_variant(152))
