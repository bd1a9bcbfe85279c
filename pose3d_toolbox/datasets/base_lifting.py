"""Shared machinery of every 2D -> 3D lifting dataset.

A lifting dataset is a set of *videos* (one subject / action / camera
sequence each) held as a few whole-video numpy arrays, plus an index table of
``(video, frame)`` *targets*. A sample is the window of ``seq_len`` frames
around one target, gathered by indexing the video arrays (clipped indices pad
the edges by repeating the first / last frame); no video is ever copied per
sample. The frames of all videos sit in one array per key, so a whole batch
is one index (:meth:`BaseLiftingDataset.gather_batch`), and with
``batched=True`` a ``DataLoader`` batch goes through the pipeline's batch
forms at once (:meth:`BaseLiftingDataset.get_batch`, the *batch path*),
giving the samples that indexing one by one gives.

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
from ..utils.lifting_windows import (random_frames, sample_rng, window_frames,
                                      window_offsets)
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
            (seeded per sample from ``(seed, epoch, index)`` by
            ``SeededSampleDataset``) and changes every epoch.
        random_frames_seed: seed of the test-mode draws.
        subset_frac: keep this fraction of the targets, evenly spread over
            the whole dataset (deterministic), for quick runs.
        max_samples: keep at most this many targets (evenly spread), applied
            after ``subset_frac``.
        skeleton: the videos' skeleton, a name or a
            :class:`~pose3d_toolbox.skeletons.Skeleton`; ``J`` of every
            video must match it. Samples carry its name.
        batched: make the batches of a ``DataLoader`` on the batch path
            (:meth:`get_batch`, via ``__getitems__``): one vectorised
            gather and each pipeline step's ``transform_batch`` on the
            whole batch, the same samples as indexing one by one. The
            shipped lifting configs set it; a pipeline step without a batch
            form makes the dataset fall back to one sample at a time.
            Loader workers do not pay on this path (a batch costs about a
            millisecond; a worker would pickle every data sample back to
            the main process), so the configs load in the main process
            (``num_workers=0``).
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
                 batched: bool = False,
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
        self.batched = bool(batched)
        self._given_videos = videos
        self.target_index, offsets = window_offsets(
            self.seq_len, self.causal, self.frame_interval)
        self._offsets = _readonly(offsets)
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
        self._flat = self._flatten_videos()
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
        # shared by every sample of the video (data samples hold references)
        out['camera'] = {
            k: _readonly(v.copy()) if isinstance(v, np.ndarray) else v
            for k, v in validate_camera(video['camera'], source=name).items()}
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

    def _flatten_videos(self) -> dict:
        """Concatenate every video's frames into one array per key, so a
        batch of any samples is one fancy index (``video['keypoints_2d']``
        and friends become read-only views of it, no second copy).

        Returns ``keypoints_2d (F, J, 2)``, ``keypoints_3d (F, J, 3)``,
        ``visibility (F, J)`` (per video its 2D scores, else its
        visibility, else ones), ``start (V,)`` (first row of each video)
        and ``num_frames (V,)``.
        """
        videos = self._videos
        lengths = np.array([v['num_frames'] for v in videos], np.int64)
        J = self.skeleton.num_joints
        flat = dict(start=_readonly(np.concatenate(
            [[0], np.cumsum(lengths)[:-1]]).astype(np.int64)),
            num_frames=_readonly(lengths))
        vis = [v['keypoints_2d_score'] if v['keypoints_2d_score'] is not None
               else v['visibility'] if v['visibility'] is not None
               else np.ones((v['num_frames'], J), np.float32) for v in videos]
        for key in ('keypoints_2d', 'keypoints_3d'):
            flat[key] = _readonly(np.concatenate([v[key] for v in videos]))
        flat['visibility'] = _readonly(np.concatenate(vis))
        for video, start, T in zip(videos, flat['start'], lengths):
            for key in ('keypoints_2d', 'keypoints_3d'):
                video[key] = flat[key][start:start + T]
        return flat

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
        vi, frames = self.get_batch_frames(np.array([idx]))
        return int(vi[0]), frames[0]

    @force_full_init
    def get_batch_frames(self, indices: np.ndarray
                         ) -> Tuple[np.ndarray, np.ndarray]:
        """``(video indices (N,), frame indices (N, S))`` of samples
        ``indices``: each target plus the window offsets, clipped to its
        video (the edge padding), for all samples in one operation."""
        vi, frame = self._targets[indices].T
        last = self._flat['num_frames'][vi] - 1
        return vi, window_frames(frame, self._offsets, last)

    @force_full_init
    def get_random_frames(self, idx: int) -> np.ndarray:
        """``(l,)`` frame indices drawn at random for sample ``idx``.

        Drawn from ``[0, T)``, or from ``[0, target]`` when ``causal`` (the
        draw then depends only on the target's index, never on later
        frames). Sorted, so repeated draws read the video in order.
        """
        vi, frame = self._targets[idx]
        n = int(frame) + 1 if self.causal else self._videos[vi]['num_frames']
        rng = (sample_rng(self.random_frames_seed, idx) if self.test_mode
               else np.random.default_rng(np.random.randint(2**31)))
        return random_frames(n, self.num_random_frames, rng)

    def _checked_indices(self, indices) -> np.ndarray:
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(self)
        bad = (idx < -n) | (idx >= n)
        if bad.any():
            raise IndexError(f'{type(self).__name__}: index '
                             f'{int(idx[bad][0])} out of range for {n} '
                             'samples')
        return idx % n if n else idx

    @force_full_init
    def gather_batch(self, indices) -> dict:
        """The samples ``indices`` as one batch dict, gathered with one
        index per array (no random frames: :meth:`add_random_frames`).

        Keys as :meth:`get_data_info`'s, with a leading ``N`` axis:
        ``keypoints_2d (N, S, J, 2)``, ``keypoints_3d (N, S, J, 3)``,
        ``visibility (N, S, J)``, ``frame (N,)``, ``sample_idx (N,)``;
        ``camera``, ``img_path``, ``subject``, ``action``, ``camera_id``
        are lists of ``N`` (``camera`` holds references to the videos'
        read-only camera dicts, never copies); ``target_index``,
        ``skeleton`` and ``root_index`` are shared by the batch.
        """
        idx = self._checked_indices(indices)
        vi, frames = self.get_batch_frames(idx)
        rows = self._flat['start'][vi][:, None] + frames
        target = frames[:, self.target_index]
        videos = [self._videos[v] for v in vi.tolist()]
        prefix = self.data_prefix.get('img', '')
        img_paths = []
        for video, t in zip(videos, target.tolist()):
            path = ('' if video['img_paths'] is None
                    else video['img_paths'][t].decode('utf-8'))
            if path and prefix and not osp.isabs(path):
                path = osp.join(prefix, path)
            img_paths.append(path)
        return dict(
            keypoints_2d=np.take(self._flat['keypoints_2d'], rows, axis=0),
            keypoints_3d=np.take(self._flat['keypoints_3d'], rows, axis=0),
            visibility=np.take(self._flat['visibility'], rows, axis=0),
            target_index=self.target_index,
            camera=[video['camera'] for video in videos],
            img_path=img_paths,
            subject=[video['subject'] for video in videos],
            action=[video['action'] for video in videos],
            camera_id=[video['camera_id'] for video in videos],
            frame=target,
            sample_idx=idx,
            skeleton=self.skeleton.name,
            root_index=self.skeleton.root_index)

    def add_random_frames(self, batch: dict, frames: np.ndarray) -> dict:
        """Add :data:`RANDOM_FRAME_KEYS` for ``(N, l)`` frame indices of
        each sample's own video to a :meth:`gather_batch` dict."""
        vi = self._targets[batch['sample_idx'], 0]
        flat = self._flat
        rows = flat['start'][vi][:, None] + frames
        batch.update(
            random_keypoints_2d=np.take(flat['keypoints_2d'], rows, axis=0),
            random_keypoints_3d=np.take(flat['keypoints_3d'], rows, axis=0),
            random_visibility=np.take(flat['visibility'], rows, axis=0),
            random_frames=frames)
        return batch

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """The sample dict of ``idx`` (keys :data:`SAMPLE_KEYS`): item 0 of
        :meth:`gather_batch`, with its random frames."""
        batch = self.gather_batch([idx])
        if self.num_random_frames:
            self.add_random_frames(
                batch, self.get_random_frames(batch['sample_idx'][0])[None])
        info = {key: value[0] for key, value in batch.items()
                if key not in ('target_index', 'skeleton', 'root_index')}
        info.update(target_index=batch['target_index'],
                    skeleton=batch['skeleton'],
                    root_index=batch['root_index'],
                    camera=dict(info['camera']), frame=int(info['frame']),
                    sample_idx=int(info['sample_idx']))
        return info

    # ---------------------------------------------------------- batch path
    @property
    def batch_path(self) -> bool:
        """Whether :meth:`__getitems__` runs the batch path: ``batched``
        is set, :meth:`get_data_info` is this class's, and every pipeline
        step has a batch form (``transform_batch``). Otherwise batches are
        made sample by sample, as before (plugins' per-sample transforms
        keep working)."""
        own_info = type(self).get_data_info is \
            BaseLiftingDataset.get_data_info
        return (self.batched and own_info
                and all(callable(getattr(t, 'transform_batch', None))
                        for t in self.pipeline.transforms))

    @property
    def drawing_steps(self) -> list:
        """The pipeline steps that draw random numbers (those with a
        ``draw``)."""
        return [t for t in self.pipeline.transforms
                if callable(getattr(t, 'draw', None))]

    @property
    def batch_draws(self) -> bool:
        """Whether a batch draws random numbers (random frames, or a
        :attr:`drawing_steps` step); if not, :meth:`get_batch` ignores its
        ``seeds``."""
        return bool(self.num_random_frames or self.drawing_steps)

    @force_full_init
    def get_batch(self, indices, seeds: Optional[np.ndarray] = None
                  ) -> list:
        """``[self[i] for i in indices]``, made on the whole batch at once.

        One :meth:`gather_batch`, then every pipeline step's
        ``transform_batch``. The random draws are those of the per-sample
        path, in its order: for each sample (numpy's global generator seeded
        with ``seeds[i]`` when given, as ``SeededSampleDataset`` seeds it
        per sample) its random frames, then each step's ``draw(batch, i)``
        in pipeline order; the steps then apply the draws to the batch.
        Needs :attr:`batch_path`.
        """
        if not self.batch_path:
            per_sample = [type(t).__name__ for t in self.pipeline.transforms
                          if not hasattr(t, 'transform_batch')]
            raise RuntimeError(
                f'{type(self).__name__}.get_batch: no batch path (batched='
                f'{self.batched}, pipeline steps without transform_batch: '
                f'{per_sample}); index the samples one by one instead')
        batch = self.gather_batch(indices)
        n = len(batch['sample_idx'])
        steps = self.pipeline.transforms
        drawing = self.drawing_steps
        draws = {id(t): [] for t in drawing}
        if drawing or self.num_random_frames:
            frames = []
            for i, idx in enumerate(batch['sample_idx'].tolist()):
                if seeds is not None:
                    np.random.seed(int(seeds[i]))
                if self.num_random_frames:
                    frames.append(self.get_random_frames(idx))
                for step in drawing:
                    draws[id(step)].append(step.draw(batch, i))
            if self.num_random_frames:
                self.add_random_frames(batch, np.stack(frames))
        for step in steps:
            batch = step.transform_batch(batch, draws.get(id(step)))
        if not isinstance(batch, list) or len(batch) != n:
            raise TypeError(
                f'{type(self).__name__}: the batch pipeline must end in '
                f'PackPoseInputs (a list of {n} samples), got '
                f'{type(batch).__name__}')
        return batch

    def __getitems__(self, indices) -> list:
        """What a ``DataLoader`` calls for a batch: :meth:`get_batch` on
        the batch path, else the samples one by one."""
        if self.batch_path:
            return self.get_batch(indices)
        return [self[i] for i in indices]

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
