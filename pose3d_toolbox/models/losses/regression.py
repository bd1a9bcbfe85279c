"""Keypoint regression losses: ``loss(pred, target, weight)``.

``pred``/``target``: ``(N, J, C)``; ``weight``: ``(N, J)`` or None. Each loss
is a weighted mean over samples and joints, times ``loss_weight``.
"""
from abc import ABCMeta, abstractmethod
from typing import Union

import torch
from torch import nn

from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton


def _weighted_mean(per_joint: torch.Tensor, weight) -> torch.Tensor:
    if weight is None:
        return per_joint.mean()
    return (per_joint * weight).sum() / weight.sum().clamp(min=1e-8)


class _KeypointLoss(nn.Module, metaclass=ABCMeta):

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    @abstractmethod
    def per_joint(self, pred, target):
        """``(N, J, C)`` pair -> ``(N, J)`` per-joint error."""

    def forward(self, pred, target, weight=None):
        return self.loss_weight * _weighted_mean(
            self.per_joint(pred, target), weight)


@MODELS.register_module()
class MSELoss(_KeypointLoss):
    """Mean squared error over coordinates: ``mean_j ||p_j - t_j||^2 / C``."""

    def per_joint(self, pred, target):
        return ((pred - target)**2).mean(-1)


@MODELS.register_module()
class L1Loss(_KeypointLoss):
    """Mean absolute error over coordinates."""

    def per_joint(self, pred, target):
        return (pred - target).abs().mean(-1)


@MODELS.register_module()
class MPJPELoss(_KeypointLoss):
    """Mean per-joint Euclidean distance ``mean_j ||p_j - t_j||``."""

    def per_joint(self, pred, target):
        return (pred - target).norm(dim=-1)


@MODELS.register_module()
class AbsPoseLoss(nn.Module):
    """AbsPoseLifter's loss (Eq. 7): ``|d - d*| + lambda ||P~ - P~*||_1``.

    ``pred``/``target`` are in :class:`~pose3d_toolbox.codecs.AbsPoseCodec`'s
    layout ``(N, J, 3)``: the root row's z holds the root depth ``d``
    (canonical or absolute), the other rows the root-relative pose in
    metres. The L1 norm sums over the ``3(J - 1)`` pose values; both terms
    are averaged over the batch. ``weight`` ``(N, J)`` scales each joint's
    pose term (the root's weight scales the depth term).

    Units: the codec's canonical depth ``R_z f0 / alpha`` with ``f0 = 1000``
    equals the paper's ``R_z / alpha`` with ``R_z`` in millimetres, and
    ``lambda = 1000`` turns the metre pose into millimetres, so the
    published ``lambda = 10^3`` keeps the published balance (the authors'
    code: pose in mm, root term weight 1).

    Args:
        pose_weight: ``lambda``.
        skeleton: skeleton name or object (the root joint).
    """

    def __init__(self, pose_weight: float = 1000.0,
                 skeleton: Union[str, Skeleton] = 'h36m'):
        super().__init__()
        self.pose_weight = pose_weight
        self.root_index = get_skeleton(skeleton).root_index

    def forward(self, pred, target, weight=None):
        if weight is None:
            weight = pred.new_ones(pred.shape[:2])
        r = self.root_index
        depth = ((pred[:, r, 2] - target[:, r, 2]).abs() * weight[:, r])
        others = torch.ones(pred.shape[1], dtype=torch.bool,
                            device=pred.device)
        others[r] = False
        pose = ((pred - target).abs().sum(-1) * weight)[:, others].sum(1)
        return (depth + self.pose_weight * pose).mean()


@MODELS.register_module()
class IntegralL1Loss3D(nn.Module):
    """L1 on integral 3D coordinates of mixed 2D / 3D batches (Sun et al.
    2018; HEMlets Eq. 6, ``L_3D = lambda * ||J_z - J_z*||_1 + ||J_xy -
    J_xy*||_1`` with ``lambda = 0`` for 2D-only samples)::

        L = loss_weight * sum_nj w_nj (|dx| + |dy| + lambda_n |dz|)
                        / sum_nj w_nj

    a sum over the coordinates and a mean over the labelled joints (Eq. 6
    sums over the joints: a constant factor), so a 2D-only sample's joints
    count with their x and y only (the denominator does not depend on
    ``lambda``).

    ``forward(pred, target, weight, weight_3d)``: ``pred``, ``target``
    ``(N, J, 3)`` normalised coordinates; ``weight`` ``(N, J)`` labelled
    joints (None: all); ``weight_3d`` ``(N,)`` the ``lambda_n`` of each
    sample (:func:`~pose3d_toolbox.models.utils.weight_3d`; None: all 3D).
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred, target, weight=None, weight_3d=None):
        diff = (pred - target).abs()
        if weight is None:
            weight = pred.new_ones(pred.shape[:2])
        per_joint = diff[..., :2].sum(-1)
        if weight_3d is None:
            per_joint = per_joint + diff[..., 2]
        else:
            per_joint = per_joint + weight_3d[:, None] * diff[..., 2]
        return self.loss_weight * _weighted_mean(per_joint, weight)
