"""Losses of Anatomy-aware 3D (Chen et al. 2021).

The paper writes Eq. 2-4 as sums over the bones / joint pairs; the authors'
code, for which the published weights of Eq. 7 (lambda_D 0.015, lambda_L
0.05, lambda_J 1, lambda_JS 0.1) were tuned, averages them instead: the
direction loss sums the squared error over x, y, z and averages over the
bones, the length loss averages over the bones and the joint shift loss is
the MPJPE of the shifts (mean over the pairs). These functions follow the
code, so the published weights keep their meaning (with sums, the joint
shift term alone would weigh 120x more and swamp the other terms). All are
means over the batch.
"""
import torch


def bone_direction_loss(pred: torch.Tensor, target: torch.Tensor
                        ) -> torch.Tensor:
    """Eq. 3, squared error per bone, mean over the bones:
    ``(N, B, 3)`` pair -> scalar."""
    return ((pred - target)**2).sum(-1).mean()


def bone_length_loss(pred: torch.Tensor, target: torch.Tensor
                     ) -> torch.Tensor:
    """Eq. 4, squared error, mean over the bones: ``(N, B)`` pair ->
    scalar."""
    return ((pred - target)**2).mean()


def mpjpe_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Eq. 5, mean per-joint Euclidean distance: ``(..., J, 3)`` -> scalar."""
    return (pred - target).norm(dim=-1).mean()


def joint_shift_loss(pred: torch.Tensor, target: torch.Tensor
                     ) -> torch.Tensor:
    """Eq. 2, Euclidean error per joint pair, mean over the pairs:
    ``(N, P, 3)`` -> scalar."""
    return (pred - target).norm(dim=-1).mean()


def one_frame_mpjpe_loss(pred: torch.Tensor, target: torch.Tensor,
                         generator=None) -> torch.Tensor:
    """Eq. 5 on one frame drawn at random per sample (Sec. 3.3).

    Args:
        pred, target: ``(N, l, J, 3)`` per-frame joints of the ``l`` frames.
    """
    N, l = pred.shape[:2]
    pick = torch.randint(l, (N, ), generator=generator, device=pred.device)
    rows = torch.arange(N, device=pred.device)
    return mpjpe_loss(pred[rows, pick], target[rows, pick])
