"""Readers of the dataset files in MMPose's lifting layout.

Each reader checks what it loads and raises an error that names the file,
the offending key and where the file's preparation is explained
(:func:`dataset_file_error`):

- :func:`load_npz_annotation`: the annotation ``.npz`` (``imgname``,
  ``part``, ``S``, ``center``, ``scale``);
- :func:`load_npz_keypoints`: its per-row 2D/3D arrays, the 2D from the
  annotation or from a detection file;
- :func:`load_detection_file`: 2D detections ``.npy`` aligned row by row;
- :func:`load_camera_file` / :func:`checked_camera`: the camera ``.pkl``,
  read with :func:`pose3d_toolbox.fileio.load_pickle` (no code from the
  file runs), and one camera of it, validated.

Datasets built on these files: :mod:`.npz_lifting`.
"""
import os.path as osp
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np

from ..fileio import UnsafePickleError, load_pickle
from ..skeletons import SKELETONS
from ..utils.camera import validate_camera
from .checks import check_finite

PREPARE_HINT = "see 'Preparing datasets' in README.md"

def dataset_file_error(path: str, problem: str, key=None,
                       error: type = ValueError) -> Exception:
    """Build the error raised for a missing or malformed dataset file.

    The message names the file, the offending key (if any) and where the
    preparation of the file is explained.
    """
    where = f' (key {key!r})' if key is not None else ''
    return error(f'{path}{where}: {problem}; {PREPARE_HINT}')


def skeleton_hint(num_joints: int) -> str:
    """The fix for a joint count that is not the skeleton's: the
    registered skeletons with ``num_joints`` joints."""
    names = sorted(n for n, s in SKELETONS.items()
                   if s.num_joints == num_joints)
    if names:
        return (f'set the dataset\'s skeleton= to one with {num_joints} '
                f'joints ({", ".join(repr(n) for n in names)})')
    return (f'no registered skeleton has {num_joints} joints: add one to '
            'pose3d_toolbox/skeletons.py or convert the file')


def check_file(path: str, what: str) -> str:
    """Raise a :class:`FileNotFoundError` naming ``path`` unless it exists."""
    if not path or not osp.isfile(path):
        raise dataset_file_error(path, f'{what} not found',
                                 error=FileNotFoundError)
    return path


def load_npz_annotation(path: str, num_joints: int,
                        required: Sequence[str] = ('imgname', 'part', 'S')
                        ) -> Dict[str, np.ndarray]:
    """Load and check an annotation ``.npz`` in MMPose's lifting schema.

    The schema (written by MMPose's ``preprocess_h36m.py`` and
    ``preprocess_mpi_inf_3dhp.py``), ``N`` rows, one per frame and camera:

    - ``imgname``: ``(N,)`` str, image path relative to the image folder.
    - ``part``: ``(N, J, 3)`` 2D pixels + visibility (``(N, J, 2)`` accepted).
    - ``S``: ``(N, J, 4)`` 3D camera coordinates in metres + visibility
      (``(N, J, 3)`` accepted).
    - ``center`` ``(N, 2)`` and ``scale`` ``(N,)``: the bounding box, unused
      by lifting; checked for the row count when present.

    Returns a dict of the arrays found. Raises ``FileNotFoundError`` /
    ``ValueError`` naming the file and the key.
    """
    check_file(path, 'annotation file')
    try:
        npz = np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - any unreadable file
        raise dataset_file_error(
            path, f'cannot be read as .npz ({e})') from e
    with npz:
        for key in required:
            if key not in npz.files:
                raise dataset_file_error(
                    path, f'key is missing (found {sorted(npz.files)})', key)
        try:
            out = {k: npz[k] for k in npz.files
                   if k in ('imgname', 'part', 'S', 'center', 'scale')}
        except Exception as e:  # noqa: BLE001
            raise dataset_file_error(path, f'cannot be read ({e})') from e
    if out['imgname'].ndim != 1:
        raise dataset_file_error(
            path, f'expected shape (N,), got {out["imgname"].shape}',
            'imgname')
    n = len(out['imgname'])
    if n == 0:
        raise dataset_file_error(
            path, 'holds no rows (an empty annotation file); re-create it',
            'imgname')
    expected = dict(part=((num_joints, 2), (num_joints, 3)),
                    S=((num_joints, 3), (num_joints, 4)),
                    center=((2, ), ), scale=((), ))
    for key, tails in expected.items():
        if key not in out:
            continue
        arr = out[key]
        if arr.shape[:1] != (n, ):
            raise dataset_file_error(
                path, f'has {len(arr) if arr.ndim else 0} rows, expected one '
                f'per image (N = {n} rows of imgname)', key)
        if arr.shape[1:] not in tails:
            want = ' or '.join(str((n, ) + t) for t in tails)
            fix = ''
            if key in ('part', 'S') and arr.ndim == 3 and \
                    arr.shape[1] != num_joints:
                fix = (f'; the file has {arr.shape[1]} joints, the '
                       f'skeleton {num_joints}: {skeleton_hint(arr.shape[1])}')
            raise dataset_file_error(
                path, f'expected shape {want} (N = {n} rows of imgname), '
                f'got {arr.shape}{fix}', key)
    for key in ('part', 'S'):
        if key in out:
            check_finite(out[key], path, key,
                         extra=lambda i: f'imgname {str(out["imgname"][i])!r}')
    return out


def load_camera_file(path: str) -> dict:
    """Load a camera ``.pkl`` (a dict keyed by camera key).

    Read with :func:`~pose3d_toolbox.fileio.load_pickle`: a file asking for
    anything but plain data (dicts, lists, numbers, strings, numpy arrays)
    raises :class:`~pose3d_toolbox.fileio.UnsafePickleError`, which names
    the file and the refused global, and nothing from it runs.
    """
    check_file(path, 'camera file')
    try:
        cameras = load_pickle(path)
    except UnsafePickleError:
        raise
    except Exception as e:  # noqa: BLE001
        raise dataset_file_error(path,
                                 f'cannot be unpickled ({e})') from e
    if not isinstance(cameras, dict):
        raise dataset_file_error(
            path, f'expected a dict of cameras, got {type(cameras).__name__}')
    return cameras


def checked_camera(cameras: dict, key, path: str, user: str = '',
                   convert: Optional[Callable[[dict], dict]] = None) -> dict:
    """``cameras[key]`` validated, or an error naming the file and the key.

    ``convert`` maps the stored dict to the toolbox convention before the
    check (e.g. another dataset's extrinsics convention).
    """
    if key not in cameras:
        some = ', '.join(repr(k) for k in list(cameras)[:4])
        raise dataset_file_error(
            path, f'no camera for this key{user} (keys look like {some}); '
            'check that camera_param_file= is the camera file of this '
            'annotation file', key)
    camera = cameras[key]
    if not isinstance(camera, dict):
        raise dataset_file_error(
            path, f'expected a camera dict, got {type(camera).__name__}',
            key)
    try:
        if convert is not None:
            camera = convert(camera)
        return validate_camera(camera, source=f'{path} [{key!r}]')
    except ValueError as e:
        raise ValueError(f'{e}; {PREPARE_HINT}') from None


def load_detection_file(path: str, num_rows: int, num_joints: int
                        ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Load 2D detections ``(N, J, 2|3)`` aligned row by row with the npz.

    Returns ``(keypoints (N, J, 2) float32, scores (N, J) float32 or None)``.
    """
    check_file(path, '2D detection file')
    try:
        det = np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001
        raise dataset_file_error(
            path, f'cannot be read as .npy ({e})') from e
    if det.ndim != 3 or det.shape[1:] not in ((num_joints, 2),
                                             (num_joints, 3)):
        raise dataset_file_error(
            path, f'expected shape (N, {num_joints}, 2) or (N, {num_joints}, '
            f'3), got {det.shape}')
    if det.shape[0] != num_rows:
        raise dataset_file_error(
            path, f'has {det.shape[0]} rows but the annotation file has '
            f'{num_rows}: detections must be aligned row by row with '
            "the annotation's 'imgname'")
    det = det.astype(np.float32)
    check_finite(det, path, 'detections')
    scores = det[..., 2].copy() if det.shape[-1] == 3 else None
    return np.ascontiguousarray(det[..., :2]), scores


def load_npz_keypoints(ann_file: str, num_joints: int,
                       keypoint_2d_src: str = 'gt',
                       keypoint_2d_det_file: Optional[str] = None) -> dict:
    """Per-row arrays of an MMPose lifting npz, 2D from the chosen source.

    Returns ``dict(imgname (N,), keypoints_2d (N, J, 2), keypoints_3d
    (N, J, 3), keypoints_2d_score (N, J) or None, visibility (N, J) or
    None)``; ``visibility`` is the third column of ``part``, the scores the
    third column of the detections.
    """
    ann = load_npz_annotation(ann_file, num_joints)
    n = len(ann['imgname'])
    part = ann['part']
    out = dict(imgname=ann['imgname'], keypoints_2d=part[..., :2],
               keypoints_3d=ann['S'][..., :3], keypoints_2d_score=None,
               visibility=part[..., 2] if part.shape[-1] == 3 else None)
    if keypoint_2d_src == 'detection':
        out['keypoints_2d'], out['keypoints_2d_score'] = load_detection_file(
            keypoint_2d_det_file, n, num_joints)
    return out
