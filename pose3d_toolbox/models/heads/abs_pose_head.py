"""AbsPoseLifter's output layer: canonical root depth plus the
root-relative pose (Chang et al., Sec. 3.2)."""
from typing import Dict, Optional, Union

import torch
from torch import nn

from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton
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
        in_channels, codec: see :class:`RegressionHead3D`.
        loss: defaults to :class:`AbsPoseLoss` (Eq. 7).
        skeleton: skeleton name or object (``J`` and the root joint, which
            must be the codec's).
    """

    def __init__(self, in_channels: int, codec: Dict,
                 loss: Dict = dict(type='AbsPoseLoss'),
                 skeleton: Union[str, Skeleton] = 'h36m',
                 init_cfg: Optional[Dict] = None):
        # RegressionHead3D's (J * 3)-output layer is built and then replaced:
        # building it draws from the seeded generator, and the seeded
        # initialisation of every published AbsPoseLifter run (and of
        # tests/data/config_outputs.json) follows that draw.
        super().__init__(in_channels, codec, loss, skeleton,
                         init_cfg=init_cfg)
        J, self.root_index = self.num_keypoints, self.skeleton.root_index
        self.fc = nn.Linear(in_channels, 3 * J - 2)
        others = [j for j in range(J) if j != self.root_index]
        self.register_buffer('others', torch.tensor(others), persistent=False)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        out = self.fc(feats)
        pose = out.new_zeros(out.shape[0], self.num_keypoints, 3)
        pose[:, self.root_index, 2] = out[:, 0]
        pose[:, self.others] = out[:, 1:].view(out.shape[0], -1, 3)
        return pose
