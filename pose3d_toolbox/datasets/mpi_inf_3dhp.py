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
from typing import Dict, Optional, Tuple

import numpy as np

from ..registry import DATASETS
from .npz_lifting import NpzLiftingDataset

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
class MpiInf3dhpDataset(NpzLiftingDataset):
    """MPI-INF-3DHP for 2D -> 3D lifting (MMPose's preprocessed files).

    Args:
        ann_file: annotation npz, relative to ``data_root``
            (``annotations/mpi_inf_3dhp_test_valid.npz`` for testing).
        camera_param_file: camera pkl relative to ``data_root``; ``None``
            picks ``annotations/cameras_test.pkl`` when the annotation file's
            name contains ``test`` and ``annotations/cameras_train.pkl``
            otherwise.
        skeleton: the joints of the files (a name or a ``Skeleton``).
        **kwargs: :class:`~.npz_lifting.NpzLiftingDataset` options
            (``keypoint_2d_src``, ``keypoint_2d_det_file``, ``subjects``
            such as ``['S1']`` or ``['TS1']``, ``data_root``,
            ``data_prefix``) and :class:`BaseLiftingDataset` options.

    Sample metadata: training videos are ``(subject, sequence, camera)`` with
    ``action = 'Seq1'`` / ``'Seq2'`` and ``camera_id = '0'``.. (the camera
    index of the name); test videos are whole ``TS<n>`` sequences with
    ``action`` = their scene (:data:`MPI_INF_3DHP_TEST_SCENES`) and
    ``camera_id`` = ``'TS<n>'`` (the key in ``cameras_test.pkl``).
    """

    METAINFO: dict = dict(dataset_name='mpi_inf_3dhp')

    def __init__(self,
                 ann_file: str = 'annotations/mpi_inf_3dhp_train.npz',
                 camera_param_file: Optional[str] = None,
                 skeleton='mpi_inf_3dhp',
                 **kwargs):
        if camera_param_file is None:
            split = 'test' if 'test' in osp.basename(ann_file) else 'train'
            camera_param_file = f'annotations/cameras_{split}.pkl'
        super().__init__(ann_file=ann_file,
                         camera_param_file=camera_param_file,
                         skeleton=skeleton, **kwargs)

    def parse_row(self, imgname: str) -> Tuple[str, int]:
        info = parse_mpi_inf_3dhp_imgname(imgname)
        return info['camera_key'], info['frame_number']

    def video_info(self, key: str, imgname: str) -> Dict:
        info = parse_mpi_inf_3dhp_imgname(imgname)
        if info['sequence']:  # a training sequence: S<n>_Seq<n>_Cam<n>
            action, camera_id = info['sequence'], info['camera'][3:]
        else:  # a test sequence: TS<n>, one camera
            action = MPI_INF_3DHP_TEST_SCENES.get(info['subject'], '')
            camera_id = key
        return dict(subject=info['subject'], action=action,
                    camera_id=camera_id, camera_key=key)

    def convert_camera(self, camera: Dict) -> Dict:
        return mpi_camera_to_toolbox(camera)
