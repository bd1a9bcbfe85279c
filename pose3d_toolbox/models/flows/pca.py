"""Linear projection of normalised 2D poses to a low-dimensional subspace.

ElePose (Sec. 3, "Stabilized Normalizing Flows"; Fig. 4) trains its flow on
the first 26 principal components of the normalised training 2D poses
instead of the ``2J`` coordinates. :class:`PosePCA` holds the projection as
buffers, so it is saved in the model's state dict with the flow, loaded with
it in the second stage and reused unchanged at test time.
:class:`~pose3d_toolbox.engine.hooks.FitPosePCAHook` fits it on the whole
training set before the first training iteration of stage 1.
"""
from typing import Optional

import numpy as np
import torch
from torch import nn


def fit_pca(x: np.ndarray, num_bases: Optional[int], root_index: int = 0,
            whiten: bool = False, eps: float = 1e-6):
    """Fit the projection ``z = ((x - mean) @ basis) / scale``.

    Args:
        x: ``(M, J, 2)`` normalised 2D poses (root at the origin).
        num_bases: ``k`` principal components; ``None`` keeps the
            ``2 (J - 1)`` coordinates of the non-root joints (the "no PCA"
            ablation of ElePose Table 5).
        root_index: the root joint, whose coordinates are always zero.
        whiten: divide each output by its standard deviation (otherwise
            ``scale`` is one).
        eps: floor of ``scale``.

    Returns:
        ``mean`` ``(2J,)``, ``basis`` ``(2J, k)`` with orthonormal columns,
        ``scale`` ``(k,)`` and the fraction of variance kept (float).
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 3 or x.shape[-1] != 2:
        raise ValueError(f'fit_pca expects (M, J, 2) poses, got {x.shape}')
    m, j = x.shape[:2]
    flat = x.reshape(m, 2 * j)
    mean = flat.mean(0)
    centred = flat - mean
    total = centred.var(0).sum()
    if num_bases is None:
        keep = [c for c in range(2 * j) if c // 2 != root_index]
        basis = np.eye(2 * j)[:, keep]
    else:
        if not 0 < num_bases <= 2 * (j - 1):
            raise ValueError(f'num_bases must be in 1..{2 * (j - 1)} for {j} '
                             f'joints, got {num_bases}')
        cov = centred.T @ centred / max(m - 1, 1)
        values, vectors = np.linalg.eigh(cov)
        basis = vectors[:, np.argsort(values)[::-1][:num_bases]]
    projected = centred @ basis
    kept = float(projected.var(0).sum() / total) if total > 0 else 1.0
    scale = (np.maximum(projected.std(0), eps) if whiten
             else np.ones(basis.shape[1]))
    return mean, basis, scale, kept


class PosePCA(nn.Module):
    """The fitted projection as buffers (saved with the model).

    Args:
        num_keypoints: ``J``.
        num_bases: ``k``, or ``None`` for the non-root coordinates (no PCA).
        root_index: root joint.
        whiten: standardise each projected coordinate (see below).

    ``forward``: ``(N, J, 2)`` -> ``(N, k)``. By default the projection is
    not whitened, as in the authors' code (the flow's learned global scaling
    adapts to each coordinate's spread). Whitening was tried on the embedded
    data and generalised worse: it magnifies the low-variance directions,
    which carry the training subjects' body proportions (held-out NLL about
    +20 against a train NLL near 0 after 800 updates, where the unwhitened
    flow's held-out NLL tracked its training NLL).
    """

    def __init__(self, num_keypoints: int, num_bases: Optional[int] = 26,
                 root_index: int = 0, whiten: bool = False):
        super().__init__()
        self.num_keypoints, self.root_index = num_keypoints, root_index
        self.num_bases, self.whiten = num_bases, whiten
        dim = 2 * num_keypoints
        out = 2 * (num_keypoints - 1) if num_bases is None else num_bases
        self.out_dim = out
        self.register_buffer('mean', torch.zeros(dim))
        self.register_buffer('basis', torch.eye(dim)[:, :out].clone())
        self.register_buffer('scale', torch.ones(out))
        self.register_buffer('explained_variance', torch.zeros(()))
        self.register_buffer('fitted', torch.zeros((), dtype=torch.bool))

    @property
    def is_fitted(self) -> bool:
        return bool(self.fitted)

    @torch.no_grad()
    def fit(self, poses_2d) -> float:
        """Fit on ``(M, J, 2)`` normalised poses; returns the variance kept."""
        poses_2d = torch.as_tensor(poses_2d).detach().cpu().numpy()
        mean, basis, scale, kept = fit_pca(poses_2d, self.num_bases,
                                           self.root_index, self.whiten)
        for name, value in (('mean', mean), ('basis', basis),
                            ('scale', scale), ('explained_variance', kept)):
            buf = getattr(self, name)
            buf.copy_(torch.as_tensor(value, dtype=buf.dtype))
        self.fitted.fill_(True)
        return kept

    def forward(self, poses_2d: torch.Tensor) -> torch.Tensor:
        flat = poses_2d.reshape(poses_2d.shape[0], -1)
        return ((flat - self.mean) @ self.basis) / self.scale
