"""Linear regression head of 3D lifters."""
from typing import Dict, Optional, Union

import torch
from torch import nn

from pose3d_toolbox.codecs import LIFTING_TARGET, TARGET_WEIGHT
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton
from .base_head import BaseHead, stack_field


@MODELS.register_module()
class RegressionHead3D(BaseHead):
    """One linear layer from features to ``J`` 3D coordinates.

    Args:
        in_channels: feature size of the backbone's output ``(N, C)``.
        codec: keypoint codec config (decodes predictions to metres).
        loss: loss config, called as ``loss(pred, target, weight)``.
        skeleton: skeleton name or object (``J``).

    ``forward``: ``(N, C)`` -> ``(N, J, 3)`` in the codec's target space.
    """

    def __init__(self, in_channels: int, codec: Dict,
                 loss: Dict = dict(type='MSELoss'),
                 skeleton: Union[str, Skeleton] = 'h36m',
                 init_cfg: Optional[Dict] = None):
        super().__init__(codec, skeleton, init_cfg=init_cfg)
        self.fc = nn.Linear(in_channels, self.num_keypoints * 3)
        self.loss_module = MODELS.build(loss)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.fc(feats).view(-1, self.num_keypoints, 3)

    def loss(self, feats, data_samples) -> Dict[str, torch.Tensor]:
        pred = self.forward(feats)
        target = stack_field(data_samples, LIFTING_TARGET, pred)
        weight = stack_field(data_samples, TARGET_WEIGHT, pred)
        return dict(loss_pose3d=self.loss_module(pred, target, weight))
