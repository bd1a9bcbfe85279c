"""Linear regression head of 3D lifters."""
from typing import Dict, List

import numpy as np
import torch
from mmengine.model import BaseModule
from torch import nn

from pose3d_toolbox.codecs import LIFTING_TARGET, TARGET_WEIGHT
from pose3d_toolbox.registry import KEYPOINT_CODECS, MODELS


def stack_field(data_samples, key: str, like: torch.Tensor) -> torch.Tensor:
    """Stack ``data_samples[i].<key>`` into one tensor on ``like``'s device."""
    values = []
    for sample in data_samples:
        if key not in sample:
            raise KeyError(f'data sample has no {key!r}: add a GenerateTarget '
                           'transform with the model\'s codec to the pipeline')
        values.append(torch.as_tensor(np.asarray(sample.get(key))))
    return torch.stack(values).to(like)


@MODELS.register_module()
class RegressionHead3D(BaseModule):
    """One linear layer from features to ``J`` 3D coordinates.

    Args:
        in_channels: feature size of the backbone's output ``(N, C)``.
        num_keypoints: ``J``.
        codec: keypoint codec config (decodes predictions to metres).
        loss: loss config, called as ``loss(pred, target, weight)``.

    ``forward``: ``(N, C)`` -> ``(N, J, 3)`` in the codec's target space.
    """

    def __init__(self, in_channels: int, num_keypoints: int, codec: Dict,
                 loss: Dict = dict(type='MSELoss'), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.num_keypoints = num_keypoints
        self.fc = nn.Linear(in_channels, num_keypoints * 3)
        self.codec = KEYPOINT_CODECS.build(codec)
        self.loss_module = MODELS.build(loss)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.fc(feats).view(-1, self.num_keypoints, 3)

    def loss(self, feats, data_samples) -> Dict[str, torch.Tensor]:
        pred = self.forward(feats)
        target = stack_field(data_samples, LIFTING_TARGET, pred)
        weight = stack_field(data_samples, TARGET_WEIGHT, pred)
        return dict(loss_pose3d=self.loss_module(pred, target, weight))

    def predict(self, feats, data_samples) -> List:
        return self.decode(self.forward(feats), data_samples)

    def decode(self, outputs: torch.Tensor, data_samples) -> List:
        """Decode ``forward``'s output into ``pred_*`` fields of the data
        samples (metres, through the codec)."""
        pred = outputs.detach().cpu().numpy()
        decoded = self.codec.decode(pred, [s.metainfo for s in data_samples])
        for i, sample in enumerate(data_samples):
            sample.pred_keypoints_3d = decoded['keypoints_3d'][i]
            if 'root' in decoded:
                sample.pred_root = decoded['root'][i]
        return data_samples
