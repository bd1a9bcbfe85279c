"""The integral 3D baseline: a per-joint volume read out by soft-argmax.

:class:`IntegralVolumetricHead` is the "Baseline" of HEMlets' Table 4 and
Integral Human Pose Regression's 3D model (Sun et al., ECCV 2018):
SimpleBaseline's deconvolutions, a 1x1 convolution to ``J * D`` channels
reshaped to ``J`` volumes ``(D, h, w)``, the soft-argmax read-out
(:func:`~pose3d_toolbox.models.utils.soft_argmax`, Sun et al. Eq. 2-3) and
an L1 loss on the normalised 3D coordinates in which 2D-only samples train
x and y only (:class:`~pose3d_toolbox.models.losses.IntegralL1Loss3D`,
HEMlets Eq. 6's lambda from :func:`~pose3d_toolbox.models.utils.weight_3d`).
Targets and decoding to camera metres belong to
:class:`~pose3d_toolbox.codecs.IntegralPose3DCodec`.

Heads built on it (HEMlets) override
:meth:`IntegralVolumetricHead.build_layers` and
:meth:`IntegralVolumetricHead.volume` (features -> volumes) and add their
terms to
:meth:`IntegralVolumetricHead.loss` next to
:meth:`IntegralVolumetricHead.loss_3d`. ``forward`` returns the volumes,
so the top-down estimator's flip test mirrors them with
:func:`~pose3d_toolbox.models.utils.flip_heatmaps` (width reversed, left
and right joints swapped, depth untouched) before the read-out.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
from torch import nn

from pose3d_toolbox.codecs import KEYPOINTS_3D_TARGET, TARGET_WEIGHT
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton
from ..utils import soft_argmax, weight_3d
from .base_head import BaseHead, stack_field
from .heatmap_head import deconv_layers, init_deconv_head


def check_integral_codec(head: BaseHead) -> None:
    """Raise unless ``head.codec`` is an
    :class:`~pose3d_toolbox.codecs.IntegralPose3DCodec` on the head's
    joints (every head that decodes through it checks this)."""
    name = type(head).__name__
    if not hasattr(head.codec, 'depth_bins'):
        raise TypeError(f'{name}: the codec {type(head.codec).__name__}'
                        ' has no depth_bins; use IntegralPose3DCodec')
    if head.codec.num_keypoints != head.num_keypoints:
        raise ValueError(
            f"{name}: the codec's skeleton {head.codec.skeleton.name!r} "
            f"has {head.codec.num_keypoints} joints, the head's "
            f'{head.skeleton.name!r} {head.num_keypoints}; give both '
            'the same skeleton')


@MODELS.register_module()
class IntegralVolumetricHead(BaseHead):
    """Deconvolutions + 1x1 conv to ``J * D`` channels -> ``(N, J, D, h,
    w)`` volumes -> soft-argmax -> normalised ``(x, y, z)``.

    Args:
        in_channels: channels of the backbone's last feature map.
        codec: an :class:`~pose3d_toolbox.codecs.IntegralPose3DCodec`
            config (``heatmap_size``, ``depth_bins``); the pipeline's
            ``GenerateTarget`` must use the same.
        deconv_channels: output channels of each deconvolution (each
            doubles the resolution; ``()`` for none).
        deconv_kernel: 4, 3 or 2.
        beta: softmax inverse temperature of the read-out.
        normalization: ``'softmax'`` or ``'relu'``.
        loss: the 3D coordinate loss, called as ``loss(coords, target,
            weight (N, J), weight_3d (N,))``.
        skeleton: skeleton name or object (``J``).
        init_cfg: mmengine initialisation; None: the published one
            (:func:`~.heatmap_head.init_deconv_head`).
    """

    def __init__(self, in_channels: int, codec: Dict,
                 deconv_channels: Sequence[int] = (256, 256, 256),
                 deconv_kernel: int = 4, beta: float = 1.0,
                 normalization: str = 'softmax',
                 loss: Dict = dict(type='IntegralL1Loss3D'),
                 skeleton: Union[str, Skeleton] = 'h36m',
                 init_cfg: Optional[Dict] = None):
        super().__init__(codec, skeleton, init_cfg=init_cfg)
        check_integral_codec(self)
        self.depth_bins = self.codec.depth_bins
        self.beta, self.normalization = float(beta), normalization
        self.build_layers(in_channels, deconv_channels, deconv_kernel)
        self.loss_module = MODELS.build(loss)

    def build_layers(self, in_channels: int, deconv_channels: Sequence[int],
                     deconv_kernel: int) -> None:
        """The layers :meth:`volume` runs (the step a subclass replaces,
        with :meth:`volume`)."""
        self.deconv = deconv_layers(in_channels, deconv_channels,
                                    deconv_kernel)
        last = deconv_channels[-1] if len(deconv_channels) else in_channels
        self.final = nn.Conv2d(last, self.num_keypoints * self.depth_bins, 1)

    def init_weights(self):
        super().init_weights()
        if self.init_cfg is None:
            init_deconv_head(self)

    def volume(self, feats: torch.Tensor) -> torch.Tensor:
        """``(N, C, h', w')`` features -> ``(N, J, D, h, w)`` volumes (the
        step a subclass replaces)."""
        maps = self.final(self.deconv(feats))
        n, _, h, w = maps.shape
        return maps.view(n, self.num_keypoints, self.depth_bins, h, w)

    def forward(self, feats) -> torch.Tensor:
        if isinstance(feats, (list, tuple)):
            feats = feats[-1]
        return self.volume(feats)

    def integral(self, volumes: torch.Tensor) -> torch.Tensor:
        """``(N, J, D, h, w)`` -> ``(N, J, 3)`` normalised coordinates."""
        size = tuple(volumes.shape[-1:-4:-1])  # (w, h, D)
        if size != self.codec.grid_size:
            raise ValueError(
                f'{type(self).__name__}: volumes of (w, h, D) = {size} but '
                f'the codec expects {self.codec.grid_size}; make the '
                "codec's heatmap_size the input size / 32 * 2 ** (number "
                'of deconvolutions) and depth_bins the head\'s D')
        grid = soft_argmax(volumes, 3, self.beta, self.normalization)[0]
        return self.codec.grid_to_normalized(grid)

    def loss_3d(self, coords: torch.Tensor, data_samples) -> torch.Tensor:
        """The L1 loss of ``(N, J, 3)`` normalised coordinates against the
        codec's targets; z of 2D-only samples weighted 0."""
        target = stack_field(data_samples, KEYPOINTS_3D_TARGET, coords)
        weight = stack_field(data_samples, TARGET_WEIGHT, coords)
        return self.loss_module(coords, target, weight,
                                weight_3d(data_samples, coords))

    def loss(self, feats, data_samples) -> Dict[str, torch.Tensor]:
        coords = self.integral(self.forward(feats))
        return dict(loss_3d=self.loss_3d(coords, data_samples))

    def decode_outputs(self, output: torch.Tensor, metas: List[Dict]
                       ) -> Dict:
        coords = self.integral(output.detach()).cpu().numpy()
        return self.codec.decode(coords, metas)
