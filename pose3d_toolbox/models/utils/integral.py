"""Soft-argmax (integral regression) over 2D heatmaps and 3D volumes.

The one read-out every integral head uses (Sun et al., "Integral Human Pose
Regression", ECCV 2018, Eq. 2-3): the maps are normalised to a probability
distribution ``p`` and the joint is the expected grid coordinate
``J = sum_p p(p) * p``. The normalisation is a softmax of ``beta * maps``
(Integral's choice; a larger ``beta`` sharpens maps trained towards a
Gaussian of peak 1 by an MSE loss) or ``relu(maps) / sum(relu(maps))``.

Coordinates are grid indices with pixel centres at integers: ``x`` counts
columns (the last axis), ``y`` rows, ``z`` the depth bins (the third-last
axis of a volume), so an all-mass-in-one-cell map returns that cell's index.
"""
from typing import Tuple

import torch

NORMALIZATIONS = ('softmax', 'relu')


def normalize_maps(maps: torch.Tensor, ndim: int, beta: float = 1.0,
                   normalization: str = 'softmax') -> torch.Tensor:
    """Turn the last ``ndim`` axes of ``maps`` into probability maps.

    Args:
        maps: ``(..., *grid)`` raw maps, ``grid`` of ``ndim`` axes.
        ndim: 2 for heatmaps ``(H, W)``, 3 for volumes ``(D, H, W)``.
        beta: softmax inverse temperature (softmax only).
        normalization: ``'softmax'`` or ``'relu'``.

    Returns:
        ``maps``' shape, each grid summing to 1.
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(f'normalize_maps: normalization must be one of '
                         f'{NORMALIZATIONS}, got {normalization!r}')
    flat = maps.flatten(-ndim)
    if normalization == 'softmax':
        prob = torch.softmax(flat * beta, dim=-1)
    else:
        pos = torch.relu(flat)
        # an all-negative map carries no information: spread it uniformly
        total = pos.sum(-1, keepdim=True)
        prob = torch.where(total > 0, pos / total.clamp(min=1e-12),
                           torch.full_like(pos, 1.0 / pos.shape[-1]))
    return prob.view_as(maps)


def soft_argmax(maps: torch.Tensor, ndim: int = 2, beta: float = 1.0,
                normalization: str = 'softmax'
                ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Expected grid coordinates of each map (integral regression).

    Args:
        maps: ``(N, J, H, W)`` heatmaps (``ndim=2``) or ``(N, J, D, H, W)``
            volumes (``ndim=3``); any leading axes are kept.
        ndim: 2 or 3.
        beta, normalization: see :func:`normalize_maps`.

    Returns:
        ``coords``: ``(..., ndim)`` expected ``(x, y)`` or ``(x, y, z)`` in
        grid units (``0 .. W-1``, ``0 .. H-1``, ``0 .. D-1``);
        ``prob``: the normalised maps, ``maps``' shape.

    Example:
        >>> m = torch.full((1, 1, 4, 5), -1e4); m[0, 0, 3, 1] = 0
        >>> soft_argmax(m)[0]
        tensor([[[1., 3.]]])
    """
    if ndim not in (2, 3) or maps.dim() < ndim + 1:
        raise ValueError(f'soft_argmax: expected ndim 2 or 3 and maps with '
                         f'at least ndim + 1 axes, got ndim={ndim}, shape '
                         f'{tuple(maps.shape)}')
    prob = normalize_maps(maps, ndim, beta, normalization)
    grid = maps.shape[-ndim:]  # (H, W) or (D, H, W)
    coords = []
    # marginal over every other grid axis, then expectation along this one
    for axis in reversed(range(ndim)):  # x (last axis) first
        others = [-ndim + a for a in range(ndim) if a != axis]
        marginal = prob.sum(dim=others)
        index = torch.arange(grid[axis], dtype=prob.dtype,
                             device=prob.device)
        coords.append((marginal * index).sum(-1))
    return torch.stack(coords, -1), prob
