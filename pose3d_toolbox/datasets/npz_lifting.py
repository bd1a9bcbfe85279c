"""Lifting datasets in MMPose's preprocessed layout (an annotation ``.npz``
plus a camera ``.pkl``): what Human3.6M and MPI-INF-3DHP share.

The annotation holds one row per frame and camera (schema:
:func:`~.file_readers.load_npz_annotation`); a row's image name says which
video it belongs to and its frame number. :class:`NpzLiftingDataset` reads
the rows (2D from the annotation or from a detection file), groups them into
videos ordered by frame number, keeps the wanted subjects and attaches each
video's camera. A dataset says only how its image names read:
:meth:`~NpzLiftingDataset.parse_row` and
:meth:`~NpzLiftingDataset.video_info`.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .base_lifting import BaseLiftingDataset
from .checks import select_ids
from .file_readers import (PREPARE_HINT, checked_camera, dataset_file_error,
                           load_camera_file, load_npz_keypoints)

#: Sources of the 2D input of npz-based datasets.
KEYPOINT_2D_SOURCES = ('gt', 'detection')


def check_keypoint_2d_src(owner: str, keypoint_2d_src: str,
                          keypoint_2d_det_file: Optional[str]) -> None:
    """Raise a ``ValueError`` for an unknown source or a missing det file."""
    if keypoint_2d_src not in KEYPOINT_2D_SOURCES:
        raise ValueError(f'{owner}: keypoint_2d_src must be one of '
                         f'{KEYPOINT_2D_SOURCES}, got {keypoint_2d_src!r}')
    if keypoint_2d_src == 'detection' and not keypoint_2d_det_file:
        raise ValueError(f"{owner}: keypoint_2d_src='detection' needs "
                         f'keypoint_2d_det_file; {PREPARE_HINT}')


def path_under_root(path: Optional[str], data_root: str) -> Optional[str]:
    """Join a relative ``path`` to ``data_root`` (as mmengine does)."""
    if path and data_root and not osp.isabs(path):
        return osp.join(data_root, path)
    return path


def group_rows(keys: Sequence[str], frame_numbers: np.ndarray
               ) -> Tuple[List[str], List[np.ndarray]]:
    """Group annotation rows into videos.

    Returns ``(unique_keys, row-index arrays)``; videos are sorted by key
    and the rows of a video by frame number.
    """
    if not len(keys):
        return [], []
    uniq, inverse = np.unique(np.asarray(keys), return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.lexsort((np.asarray(frame_numbers), inverse))
    counts = np.bincount(inverse, minlength=len(uniq))
    return [str(k) for k in uniq], np.split(order, np.cumsum(counts)[:-1])


class NpzLiftingDataset(BaseLiftingDataset):
    """Base of the datasets stored as an MMPose lifting npz + camera pkl.

    Args:
        ann_file: annotation npz, relative to ``data_root``.
        camera_param_file: camera pkl, relative to ``data_root``.
        keypoint_2d_src: ``'gt'`` (the npz's ``part``) or ``'detection'``.
        keypoint_2d_det_file: ``.npy`` of ``(N, J, 2|3)`` detections aligned
            row by row with the npz (a third column is the score, used as
            ``visibility``); relative to ``data_root``.
        subjects: keep only these subjects (ids as in the image names,
            e.g. ``['S1']``). A list that matches no video of the file is an
            error naming the subjects present; ids absent from it are
            skipped with a warning.
        data_root: folder of the files.
        data_prefix: ``dict(img=...)``, the image folder.
        **kwargs: :class:`BaseLiftingDataset` options (``skeleton``,
            ``seq_len``, ``causal``, ``step``, ``subset_frac``,
            ``pipeline``, ...).

    A subclass implements :meth:`parse_row` and :meth:`video_info`, and may
    extend :meth:`filters` and :meth:`convert_camera`.
    """

    def __init__(self,
                 ann_file: str,
                 camera_param_file: str,
                 keypoint_2d_src: str = 'gt',
                 keypoint_2d_det_file: Optional[str] = None,
                 subjects: Optional[Sequence[str]] = None,
                 data_root: str = '',
                 data_prefix: dict = dict(img='images/'),
                 **kwargs):
        check_keypoint_2d_src(type(self).__name__, keypoint_2d_src,
                              keypoint_2d_det_file)
        self.keypoint_2d_src = keypoint_2d_src
        self.camera_param_file = path_under_root(camera_param_file, data_root)
        self.keypoint_2d_det_file = path_under_root(keypoint_2d_det_file,
                                                    data_root)
        self.subjects = subjects
        super().__init__(ann_file=ann_file, data_root=data_root,
                         data_prefix=data_prefix, **kwargs)

    # ------------------------------------------------------------ hooks
    def parse_row(self, imgname: str) -> Tuple[str, int]:
        """``(video key, frame number)`` of one row's image name; raises
        ``ValueError`` (a message naming the image) for a malformed one."""
        raise NotImplementedError

    def video_info(self, key: str, imgname: str) -> Dict:
        """Metadata of the video ``key`` from its first image name:
        ``subject``, ``action``, ``camera_id``, ``camera_key`` (its key in
        the camera file) and any extra keys to store; ``ValueError`` for a
        malformed name."""
        raise NotImplementedError

    def filters(self) -> Dict[str, Optional[Sequence[str]]]:
        """The id options that select videos: :meth:`video_info` key ->
        ``(option name, requested ids or None)``."""
        return dict(subject=('subjects', self.subjects))

    def convert_camera(self, camera: Dict) -> Dict:
        """The stored camera dict in the toolbox convention
        (:mod:`pose3d_toolbox.utils.camera`); identity by default."""
        return camera

    # ------------------------------------------------------------ loading
    def load_videos(self) -> List[dict]:
        rows = load_npz_keypoints(self.ann_file, self.skeleton.num_joints,
                                  self.keypoint_2d_src,
                                  self.keypoint_2d_det_file)
        cameras = load_camera_file(self.camera_param_file)
        imgnames = rows['imgname']
        keys, frame_numbers = [], np.empty(len(imgnames), dtype=np.int64)
        for i, name in enumerate(imgnames):
            try:
                key, frame_numbers[i] = self.parse_row(str(name))
            except ValueError as e:
                raise dataset_file_error(self.ann_file, f'row {i}: {e}',
                                         'imgname') from None
            keys.append(key)

        groups = []
        for key, idx in zip(*group_rows(keys, frame_numbers)):
            try:
                info = self.video_info(key, str(imgnames[idx[0]]))
            except ValueError as e:
                raise dataset_file_error(self.ann_file, str(e),
                                         'imgname') from None
            groups.append((key, idx, info))
        groups = self._select_videos(groups)
        videos = []
        for key, idx, info in groups:
            camera = checked_camera(
                cameras, info.pop('camera_key'), self.camera_param_file,
                f' (used by {key!r})', convert=self.convert_camera)
            video = {k: None if v is None else v[idx]
                     for k, v in rows.items() if k != 'imgname'}
            video.update(info, camera=camera, img_paths=imgnames[idx])
            videos.append(video)
        return videos

    def _select_videos(self, groups: List[tuple]) -> List[tuple]:
        """The ``(key, rows, info)`` groups that :meth:`filters` keep; an
        option matching nothing (or options never met together) is an
        error naming the values present (:func:`.checks.select_ids`)."""
        where = f'{type(self).__name__} ({self.ann_file})'
        wanted = {}
        for field, (option, requested) in self.filters().items():
            ids = select_ids(requested, {g[2][field] for g in groups},
                             option, where)
            if ids is not None:
                wanted[field] = set(ids)
        kept = [g for g in groups
                if all(g[2][f] in ids for f, ids in wanted.items())]
        if not kept:
            pairs = sorted({'/'.join(g[2][f] for f in wanted)
                            for g in groups})
            raise ValueError(
                f'{where}: no video has ' + ' and '.join(
                    f'{f} in {sorted(ids)}' for f, ids in wanted.items()) +
                f'; the videos have {"/".join(wanted)} {pairs[:12]}'
                f'{" ..." if len(pairs) > 12 else ""}: choose values that '
                'occur together')
        return kept
