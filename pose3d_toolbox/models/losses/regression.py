"""Keypoint regression losses: ``loss(pred, target, weight)``.

``pred``/``target``: ``(N, J, C)``; ``weight``: ``(N, J)`` or None. Each loss
is a weighted mean over samples and joints, times ``loss_weight``.
"""
from abc import ABCMeta, abstractmethod

import torch
from torch import nn

from pose3d_toolbox.registry import MODELS


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
