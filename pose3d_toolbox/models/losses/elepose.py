"""ElePose's losses (Wandt et al., CVPR 2022, Eq. 4 and 8-13).

Poses are root-centred lifter outputs ``(N, J, 3)`` and normalised 2D poses
``(N, J, 2)``. Every function returns one value per sample (per pair for
the deformation loss); :class:`ElePoseLoss` averages over the batch and
weights them: ``L = L_NF + 50 L_bone + L_3D + L_def + L_2D`` (Eq. 13).
"""
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import nn

from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import get_skeleton


def relative_bone_lengths(poses: torch.Tensor,
                          bones: Sequence[Tuple[int, int]]) -> torch.Tensor:
    """Bone lengths over the pose's mean bone length, ``(N, J, 3) -> (N, K)``
    for the ``K`` (child, parent) pairs ``bones``."""
    child = poses[:, [c for c, _ in bones]]
    parent = poses[:, [p for _, p in bones]]
    lengths = (child - parent).norm(dim=-1)
    return lengths / lengths.mean(-1, keepdim=True).clamp(min=1e-8)


def bone_prior_nll(poses: torch.Tensor, bones, prior: torch.Tensor,
                   sigma: float) -> torch.Tensor:
    """Negative log of Eq. 8 (constant dropped): ``sum_k (b_k - prior_k)^2 /
    (2 sigma^2)``, ``(N, J, 3) -> (N,)``. ``sigma = 1 / sqrt(2)`` gives the
    authors' code, a plain sum of squares."""
    rel = relative_bone_lengths(poses, bones)
    return (rel - prior).pow(2).sum(-1) / (2 * sigma**2)


def pose_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``||a - b||_2`` over all coordinates of each sample (Eq. 9):
    ``(N, J, C) x 2 -> (N,)``."""
    return (a - b).flatten(1).norm(dim=-1)


def deformation_loss(poses: torch.Tensor,
                     poses_rec: torch.Tensor) -> torch.Tensor:
    """Eq. 10 on disjoint pairs ``(0, 1), (2, 3), ...`` of the batch:
    ``||(rec_a - rec_b) - (pose_a - pose_b)||_2``; ``(N, J, 3) x 2 ->
    (N // 2,)``."""
    n = poses.shape[0] // 2 * 2
    diff = poses[0:n:2] - poses[1:n:2]
    diff_rec = poses_rec[0:n:2] - poses_rec[1:n:2]
    return pose_distance(diff_rec, diff)


def reprojection_l1(x_rec: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``||x_rec - x||_1`` per sample (Eq. 11): ``(N, J, 2) x 2 -> (N,)``."""
    return (x_rec - x).abs().flatten(1).sum(-1)


@MODELS.register_module()
class ElePoseLoss(nn.Module):
    """Weighted batch means of ElePose's terms.

    Args:
        skeleton: skeleton name whose ``extras['elepose_bone_priors']`` hold
            the prior.
        bone_prior: key of the prior in that dict (``'h36m'``, ``'cmu'``).
        bone_sigma: ``sigma_b`` of Eq. 8.
        loss_weights: weights of ``nf``, ``bone``, ``3d``, ``def``, ``2d``;
            a weight of 0 switches a term off (the Table 5 ablations).

    ``forward(nll, poses, poses_rot, poses_rot_rec, poses_rec, x_rec, x)``
    returns ``loss_nf``, ``loss_bone``, ``loss_3d``, ``loss_def``,
    ``loss_2d`` (terms with weight 0 are left out).
    """

    TERMS = ('nf', 'bone', '3d', 'def', '2d')

    def __init__(self, skeleton: str = 'h36m', bone_prior: str = 'h36m',
                 bone_sigma: float = 2**-0.5,
                 loss_weights: Optional[Dict[str, float]] = None):
        super().__init__()
        skel = get_skeleton(skeleton)
        priors = skel.extras.get('elepose_bone_priors', {})
        if bone_prior not in priors:
            raise KeyError(f'ElePoseLoss: skeleton {skel.name!r} has no '
                           f'ElePose bone prior {bone_prior!r}; known: '
                           f'{sorted(priors)} (add it to '
                           'pose3d_toolbox/skeletons.py)')
        self.bones = skel.bones
        self.register_buffer('prior', torch.tensor(priors[bone_prior]),
                             persistent=False)
        self.bone_sigma = float(bone_sigma)
        weights = {'nf': 1.0, 'bone': 50.0, '3d': 1.0, 'def': 1.0, '2d': 1.0}
        unknown = set(loss_weights or {}) - set(self.TERMS)
        if unknown:
            raise KeyError(f'ElePoseLoss: unknown loss_weights {unknown}; '
                           f'terms are {self.TERMS}')
        weights.update(loss_weights or {})
        self.loss_weights = weights

    def forward(self, nll, poses, poses_rot, poses_rot_rec, poses_rec, x_rec,
                x) -> Dict[str, torch.Tensor]:
        terms = {
            'nf': lambda: nll.mean(),
            'bone': lambda: bone_prior_nll(poses, self.bones, self.prior,
                                           self.bone_sigma).mean(),
            '3d': lambda: pose_distance(poses_rot_rec, poses_rot).mean(),
            'def': lambda: deformation_loss(poses, poses_rec).mean(),
            '2d': lambda: reprojection_l1(x_rec, x).mean()}
        return {f'loss_{k}': self.loss_weights[k] * terms[k]()
                for k in self.TERMS if self.loss_weights[k] != 0}
