"""Batches that mix datasets at a fixed ratio (e.g. 50 % 2D-only, 50 % 3D).

Put the datasets in mmengine's ``ConcatDataset`` and sample it with
:class:`MixedRatioSampler`; every consecutive ``batch_size`` indices it
yields hold ``round(ratio_i * batch_size)`` samples of dataset ``i``.
2D-only samples carry ``has_3d = False`` (the 2D datasets and
``CMUMocapImageDataset(with_3d=False)`` set it), so 3D losses weigh them
by zero (:func:`pose3d_toolbox.models.utils.weight_3d`).

Example config::

    batch_size = 64
    train_dataloader = dict(
        batch_size=batch_size,
        sampler=dict(type='MixedRatioSampler', batch_size=batch_size,
                     ratios=(0.5, 0.5)),
        dataset=dict(type='ConcatDataset', datasets=[h36m, mpii],
                     ignore_keys=['dataset_name', 'joint_names']))
"""
import math
from typing import Iterator, Optional, Sequence

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from pose3d_toolbox.registry import DATA_SAMPLERS


def batch_counts(ratios: Sequence[float], batch_size: int) -> np.ndarray:
    """Samples per dataset in one batch: ``ratios`` (normalised) times
    ``batch_size``, rounded so they sum to ``batch_size`` (largest
    remainders first)."""
    r = np.asarray(ratios, np.float64)
    if r.ndim != 1 or len(r) == 0 or (r < 0).any() or r.sum() <= 0:
        raise ValueError(f'ratios must be non-negative with a positive sum, '
                         f'got {ratios!r}')
    exact = r / r.sum() * batch_size
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind='stable')[:batch_size -
                                                           counts.sum()]:
        counts[i] += 1
    return counts


@DATA_SAMPLERS.register_module()
class MixedRatioSampler(Sampler):
    """Yield indices of a ``ConcatDataset`` batch by batch at fixed ratios.

    Args:
        dataset: a dataset with ``cumulative_sizes`` (mmengine's or
            torch's ``ConcatDataset``).
        batch_size: must equal the data loader's ``batch_size``.
        ratios: one weight per concatenated dataset.
        epoch_dataset: the dataset whose size defines an epoch: an epoch
            has ``len(datasets[epoch_dataset]) // count`` batches (at least
            one); other datasets are drawn without replacement, reshuffled
            whenever one is used up.
        shuffle: shuffle within datasets and batches; else a fixed order.
        seed: random seed (synchronised across ranks).

    In distributed runs rank ``r`` takes batches ``r, r + world, ...``.
    """

    def __init__(self, dataset, batch_size: int,
                 ratios: Sequence[float] = (0.5, 0.5),
                 epoch_dataset: int = 0, shuffle: bool = True,
                 seed: Optional[int] = None):
        sizes = np.diff(np.concatenate([[0], dataset.cumulative_sizes]))
        if len(sizes) != len(ratios):
            raise ValueError(f'MixedRatioSampler: {len(ratios)} ratios for '
                             f'{len(sizes)} concatenated datasets')
        self.starts = np.concatenate([[0], dataset.cumulative_sizes[:-1]])
        self.sizes = sizes
        self.batch_size = int(batch_size)
        self.counts = batch_counts(ratios, self.batch_size)
        empty = [i for i, (n, c) in enumerate(zip(sizes, self.counts))
                 if c > 0 and n == 0]
        if empty:
            raise ValueError(f'MixedRatioSampler: datasets {empty} are empty '
                             'but have a non-zero ratio')
        if self.counts[epoch_dataset] == 0:
            raise ValueError('MixedRatioSampler: epoch_dataset has ratio 0')
        self.rank, self.world_size = get_dist_info()
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        total = max(1, sizes[epoch_dataset] // self.counts[epoch_dataset])
        self.num_batches = math.ceil(total / self.world_size)
        self.total_batches = self.num_batches * self.world_size

    def _streams(self, rng):
        """One endless index stream per dataset (global indices)."""
        def stream(i):
            while True:
                order = rng.permutation(self.sizes[i]) if self.shuffle \
                    else np.arange(self.sizes[i])
                yield from (self.starts[i] + order).tolist()
        return [stream(i) for i in range(len(self.sizes))]

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch])
        streams = self._streams(rng)
        for b in range(self.total_batches):
            batch = [next(streams[i]) for i, c in enumerate(self.counts)
                     for _ in range(c)]
            if self.shuffle:
                batch = [batch[k] for k in rng.permutation(len(batch))]
            if b % self.world_size == self.rank:
                yield from batch

    def __len__(self) -> int:
        return self.num_batches * self.batch_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
