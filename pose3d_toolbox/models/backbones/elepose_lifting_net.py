"""ElePose's lifting network: a depth per joint and the camera elevation
from one normalised 2D pose (Wandt, Little, Rhodin; CVPR 2022, Sec. 3)."""
from typing import Union

import torch
from torch import nn

from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton


class _ResidualBlock(nn.Module):
    """``x + LReLU(Linear(LReLU(Linear(x))))`` (the authors' ``res_block``)."""

    def __init__(self, width: int):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(width, width), nn.LeakyReLU(),
                                    nn.Linear(width, width), nn.LeakyReLU())

    def forward(self, x):
        return x + self.layers(x)


@MODELS.register_module()
class ElePoseLiftingNet(nn.Module):
    """Depth and elevation network of ElePose (Sec. 3, "Neural Network
    Structure").

    ``Linear(2J -> W) + LeakyReLU``, ``num_common_blocks`` shared residual
    blocks, then two parallel towers of ``num_branch_blocks`` blocks each:
    one ends in ``Linear(W -> J)`` (depth offsets), the other in
    ``Linear(W -> 1)`` (elevation, radians). Every block is followed by a
    LeakyReLU. The paper's 3 blocks per path are 1 common + 2 per branch in
    the authors' code.

    Args:
        skeleton: skeleton name or object (``J``); :class:`~pose3d_toolbox.
            models.ElePose` passes its own.
        width: ``W`` (1024).
        num_common_blocks, num_branch_blocks: residual blocks.
        elevation: build the elevation branch (False for the ablation).

    ``forward``: ``(N, J, 2)`` -> ``depth`` ``(N, J)`` and ``elevation``
    ``(N,)`` (None without the branch).
    """

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m',
                 width: int = 1024, num_common_blocks: int = 1,
                 num_branch_blocks: int = 2, elevation: bool = True):
        super().__init__()
        self.num_keypoints = J = get_skeleton(skeleton).num_joints
        self.predicts_elevation = elevation

        def tower(n):
            return nn.Sequential(*[m for _ in range(n) for m in (
                _ResidualBlock(width), nn.LeakyReLU())])

        self.stem = nn.Sequential(nn.Linear(2 * J, width),
                                  nn.LeakyReLU(), tower(num_common_blocks))
        self.depth_tower = tower(num_branch_blocks)
        self.depth_out = nn.Linear(width, J)
        if elevation:
            self.elevation_tower = tower(num_branch_blocks)
            self.elevation_out = nn.Linear(width, 1)

    def forward(self, poses_2d: torch.Tensor):
        if poses_2d.shape[1:] != (self.num_keypoints, 2):
            raise ValueError(f'ElePoseLiftingNet expects (N, '
                             f'{self.num_keypoints}, 2) inputs, got '
                             f'{tuple(poses_2d.shape)}')
        feats = self.stem(poses_2d.flatten(1))
        depth = self.depth_out(self.depth_tower(feats))
        if not self.predicts_elevation:
            return depth, None
        elevation = self.elevation_out(self.elevation_tower(feats))[:, 0]
        return depth, elevation
