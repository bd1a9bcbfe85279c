"""Mixed 2D/3D batches: which samples carry 3D supervision."""
from typing import Sequence

import torch


def weight_3d(data_samples: Sequence, like: torch.Tensor) -> torch.Tensor:
    """``(N,)`` weight of each sample's 3D losses: 0 for 2D-only samples.

    A sample is 2D-only when its ``has_3d`` field is false (set by the 2D
    datasets and by ``CMUMocapImageDataset(with_3d=False)``) or it has no
    ``gt_keypoints_3d``. 3D losses multiply their per-sample terms by this
    (HEMlets' lambda = 0 for 2D data, Eq. 6).
    """
    weights = []
    for sample in data_samples:
        has = bool(sample.get('has_3d', True)) and \
            'gt_keypoints_3d' in sample
        weights.append(1.0 if has else 0.0)
    return torch.tensor(weights, dtype=like.dtype, device=like.device)
