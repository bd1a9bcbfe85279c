"""AbsPoseLifter's output layer: canonical root depth plus the
root-relative pose (Chang et al., Sec. 3.2)."""
from typing import Dict

import torch
from torch import nn

from pose3d_toolbox.registry import MODELS
from .regression_head import RegressionHead3D


@MODELS.register_module()
class AbsPoseHead(RegressionHead3D):
    """Linear layer to ``3J - 2`` numbers: the root depth, then the
    root-relative pose of the ``J - 1`` other joints.

    ``forward`` returns them in the layout of
    :class:`~pose3d_toolbox.codecs.AbsPoseCodec`'s target, ``(N, J, 3)``:
    the root row is ``(0, 0, d)``, the other rows the relative pose. The
    codec decodes it to an absolute camera-space pose (Eq. 5-6).

    Args:
        in_channels, num_keypoints, codec: see :class:`RegressionHead3D`.
        loss: defaults to :class:`AbsPoseLoss` (Eq. 7).
        root_index: the root joint (must match the codec's).
    """

    def __init__(self, in_channels: int, num_keypoints: int, codec: Dict,
                 loss: Dict = dict(type='AbsPoseLoss'), root_index: int = 0,
                 init_cfg=None):
        super().__init__(in_channels, num_keypoints, codec, loss,
                         init_cfg=init_cfg)
        self.root_index = root_index
        self.fc = nn.Linear(in_channels, 3 * num_keypoints - 2)
        others = [j for j in range(num_keypoints) if j != root_index]
        self.register_buffer('others', torch.tensor(others), persistent=False)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        out = self.fc(feats)
        pose = out.new_zeros(out.shape[0], self.num_keypoints, 3)
        pose[:, self.root_index, 2] = out[:, 0]
        pose[:, self.others] = out[:, 1:].view(out.shape[0], -1, 3)
        return pose
