"""2D-to-3D pose lifter: backbone -> (neck) -> head."""
from typing import Dict, Optional

from mmengine.model import BaseModel

from pose3d_toolbox.registry import MODELS


@MODELS.register_module()
class PoseLifter(BaseModel):
    """A lifting estimator composed of registered parts.

    ``forward(inputs, data_samples, mode)`` with ``inputs`` ``(N, S, J, 2)``
    normalised 2D keypoints (see the codec) and ``mode`` one of ``'loss'``
    (dict of losses), ``'predict'`` (data samples with ``pred_*`` fields) or
    ``'tensor'`` (the head's raw output).
    """

    def __init__(self, backbone: Dict, head: Dict,
                 neck: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg=None):
        super().__init__(
            data_preprocessor=data_preprocessor or dict(
                type='PoseDataPreprocessor'),
            init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck else None
        self.head = MODELS.build(head)

    def extract_feat(self, inputs):
        feats = self.backbone(inputs)
        return self.neck(feats) if self.neck is not None else feats

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        feats = self.extract_feat(inputs)
        if mode == 'loss':
            return self.head.loss(feats, data_samples)
        if mode == 'predict':
            return self.head.predict(feats, data_samples)
        if mode == 'tensor':
            return self.head(feats)
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', "
                         f'got {mode!r}')
