"""The shell every registered 3D pose metric shares.

A metric's ``process`` reads a batch of data samples into stacked arrays,
computes per-sample values with :mod:`pose3d_toolbox.evaluation.functional`
and stores one small result per sample (mmengine drops the padding of
distributed samplers by the number of stored results, so it must be one per
sample). ``compute_metrics`` reduces them, overall and, with
``per_action=True``, per action under ``<key>/<action>``.
"""
import re
from abc import abstractmethod
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from ..functional import align_root
from ..functional._utils import as_float_array

# "Walking 1" / "WalkDog_1" -> "Walking" / "WalkDog"; "TS1" stays "TS1".
_SUBACTION = re.compile(r'[\s_]+\d+$')


def resolve_joint_indices(joint_indices) -> Optional[np.ndarray]:
    """A metric's ``joint_indices`` argument as an index array: ``None``
    (all joints), a skeleton (a name or a ``Skeleton``: its
    ``evaluated_joints``) or a non-empty list of joint indices."""
    if joint_indices is None:
        return None
    if isinstance(joint_indices, (str, Skeleton)):
        return np.asarray(get_skeleton(joint_indices).evaluated_joints,
                          dtype=int)
    indices = np.asarray(joint_indices)
    if (indices.ndim != 1 or indices.size == 0
            or indices.dtype.kind not in 'iu'):
        raise ValueError('`joint_indices` must be a non-empty list of '
                         f'joint indices or a skeleton name, got '
                         f'{joint_indices!r}')
    return indices.astype(int)


class BasePose3DMetric(BaseMetric):
    """Base class of the toolbox's 3D pose metrics.

    Data samples are dicts (mmengine's Evaluator calls ``to_dict()`` on each
    :class:`~pose3d_toolbox.structures.PoseDataSample`, so meta keys such as
    ``action`` are top-level) or the data samples themselves, with:

    - ``gt_keypoints_3d``: ``(J, 3)`` ground truth, metres;
    - ``pred_keypoints_3d``: ``(J, 3)`` prediction, metres, root-relative
      or absolute (both are root-aligned before root-relative metrics);
    - ``pred_root``: ``(3,)`` predicted absolute root (MRPE only);
    - ``root_index`` (optional): root joint; else the root of the sample's
      ``skeleton`` (a name); else the root of this metric's ``skeleton``;
    - ``action`` (needed with ``per_action``).

    Values may be numpy arrays or torch tensors (on any device).

    Subclasses implement :meth:`sample_results` and :meth:`summarise`.

    Args:
        per_action: also report every value per action as ``<key>/<action>``.
        joint_indices: joints to evaluate, applied after root alignment
            (indices into the stored ``J`` joints). ``None`` keeps all; a
            skeleton (e.g. ``'hemlets'``, a name or a ``Skeleton``) takes
            its ``evaluated_joints`` (all its joints if unset).
        skeleton: the skeleton (a name or a ``Skeleton``) whose root is
            used when a sample names neither ``root_index`` nor
            ``skeleton``.
        strip_subaction: merge Human3.6M sub-actions (``'Walking 1'`` and
            ``'Walking'`` both count as ``'Walking'``) when grouping.
        collect_device, prefix, collect_dir: see
            :class:`mmengine.evaluator.BaseMetric`. Without a prefix the keys
            are logged exactly as documented by each metric.
    """
    # '' rather than None: keys stay exactly as documented ('mpjpe', not
    # 'prefix/mpjpe') and mmengine does not warn about a missing prefix.
    default_prefix: Optional[str] = ''

    def __init__(self,
                 per_action: bool = False,
                 joint_indices: Union[None, str, Skeleton,
                                      Sequence[int]] = None,
                 skeleton: Union[str, Skeleton] = 'h36m',
                 strip_subaction: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix,
                         collect_dir=collect_dir)
        self.per_action = per_action
        self.joint_indices = resolve_joint_indices(joint_indices)
        self.skeleton = get_skeleton(skeleton)
        self.strip_subaction = strip_subaction

    # ------------------------------------------------------------ reading --
    def _field(self, sample: dict, key: str, index: int):
        if key not in sample or sample[key] is None:
            raise KeyError(
                f'{type(self).__name__}: data sample {index} has no '
                f"'{key}'. The model's predict step (or the dataset, for "
                f"ground truth) must set it. Keys present: {sorted(sample)}")
        return sample[key]

    def _stack(self, samples: List[dict], key: str, ndim: int) -> np.ndarray:
        """Stack ``key`` of every sample; a leading instance axis of size 1
        (``(1, J, 3)``) is dropped."""
        arrays = []
        for i, s in enumerate(samples):
            a = as_float_array(self._field(s, key, i), key)
            while a.ndim > ndim and a.shape[0] == 1:
                a = a[0]
            if a.ndim != ndim or a.shape[-1] != 3:
                want = '(J, 3)' if ndim == 2 else '(3,)'
                raise ValueError(f"{type(self).__name__}: '{key}' of data "
                                 f'sample {i} must have shape {want}, got '
                                 f'{a.shape}')
            arrays.append(a)
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"{type(self).__name__}: '{key}' has different "
                             f'shapes within one batch: {sorted(shapes)}')
        return np.stack(arrays).astype(np.float64, copy=False)

    def _root_index(self, sample: dict) -> int:
        if sample.get('root_index') is not None:
            return int(np.asarray(as_float_array(sample['root_index'],
                                                 'root_index')).reshape(()))
        if sample.get('skeleton') is not None:
            return get_skeleton(sample['skeleton']).root_index
        return self.skeleton.root_index

    def _action(self, sample: dict, index: int) -> str:
        action = str(self._field(sample, 'action', index))
        if self.strip_subaction:
            action = _SUBACTION.sub('', action)
        return action

    def read_batch(self, data_samples: Sequence) -> Dict[str, np.ndarray]:
        """Stack a batch of data samples.

        Returns:
            dict with ``gt`` and ``pred`` ``(B, J, 3)`` and ``root_index``
            ``(B,)``; plus ``pred_root`` ``(B, 3)`` when the metric sets
            ``needs_pred_root``.
        """
        samples = [s.to_dict() if isinstance(s, BaseDataElement) else s
                   for s in data_samples]
        gt = self._stack(samples, 'gt_keypoints_3d', 2)
        pred = self._stack(samples, 'pred_keypoints_3d', 2)
        if gt.shape != pred.shape:
            raise ValueError(
                f'{type(self).__name__}: pred_keypoints_3d has shape '
                f'{pred.shape[1:]} per sample but gt_keypoints_3d has '
                f'{gt.shape[1:]}; predict the same joints as the ground truth '
                'or store them in that order')
        num_joints = gt.shape[1]
        root_index = np.array([self._root_index(s) for s in samples])
        if ((root_index < 0) | (root_index >= num_joints)).any():
            raise ValueError(f'{type(self).__name__}: root index '
                             f'{root_index.tolist()} out of range for '
                             f'{num_joints} joints')
        if self.joint_indices is not None and (
                self.joint_indices.max() >= num_joints
                or self.joint_indices.min() < -num_joints):
            raise ValueError(f'{type(self).__name__}: joint_indices '
                             f'{self.joint_indices.tolist()} out of range '
                             f'for poses of {num_joints} joints')
        batch = dict(gt=gt, pred=pred, root_index=root_index,
                     samples=samples)
        if getattr(self, 'needs_pred_root', False):
            batch['pred_root'] = self._stack(samples, 'pred_root', 1)
        return batch

    def root_aligned(self, batch) -> tuple:
        """``(pred, gt)`` root-aligned, then restricted to the evaluated
        joints: each ``(B, J', 3)``."""
        pred = align_root(batch['pred'], batch['root_index'])
        gt = align_root(batch['gt'], batch['root_index'])
        return self.select_joints(pred), self.select_joints(gt)

    def select_joints(self, x: np.ndarray) -> np.ndarray:
        """``(B, J, 3)`` -> ``(B, J', 3)`` with the evaluated joints."""
        return x if self.joint_indices is None else x[:, self.joint_indices]

    # ------------------------------------------------------- mmengine API --
    def process(self, data_batch, data_samples: Sequence) -> None:
        """Store one result per data sample (see :meth:`sample_results`)."""
        if len(data_samples) == 0:  # an empty batch adds nothing
            return
        batch = self.read_batch(data_samples)
        values = self.sample_results(batch)
        actions = ([self._action(s, i) for i, s in
                    enumerate(batch['samples'])] if self.per_action else None)
        for i in range(len(batch['samples'])):
            result = {k: v[i] for k, v in values.items()}
            if actions is not None:
                result['action'] = actions[i]
            self.results.append(result)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Reduce the stored results, overall then per action."""
        if len(results) == 0:
            raise ValueError(f'{type(self).__name__}: no data samples were '
                             'processed, there is nothing to evaluate')
        metrics = self.summarise(results)
        if self.per_action:
            groups = defaultdict(list)
            for r in results:
                groups[r['action']].append(r)
            for action in sorted(groups):
                for key, value in self.summarise(groups[action]).items():
                    metrics[f'{key}/{action}'] = value
        return metrics

    # --------------------------------------------------- subclass hooks --
    @abstractmethod
    def sample_results(self, batch: dict) -> Dict[str, np.ndarray]:
        """Per-sample values of a batch: name -> array with ``B`` rows."""

    @abstractmethod
    def summarise(self, results: List[dict]) -> Dict[str, float]:
        """Reduce a list of per-sample results to the reported values."""

    @staticmethod
    def stacked(results: List[dict], key: str) -> np.ndarray:
        """``np.stack`` of ``key`` over ``results``."""
        return np.stack([np.asarray(r[key]) for r in results])
