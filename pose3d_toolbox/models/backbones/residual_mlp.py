"""The residual fully connected network of Martinez et al. (2017).

Shared by SimpleBaseline (width 1024) and AbsPoseLifter (width 4096, with a
normalisation input layer and pre-activation blocks).
"""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import nn

from pose3d_toolbox.registry import MODELS


def _dense(width: int, dropout: float, norm: bool, preact: bool):
    """[Linear, BN, ReLU, Dropout] or, pre-activated, [BN, Dropout, ReLU,
    Linear]."""
    bn = nn.BatchNorm1d(width) if norm else nn.Identity()
    if preact:
        return [bn, nn.Dropout(dropout), nn.ReLU(), nn.Linear(width, width)]
    return [nn.Linear(width, width), bn, nn.ReLU(inplace=True),
            nn.Dropout(dropout)]


class _ResidualBlock(nn.Module):
    """Two dense layers plus identity (Martinez Fig. 1; AbsPoseLifter
    Fig. 3 in the pre-activated order)."""

    def __init__(self, width: int, dropout: float, norm: bool, preact: bool):
        super().__init__()
        self.layers = nn.Sequential(*_dense(width, dropout, norm, preact),
                                    *_dense(width, dropout, norm, preact))

    def forward(self, x):
        return x + self.layers(x)


@MODELS.register_module()
class ResidualMLP(BaseModule):
    """Linear stem + ``num_blocks`` residual blocks on a flattened input.

    Args:
        in_channels: size of the flattened input (e.g. ``2 * J`` for one
            frame of ``J`` 2D joints); ``None`` takes the input layer's
            ``out_channels``.
        width: hidden width (1024 in Martinez et al.).
        num_blocks: number of residual blocks (2 in Martinez et al.).
        dropout: dropout probability (0.5).
        norm: use BatchNorm in every dense layer.
        preact: AbsPoseLifter's order: a plain linear stem and blocks of
            [BN, Dropout, ReLU, Linear]; otherwise Martinez's [Linear, BN,
            ReLU, Dropout] everywhere.
        input_layer: optional module config applied to the raw input before
            it is flattened (e.g. AbsPoseLifter's
            :class:`AbsPoseNormalization`).

    Shapes: input ``(N, ...)`` flattened to ``(N, in_channels)``; output
    ``(N, width)``.
    """

    def __init__(self, in_channels: Optional[int] = None, width: int = 1024,
                 num_blocks: int = 2, dropout: float = 0.5, norm: bool = True,
                 preact: bool = False, input_layer: Optional[Dict] = None,
                 init_cfg=dict(type='Kaiming', layer='Linear')):
        super().__init__(init_cfg=init_cfg)
        self.input_layer = (MODELS.build(input_layer) if input_layer
                            else nn.Identity())
        if in_channels is None:
            in_channels = getattr(self.input_layer, 'out_channels', None)
            if in_channels is None:
                raise ValueError('ResidualMLP: set in_channels (seq_len * '
                                 'num_keypoints * 2 for 2D input)')
        self.in_channels = in_channels
        stem = [nn.Linear(in_channels, width)]
        if not preact:
            stem += _dense(width, dropout, norm, preact)[1:]
        self.stem = nn.Sequential(*stem)
        self.blocks = nn.Sequential(*[
            _ResidualBlock(width, dropout, norm, preact)
            for _ in range(num_blocks)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.input_layer(x).flatten(1)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'ResidualMLP expects {self.in_channels} input values per '
                f'sample but got {x.shape[1]}; set in_channels to '
                'seq_len * num_keypoints * 2 in the config')
        return self.blocks(self.stem(x))
