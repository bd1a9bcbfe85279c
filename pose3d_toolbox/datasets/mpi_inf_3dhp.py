"""MPI-INF-3DHP in MMPose's preprocessed layout.

Files (as written by MMPose's
``tools/dataset_converters/preprocess_mpi_inf_3dhp.py``)::

    <data_root>/annotations/mpi_inf_3dhp_train.npz       S1..S8, Seq1-2, cams
    <data_root>/annotations/mpi_inf_3dhp_test_valid.npz  TS1..TS6, valid frames
    <data_root>/annotations/cameras_train.pkl
    <data_root>/annotations/cameras_test.pkl
    <data_root>/images/S1_Seq1_Cam0_000001.jpg   (train)
    <data_root>/images/TS1_000001.jpg            (test)

The npz follows the same schema as Human3.6M's (``imgname, center, scale,
part (N, 17, 3), S (N, 17, 4)``, metres, camera coordinates) with the 17
joints in MMPose's MPI-INF-3DHP order (root = pelvis, joint 14); the
visibility column of ``part`` / ``S`` is 1 where the joint lies inside the
image. Frame numbers in the names are 1-based; the test set keeps only the
valid frames, so its numbers have gaps.

Cameras:

- ``cameras_train.pkl``: ``'S1_Seq1_Cam0'`` -> ``dict(R, T, c, f, w, h,
  name)`` with ``R``, ``T`` the calibration's world-to-camera extrinsics
  (``X_cam = R @ X_world + T``, column vectors, ``T`` in metres). They are
  converted on load to the toolbox convention of
  :mod:`pose3d_toolbox.utils.camera` (``R' = R^T``, ``T' = -R^T T``, the
  camera centre), so ``camera_to_world`` works as for Human3.6M.
- ``cameras_test.pkl``: ``'TS1'`` -> ``dict(c, f, w, h, name)``, intrinsics
  only; the loaded camera gets ``R = I`` and ``T = 0`` (world = camera).
"""
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

from ..registry import DATASETS
from .base_lifting import (BaseLiftingDataset, check_keypoint_2d_src,
                           checked_camera, dataset_file_error, group_rows,
                           load_camera_file, load_npz_keypoints,
                           path_under_root)

#: Scene of each test sequence (TS1-2 green screen, TS3-4 studio without
#: green screen, TS5-6 outdoors), used as the ``action`` of test samples.
MPI_INF_3DHP_TEST_SCENES = dict(TS1='GS', TS2='GS', TS3='noGS', TS4='noGS',
                                TS5='Outdoor', TS6='Outdoor')


def parse_mpi_inf_3dhp_imgname(imgname: str) -> dict:
    """Split an image name into its parts.

    ``'S1_Seq2_Cam4_000010.jpg'`` -> ``dict(subject='S1', sequence='Seq2',
    camera='Cam4', camera_key='S1_Seq2_Cam4', frame_number=10)``;
    ``'TS3_000010.jpg'`` -> ``dict(subject='TS3', sequence='', camera='',
    camera_key='TS3', frame_number=10)``.
    """
    stem = osp.splitext(osp.basename(str(imgname)))[0]
    parts = stem.split('_')
    try:
        frame_number = int(parts[-1])
        if len(parts) == 4 and parts[0].startswith('S') and \
                parts[1].startswith('Seq') and parts[2].startswith('Cam'):
            subject, sequence, camera = parts[:3]
        elif len(parts) == 2 and parts[0].startswith('TS'):
            subject, sequence, camera = parts[0], '', ''
        else:
            raise ValueError
    except ValueError:
        raise ValueError(
            f'image name {imgname!r} matches neither S<n>_Seq<n>_Cam<n>_'
            '<frame>.jpg nor TS<n>_<frame>.jpg') from None
    return dict(subject=subject, sequence=sequence, camera=camera,
                camera_key='_'.join(parts[:-1]), frame_number=frame_number)


def mpi_camera_to_toolbox(camera: dict) -> dict:
    """Convert an MPI-INF-3DHP camera dict to the toolbox convention.

    World-to-camera ``R``, ``T`` (``X_cam = R X + T``) become ``R^T`` and the
    camera centre ``-R^T T``; a camera without extrinsics gets ``R = I``,
    ``T = 0``. Other keys are kept.
    """
    out = dict(camera)
    if 'R' in camera and 'T' in camera:
        R = np.asarray(camera['R'], dtype=np.float64).reshape(3, 3)
        T = np.asarray(camera['T'], dtype=np.float64).reshape(3, 1)
        out['R'], out['T'] = R.T, -R.T @ T
    else:
        out['R'], out['T'] = np.eye(3), np.zeros((3, 1))
    return out


@DATASETS.register_module()
class MpiInf3dhpDataset(BaseLiftingDataset):
    """MPI-INF-3DHP for 2D -> 3D lifting (MMPose's preprocessed files).

    Args:
        ann_file: annotation npz, relative to ``data_root``
            (``annotations/mpi_inf_3dhp_test_valid.npz`` for testing).
        camera_param_file: camera pkl relative to ``data_root``; ``None``
            picks ``annotations/cameras_test.pkl`` when the annotation file's
            name contains ``test`` and ``annotations/cameras_train.pkl``
            otherwise.
        keypoint_2d_src: ``'gt'`` or ``'detection'``.
        keypoint_2d_det_file: ``.npy`` ``(N, 17, 2|3)`` aligned row by row
            with the npz; relative to ``data_root``.
        subjects: keep only these subjects (``'S1'``.. or ``'TS1'``..).
        data_prefix: ``dict(img=...)``, the image folder.
        **kwargs: :class:`BaseLiftingDataset` options.

    Sample metadata: training videos are ``(subject, sequence, camera)`` with
    ``action = 'Seq1'`` / ``'Seq2'`` and ``camera_id = '0'``.. (the camera
    index of the name); test videos are whole ``TS<n>`` sequences with
    ``action`` = their scene (:data:`MPI_INF_3DHP_TEST_SCENES`) and
    ``camera_id`` = ``'TS<n>'`` (the key in ``cameras_test.pkl``).
    """

    METAINFO: dict = dict(dataset_name='mpi_inf_3dhp')
    SUPPORTED_2D_SRC = ('gt', 'detection')

    def __init__(self,
                 ann_file: str = 'annotations/mpi_inf_3dhp_train.npz',
                 camera_param_file: Optional[str] = None,
                 keypoint_2d_src: str = 'gt',
                 keypoint_2d_det_file: Optional[str] = None,
                 subjects: Optional[Sequence[str]] = None,
                 data_root: str = '',
                 data_prefix: dict = dict(img='images/'),
                 skeleton: str = 'mpi_inf_3dhp',
                 **kwargs):
        check_keypoint_2d_src(type(self).__name__, keypoint_2d_src,
                              keypoint_2d_det_file)
        if camera_param_file is None:
            split = 'test' if 'test' in osp.basename(ann_file) else 'train'
            camera_param_file = f'annotations/cameras_{split}.pkl'
        self.keypoint_2d_src = keypoint_2d_src
        self.camera_param_file = path_under_root(camera_param_file, data_root)
        self.keypoint_2d_det_file = path_under_root(keypoint_2d_det_file,
                                                    data_root)
        self.subjects = None if subjects is None else tuple(subjects)
        super().__init__(ann_file=ann_file, data_root=data_root,
                         data_prefix=data_prefix, skeleton=skeleton, **kwargs)

    def load_videos(self) -> List[dict]:
        rows = load_npz_keypoints(self.ann_file, self.skeleton.num_joints,
                                  self.keypoint_2d_src,
                                  self.keypoint_2d_det_file)
        cameras = load_camera_file(self.camera_param_file)
        imgnames = rows['imgname']
        infos = []
        for i, name in enumerate(imgnames):
            try:
                infos.append(parse_mpi_inf_3dhp_imgname(name))
            except ValueError as e:
                raise dataset_file_error(self.ann_file, f'row {i}: {e}',
                                         'imgname') from None
        keys = [info['camera_key'] for info in infos]
        frame_numbers = np.array([info['frame_number'] for info in infos],
                                 dtype=np.int64)

        videos = []
        for key, idx in zip(*group_rows(keys, frame_numbers)):
            info = infos[idx[0]]
            if self.subjects is not None and \
                    info['subject'] not in self.subjects:
                continue
            camera = checked_camera(cameras, key, self.camera_param_file,
                                    f' (used by {self.ann_file})',
                                    convert=mpi_camera_to_toolbox)
            if info['sequence']:  # a training sequence: S<n>_Seq<n>_Cam<n>
                action, camera_id = info['sequence'], info['camera'][3:]
            else:  # a test sequence: TS<n>, one camera
                action = MPI_INF_3DHP_TEST_SCENES.get(info['subject'], '')
                camera_id = key
            video = {k: None if v is None else v[idx]
                     for k, v in rows.items() if k != 'imgname'}
            video.update(camera=camera, subject=info['subject'],
                         action=action, camera_id=camera_id,
                         img_paths=imgnames[idx])
            videos.append(video)
        return videos
