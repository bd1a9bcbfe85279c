"""The HEMlets network on a backbone's last feature map (Zhou et al., ICCV
2019, Sec. 3.2, Fig. 3; layer facts in ``../shared/docs/methods.md``).

From C5 (ResNet-50: ``2048 x 8 x 8`` for a 256 x 256 input):

- two parallel upsampling branches, each ``len(deconv_channels)`` x
  [ConvTranspose2d k4 s2 p1 (no bias), BN, ReLU]
  (:func:`~.heatmap_head.deconv_layers`), 2048 -> 256 -> 256 -> 256, to
  64 x 64;
- the *feature* branch ends in a 3x3 convolution to ``feature_channels``
  (1024);
- the *HEMlets* branch ends in a 3x3 convolution to ``K * S + J`` maps
  (14 x 3 + 18 = 60): the triplets (Eq. 2) then the 2D heatmaps (Eq. 4);
- fusion: the maps through a 3x3 convolution to ``fusion_channels`` (256)
  + BN + ReLU, concatenated with the features, a 1x1 convolution to
  ``feature_channels`` + BN + ReLU, and a 1x1 convolution to ``J * D``
  channels, reshaped to the ``(J, D, H, W)`` volume (``D = 64``) that the
  volumetric head reads out by soft-argmax (Eq. 5).

Convolutions followed by BN have no bias. Initialisation as published:
every (transposed) convolution N(0, 0.001) with zero bias, BN weight 1 and
bias 0. The maps enter the fusion as predicted (the gradient of ``L_3D``
reaches the HEMlets branch through them; the paper trains end to end).
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from pose3d_toolbox.codecs import (HEATMAPS, HEMLETS_TRIPLETS,
                                   HEMLETS_WEIGHT, PART_DEPTH_ORDER,
                                   PART_DEPTH_STATES, TARGET_WEIGHT)
from pose3d_toolbox.codecs.hemlets import num_states, part_flip_indices
from pose3d_toolbox.registry import KEYPOINT_CODECS, MODELS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from ..utils import flip_heatmaps
from .base_head import stack_field
from .heatmap_head import deconv_layers, init_deconv_head
from .integral_volumetric_head import IntegralVolumetricHead


class HEMletsOutput(NamedTuple):
    """What :class:`HEMletsNet` returns (``H x W`` the map size)."""
    #: ``(N, K, S, H, W)`` triplets, the codec's ``hemlets_triplets``
    #: layout.
    triplets: torch.Tensor
    #: ``(N, J, H, W)`` 2D heatmaps.
    heatmaps: torch.Tensor
    #: ``(N, J, D, H, W)`` volume for the soft-argmax read-out.
    volume: torch.Tensor

    def maps(self) -> torch.Tensor:
        """``(N, K*S + J, H, W)``: the HEMlets branch's channels, the input
        of :meth:`~pose3d_toolbox.codecs.HEMletsCodec.decode`."""
        return torch.cat([self.triplets.flatten(1, 2), self.heatmaps], 1)


def flip_hemlets_output(output: HEMletsOutput,
                        skeleton: Union[str, Skeleton]) -> HEMletsOutput:
    """Mirror every output of the mirrored input back (flip test): reverse
    the width and swap left and right joints (heatmaps, volume) and parts
    (triplets); depth states and depth bins are unchanged by a mirror."""
    skel = get_skeleton(skeleton)
    return HEMletsOutput(
        flip_heatmaps(output.triplets, part_flip_indices(skel)),
        flip_heatmaps(output.heatmaps, skel.flip_indices),
        flip_heatmaps(output.volume, skel.flip_indices))


@MODELS.register_module()
class HEMletsNet(BaseModule):
    """Two upsampling branches, HEMlets + 2D heatmaps, fusion to a volume.

    Args:
        in_channels: channels of the backbone's last feature map (2048 for
            ResNet-50, 512 for ResNet-18).
        deconv_channels: output channels of each deconvolution, the same in
            both branches (each layer doubles the resolution).
        deconv_kernel: 4, 3 or 2 (:func:`~.heatmap_head.deconv_layers`).
        feature_channels: the feature branch's output and the fused width
            (1024).
        fusion_channels: the maps' width after their 3x3 convolution (256).
        depth_bins: ``D``, depth bins of the volume (64).
        skeleton: joints ``J`` and parts ``K`` (``'hemlets'``: 18, 14).
        variant: HEMlets variant of the codec (``S`` = 3 or 5 maps per
            part, :func:`~pose3d_toolbox.codecs.num_states`).
        init_cfg: mmengine initialisation config; ``None``: the published
            initialisation.

    ``forward(feats)``: ``(N, in_channels, h, w)`` (or a sequence whose
    last entry it is) -> :class:`HEMletsOutput` at ``2**len(deconv_channels)``
    times the resolution.
    """

    def __init__(self, in_channels: int = 2048,
                 deconv_channels: Sequence[int] = (256, 256, 256),
                 deconv_kernel: int = 4, feature_channels: int = 1024,
                 fusion_channels: int = 256, depth_bins: int = 64,
                 skeleton: Union[str, Skeleton] = 'hemlets',
                 variant: str = 'hemlets',
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.skeleton = get_skeleton(skeleton)
        self.num_joints = self.skeleton.num_joints
        self.num_parts = len(self.skeleton.parts)
        self.num_states = num_states(variant)
        self.depth_bins = int(depth_bins)
        num_maps = self.num_parts * self.num_states + self.num_joints
        last = deconv_channels[-1] if len(deconv_channels) else in_channels
        self.feature_branch = nn.Sequential(
            deconv_layers(in_channels, deconv_channels, deconv_kernel),
            nn.Conv2d(last, feature_channels, 3, padding=1))
        self.hemlets_branch = nn.Sequential(
            deconv_layers(in_channels, deconv_channels, deconv_kernel),
            nn.Conv2d(last, num_maps, 3, padding=1))
        self.maps_encoder = nn.Sequential(
            nn.Conv2d(num_maps, fusion_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(fusion_channels), nn.ReLU(inplace=True))
        self.fusion = nn.Sequential(
            nn.Conv2d(feature_channels + fusion_channels, feature_channels, 1,
                      bias=False),
            nn.BatchNorm2d(feature_channels), nn.ReLU(inplace=True),
            nn.Conv2d(feature_channels, self.num_joints * self.depth_bins, 1))

    def init_weights(self):
        super().init_weights()
        if self.init_cfg is None:  # published: N(0, 0.001), BN (1, 0)
            init_deconv_head(self)

    def forward(self, feats) -> HEMletsOutput:
        if isinstance(feats, (list, tuple)):
            feats = feats[-1]
        features = self.feature_branch(feats)
        maps = self.hemlets_branch(feats)
        fused = torch.cat([features, self.maps_encoder(maps)], 1)
        volume = self.fusion(fused)
        N, _, H, W = volume.shape
        n = self.num_parts * self.num_states
        return HEMletsOutput(
            triplets=maps[:, :n].reshape(N, self.num_parts, self.num_states,
                                         H, W),
            heatmaps=maps[:, n:],
            volume=volume.reshape(N, self.num_joints, self.depth_bins, H, W))


@MODELS.register_module()
class HEMletsHead(IntegralVolumetricHead):
    """HEMlets (Zhou et al., ICCV 2019): :class:`HEMletsNet` on the
    backbone's features, trained with Eq. 8,
    ``L = alpha (L_HEM + L_2D) + L_3D``, and decoded as the integral 3D
    baseline it extends.

    - ``L_HEM`` (Eq. 3) and ``L_2D`` (Eq. 4), already times ``alpha``:
      ``hemlets_loss`` (:class:`~pose3d_toolbox.models.losses.HEMletsLoss`;
      its ``use_hem`` / ``use_2d`` switches give Table 4's rows "w/ 2D
      heatmaps", "w/ HEMlets" and "Full"; the "Baseline" row is
      :class:`IntegralVolumetricHead` itself) against the targets of
      ``hemlets_codec`` (:class:`~pose3d_toolbox.codecs.HEMletsCodec`);
    - ``L_3D`` (Eq. 6): :meth:`IntegralVolumetricHead.loss_3d` on the
      soft-argmax of the fused volume (Eq. 5) against ``codec``'s targets
      (:class:`~pose3d_toolbox.codecs.IntegralPose3DCodec`), the depth of
      2D-only samples weighted 0 (Eq. 6's lambda).

    The pipeline's ``GenerateTarget`` takes both codecs
    (``codec=[hemlets_codec, codec]``). ``forward`` returns a
    :class:`HEMletsOutput`; the flip test mirrors all three outputs back
    (:meth:`flip_output`). Prediction decodes the volume through ``codec``
    to camera metres (``pred_keypoints_3d``, ``pred_root``,
    ``pred_keypoints_2d``) on all ``J`` joints of the skeleton (18 for
    ``'hemlets'``; the metrics score its ``evaluated_joints``, the 17 of
    Human3.6M, through their ``joint_indices='hemlets'``) and, with
    ``decode_part_order``, the parts' depth order read from the triplets at
    the 2D heatmaps' maxima (``pred_part_depth_states``,
    ``pred_part_depth_order``: :meth:`~pose3d_toolbox.codecs.HEMletsCodec.
    decode`).

    Args:
        in_channels: channels of the backbone's last feature map.
        codec: the :class:`~pose3d_toolbox.codecs.IntegralPose3DCodec`
            config (18-joint ``'hemlets'`` skeleton; its ``depth_bins`` is
            the volume's ``D``).
        hemlets_codec: the :class:`~pose3d_toolbox.codecs.HEMletsCodec`
            config (same ``input_size``, ``heatmap_size`` and skeleton;
            its ``variant`` sets the maps per part: 2s-HEM, 5s-HEM).
        deconv_channels, deconv_kernel, feature_channels, fusion_channels:
            :class:`HEMletsNet`'s.
        beta, normalization, loss: as :class:`IntegralVolumetricHead`.
        hemlets_loss: the ``alpha (L_HEM + L_2D)`` loss config.
        decode_part_order: also predict the parts' depth order.
        skeleton, init_cfg: as :class:`IntegralVolumetricHead` (``None``
            init: the published one).
    """

    def __init__(self, in_channels: int, codec: Dict, hemlets_codec: Dict,
                 deconv_channels: Sequence[int] = (256, 256, 256),
                 deconv_kernel: int = 4, feature_channels: int = 1024,
                 fusion_channels: int = 256, beta: float = 1.0,
                 normalization: str = 'softmax',
                 loss: Dict = dict(type='IntegralL1Loss3D'),
                 hemlets_loss: Dict = dict(type='HEMletsLoss'),
                 decode_part_order: bool = True,
                 skeleton: Union[str, Skeleton] = 'hemlets',
                 init_cfg: Optional[Dict] = None):
        super().__init__(in_channels, codec, deconv_channels, deconv_kernel,
                         beta, normalization, loss, skeleton, init_cfg)
        name = type(self).__name__
        self.hemlets_codec = KEYPOINT_CODECS.build(hemlets_codec)
        hem = self.hemlets_codec
        if not hasattr(hem, 'variant'):
            raise TypeError(f'{name}: hemlets_codec must be a HEMletsCodec, '
                            f'got {type(hem).__name__}')
        if (hem.skeleton.name != self.skeleton.name
                or hem.heatmap_size != self.codec.heatmap_size
                or hem.input_size != self.codec.input_size):
            raise ValueError(
                f'{name}: hemlets_codec (skeleton {hem.skeleton.name!r}, '
                f'input {hem.input_size}, heatmap {hem.heatmap_size}) and '
                f'codec (skeleton {self.codec.skeleton.name!r}, input '
                f'{self.codec.input_size}, heatmap {self.codec.heatmap_size}'
                ') must agree; define the sizes once in the config')
        self.net = HEMletsNet(
            in_channels, deconv_channels, deconv_kernel, feature_channels,
            fusion_channels, self.depth_bins, self.skeleton, hem.variant)
        self.hemlets_loss = MODELS.build(hemlets_loss)
        self.decode_part_order = bool(decode_part_order)

    def build_layers(self, in_channels, deconv_channels, deconv_kernel):
        """No baseline layers: :class:`HEMletsNet` (built in ``__init__``,
        which has its widths) replaces them."""

    def forward(self, feats) -> HEMletsOutput:
        return self.net(feats)

    def volume(self, feats: torch.Tensor) -> torch.Tensor:
        return self.net(feats).volume

    def flip_output(self, outputs: HEMletsOutput,
                    skeleton: Union[str, Skeleton, None] = None
                    ) -> HEMletsOutput:
        """The output of a mirrored input mirrored back (flip test)."""
        return flip_hemlets_output(outputs, skeleton or self.skeleton)

    def loss(self, feats, data_samples) -> Dict[str, torch.Tensor]:
        """``loss_hem``, ``loss_2d`` (each times ``alpha``; the switched-on
        ones) and ``loss_3d``: Eq. 8 once mmengine sums them."""
        out = self.forward(feats)
        use_hem, use_2d = self.hemlets_loss.use_hem, self.hemlets_loss.use_2d

        def field(key, like, used):
            return stack_field(data_samples, key, like) if used else None

        losses = self.hemlets_loss(
            out.triplets, out.heatmaps,
            field(HEMLETS_TRIPLETS, out.triplets, use_hem),
            field(HEMLETS_WEIGHT, out.triplets, use_hem),
            field(HEATMAPS, out.heatmaps, use_2d),
            field(TARGET_WEIGHT, out.heatmaps, use_2d))
        losses['loss_3d'] = self.loss_3d(self.integral(out.volume),
                                         data_samples)
        return losses

    def decode_outputs(self, output: HEMletsOutput, metas: List[Dict]
                       ) -> Dict:
        decoded = super().decode_outputs(output.volume, metas)
        if self.decode_part_order:
            parts = self.hemlets_codec.decode(
                output.maps().detach().cpu().numpy(), metas)
            decoded[PART_DEPTH_STATES] = parts[PART_DEPTH_STATES]
            decoded[PART_DEPTH_ORDER] = parts[PART_DEPTH_ORDER]
        return decoded
