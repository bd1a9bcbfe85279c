"""Depth-aware heatmaps via associative embeddings (Chen, Guo, Huang and
Wang, "Learning Depth-aware Heatmaps for 3D Human Pose Estimation in the
Wild", BMVC 2020; ``../shared/docs/methods.md``). No public code exists;
this is our reading of the paper.

**Eq. 1** factorises the volumetric likelihood of the joints into
independent joints (``prod_k``), each a 2D marginal times a depth
distribution, and brings in the associative embedding ``J_E^k`` by Bayes::

    P(J^k_xyz) = P(J^k_xy | J^k_z) P(J^k_z)
               = P(J^k_xy | J^k_E) P(J^k_E) P(J^k_z | J_xy, J^k_E)
                 / (P(J^k_z) P(J^k_E | J_xyz)) * P(J^k_z)

**Eq. 2** assumes the embedding carries the joint's depth: it follows the
depth's distribution, ``P(J^k_E) ~ P(J^k_z)``, and depth and embedding
determine each other at the joint, ``P(J^k_z | J_xy, J^k_E) ~ P(J^k_E |
J_xyz)``. **Eq. 3**: the ratio then cancels and

    P(J^k_xyz) ~ P(J^k_xy | J^k_E) * P(J^k_z),

a *depth-aware* 2D heatmap (the 2D marginal conditioned on the embedding)
times the joint's depth.

How we realise it, per joint ``k`` and per stage of the U-shape neck:

- the embedding ``e_k`` is one number per joint, regressed from the
  globally pooled (scale-aware) features; Eq. 2 is made to hold by
  training ``e_k`` towards the joint's ground-truth depth (L2, the
  codec's normalised root-relative ``z``, 3D samples only): at zero loss
  ``e_k = z_k`` for every sample, so both conditions of Eq. 2 hold with
  equality;
- the depth-aware heatmap ``P(J_xy | J_E = e_k)`` is a heatmap whose
  filter depends on the embedding, to first order in it
  (:func:`depth_aware_heatmaps`)::

      D_k(p) = A_k(p) + e_k * B_k(p)

  with ``A_k`` (the heatmap at the joint's mean depth, ``e_k = 0``) and
  ``B_k`` (its change with the embedding) two 1x1-convolution maps of the
  features: the embedding selects which evidence the 1x1 filter weighs;
- the depth ``z_k`` (the ``P(J_z)`` factor) is regressed directly from the
  pooled features, as in the baseline (Fig. 4), and trained by L2 against
  the same target;
- ``D_k`` is trained by L2 against a Gaussian of the joint (all samples,
  2D-only ones included).

So one joint's output is ``D_k`` (``h x w``) plus ``z_k`` and ``e_k``:
4098 numbers at 64 x 64 (Table 1). ``depth_aware=False`` is the baseline
of Fig. 4 (plain heatmaps ``A_k`` and the depth, 4097 numbers).

Inference decodes the final stage: the 2D location is ``D_k``'s sub-pixel
maximum (:func:`~pose3d_toolbox.codecs.heatmap.refine_argmax`), the depth
``z_k``; both go through
:class:`~pose3d_toolbox.codecs.IntegralPose3DCodec` to camera metres, the
decoding every image -> 3D head shares.
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from pose3d_toolbox.codecs import KEYPOINTS_3D_TARGET, TARGET_WEIGHT
from pose3d_toolbox.codecs.heatmap import gaussian_heatmaps, refine_argmax
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from ..losses import masked_map_l2
from ..utils import flip_heatmaps, weight_3d
from .base_head import BaseHead, stack_field
from .heatmap_head import init_deconv_head
from .integral_volumetric_head import check_integral_codec


class DepthAwareOutput(NamedTuple):
    """One stage's output (``J`` joints, ``h x w`` maps)."""
    #: ``(N, J, h, w)`` depth-aware heatmaps ``D`` (plain heatmaps in the
    #: baseline).
    heatmaps: torch.Tensor
    #: ``(N, J)`` normalised root-relative depths ``z`` (the codec's
    #: ``keypoints_3d_target[..., 2]``).
    depth: torch.Tensor
    #: ``(N, J, E)`` embeddings, ``E = 1`` (``E = 0`` in the baseline).
    embedding: torch.Tensor

    def numbers_per_joint(self) -> int:
        """Output numbers per joint (Table 1: 4098, baseline 4097)."""
        return sum(t[0, 0].numel() for t in self)


def depth_aware_heatmaps(base: torch.Tensor, sensitivity: torch.Tensor,
                         embedding: torch.Tensor) -> torch.Tensor:
    """``D_k(p) = A_k(p) + e_k B_k(p)``: the heatmap conditioned on the
    embedding (Eq. 3's ``P(J_xy | J_E)``, first order in ``e``).

    Args:
        base, sensitivity: ``(N, J, h, w)`` maps ``A`` and ``B``.
        embedding: ``(N, J)`` or ``(N, J, 1)`` embeddings ``e``.
    """
    return base + embedding.reshape(*embedding.shape[:2], 1, 1) * sensitivity


def stage_heatmap_targets(points: torch.Tensor, size: Sequence[int],
                          sigma: float) -> torch.Tensor:
    """Gaussian targets of one stage from the codec's normalised points.

    Args:
        points: ``(N, J, 2)`` normalised ``x, y`` (the codec's
            ``keypoints_3d_target[..., :2]``: ``(grid + 0.5) / n - 0.5``,
            the map's border at +-0.5, so it holds for any map size).
        size: ``(w, h)`` of the stage's maps.
        sigma: Gaussian standard deviation in the stage's pixels.

    Returns:
        ``(N, J, h, w)`` Gaussians of peak 1
        (:func:`~pose3d_toolbox.codecs.heatmap.gaussian_heatmaps`) on
        ``points``' dtype and device.
    """
    w, h = size
    grid = (points.detach().cpu().double().numpy() + 0.5) * (w, h) - 0.5
    maps = gaussian_heatmaps(grid.reshape(-1, 2), (w, h), sigma)
    return torch.from_numpy(maps).reshape(*points.shape[:2], h, w).to(points)


class DepthAwareStage(nn.Module):
    """One stage's predictor: a 1x1 convolution to ``A`` (and ``B``) and a
    linear layer on the pooled features to ``z`` (and ``e``)."""

    def __init__(self, in_channels: int, num_joints: int,
                 depth_aware: bool):
        super().__init__()
        self.num_joints, self.depth_aware = num_joints, depth_aware
        n = 2 if depth_aware else 1
        self.maps = nn.Conv2d(in_channels, n * num_joints, 1)
        self.scalars = nn.Linear(in_channels, n * num_joints)

    def forward(self, x: torch.Tensor) -> DepthAwareOutput:
        J = self.num_joints
        maps = self.maps(x)
        scalars = self.scalars(x.mean((-2, -1)))
        depth = scalars[:, :J]
        embedding = scalars[:, J:, None]  # (N, J, 1), or (N, 0, 1)
        if not self.depth_aware:
            return DepthAwareOutput(maps, depth, scalars.new_zeros(
                (len(x), J, 0)))
        return DepthAwareOutput(
            depth_aware_heatmaps(maps[:, :J], maps[:, J:], embedding),
            depth, embedding)


@MODELS.register_module()
class DepthAwareHead(BaseHead):
    """Depth-aware heatmaps + joint depth on the stages of a U-shape neck,
    with intermediate supervision (module docstring for Eq. 1-3).

    ``forward(feats)`` takes the neck's stages, deepest first (the last at
    the codec's ``heatmap_size``), and returns the final stage's
    :class:`DepthAwareOutput` (the inference output); :meth:`forward_stages`
    returns every supervised stage's.

    Losses (mmengine sums them), each a sum over the supervised stages:

    - ``loss_heatmap``: ``heatmap_weight`` x the L2 (mean over pixels,
      :func:`~pose3d_toolbox.models.losses.masked_map_l2` with
      ``pixel_mean=True``) between ``D``
      and Gaussians of the joints at the stage's size
      (:func:`stage_heatmap_targets`; ``sigma`` scaled by the stage's
      size over the final one, at least ``min_sigma``), over labelled
      joints (``target_weight``) of every sample;
    - ``loss_depth``: ``depth_weight`` x the L2 of ``z`` against the
      codec's normalised depth, over labelled joints of the 3D samples
      (:func:`~pose3d_toolbox.models.utils.weight_3d`: 2D-only samples
      train only the heatmaps);
    - ``loss_embedding`` (depth-aware only): ``embedding_weight`` x the
      same L2 for ``e`` (Eq. 2).

    The paper gives no weights between the terms (1 each here).

    Args:
        in_channels: channels of the neck's stages.
        codec: the :class:`~pose3d_toolbox.codecs.IntegralPose3DCodec`
            config (its ``heatmap_size`` is the final stage's size; its
            ``depth_range`` scales ``z``).
        depth_aware: the depth-aware heatmaps (False: Fig. 4's baseline,
            the paper's "wo DH").
        num_stages: supervised stages, the finest ``num_stages`` of the
            neck's (4: 1/32, 1/16, 1/8 and 1/4 of the input, i.e. 8, 16,
            32 and 64 px at 256 px; 1: no intermediate supervision).
        sigma: the final heatmaps' Gaussian, heatmap pixels.
        min_sigma: the smallest Gaussian of a coarser stage, its pixels.
        heatmap_weight, depth_weight, embedding_weight: loss weights.
        skeleton: skeleton name or object (``J``).
        init_cfg: mmengine initialisation; None: the 1x1 convolutions and
            linear layers N(0, 0.001) with zero bias.
    """

    def __init__(self, in_channels: int, codec: Dict,
                 depth_aware: bool = True, num_stages: int = 4,
                 sigma: float = 2.0, min_sigma: float = 1.0,
                 heatmap_weight: float = 1.0, depth_weight: float = 1.0,
                 embedding_weight: float = 1.0,
                 skeleton: Union[str, Skeleton] = 'h36m',
                 init_cfg: Optional[Dict] = None):
        super().__init__(codec, skeleton, init_cfg=init_cfg)
        check_integral_codec(self)
        if int(num_stages) < 1:
            raise ValueError(f'DepthAwareHead: num_stages must be >= 1, got '
                             f'{num_stages!r}')
        self.depth_aware = bool(depth_aware)
        self.num_stages = int(num_stages)
        self.sigma, self.min_sigma = float(sigma), float(min_sigma)
        self.heatmap_weight = float(heatmap_weight)
        self.depth_weight = float(depth_weight)
        self.embedding_weight = float(embedding_weight)
        self.stages = nn.ModuleList(
            DepthAwareStage(in_channels, self.num_keypoints,
                            self.depth_aware)
            for _ in range(self.num_stages))

    def init_weights(self):
        super().init_weights()
        if self.init_cfg is None:
            init_deconv_head(self)
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, std=0.001)
                    nn.init.zeros_(m.bias)

    def forward_stages(self, feats) -> List[DepthAwareOutput]:
        """Every supervised stage's output, coarsest first."""
        feats = [feats] if torch.is_tensor(feats) else list(feats)
        if len(feats) < self.num_stages:
            raise ValueError(
                f'DepthAwareHead: {len(feats)} feature maps for '
                f'num_stages={self.num_stages}; use a neck with as many '
                'stages (UShapeNeck) or lower num_stages')
        outs = [stage(x) for stage, x in zip(
            self.stages, feats[len(feats) - self.num_stages:])]
        size = tuple(outs[-1].heatmaps.shape[-1:-3:-1])
        if size != self.codec.heatmap_size:
            raise ValueError(
                f'DepthAwareHead: final maps of (w, h) = {size} but the '
                f"codec's heatmap_size is {self.codec.heatmap_size}; make it "
                "the input size / 4 (the neck's finest stage)")
        return outs

    def forward(self, feats) -> DepthAwareOutput:
        return self.forward_stages(feats)[-1]

    def flip_output(self, outputs: DepthAwareOutput,
                    skeleton: Union[str, Skeleton, None] = None
                    ) -> DepthAwareOutput:
        """The output of a mirrored input mirrored back (flip test): the
        maps' width reversed, left and right joints swapped; depths and
        embeddings are unchanged by a mirror."""
        idx = get_skeleton(skeleton or self.skeleton).flip_indices
        index = torch.as_tensor(np.asarray(idx),
                                device=outputs.depth.device)
        return DepthAwareOutput(flip_heatmaps(outputs.heatmaps, idx),
                                outputs.depth.index_select(1, index),
                                outputs.embedding.index_select(1, index))

    def stage_sigma(self, width: int) -> float:
        """The Gaussian of a stage ``width`` pixels wide."""
        return max(self.sigma * width / self.codec.heatmap_size[0],
                   self.min_sigma)

    def loss(self, feats, data_samples) -> Dict[str, torch.Tensor]:
        outs = self.forward_stages(feats)
        like = outs[-1].depth
        target = stack_field(data_samples, KEYPOINTS_3D_TARGET, like)
        weight = stack_field(data_samples, TARGET_WEIGHT, like)
        weight_z = weight * weight_3d(data_samples, like)[:, None]
        depth = target[..., 2:]
        losses = dict(loss_heatmap=0, loss_depth=0)
        if self.depth_aware:
            losses['loss_embedding'] = 0
        for out in outs:
            w = out.heatmaps.shape[-1]
            maps = stage_heatmap_targets(target[..., :2],
                                         out.heatmaps.shape[-1:-3:-1],
                                         self.stage_sigma(w))
            losses['loss_heatmap'] = losses['loss_heatmap'] + \
                self.heatmap_weight * masked_map_l2(out.heatmaps, maps,
                                                    weight, pixel_mean=True)
            losses['loss_depth'] = losses['loss_depth'] + \
                self.depth_weight * masked_map_l2(out.depth[..., None],
                                                  depth, weight_z)
            if self.depth_aware:
                losses['loss_embedding'] = losses['loss_embedding'] + \
                    self.embedding_weight * masked_map_l2(
                        out.embedding, depth, weight_z)
        return losses

    def decode_outputs(self, output: DepthAwareOutput, metas: List[Dict]
                       ) -> Dict:
        """The heatmaps' sub-pixel maxima and the depths -> the codec's
        normalised ``(x, y, z)`` -> camera metres."""
        xy, scores = refine_argmax(output.heatmaps.detach().cpu().numpy())
        grid = np.concatenate([xy, np.zeros_like(xy[..., :1])], -1)
        coords = self.codec.grid_to_normalized(grid)
        coords[..., 2] = output.depth.detach().cpu().numpy()
        decoded = self.codec.decode(coords, metas)
        decoded['keypoint_scores'] = scores.astype(np.float32)
        return decoded
