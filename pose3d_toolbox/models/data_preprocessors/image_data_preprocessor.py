"""Batches image tensors and normalises them (ImageNet mean and std)."""
from typing import Sequence

import torch

from pose3d_toolbox.registry import MODELS
from .pose_data_preprocessor import PoseDataPreprocessor

#: ImageNet statistics of RGB images in ``[0, 255]`` (torchvision's).
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class ImageDataPreprocessor(PoseDataPreprocessor):
    """Stack ``(3, H, W)`` uint8 RGB inputs and map them to
    ``(x - mean) / std`` per channel.

    Args:
        mean, std: per-channel statistics in ``[0, 255]`` units.
    """

    def __init__(self, mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD, **kwargs):
        super().__init__(**kwargs)
        if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
            raise ValueError(f'ImageDataPreprocessor: mean and std need 3 '
                             f'values (std > 0), got {mean!r}, {std!r}')
        self.register_buffer('mean', torch.tensor(mean).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, 3, 1, 1),
                             persistent=False)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = super().forward(data, training)
        inputs = data['inputs']
        if inputs.dim() != 4 or inputs.shape[1] != 3:
            raise ValueError(f'ImageDataPreprocessor: expected (N, 3, H, W) '
                             f'images, got {tuple(inputs.shape)}; pack with '
                             "PackPoseInputs(input_key='img')")
        return dict(data, inputs=(inputs - self.mean) / self.std)
