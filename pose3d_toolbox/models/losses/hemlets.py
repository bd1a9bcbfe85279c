"""HEMlets' intermediate losses (Zhou et al., ICCV 2019, Sec. 3.2).

The paper's total loss (Eq. 8) is ``L_tot = alpha * L_int + L_3D`` with
``L_int = L_HEM + L_2D`` (Eq. 7) and ``alpha = 0.05``:

- ``L_HEM`` (Eq. 3): L2 between target and predicted triplets, masked by
  ``A`` (:data:`~pose3d_toolbox.codecs.HEMLETS_WEIGHT`: 0 for 2D-only
  samples and parts with an unlabelled joint);
- ``L_2D`` (Eq. 4): L2 between target and predicted 2D heatmaps (weighted
  by the heatmap codec's ``target_weight``);
- ``L_3D`` (Eq. 6): L1 of the soft-argmax coordinates, the depth weighted
  by ``lambda`` (1 for 3D samples, 0 for 2D-only:
  :func:`~pose3d_toolbox.models.utils.weight_3d`). It belongs to the
  volumetric baseline head and is not computed here.

:class:`HEMletsLoss` returns ``alpha * L_HEM`` and ``alpha * L_2D`` as
separate ``loss_*`` entries; the head adds its ``L_3D`` entry (weight 1) to
the same dict, and mmengine sums every ``loss`` key, which is Eq. 8.
Table 4's rows are the switches ``use_hem`` / ``use_2d`` (a switched-off
term is not returned, so the log shows only what trains).

Normalisation (``pixel_mean``), measured on the CMU renders
(``tools/analysis/benchmark_image_ablation.py``, model-zoo.md): the paper
writes ``||.||_2^2`` without saying how it was normalised against
``L_3D``'s mean over joints.

- ``pixel_mean=True`` (the default): each map's squared error is averaged
  over its pixels and the maps with their weights. ``alpha L_int`` is then
  about 1/500 of ``L_3D`` at the start (0.0005 against 0.145 after one
  epoch on ``configs/hemlets_r18_cmu.py``): the backbone is trained by
  ``L_3D``, the HEMlets branch's own layers still learn (Adam scales each
  parameter's steps). Table 4's "full" row after 5 epochs: 196.7 mm MPJPE,
  the baseline's 196.5.
- ``pixel_mean=False``: summed over the pixels (the literal ``||.||^2``;
  a full Gaussian against an all-zero map then costs ``pi sigma^2`` at any
  map size), ``alpha L_int`` starts 6x ``L_3D`` and stays above it. On the
  renders every row with an intermediate loss then stopped learning depth
  (predicted depths spread 4 mm where the truth spreads 127 mm; MPJPE 218-
  221 mm, the mean pose's 222), while the same head fits depth on a
  16-sample overfit: a balance problem at this budget, not a bug.
"""
from typing import Dict, Optional

import torch
from torch import nn

from pose3d_toolbox.registry import MODELS


def masked_map_l2(pred: torch.Tensor, target: torch.Tensor,
                  weight: Optional[torch.Tensor] = None,
                  pixel_mean: bool = False) -> torch.Tensor:
    """Weighted mean over maps of each map's squared L2 error (Eq. 3, 4).

    Args:
        pred, target: ``(N, M, ...)`` maps (``M`` heatmaps or parts; any
            trailing axes, e.g. ``(S, h, w)`` for triplets).
        weight: ``(N, M)`` mask ``A`` (broadcast over each map); ``None``:
            all ones.
        pixel_mean: average each map's squared error over its pixels
            instead of summing it (the depth-aware head's heatmap loss).

    Returns:
        ``sum_nm w_nm sum((pred_nm - target_nm)^2) / sum_nm w_nm``; 0 when
        every weight is 0 (a batch of 2D-only samples has no HEMlets
        target).
    """
    if pred.shape != target.shape or pred.dim() < 2:
        raise ValueError(f'masked_map_l2: pred {tuple(pred.shape)} and '
                         f'target {tuple(target.shape)} must be equal (N, M, '
                         '...) shapes')
    per_map = ((pred - target)**2).flatten(2)
    per_map = per_map.mean(-1) if pixel_mean else per_map.sum(-1)
    if weight is None:
        return per_map.mean()
    weight = weight.to(per_map).reshape(per_map.shape)
    return (per_map * weight).sum() / weight.sum().clamp(min=1e-8)


@MODELS.register_module()
class HEMletsLoss(nn.Module):
    """``alpha * L_HEM`` and ``alpha * L_2D`` (Eq. 3, 4, 7, 8).

    Args:
        alpha: weight of the intermediate losses (0.05 in the paper).
        use_hem: train the triplets (Table 4 "w/ HEMlets", "Full").
        use_2d: train the 2D heatmaps (Table 4 "w/ 2D heatmaps", "Full").
        pixel_mean: average each map's error over its pixels (default)
            instead of summing it (see the module docstring).

    ``forward(triplets, heatmaps, triplets_target, triplets_weight,
    heatmaps_target, heatmaps_weight)``: triplets ``(N, K, S, h, w)`` with
    ``(N, K)`` weights, heatmaps ``(N, J, h, w)`` with ``(N, J)`` weights
    -> ``dict(loss_hem=..., loss_2d=...)`` (the switched-on terms).
    """

    def __init__(self, alpha: float = 0.05, use_hem: bool = True,
                 use_2d: bool = True, pixel_mean: bool = True):
        super().__init__()
        self.alpha = float(alpha)
        self.use_hem, self.use_2d = bool(use_hem), bool(use_2d)
        self.pixel_mean = bool(pixel_mean)

    def forward(self, triplets: torch.Tensor, heatmaps: torch.Tensor,
                triplets_target: torch.Tensor,
                triplets_weight: torch.Tensor,
                heatmaps_target: torch.Tensor,
                heatmaps_weight: torch.Tensor) -> Dict[str, torch.Tensor]:
        losses = {}
        if self.use_hem:
            losses['loss_hem'] = self.alpha * masked_map_l2(
                triplets, triplets_target, triplets_weight, self.pixel_mean)
        if self.use_2d:
            losses['loss_2d'] = self.alpha * masked_map_l2(
                heatmaps, heatmaps_target, heatmaps_weight, self.pixel_mean)
        return losses
