"""What an exact resume needs besides weights, optimizer and schedulers:
the random generators and the data order.

- :func:`get_rng_state` / :func:`set_rng_state` capture and restore python
  ``random``, numpy's global generator and torch's (CPU and, when present,
  CUDA); :func:`preserved_rng` runs a block without disturbing them.
- :class:`SeededSampleDataset` draws every training sample's randomness
  (transforms using ``np.random``, a lifting dataset's random frames) from
  a seed that is a function of ``(seed, epoch, index)`` alone, so a sample
  is augmented the same way whichever worker process loads it, in a run
  resumed mid-epoch, and in a run with another number of processes; a
  lifting dataset's batch path (``__getitems__``) draws from the same
  per-sample seeds (:func:`sample_seeds`), so it makes the same samples.
- :class:`ResumableSampler` wraps the configured sampler: it tells the
  dataset the epoch of each index and can start an epoch part-way, so a
  resumed run continues at the next batch instead of replaying the epoch.
- :func:`worker_init_fn` makes data-loader workers die with their parent.
"""
import contextlib
import ctypes
import os
import random
import signal
from typing import Iterator, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.dataset import worker_init_fn as mmengine_worker_init_fn
from torch.utils.data import Dataset, Sampler

from pose3d_toolbox.registry import DATA_SAMPLERS, DATASETS

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def get_rng_state() -> dict:
    """The state of python's, numpy's and torch's global generators."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`get_rng_state` returned."""
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@contextlib.contextmanager
def preserved_rng():
    """Run a block (validation, creating a data iterator) and put the
    global generators back as they were, so the block never shifts the
    training's random stream."""
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A 32-bit seed for sample ``index`` of ``epoch`` of a run seeded
    ``seed`` (numpy's ``SeedSequence`` mixes the three, so neighbouring
    indices get unrelated streams)."""
    return int(np.random.SeedSequence(
        [int(seed) % 2**32, int(epoch), int(index)]).generate_state(1)[0])


# numpy's SeedSequence constants (numpy/random/bit_generator.pyx)
_INIT_A, _MULT_A = 0x43b0d7e5, 0x931e8875
_INIT_B, _MULT_B = 0x8b51f9dd, 0x58f38ded
_MIX_MULT_L, _MIX_MULT_R = 0xca01f9dd, 0x4973f715
_POOL_SIZE = 4


def sample_seeds(seed, epoch, indices) -> np.ndarray:
    """:func:`sample_seed` of many samples at once: numpy's
    ``SeedSequence([seed, epoch, index]).generate_state(1)`` evaluated on
    arrays (its hash mixes uint32 words; the same words give the same
    seeds; ``tests/test_datasets/test_batch_path.py`` checks it against
    ``SeedSequence``).

    ``seed``, ``epoch`` and ``indices`` broadcast against each other; each
    must lie in ``[0, 2**32)`` (the seed is taken modulo ``2**32``, as
    :func:`sample_seed` takes it).
    """
    words = np.broadcast_arrays(
        np.asarray(seed, np.int64) % 2**32, np.asarray(epoch, np.int64),
        np.asarray(indices, np.int64))
    if any(((w < 0) | (w >= 2**32)).any() for w in words[1:]):
        raise ValueError('sample_seeds: epoch and index must be in '
                         '[0, 2**32)')
    with np.errstate(over='ignore'):
        entropy = [w.astype(np.uint32) for w in words]
        hash_const = [np.uint32(_INIT_A)]

        def hashmix(value):
            value = value ^ hash_const[0]
            hash_const[0] = hash_const[0] * np.uint32(_MULT_A)
            value = value * hash_const[0]
            return value ^ (value >> np.uint32(16))

        def mix(x, y):
            result = np.uint32(_MIX_MULT_L) * x - np.uint32(_MIX_MULT_R) * y
            return result ^ (result >> np.uint32(16))

        zero = np.zeros_like(entropy[0])
        pool = [hashmix(entropy[i] if i < len(entropy) else zero)
                for i in range(_POOL_SIZE)]
        for i_src in range(_POOL_SIZE):
            for i_dst in range(_POOL_SIZE):
                if i_src != i_dst:
                    pool[i_dst] = mix(pool[i_dst], hashmix(pool[i_src]))
        value = pool[0] ^ np.uint32(_INIT_B)
        value = value * np.uint32((_INIT_B * _MULT_B) % 2**32)
        value = value ^ (value >> np.uint32(16))
    return value.astype(np.int64)


def seed_globals(seed: int) -> None:
    """Seed python's, numpy's and torch's (CPU) global generators.

    ``torch.default_generator.manual_seed`` rather than
    ``torch.manual_seed``, which also seeds every accelerator and costs
    0.7 ms, too much per sample.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(seed)


@DATASETS.register_module()
class SeededSampleDataset(Dataset):
    """A dataset whose item ``(index, epoch, seed)`` is loaded with the
    global generators seeded by :func:`sample_seed`; a plain index loads
    as the wrapped dataset would.

    Loading a seeded item leaves the generators seeded; in the main process
    (``num_workers=0``) ``ExactResumeEpochLoop`` therefore fetches each
    batch inside :func:`preserved_rng`, so data loading never shifts the
    model's random stream (once per batch: saving numpy's state costs
    0.2 ms). Every other attribute is the wrapped dataset's (``metainfo``,
    ``cumulative_sizes``, ...).

    Args:
        dataset: the dataset, or its config.
    """

    def __init__(self, dataset: Union[Dataset, dict]):
        self.dataset = (DATASETS.build(dataset) if isinstance(dataset, dict)
                        else dataset)

    def __getattr__(self, name):
        if name == 'dataset':  # not set yet (unpickling)
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, item):
        if not isinstance(item, tuple):
            return self.dataset[item]
        index, epoch, seed = item
        seed_globals(sample_seed(seed, epoch, index))
        return self.dataset[index]

    def __getitems__(self, items) -> list:
        """A batch: on the wrapped dataset's batch path (``get_batch``,
        numpy's generator seeded per sample with :func:`sample_seeds`, the
        seeds :meth:`__getitem__` would use: batch transforms draw from
        numpy only; no seeds for a batch that draws nothing), else item by
        item."""
        if not getattr(self.dataset, 'batch_path', False):
            return [self[item] for item in items]
        if not items or not isinstance(items[0], tuple):
            return self.dataset.get_batch(items)
        if not self.dataset.batch_draws:
            return self.dataset.get_batch([item[0] for item in items])
        index, epoch, seed = (np.array(column) for column in zip(*items))
        return self.dataset.get_batch(index, sample_seeds(seed, epoch,
                                                          index))


@DATA_SAMPLERS.register_module()
class ResumableSampler(Sampler):
    """Wrap a sampler: yield ``(index, epoch, seed)`` for
    :class:`SeededSampleDataset`, and skip the first ``skip`` indices of
    the next epoch (set by the train loop when it resumes mid-epoch).

    Args:
        dataset: the :class:`SeededSampleDataset` (the wrapped sampler is
            built on the dataset inside it).
        sampler: config of the sampler to wrap (``DefaultSampler``,
            ``MixedRatioSampler``, ...).
        seed: the run's seed (mmengine passes the runner's); ``None``
            draws one shared by all ranks.
    """

    def __init__(self, dataset, sampler: dict, seed: Optional[int] = None):
        inner = dataset.dataset if isinstance(dataset,
                                              SeededSampleDataset) else dataset
        self.sampler = DATA_SAMPLERS.build(
            sampler, default_args=dict(dataset=inner, seed=seed))
        if seed is None:
            from mmengine.dist import sync_random_seed
            seed = sync_random_seed()
        self.seed = int(seed)
        self.epoch = 0
        self.skip = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)

    def set_seed(self, seed: int) -> None:
        """Use ``seed`` (a resumed run's) for the order and the samples."""
        self.seed = int(seed)
        if hasattr(self.sampler, 'seed'):
            self.sampler.seed = int(seed)

    def __iter__(self) -> Iterator[Tuple[int, int, int]]:
        skip, self.skip = self.skip, 0
        for position, index in enumerate(self.sampler):
            if position >= skip:
                yield int(index), self.epoch, self.seed

    def __len__(self) -> int:
        return len(self.sampler)


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``); if the parent is already gone, exit."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: rely on torch's watchdog
        return
    if os.getppid() != parent or parent == 1:
        os._exit(1)


def worker_init_fn(worker_id: int, num_workers: int, rank: int,
                   seed: Optional[int],
                   disable_subprocess_warning: bool = False) -> None:
    """Data-loader worker set-up: die with the parent process, then seed
    as mmengine's ``worker_init_fn`` does (when the run has a seed)."""
    die_with_parent()
    if seed is not None:
        mmengine_worker_init_fn(worker_id, num_workers, rank, seed,
                                disable_subprocess_warning)
