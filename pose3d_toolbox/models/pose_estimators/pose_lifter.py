"""2D-to-3D pose lifter: backbone -> (neck) -> head."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModel

from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import get_skeleton


def flip_keypoints(keypoints: torch.Tensor, flip_indices) -> torch.Tensor:
    """Mirror ``(..., J, C)`` keypoints centred on x = 0: swap left and
    right joints and negate x. Its own inverse."""
    flipped = keypoints[..., flip_indices, :].clone()
    flipped[..., 0] = -flipped[..., 0]
    return flipped


@MODELS.register_module()
class PoseLifter(BaseModel):
    """A lifting estimator composed of registered parts.

    ``forward(inputs, data_samples, mode)`` with ``inputs`` ``(N, S, J, 2)``
    normalised 2D keypoints (see the codec) and ``mode`` one of ``'loss'``
    (dict of losses), ``'predict'`` (data samples with ``pred_*`` fields) or
    ``'tensor'`` (the head's raw output).

    Flip test (``test_cfg=dict(flip_test=True)``): the prediction is the
    mean of the head's output for the input and, mirrored back, for the
    mirrored input. Mirroring negates x and swaps the skeleton's left and
    right joints, in the input and in the output; it assumes the codec
    centres the 2D input on the image (``PoseLiftingCodec``, about the
    image centre) or on the principal point (``AbsPoseCodec``, exact).

    Args:
        backbone, head, neck: module configs.
        data_preprocessor: defaults to ``PoseDataPreprocessor``.
        test_cfg: ``dict(flip_test=bool)``.
        skeleton: skeleton name, for the flip test's joint swap.
    """

    def __init__(self, backbone: Dict, head: Dict,
                 neck: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 test_cfg: Optional[Dict] = None, skeleton: str = 'h36m',
                 init_cfg=None):
        super().__init__(
            data_preprocessor=data_preprocessor or dict(
                type='PoseDataPreprocessor'),
            init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck else None
        self.head = MODELS.build(head)
        self.test_cfg = dict(test_cfg or {})
        self.flip_indices = get_skeleton(skeleton).flip_indices.tolist()

    def extract_feat(self, inputs):
        feats = self.backbone(inputs)
        return self.neck(feats) if self.neck is not None else feats

    def forward(self, inputs, data_samples=None, mode: str = 'tensor'):
        feats = self.extract_feat(inputs)
        if mode == 'loss':
            return self.head.loss(feats, data_samples)
        if mode == 'predict':
            if not self.test_cfg.get('flip_test', False):
                return self.head.predict(feats, data_samples)
            outputs = self.head(feats)
            mirrored = self.head(self.extract_feat(
                flip_keypoints(inputs, self.flip_indices)))
            outputs = (outputs + flip_keypoints(mirrored,
                                                self.flip_indices)) / 2
            return self.head.decode(outputs, data_samples)
        if mode == 'tensor':
            return self.head(feats)
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', "
                         f'got {mode!r}')
