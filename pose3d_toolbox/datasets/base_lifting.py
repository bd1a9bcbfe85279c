"""Shared machinery of every 2D -> 3D lifting dataset.

A lifting dataset is a set of *videos* (one subject / action / camera
sequence each) held as a few whole-video numpy arrays, plus an index table of
``(video, frame)`` *targets*. A sample is the window of ``seq_len`` frames
around one target, gathered by indexing the video arrays (clipped indices pad
the edges by repeating the first / last frame); no video is ever copied per
sample.

A dataset subclasses :class:`BaseLiftingDataset` and implements one method,
:meth:`BaseLiftingDataset.load_videos`, returning a list of video dicts:

========================== =================================================
key                        value
========================== =================================================
``keypoints_2d``           ``(T, J, 2)`` float32, pixels
``keypoints_3d``           ``(T, J, 3)`` float32, camera coordinates, metres
``keypoints_2d_score``     optional ``(T, J)`` confidence of the 2D input
``visibility``             optional ``(T, J)`` visibility in ``[0, 1]``
``camera``                 camera dict (:mod:`pose3d_toolbox.utils.camera`)
``subject``                str
``action``                 str
``camera_id``              str
``img_paths``              ``T`` image paths (list / array), or ``None``
========================== =================================================

Extra keys are kept in the stored video dict and ignored by the sampler.

Example:
    >>> import numpy as np
    >>> from pose3d_toolbox.datasets.base_lifting import BaseLiftingDataset
    >>> T, J = 10, 17
    >>> cam = dict(R=np.eye(3), T=np.zeros((3, 1)), f=[[1000.], [1000.]],
    ...            c=[[500.], [500.]], w=1000, h=1000)
    >>> video = dict(keypoints_2d=np.zeros((T, J, 2)),
    ...              keypoints_3d=np.ones((T, J, 3)), camera=cam,
    ...              subject='S1', action='Walking', camera_id='0',
    ...              img_paths=None)
    >>> ds = BaseLiftingDataset(videos=[video], seq_len=5, causal=True)
    >>> len(ds), ds[3]['target_index'], ds[3]['keypoints_2d'].shape
    (10, 4, (5, 17, 2))
"""
import copy
import os.path as osp
import warnings
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.dataset.base_dataset import force_full_init

from ..registry import DATASETS
from ..skeletons import Skeleton, get_skeleton
from ..utils.camera import validate_camera
from .checks import check_finite
from .file_readers import skeleton_hint

#: Keys of the dict returned by :meth:`BaseLiftingDataset.get_data_info`.
SAMPLE_KEYS = ('keypoints_2d', 'keypoints_3d', 'visibility', 'target_index',
               'camera', 'img_path', 'subject', 'action', 'camera_id',
               'frame', 'sample_idx', 'skeleton', 'root_index')

#: Keys added to a sample when ``num_random_frames = l > 0``:
#: ``random_keypoints_2d (l, J, 2)``, ``random_keypoints_3d (l, J, 3)``,
#: ``random_visibility (l, J)`` and ``random_frames (l,)`` (their indices).
RANDOM_FRAME_KEYS = ('random_keypoints_2d', 'random_keypoints_3d',
                     'random_visibility', 'random_frames')


def add_skeleton_metainfo(metainfo: dict, skeleton: Skeleton) -> None:
    """Add the skeleton's ``skeleton`` (name), ``num_joints``, ``root_index``
    and ``joint_names`` to a dataset's metainfo, keeping keys already set.

    Set after ``BaseDataset.__init__``, not through its ``metainfo``
    argument: mmengine would try to read a string value (the skeleton name)
    as a file.
    """
    for key, value in (('skeleton', skeleton.name),
                       ('num_joints', skeleton.num_joints),
                       ('root_index', skeleton.root_index),
                       ('joint_names', skeleton.joint_names)):
        metainfo.setdefault(key, value)


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _evenly_spaced(n: int, k: int) -> np.ndarray:
    """``k`` distinct indices spread evenly over ``range(n)`` (k <= n)."""
    if k >= n:
        return np.arange(n)
    if k <= 0:
        return np.arange(0)
    return np.floor(np.arange(k) * (n / k)).astype(np.int64)


@DATASETS.register_module()
class BaseLiftingDataset(BaseDataset):
    """Base dataset for 2D -> 3D lifting on videos.

    Each sample is a window of ``seq_len`` frames around one *target* frame
    of a video. Frame indices are ``target + offsets`` with offsets
    ``(i - target_index) * frame_interval``, clipped to ``[0, T - 1]`` so
    windows running over an edge repeat the first / last frame.

    Args:
        seq_len: frames per sample; 1 = single frame.
        causal: if True the target is the last frame of the window
            (``target_index = seq_len - 1``) and no later frame is ever
            used; otherwise the target is the middle frame
            (``target_index = seq_len // 2``; for an even ``seq_len`` the
            window holds one more past frame than future frames).
        frame_interval: spacing, in video frames, between the frames of a
            window (1 = consecutive frames).
        step: use every ``step``-th frame of each video as a target.
        pad: if True every (step-th) frame is a target and windows are padded
            at the video edges; if False only targets whose whole window lies
            inside the video are used: a video shorter than the window's
            span (``(seq_len - 1) * frame_interval + 1`` frames) gives no
            target and is skipped with a warning, and when no video is long
            enough the dataset refuses to load, naming ``pad=True`` and the
            longest video.
        num_random_frames: ``l``; if > 0 each sample also carries ``l``
            frames drawn at random from the whole video (only from the
            target and earlier frames when ``causal``), the global context
            of Anatomy3D's bone-length network, under
            :data:`RANDOM_FRAME_KEYS`. Drawn without replacement when the
            video has ``l`` such frames, with replacement otherwise. In
            ``test_mode`` the draw is a fixed function of
            ``(random_frames_seed, sample index)``, so evaluation is
            repeatable; in training it comes from numpy's global generator
            (seeded per worker by mmengine) and changes every epoch.
        random_frames_seed: seed of the test-mode draws.
        subset_frac: keep this fraction of the targets, evenly spread over
            the whole dataset (deterministic), for quick runs.
        max_samples: keep at most this many targets (evenly spread), applied
            after ``subset_frac``.
        skeleton: the videos' skeleton, a name or a
            :class:`~pose3d_toolbox.skeletons.Skeleton`; ``J`` of every
            video must match it. Samples carry its name.
        videos: list of video dicts used instead of :meth:`load_videos`
            (in-memory data, tests).
        ann_file, metainfo, data_root, data_prefix, indices, pipeline,
        test_mode, lazy_init, max_refetch: as in
            :class:`mmengine.dataset.BaseDataset` (``indices`` selects
            targets, after ``subset_frac`` / ``max_samples``).
            ``data_prefix['img']`` (joined with ``data_root``) is prepended
            to relative image paths.
        filter_cfg: accepted for mmengine compatibility, unused.
        serialize_data: ignored (always False). The data are a few large
            numpy arrays that DataLoader workers share copy-on-write; the
            per-sample serialisation of mmengine is not needed.

    ``get_data_info(idx)`` returns a dict with exactly the keys
    :data:`SAMPLE_KEYS`: ``keypoints_2d (S, J, 2)``, ``keypoints_3d
    (S, J, 3)``, ``visibility (S, J)`` (the 2D scores if the video has
    them, else its visibility, else ones), ``target_index``, ``camera``,
    ``img_path`` (target frame, ``''`` if unknown), ``subject``,
    ``action``, ``camera_id``, ``frame`` (index of the target in the video
    arrays), ``sample_idx``, ``skeleton`` (name) and ``root_index``.
    """

    METAINFO: dict = dict(dataset_name='lifting')

    def __init__(self,
                 seq_len: int = 1,
                 causal: bool = False,
                 frame_interval: int = 1,
                 step: int = 1,
                 pad: bool = True,
                 num_random_frames: int = 0,
                 random_frames_seed: int = 0,
                 subset_frac: float = 1.0,
                 max_samples: Optional[int] = None,
                 skeleton: Union[str, Skeleton] = 'h36m',
                 videos: Optional[List[dict]] = None,
                 ann_file: str = '',
                 metainfo: Optional[dict] = None,
                 data_root: str = '',
                 data_prefix: dict = dict(img=''),
                 filter_cfg: Optional[dict] = None,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = False,
                 pipeline: List[Union[dict, Callable]] = [],
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000):
        for name, value in (('seq_len', seq_len), ('step', step),
                            ('frame_interval', frame_interval)):
            if int(value) != value or value < 1:
                raise ValueError(f'{type(self).__name__}: {name} must be a '
                                 f'positive integer, got {value!r}')
        if int(num_random_frames) != num_random_frames or \
                num_random_frames < 0:
            raise ValueError(f'{type(self).__name__}: num_random_frames must '
                             f'be an integer >= 0, got {num_random_frames!r}')
        if not 0 < subset_frac <= 1:
            raise ValueError(f'{type(self).__name__}: subset_frac must be in '
                             f'(0, 1], got {subset_frac!r}')
        if max_samples is not None and max_samples < 0:
            raise ValueError(f'{type(self).__name__}: max_samples must be >= '
                             f'0, got {max_samples!r}')
        self.seq_len = int(seq_len)
        self.causal = bool(causal)
        self.frame_interval = int(frame_interval)
        self.step = int(step)
        self.pad = bool(pad)
        self.num_random_frames = int(num_random_frames)
        self.random_frames_seed = int(random_frames_seed)
        self.subset_frac = float(subset_frac)
        self.max_samples = max_samples
        self.skeleton = get_skeleton(skeleton)
        self._given_videos = videos
        self.target_index = (self.seq_len - 1 if self.causal else
                             self.seq_len // 2)
        self._offsets = _readonly(
            (np.arange(self.seq_len) - self.target_index) *
            self.frame_interval)
        self._videos: List[dict] = []
        self._targets = np.zeros((0, 2), dtype=np.int64)

        super().__init__(
            ann_file=ann_file, metainfo=metainfo, data_root=data_root,
            data_prefix=dict(data_prefix), filter_cfg=filter_cfg,
            indices=indices, serialize_data=False, pipeline=pipeline,
            test_mode=test_mode, lazy_init=lazy_init, max_refetch=max_refetch)
        add_skeleton_metainfo(self._metainfo, self.skeleton)

    # ------------------------------------------------------------------ hook
    def load_videos(self) -> List[dict]:
        """Return the dataset's videos (see the module docstring).

        The one method a dataset implements. Called once, by
        :meth:`full_init`.
        """
        raise NotImplementedError(
            f'{type(self).__name__} must implement load_videos() or be built '
            'with videos=[...]')

    # ------------------------------------------------------------ building
    def full_init(self):
        """Load the videos, build the target table, apply the subsets."""
        if self._fully_initialized:
            return
        videos = (self._given_videos if self._given_videos is not None
                  else self.load_videos())
        if not len(videos):
            raise ValueError(f'{type(self).__name__}: no videos to load; '
                             'check the dataset options and files')
        self._videos = [self._check_video(v, i) for i, v in enumerate(videos)]
        targets = self._build_targets()
        n = len(targets)
        if self.subset_frac < 1:
            targets = targets[_evenly_spaced(n, int(n * self.subset_frac))]
        if self.max_samples is not None:
            targets = targets[_evenly_spaced(len(targets), self.max_samples)]
        if self._indices is not None:
            targets = self._select(targets, self._indices)
        self._targets = _readonly(np.ascontiguousarray(targets))
        self._fully_initialized = True

    def _check_video(self, video: dict, i: int) -> dict:
        """Validate one video dict and store its arrays read-only."""
        name = (f'{type(self).__name__} video {i} (subject '
                f'{video.get("subject")!r}, action {video.get("action")!r}, '
                f'camera {video.get("camera_id")!r})')
        J = self.skeleton.num_joints
        for key in ('keypoints_2d', 'keypoints_3d', 'camera'):
            if video.get(key) is None:
                raise ValueError(f'{name}: key {key!r} is missing')
        out = dict(video)
        kp2d = np.asarray(video['keypoints_2d'], dtype=np.float32)
        kp3d = np.asarray(video['keypoints_3d'], dtype=np.float32)
        T = len(kp2d)
        if T == 0:
            raise ValueError(f'{name}: no frames (keypoints_2d has shape '
                             f'{kp2d.shape}); drop the empty video')
        for key, arr, shape in (('keypoints_2d', kp2d, (T, J, 2)),
                                ('keypoints_3d', kp3d, (T, J, 3))):
            if arr.ndim and len(arr) != T:
                raise ValueError(
                    f'{name}: {key!r} has {len(arr)} frames but '
                    f"'keypoints_2d' has {T}; every array of a video needs "
                    'one row per frame')
            if arr.shape != shape:
                fix = ''
                if arr.ndim == 3 and arr.shape[1] != J:
                    fix = f': {skeleton_hint(arr.shape[1])}'
                raise ValueError(
                    f'{name}: {key!r} has shape {arr.shape}, expected '
                    f'{shape} (skeleton {self.skeleton.name!r} has {J} '
                    f'joints){fix}')
            check_finite(arr, name, key, row='frame')
            out[key] = _readonly(arr)
        for key in ('keypoints_2d_score', 'visibility'):
            if video.get(key) is None:
                out[key] = None
                continue
            arr = np.asarray(video[key], dtype=np.float32)
            if arr.shape != (T, J):
                raise ValueError(f'{name}: {key!r} has shape {arr.shape}, '
                                 f'expected {(T, J)}')
            check_finite(arr, name, key, row='frame')
            out[key] = _readonly(arr)
        out['camera'] = validate_camera(video['camera'], source=name)
        paths = video.get('img_paths')
        if paths is not None:
            if len(paths) != T:
                raise ValueError(f'{name}: {len(paths)} img_paths for {T} '
                                 'frames')
            # bytes, one byte per character: far smaller than a list of str.
            out['img_paths'] = _readonly(
                np.char.encode(np.asarray(paths, dtype=str), 'utf-8'))
        else:
            out['img_paths'] = None
        for key in ('subject', 'action', 'camera_id'):
            out[key] = str(video.get(key, ''))
        out['num_frames'] = T
        return out

    def _build_targets(self) -> np.ndarray:
        """``(N, 2)`` int64 table of ``(video index, target frame)``.

        With ``pad=False`` videos shorter than the window's span give no
        target (a warning names them); none long enough is an error.
        """
        tables, short = [], []
        for vi, video in enumerate(self._videos):
            T = video['num_frames']
            if self.pad:
                lo, hi = 0, T - 1
            else:  # whole window inside the video
                lo, hi = -int(self._offsets[0]), T - 1 - int(self._offsets[-1])
            if lo > hi:
                short.append(vi)
                continue
            frames = np.arange(lo, hi + 1, self.step, dtype=np.int64)
            tables.append(np.stack([np.full_like(frames, vi), frames], 1))
        if short:
            span = int(self._offsets[-1] - self._offsets[0]) + 1
            longest = max(v['num_frames'] for v in self._videos)
            what = (f'{type(self).__name__}: pad=False needs videos of at '
                    f'least {span} frames (seq_len={self.seq_len}, '
                    f'frame_interval={self.frame_interval})')
            fix = ('set pad=True (windows repeat the edge frames) or a '
                   'shorter seq_len / frame_interval')
            if not tables:
                raise ValueError(f'{what}; the longest video has {longest} '
                                 f'frames, so there is no sample: {fix}')
            warnings.warn(f'{what}; {len(short)} of {len(self._videos)} '
                          f'videos are shorter and skipped (first: '
                          f'{self._video_name(short[0])}); to keep them '
                          f'{fix}', stacklevel=2)
        return np.concatenate(tables)

    def _video_name(self, vi: int) -> str:
        video = self._videos[vi]
        return (f'video {vi}, subject {video["subject"]!r}, action '
                f'{video["action"]!r}, camera {video["camera_id"]!r}, '
                f'{video["num_frames"]} frames')

    @staticmethod
    def _select(targets: np.ndarray, indices) -> np.ndarray:
        if isinstance(indices, int):
            return targets[:indices] if indices >= 0 else targets[indices:]
        return targets[np.asarray(indices, dtype=np.int64)]

    # ------------------------------------------------------------- access
    @property
    def videos(self) -> List[dict]:
        """The validated video dicts (arrays are read-only)."""
        self.full_init()
        return self._videos

    @property
    def num_videos(self) -> int:
        return len(self.videos)

    @property
    def targets(self) -> np.ndarray:
        """``(len(self), 2)`` read-only table of (video index, frame)."""
        self.full_init()
        return self._targets

    @force_full_init
    def __len__(self) -> int:
        return len(self._targets)

    @force_full_init
    def get_sample_frames(self, idx: int) -> Tuple[int, np.ndarray]:
        """``(video index, (S,) frame indices)`` of sample ``idx``."""
        vi, frame = self._targets[idx]
        T = self._videos[vi]['num_frames']
        return int(vi), np.clip(frame + self._offsets, 0, T - 1)

    @force_full_init
    def get_random_frames(self, idx: int) -> np.ndarray:
        """``(l,)`` frame indices drawn at random for sample ``idx``.

        Drawn from ``[0, T)``, or from ``[0, target]`` when ``causal`` (the
        draw then depends only on the target's index, never on later
        frames). Sorted, so repeated draws read the video in order.
        """
        vi, frame = self._targets[idx]
        n = int(frame) + 1 if self.causal else self._videos[vi]['num_frames']
        rng = (np.random.default_rng((self.random_frames_seed, int(idx)))
               if self.test_mode else
               np.random.default_rng(np.random.randint(2**31)))
        frames = rng.choice(n, self.num_random_frames,
                            replace=n < self.num_random_frames)
        return np.sort(frames).astype(np.int64)

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """The sample dict of ``idx`` (keys :data:`SAMPLE_KEYS`)."""
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f'{type(self).__name__}: index {idx} out of '
                             f'range for {n} samples')
        idx = int(idx) % n
        vi, frames = self.get_sample_frames(idx)
        video = self._videos[vi]
        target = int(frames[self.target_index])
        vis = self._visibility(video, frames)
        img_path = ''
        if video['img_paths'] is not None:
            img_path = video['img_paths'][target].decode('utf-8')
            prefix = self.data_prefix.get('img', '')
            if prefix and not osp.isabs(img_path):
                img_path = osp.join(prefix, img_path)
        camera = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                  for k, v in video['camera'].items()}
        info = dict(
            keypoints_2d=video['keypoints_2d'][frames],
            keypoints_3d=video['keypoints_3d'][frames],
            visibility=vis,
            target_index=self.target_index,
            camera=camera,
            img_path=img_path,
            subject=video['subject'],
            action=video['action'],
            camera_id=video['camera_id'],
            frame=target,
            sample_idx=idx,
            skeleton=self.skeleton.name,
            root_index=self.skeleton.root_index)
        if self.num_random_frames:
            rand = self.get_random_frames(idx)
            info.update(
                random_keypoints_2d=video['keypoints_2d'][rand],
                random_keypoints_3d=video['keypoints_3d'][rand],
                random_visibility=self._visibility(video, rand),
                random_frames=rand)
        return info

    def _visibility(self, video: dict, frames: np.ndarray) -> np.ndarray:
        """The 2D scores, else the visibility, else ones, of ``frames``."""
        if video['keypoints_2d_score'] is not None:
            return video['keypoints_2d_score'][frames]
        if video['visibility'] is not None:
            return video['visibility'][frames]
        return np.ones((len(frames), self.skeleton.num_joints),
                       dtype=np.float32)

    # ------------------------------------------------------------ subsets
    @force_full_init
    def get_subset_(self, indices: Union[Sequence[int], int]) -> None:
        """Keep only the given targets (in place)."""
        self._targets = _readonly(
            np.ascontiguousarray(self._select(self._targets, indices)))

    @force_full_init
    def get_subset(self, indices: Union[Sequence[int], int]
                   ) -> 'BaseLiftingDataset':
        """A copy restricted to the given targets; the videos are shared."""
        sub = copy.copy(self)
        sub._targets = _readonly(
            np.ascontiguousarray(self._select(self._targets, indices)))
        return sub
