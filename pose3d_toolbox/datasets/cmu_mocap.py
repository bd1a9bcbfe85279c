"""The embedded default dataset: real CMU motion seen by virtual cameras.

The data was obtained from mocap.cs.cmu.edu; the database was created with
funding from NSF EIA-0196217 (see ``pose3d_toolbox/data/README.md``).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np

from pose3d_toolbox.registry import DATASETS
from pose3d_toolbox.utils import camera_to_pixel, world_to_camera
from pose3d_toolbox.utils.camera import CAMERA_KEYS
from .base_lifting import BaseLiftingDataset
from .checks import select_ids
from .mocap import (CMU_TEST_SUBJECTS, CMU_TRAIN_SUBJECTS, cmu_mocap_ids,
                    load_cmu_mocap)
from .synthetic import h36m_like_rig, joint_visibility, random_rig

SPLITS = dict(train=CMU_TRAIN_SUBJECTS, test=CMU_TEST_SUBJECTS)


def take_extent(keypoints_3d: np.ndarray, root_index: int = 0):
    """Centre ``(x, y)`` of a take's root path and its radius around it."""
    path = keypoints_3d[:, root_index, :2]
    centre = path.mean(0)
    return centre, float(np.linalg.norm(path - centre, axis=1).max())


@DATASETS.register_module()
class CMUMocapDataset(BaseLiftingDataset):
    """CMU mocap takes (Human3.6M-17 joints) seen by virtual cameras.

    Every take is filmed by every camera of a rig placed around the take's
    mean root position; each (take, camera) pair is one video. The rig's
    distance grows by the radius of the take's root path, so subjects that
    walk far stay in front of the cameras.

    Args:
        split: ``'train'`` (subjects 05, 06, 09, 10, 16, 105) or ``'test'``
            (02, 13, 49), the evaluation protocol of the data README.
        subjects: explicit subject list (string ids such as ``['05']``),
            overriding ``split``. A number is taken as the one subject id
            that reads as it (``5`` -> ``'05'``: ``--cfg-options`` turns
            ``05`` into ``5``); an id not in the file is an error naming
            the ids present.
        rig: ``'h36m'``, the fixed Human3.6M-like rig (evaluation), or
            ``'random'``, a new random rig per take (training).
        rig_cfg: keyword arguments of :func:`h36m_like_rig` or
            :func:`random_rig`.
        seed: seed of the random rigs.
        visibility: compute occlusion-based visibility scores per camera
            (capsule body, :func:`joint_visibility`); otherwise ones.
        data_file: the converted mocap file (default: the shipped one).
        takes: keep only these take names (e.g. ``['02_01']``; a number
            such as ``201``, what ``--cfg-options`` makes of ``02_01``, is
            taken as the one take that reads as it). A take not in the file,
            or a list with no take of the subjects, is an error naming the
            takes present.
        **kwargs: :class:`BaseLiftingDataset` options (``seq_len``,
            ``causal``, ``step``, ...).
    """

    METAINFO: dict = dict(dataset_name='cmu_mocap')

    def __init__(self, split: str = 'train',
                 subjects: Optional[Sequence[str]] = None,
                 rig: str = 'h36m', rig_cfg: Optional[Dict] = None,
                 seed: int = 0, visibility: bool = True,
                 data_file: Optional[str] = None,
                 takes: Optional[Sequence[str]] = None, **kwargs):
        if split not in SPLITS:
            raise ValueError(f'CMUMocapDataset: split must be one of '
                             f'{sorted(SPLITS)}, got {split!r}')
        if rig not in ('h36m', 'random'):
            raise ValueError(f"CMUMocapDataset: rig must be 'h36m' or "
                             f"'random', got {rig!r}")
        self.data_file = data_file
        self.subjects, self.takes = self._checked_ids(split, subjects, takes)
        self.rig, self.rig_cfg = rig, dict(rig_cfg or {})
        self.seed, self.visibility = seed, visibility
        super().__init__(**kwargs)

    def _checked_ids(self, split, subjects, takes):
        """``(subjects, takes)`` as string ids of the file (the options
        checked against it, see the class docstring)."""
        if subjects is None and takes is None:
            return tuple(SPLITS[split]), None
        ids = cmu_mocap_ids(self.data_file)
        where = (f'{type(self).__name__} '
                 f'({self.data_file or "the shipped CMU mocap file"})')
        subjects = (tuple(SPLITS[split]) if subjects is None else
                    select_ids(subjects, ids['subject'], 'subjects', where,
                               strict=True))
        if takes is not None:
            takes = select_ids(takes, ids['take'], 'takes', where,
                               strict=True)
            theirs = [t for s, t in zip(ids['subject'], ids['take'])
                      if s in subjects]
            if not set(takes) & set(theirs):
                raise ValueError(
                    f'{where}: takes={list(takes)} holds no take of the '
                    f'subjects {list(subjects)}, whose takes are '
                    f'{theirs[:12]}{" ..." if len(theirs) > 12 else ""}; '
                    'set subjects= to the takes\' subjects (a take id '
                    'starts with its subject) or choose among those takes')
        return subjects, takes

    def _cameras(self, rng, centre, radius) -> List[dict]:
        cfg = dict(self.rig_cfg)
        if self.rig == 'h36m':
            cfg['distance'] = cfg.get('distance', 5.0) + radius
            return h36m_like_rig(center_xy=tuple(centre), **cfg)
        lo, hi = cfg.pop('distance_range', (3.5, 7.0))
        target = cfg.pop('target', (0.0, 0.0, 0.9))
        return random_rig(rng, distance_range=(lo + radius, hi + radius),
                          target=(centre[0], centre[1], target[2]), **cfg)

    def load_videos(self) -> List[dict]:
        """The filmed takes; the same options in one process give the same
        (read-only) videos, filmed once (:func:`_filmed_cache`): the
        benchmarks and tests build one dataset many times."""
        key = (self.data_file, tuple(self.subjects),
               None if self.takes is None else tuple(self.takes), self.rig,
               repr(sorted(self.rig_cfg.items())), self.seed,
               bool(self.visibility), self.skeleton.root_index)
        return list(_filmed_cache(key, self._film))

    def _film(self) -> List[dict]:
        rng = np.random.default_rng(self.seed)
        root = self.skeleton.root_index
        videos = []
        for take in load_cmu_mocap(self.data_file, subjects=self.subjects):
            if self.takes is not None and take['take'] not in self.takes:
                continue
            world = take['keypoints_3d']
            centre, radius = take_extent(world, root)
            for i, cam in enumerate(self._cameras(rng, centre, radius)):
                kp3d = world_to_camera(world.astype(np.float64), cam['R'],
                                       cam['T'])
                kp2d = camera_to_pixel(kp3d, cam['f'], cam['c'])
                vis = (joint_visibility(world, cam).score
                       if self.visibility else np.ones(world.shape[:2]))
                videos.append(dict(
                    keypoints_3d=kp3d.astype(np.float32),
                    keypoints_2d=kp2d.astype(np.float32),
                    visibility=np.asarray(vis, np.float32),
                    camera={k: v for k, v in cam.items()
                            if k in CAMERA_KEYS},
                    subject=take['subject'], action=take['description'],
                    camera_id=str(cam.get('id', i)), take=take['take'],
                    img_paths=None))
        return videos


_FILMED: Dict[tuple, List[dict]] = {}


def _filmed_cache(key: tuple, film) -> List[dict]:
    """``film()``'s videos, kept for the last few ``key``s (the videos'
    arrays are made read-only by the dataset, so sharing them is safe)."""
    if key not in _FILMED:
        if len(_FILMED) >= 4:
            _FILMED.pop(next(iter(_FILMED)))
        _FILMED[key] = film()
    return _FILMED[key]
