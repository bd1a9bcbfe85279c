"""Top-down image estimator: image crop -> backbone -> (neck) -> head."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModel

from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import get_skeleton


@MODELS.register_module()
class TopdownPoseEstimator(BaseModel):
    """A top-down estimator of registered parts (backbone, neck, head).

    ``forward(inputs, data_samples, mode)``: ``inputs`` ``(N, 3, H, W)``
    normalised crops; ``mode`` is ``'loss'`` (dict of losses),
    ``'predict'`` (data samples with ``pred_*`` fields) or ``'tensor'``
    (the head's raw output).

    Args:
        backbone, head, neck: module configs.
        data_preprocessor: defaults to ``ImageDataPreprocessor`` (ImageNet
            mean / std).
        test_cfg: ``flip_test`` (bool): also run the mirrored crop, mirror
            its output back (the head's ``flip_output``: width mirrored,
            joints swapped by the skeleton's ``flip_indices``) and average
            the two before decoding.
        skeleton: skeleton name for the flip test's joint swap, used when
            the data samples do not name one.

    A head config without ``in_channels`` gets the backbone's
    ``feat_channels``, so changing the ResNet depth is one override.
    """

    def __init__(self, backbone: Dict, head: Dict,
                 neck: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 test_cfg: Optional[Dict] = None, skeleton: str = 'h36m',
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor or dict(
            type='ImageDataPreprocessor'), init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck else None
        head = dict(head)
        if head.get('in_channels') is None and neck is None:
            # the backbone knows its width (ResNet-18: 512, -50: 2048)
            head['in_channels'] = self.backbone.feat_channels
        self.head = MODELS.build(head)
        self.test_cfg = dict(test_cfg or {})
        self.skeleton = skeleton

    def extract_feat(self, inputs):
        feats = self.backbone(inputs)
        return self.neck(feats) if self.neck is not None else feats

    def flip_indices(self, data_samples):
        name = data_samples[0].metainfo.get('skeleton') if data_samples \
            else None
        return get_skeleton(name or self.skeleton).flip_indices

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.head.loss(self.extract_feat(inputs), data_samples)
        if mode == 'tensor':
            return self.head(self.extract_feat(inputs))
        if mode != 'predict':
            raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', "
                             f'got {mode!r}')
        output = self.head(self.extract_feat(inputs))
        if self.test_cfg.get('flip_test', False):
            flipped = self.head(self.extract_feat(inputs.flip(-1)))
            output = (output + self.head.flip_output(
                flipped, self.flip_indices(data_samples))) / 2
        with torch.no_grad():
            return self.head.predict_output(output, data_samples)
