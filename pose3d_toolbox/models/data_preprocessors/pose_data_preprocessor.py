"""Batches per-sample input tensors and moves them to the model's device."""
import torch
from mmengine.model import BaseDataPreprocessor

from pose3d_toolbox.registry import MODELS


@MODELS.register_module()
class PoseDataPreprocessor(BaseDataPreprocessor):
    """Stack ``inputs`` (a list of equally shaped tensors) into one batch."""

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        data = dict(data, inputs=inputs.float())
        return super().forward(data, training)
