"""Batches per-sample input tensors and moves them to the model's device."""
import torch
from mmengine.model import BaseDataPreprocessor

from pose3d_toolbox.registry import MODELS


@MODELS.register_module()
class PoseDataPreprocessor(BaseDataPreprocessor):
    """Stack ``inputs`` (a list of equally shaped tensors) into one batch
    and move it to the model's device.

    The data samples are passed on as they are: their fields are numpy
    arrays, which the heads stack onto the inputs' device
    (:func:`~pose3d_toolbox.models.heads.stack_field`). mmengine's
    ``cast_data`` would rebuild every sample with ``.to(device)``, deep
    copying its metadata: 40 % of a lifter's evaluation time.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        return dict(data, inputs=self.cast_data(inputs.float()))
