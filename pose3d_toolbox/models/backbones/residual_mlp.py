"""The residual fully connected network of Martinez et al. (2017).

Shared by SimpleBaseline (width 1024) and AbsPoseLifter (width 4096).
"""
import torch
from mmengine.model import BaseModule
from torch import nn

from pose3d_toolbox.registry import MODELS


class _ResidualBlock(nn.Module):
    """Two [Linear, BN, ReLU, Dropout] layers plus identity (Martinez Fig. 1)."""

    def __init__(self, width: int, dropout: float, norm: bool):
        super().__init__()
        layers = []
        for _ in range(2):
            layers += [nn.Linear(width, width),
                       nn.BatchNorm1d(width) if norm else nn.Identity(),
                       nn.ReLU(inplace=True), nn.Dropout(dropout)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.layers(x)


@MODELS.register_module()
class ResidualMLP(BaseModule):
    """Linear stem + ``num_blocks`` residual blocks on a flattened input.

    Args:
        in_channels: size of the flattened input (e.g. ``2 * J`` for one
            frame of ``J`` 2D joints).
        width: hidden width (1024 in Martinez et al.).
        num_blocks: number of residual blocks (2 in Martinez et al.).
        dropout: dropout probability (0.5).
        norm: use BatchNorm after every linear layer.

    Shapes: input ``(N, ...)`` flattened to ``(N, in_channels)``; output
    ``(N, width)``.
    """

    def __init__(self, in_channels: int, width: int = 1024,
                 num_blocks: int = 2, dropout: float = 0.5, norm: bool = True,
                 init_cfg=dict(type='Kaiming', layer='Linear')):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.stem = nn.Sequential(
            nn.Linear(in_channels, width),
            nn.BatchNorm1d(width) if norm else nn.Identity(),
            nn.ReLU(inplace=True), nn.Dropout(dropout))
        self.blocks = nn.Sequential(
            *[_ResidualBlock(width, dropout, norm) for _ in range(num_blocks)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.flatten(1)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'ResidualMLP expects {self.in_channels} input values per '
                f'sample but got {x.shape[1]}; set in_channels to '
                'seq_len * num_keypoints * 2 in the config')
        return self.blocks(self.stem(x))
