"""The U-shape neck of depth-aware heatmaps (Chen et al., BMVC 2020,
Sec. 3.2, Fig. 3; ``../shared/docs/methods.md``).

A top-down path with lateral connections over the ResNet stages (C2 ... C5
at 1/4 ... 1/32 of the input) back to 1/4 resolution, and on every stage of
it average pyramid pooling (PSPNet, Zhao et al. 2017) with bins 1, 2, 4 and
6: the "scale-aware features" (SF). For stage ``s`` from the deepest::

    P_s = lateral_s(C_s) + up(S_{s+1})      (P_5 = lateral_5(C_5))
    S_s = fuse_s([P_s, pool_1(P_s), pool_2(P_s), pool_4(P_s), pool_6(P_s)])

``lateral_s`` a 1x1 convolution to ``out_channels``; ``up`` bilinear
resizing to ``C_s``'s size; ``pool_b`` average pooling to ``b x b`` bins,
a 1x1 convolution to ``out_channels / 4`` + ReLU and bilinear resizing
back (PSPNet's pyramid, without its BN: a 1 x 1 bin of a batch of one
has a single value per channel, which BN cannot normalise in training);
``fuse_s`` a 3x3 convolution to ``out_channels`` + BN + ReLU.
``pyramid_pooling=False`` (the paper's "wo SF") leaves the pooled
branches out: ``S_s = fuse_s(P_s)``.

The neck returns every ``S_s``, deepest first (1/32, 1/16, 1/8, 1/4 of the
input: 8, 16, 32, 64 px for 256 px), so the head supervises each stage
(intermediate supervision, Sec. 3.2).
"""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from pose3d_toolbox.registry import MODELS


def conv_bn_relu(in_channels: int, out_channels: int,
                 kernel_size: int) -> nn.Sequential:
    """Convolution (no bias, 'same' padding) + BN + ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size,
                  padding=kernel_size // 2, bias=False),
        nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


def resize_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Bilinear resizing of ``x`` to ``like``'s height and width (mirror
    symmetric: ``align_corners=False``)."""
    return F.interpolate(x, size=like.shape[-2:], mode='bilinear',
                         align_corners=False)


class PyramidPooling(nn.Module):
    """PSPNet's average pyramid: ``[x, up(relu(conv(avgpool_b(x)))) for b
    in bins]`` concatenated along the channels.

    Args:
        channels: channels of ``x``.
        bins: output sizes of the adaptive average pooling (1, 2, 4, 6).
        branch_channels: channels of each pooled branch (None:
            ``channels // len(bins)``, PSPNet's choice).

    ``forward``: ``(N, C, h, w)`` -> ``(N, C + len(bins) * branch_channels,
    h, w)``.
    """

    def __init__(self, channels: int, bins: Sequence[int] = (1, 2, 4, 6),
                 branch_channels: int = None):
        super().__init__()
        self.bins = tuple(int(b) for b in bins)
        if not self.bins or min(self.bins) < 1:
            raise ValueError(f'PyramidPooling: bins must be positive sizes, '
                             f'got {bins!r}')
        self.branch_channels = int(branch_channels or max(
            1, channels // len(self.bins)))
        self.branches = nn.ModuleList(
            nn.Sequential(nn.Conv2d(channels, self.branch_channels, 1),
                          nn.ReLU(inplace=True)) for _ in self.bins)
        self.out_channels = channels + len(self.bins) * self.branch_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = [resize_to(branch(F.adaptive_avg_pool2d(x, b)), x)
                  for b, branch in zip(self.bins, self.branches)]
        return torch.cat([x] + pooled, 1)


@MODELS.register_module()
class UShapeNeck(BaseModule):
    """Top-down path with lateral connections and pyramid pooling on every
    stage (module docstring).

    Args:
        in_channels: channels of the backbone stages, shallowest first
            (ResNet-50: 256, 512, 1024, 2048; the estimator fills them in
            from a ResNet's ``out_channels`` and ``out_indices`` when the
            config leaves them out).
        out_channels: channels of every stage's output.
        pyramid_pooling: the scale-aware features (False: the paper's
            "wo SF").
        bins: the pyramid's average-pooling sizes.
        init_cfg: mmengine initialisation config.

    ``forward(feats)``: the backbone's stages, shallowest first (a tuple
    of ``len(in_channels)`` maps, each twice the size of the next) -> a
    tuple of ``len(in_channels)`` ``(N, out_channels, h_s, w_s)`` maps,
    deepest (smallest) first; the last is at the shallowest stage's
    resolution (1/4 of the input for ResNet's C2).
    """

    def __init__(self, in_channels: Sequence[int] = (256, 512, 1024, 2048),
                 out_channels: int = 256, pyramid_pooling: bool = True,
                 bins: Sequence[int] = (1, 2, 4, 6), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = tuple(int(c) for c in in_channels)
        if not self.in_channels:
            raise ValueError('UShapeNeck: in_channels must list the '
                             'backbone stages, e.g. (256, 512, 1024, 2048)')
        self.out_channels = int(out_channels)
        self.pyramid_pooling = bool(pyramid_pooling)
        self.laterals = nn.ModuleList(
            nn.Conv2d(c, self.out_channels, 1) for c in self.in_channels)
        self.pools = nn.ModuleList(
            PyramidPooling(self.out_channels, bins) if self.pyramid_pooling
            else nn.Identity() for _ in self.in_channels)
        fuse_in = (self.pools[0].out_channels if self.pyramid_pooling
                   else self.out_channels)
        self.fuses = nn.ModuleList(
            conv_bn_relu(fuse_in, self.out_channels, 3)
            for _ in self.in_channels)

    def forward(self, feats) -> Tuple[torch.Tensor, ...]:
        feats = (feats, ) if torch.is_tensor(feats) else tuple(feats)
        if len(feats) != len(self.in_channels):
            raise ValueError(
                f'UShapeNeck: {len(feats)} backbone maps for '
                f'{len(self.in_channels)} in_channels; set the backbone\'s '
                'out_indices to every stage, e.g. out_indices=(0, 1, 2, 3)')
        outs, above = [], None
        for i in reversed(range(len(feats))):
            x = self.laterals[i](feats[i])
            if above is not None:
                x = x + resize_to(above, x)
            above = self.fuses[i](self.pools[i](x))
            outs.append(above)
        return tuple(outs)
