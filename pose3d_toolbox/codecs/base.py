"""Base class of keypoint codecs.

A codec owns every normalisation of inputs and targets and its inverse;
nothing else in the toolbox re-implements them.
"""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Union

import numpy as np

from pose3d_toolbox.skeletons import Skeleton, get_skeleton

# Keys a codec's ``encode`` writes into a sample (shared constants, so that
# transforms, heads and tests name them once).
LIFTING_INPUT = 'lifting_input'
LIFTING_TARGET = 'lifting_target'
TARGET_WEIGHT = 'target_weight'

#: keys of a lifting batch that hold one value for the whole batch; every
#: other key holds one item per sample along its first axis (or list).
BATCH_SHARED_KEYS = ('target_index', 'skeleton', 'root_index')


def batch_item(batch: Dict, i: int) -> Dict:
    """Sample ``i`` of a lifting batch (see
    ``BaseLiftingDataset.gather_batch``) as a per-sample dict."""
    return {k: v if k in BATCH_SHARED_KEYS else v[i]
            for k, v in batch.items()}


class BaseKeypointCodec(metaclass=ABCMeta):
    """Encode dataset samples into network inputs/targets and decode back.

    Contract, checked for every registered codec by
    ``tests/test_codecs/test_roundtrip.py``: for a sample ``s`` (the dict a
    lifting dataset yields, see :class:`BaseLiftingDataset`),
    ``decode(encode(s)[LIFTING_TARGET][None], [s])['keypoints_3d'][0]``
    returns the target frame's 3D pose: absolute when
    :attr:`decodes_absolute` is true, root-relative otherwise.

    Args:
        skeleton: the joints of the samples, a
            :class:`~pose3d_toolbox.skeletons.Skeleton` or its name: it gives
            the joint count ``J`` (:attr:`num_keypoints`) and the root
            (:attr:`root_index`).
    """

    #: whether :meth:`decode` returns camera-space absolute poses.
    decodes_absolute = False

    def __init__(self, skeleton: Union[str, Skeleton] = 'h36m'):
        self.skeleton = get_skeleton(skeleton)

    @property
    def num_keypoints(self) -> int:
        """``J``, the skeleton's joint count."""
        return self.skeleton.num_joints

    @property
    def root_index(self) -> int:
        """The skeleton's root joint."""
        return self.skeleton.root_index

    def _check(self, array: np.ndarray, name: str) -> None:
        """Raise a clear error for a wrong joint count or NaN/inf values in
        ``array`` ``(..., J, C)`` (``name`` is the sample key)."""
        if array.shape[-2] != self.num_keypoints:
            raise ValueError(
                f'{type(self).__name__}: {name} has {array.shape[-2]} joints '
                f'but the codec\'s skeleton {self.skeleton.name!r} has '
                f'{self.num_keypoints}; set the codec\'s skeleton to the '
                'data\'s (or fix the data)')
        if not np.isfinite(array).all():
            raise ValueError(f'{type(self).__name__}: {name} contains NaN or '
                             'inf values')

    def _read_keypoints(self, sample: Dict):
        """The sample's ``keypoints_2d`` ``(S, J, 2)`` and ``keypoints_3d``
        ``(S, J, 3)`` as float32, checked with :meth:`_check`."""
        kp2d = np.asarray(sample['keypoints_2d'], dtype=np.float32)
        kp3d = np.asarray(sample['keypoints_3d'], dtype=np.float32)
        self._check(kp2d, 'keypoints_2d')
        self._check(kp3d, 'keypoints_3d')
        return kp2d, kp3d

    def _root_relative_target(self, kp3d: np.ndarray, target_index: int):
        """The target frame's root-relative pose ``(..., J, 3)`` and its
        weight ``(..., J)``: ones, zero at the root (always zero there), of
        a sample's ``(S, J, 3)`` or a batch's ``(N, S, J, 3)`` frames."""
        target = kp3d[..., target_index, :, :]
        weight = np.ones(target.shape[:-1], dtype=np.float32)
        weight[..., self.root_index] = 0
        root = self.root_index
        return target - target[..., root:root + 1, :], weight

    @abstractmethod
    def encode(self, sample: Dict) -> Dict[str, np.ndarray]:
        """Return the encoded fields to add to ``sample``."""

    def encode_batch(self, batch: Dict) -> Dict[str, np.ndarray]:
        """:meth:`encode` of every sample of a lifting batch, each field
        stacked along a new first axis. This default encodes the samples
        one by one; codecs override it with one vectorised pass giving the
        same values (``tests/test_datasets/test_batch_path.py``)."""
        n = len(batch['keypoints_2d'])
        outs = [self.encode(batch_item(batch, i)) for i in range(n)]
        return {k: np.stack([o[k] for o in outs]) for k in outs[0]}

    @abstractmethod
    def decode(self, outputs: np.ndarray, metas: List[Dict]) -> Dict:
        """Decode a batch of network outputs (``N`` first) to metres.

        Returns a dict with ``keypoints_3d`` ``(N, J, 3)`` and, for codecs
        that decode absolute poses, ``root`` ``(N, 3)``.
        """
