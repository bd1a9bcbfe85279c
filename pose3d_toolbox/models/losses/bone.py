"""Losses of Anatomy-aware 3D (Chen et al. 2021), as written in the paper.

Each is a mean over the batch of a per-sample sum, exactly as Eq. 2-5 write
it (the published weights of Eq. 7 were tuned for these sums).
"""
import torch


def bone_direction_loss(pred: torch.Tensor, target: torch.Tensor
                        ) -> torch.Tensor:
    """Eq. 3, ``||X_D - Y_D||_2^2``: ``(N, B, 3)`` pair -> scalar."""
    return ((pred - target)**2).flatten(1).sum(1).mean()


def bone_length_loss(pred: torch.Tensor, target: torch.Tensor
                     ) -> torch.Tensor:
    """Eq. 4, ``||X_L - Y_L||_2^2``: ``(N, B)`` pair -> scalar."""
    return ((pred - target)**2).sum(1).mean()


def mpjpe_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Eq. 5, mean per-joint Euclidean distance: ``(..., J, 3)`` -> scalar."""
    return (pred - target).norm(dim=-1).mean()


def joint_shift_loss(pred: torch.Tensor, target: torch.Tensor
                     ) -> torch.Tensor:
    """Eq. 2, ``sum_{pairs} ||X_JS - Y_JS||_2``: ``(N, P, 3)`` -> scalar."""
    return (pred - target).norm(dim=-1).sum(1).mean()


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
