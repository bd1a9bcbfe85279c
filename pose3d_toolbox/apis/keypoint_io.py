"""Readers of 2D keypoint files for :class:`~.inferencer.Pose3DInferencer`.

:func:`read_keypoints` returns a :class:`KeypointInput`: per frame, the
people's keypoints ``(N, J, 2)`` (pixels), scores ``(N, J)`` and boxes
``(N, 4)`` ``(x1, y1, x2, y2)``, plus what the file says about the layout,
the image size, the camera and the frame rate. Accepted:

- **MMPose prediction JSON** (``split_instances`` records: ``keypoints``
  ``J x [x, y]``, ``keypoint_scores``, ``bbox`` ``[[x1, y1, x2, y2]]`` or
  ``[x1, y1, x2, y2]``, ``bbox_score``):

  - one image's file of ``MMPoseInferencer(..., pred_out_dir=DIR)``: a list
    of instances; a *folder* of such files is read as a sequence in file
    name order;
  - a video's file of the same inferencer: ``[{"frame_id", "instances"}]``;
  - ``--save-predictions`` of MMPose's ``demo/topdown_demo_with_mmdet.py``
    and ``demo/body3d_pose_lifter_demo.py``: ``{"meta_info",
    "instance_info"}`` with ``instance_info`` a list of ``{"frame_id",
    "instances"}`` (or of instances, for one image); ``meta_info``'s
    ``dataset_name`` gives the layout. The 3D demo's file holds
    ``[x, y, z]`` keypoints, 3D already: it is refused with the fix.

  Without a ``meta_info`` the layout defaults to ``'coco'`` (MMPose's 2D
  body models, the inferencer's ``'human'`` alias, predict COCO-17).
- **COCO keypoint JSON**: ``{"images", "annotations"}`` (``keypoints``
  ``[x1, y1, v1, ...]``; score 1 where ``v > 0``, times the
  annotation's ``score`` if any; a joint with ``v = 0`` is not labelled
  and read as NaN, see ``nan_policy``), frames in image-id order, the
  image size from
  ``images``; or a COCO *results* list ``[{"image_id", "keypoints",
  "score"}]``. Layout ``'coco'`` unless ``categories[0]['keypoints']``
  names the Human3.6M joints.
- **numpy**: ``.npy`` ``(T, J, 2)`` or ``(T, J, 3)`` (the third value is
  the score), one person; ``.npz`` with ``keypoints`` ``(T, J, 2|3)`` or
  ``(T, N, J, 2|3)`` (``N`` people, NaN rows for absent ones) and
  optional ``scores`` ``(T, [N,] J)``, ``layout`` (str), ``image_size``
  ``(w, h)``, ``focal_length`` ``(fx, fy)``, ``principal_point``
  ``(cx, cy)``, ``fps``. A ``.npy`` carries no layout: pass it.
"""
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np

from pose3d_toolbox.keypoint_layouts import LAYOUTS
from pose3d_toolbox.skeletons import H36M

#: MMPose ``dataset_name`` -> layout.
MMPOSE_DATASET_LAYOUTS = dict(coco='coco', h36m='h36m', human36m='h36m',
                              cmu_mocap='h36m')


@dataclass
class Frame:
    """One frame's people: ``keypoints (N, J, 2)``, ``scores (N, J)``,
    ``bboxes (N, 4)`` or None (boxes of the keypoints are used)."""
    frame_id: int
    keypoints: np.ndarray
    scores: np.ndarray
    bboxes: Optional[np.ndarray] = None
    img_path: str = ''


@dataclass
class KeypointInput:
    """What a keypoint file holds (see the module docstring)."""
    source: str
    frames: List[Frame]
    layout: Optional[str] = None
    image_size: Optional[Tuple[int, int]] = None
    focal_length: Optional[Tuple[float, float]] = None
    principal_point: Optional[Tuple[float, float]] = None
    fps: Optional[float] = None
    extras: dict = field(default_factory=dict)

    @property
    def num_joints(self) -> int:
        for f in self.frames:
            if len(f.keypoints):
                return f.keypoints.shape[1]
        return 0


def _error(source: str, problem: str, fix: str) -> ValueError:
    return ValueError(f'{source}: {problem}; {fix}')


def _frame(source, frame_id, kps, scores=None, bboxes=None, img_path=''):
    kp = np.asarray(kps, np.float64)
    if kp.ndim == 2:
        kp = kp[None]
    if kp.size == 0:
        kp = kp.reshape(0, 0, 2)
    if kp.ndim != 3 or kp.shape[-1] not in (2, 3):
        raise _error(source, f'frame {frame_id}: keypoints of shape '
                     f'{kp.shape}', 'expected (people, joints, 2) pixels '
                     '(or (people, joints, 3) with scores)')
    if kp.shape[-1] == 3:
        if kp.shape[0] and np.isfinite(kp[..., 2]).all() and \
                np.abs(kp[..., 2]).max() > 1.0 + 1e-6 and scores is None:
            raise _error(source, f'frame {frame_id}: keypoints have 3 '
                         'values per joint and the third is not a score in '
                         '[0, 1] (3D keypoints?)', 'give 2D keypoints in '
                         'pixels, e.g. the 2D estimator\'s predictions')
        if scores is None:
            scores = kp[..., 2]
        kp = kp[..., :2]
    sc = (np.ones(kp.shape[:2]) if scores is None
          else np.asarray(scores, np.float64).reshape(kp.shape[:2]))
    bb = None
    if bboxes is not None:
        bb = np.asarray(bboxes, np.float64).reshape(-1, 4)
    return Frame(int(frame_id), kp, sc, bb, img_path)


def _mmpose_instances(source, frame_id, instances, img_path=''):
    if not instances:
        return Frame(int(frame_id), np.zeros((0, 0, 2)), np.zeros((0, 0)),
                     None, img_path)
    kps, scores, boxes = [], [], []
    for k, inst in enumerate(instances):
        if 'keypoints' not in inst:
            raise _error(source, f'frame {frame_id}, instance {k} has no '
                         '"keypoints" (keys: '
                         f'{sorted(inst)})', 'expected MMPose\'s '
                         'split_instances records')
        kp = np.asarray(inst['keypoints'], np.float64)
        if kp.ndim == 2 and kp.shape[-1] == 3:
            raise _error(
                source, f'frame {frame_id}, instance {k}: keypoints have 3 '
                'values per joint (MMPose\'s 3D results, e.g. of '
                'body3d_pose_lifter_demo.py)', 'lift the 2D predictions '
                'instead: topdown_demo_with_mmdet.py --save-predictions or '
                'MMPoseInferencer(pose2d=...)(..., pred_out_dir=DIR)')
        kps.append(kp)
        scores.append(inst.get('keypoint_scores', np.ones(len(kp))))
        box = inst.get('bbox')
        boxes.append(None if box is None else
                     np.asarray(box, np.float64).reshape(-1)[:4])
    bb = None if any(b is None for b in boxes) else np.stack(boxes)
    try:
        kp_arr = np.stack(kps)
    except ValueError:
        raise _error(source, f'frame {frame_id}: instances with different '
                     f'joint counts {[len(k) for k in kps]}',
                     'give one keypoint layout per file') from None
    return _frame(source, frame_id, kp_arr, np.stack(
        [np.asarray(s, np.float64).reshape(-1) for s in scores]), bb,
        img_path)


def _is_instance_list(data) -> bool:
    return isinstance(data, list) and (
        not data or isinstance(data[0], dict) and 'keypoints' in data[0]
        and 'image_id' not in data[0])


def _read_mmpose(source, data) -> KeypointInput:
    layout = None
    if isinstance(data, dict):
        meta = data.get('meta_info') or {}
        name = str(meta.get('dataset_name', '')).lower()
        layout = MMPOSE_DATASET_LAYOUTS.get(name)
        if name and layout is None:
            raise _error(source, f'meta_info.dataset_name {name!r} is not '
                         'a known keypoint layout', 'convert the keypoints '
                         f'to one of {", ".join(LAYOUTS)} (known MMPose '
                         f'datasets: {sorted(MMPOSE_DATASET_LAYOUTS)})')
        data = data['instance_info']
    if _is_instance_list(data):
        frames = [_mmpose_instances(source, 0, data)]
    else:
        frames = []
        for i, rec in enumerate(data):
            if not isinstance(rec, dict) or 'instances' not in rec:
                raise _error(source, f'record {i} is not '
                             '{"frame_id", "instances"}', 'expected MMPose\'s '
                             'video prediction file')
            frames.append(_mmpose_instances(
                source, rec.get('frame_id', i), rec['instances']))
    return KeypointInput(source, frames, layout=layout or 'coco')


def _coco_layout(data) -> str:
    cats = data.get('categories') or []
    names = tuple(cats[0].get('keypoints', ())) if cats else ()
    if names and names == H36M.joint_names:
        return 'h36m'
    return 'coco'


def _read_coco(source, data) -> KeypointInput:
    images = sorted(data['images'], key=lambda im: im['id'])
    by_image = {im['id']: [] for im in images}
    for ann in data['annotations']:
        if 'keypoints' not in ann:
            continue
        if ann.get('image_id') not in by_image:
            raise _error(source, f'annotation {ann.get("id")} refers to '
                         f'image_id {ann.get("image_id")!r}, which is not in '
                         '"images"', 'add the image or drop the annotation')
        by_image[ann['image_id']].append(ann)
    sizes = {(im.get('width'), im.get('height')) for im in images}
    size = None
    if len(sizes) == 1 and None not in next(iter(sizes)):
        size = tuple(int(v) for v in next(iter(sizes)))
    elif len(sizes) > 1:
        raise _error(source, f'images of different sizes {sorted(sizes)}',
                     'split the file by image size (one camera per run)')
    frames = []
    for t, im in enumerate(images):
        anns = by_image[im['id']]
        if not anns:
            frames.append(_frame(source, t, np.zeros((0, 0, 2)),
                                 img_path=im.get('file_name', '')))
            continue
        kps = np.array([np.asarray(a['keypoints'], np.float64).reshape(
            -1, 3) for a in anns])
        scores = np.where(kps[..., 2] > 0, 1.0, 0.0)
        # v = 0: not labelled (x = y = 0 by the COCO format): missing
        kps[..., :2][kps[..., 2] <= 0] = np.nan
        for k, a in enumerate(anns):
            if 'score' in a:
                scores[k] *= float(a['score'])
        boxes = None
        if anns and all('bbox' in a for a in anns):
            xywh = np.array([a['bbox'] for a in anns], np.float64)
            boxes = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]],
                                   1)
        frames.append(_frame(source, t, kps[..., :2], scores, boxes,
                             im.get('file_name', '')))
    return KeypointInput(source, frames, layout=_coco_layout(data),
                         image_size=size)


def _read_coco_results(source, data) -> KeypointInput:
    ids = sorted({d['image_id'] for d in data})
    frames = []
    for t, image_id in enumerate(ids):
        anns = [d for d in data if d['image_id'] == image_id]
        kps = np.array([np.asarray(a['keypoints'], np.float64).reshape(
            -1, 3) for a in anns])
        frames.append(_frame(source, t, kps[..., :2], kps[..., 2], None,
                             str(image_id)))
    return KeypointInput(source, frames, layout='coco')


def _read_json(path: str) -> KeypointInput:
    try:
        with open(path) as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise _error(path, f'not valid JSON ({e})', 'give an MMPose '
                     'prediction file, a COCO keypoint file or a .npy/.npz '
                     'array') from None
    if isinstance(data, dict) and 'annotations' in data and 'images' in data:
        return _read_coco(path, data)
    if isinstance(data, dict) and 'instance_info' in data:
        return _read_mmpose(path, data)
    if isinstance(data, list) and data and isinstance(data[0], dict) and \
            'image_id' in data[0] and 'keypoints' in data[0]:
        return _read_coco_results(path, data)
    if isinstance(data, list) and (not data or isinstance(data[0], dict) and (
            'instances' in data[0] or 'keypoints' in data[0])):
        return _read_mmpose(path, data)
    keys = sorted(data)[:8] if isinstance(data, dict) else type(data).__name__
    raise _error(path, f'unknown keypoint JSON (top level: {keys})',
                 'expected MMPose predictions ({"meta_info", '
                 '"instance_info"}, [{"frame_id", "instances"}] or a list '
                 'of instances) or COCO keypoints ({"images", '
                 '"annotations"})')


def _read_folder(path: str) -> KeypointInput:
    files = sorted(f for f in os.listdir(path) if f.endswith('.json'))
    if not files:
        raise _error(path, 'the folder holds no .json files', 'give the '
                     'pred_out_dir of MMPoseInferencer (one file per image)')
    frames = []
    for t, name in enumerate(files):
        with open(osp.join(path, name)) as f:
            data = json.load(f)
        if not _is_instance_list(data):
            raise _error(osp.join(path, name), 'is not one image\'s list of '
                         'MMPose instances', 'a folder must hold '
                         'MMPoseInferencer pred_out_dir files only')
        frames.append(_mmpose_instances(osp.join(path, name), t, data,
                                        img_path=osp.splitext(name)[0]))
    return KeypointInput(path, frames, layout='coco')


def _npz_value(data, key):
    if key not in data:
        return None
    value = data[key]
    return value.item() if value.ndim == 0 else value


def _array_frames(source, keypoints, scores) -> List[Frame]:
    """Frames of a ``(T, J, 2|3)`` or ``(T, N, J, 2|3)`` array; a person
    absent from a frame is a row of NaN (dropped from that frame)."""
    kp = np.asarray(keypoints, np.float64)
    if kp.ndim == 3:
        kp = kp[:, None]
    if kp.ndim != 4 or kp.shape[-1] not in (2, 3):
        raise _error(source, f'keypoints of shape {kp.shape}', 'expected '
                     '(T, J, 2) pixels, (T, J, 3) with scores or (T, N, J, '
                     '2|3) for N people')
    if scores is not None:
        scores = np.asarray(scores, np.float64)
        if scores.size != int(np.prod(kp.shape[:3])):
            raise _error(source, f'scores of shape {scores.shape} for '
                         f'keypoints {kp.shape}', 'give one score per '
                         'frame, person and joint')
        scores = scores.reshape(kp.shape[:3])
    elif kp.shape[-1] == 3:
        scores = kp[..., 2]
    else:
        scores = np.ones(kp.shape[:3])
    kp = kp[..., :2]
    frames = []
    for t in range(len(kp)):
        present = ~np.isnan(kp[t]).all((-1, -2))
        frames.append(Frame(t, kp[t][present], scores[t][present]))
    return frames


def _read_numpy(path: str) -> KeypointInput:
    if path.endswith('.npy'):
        arrays = dict(keypoints=np.load(path, allow_pickle=False))
    else:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        if 'keypoints' not in arrays:
            raise _error(path, f'no "keypoints" array (arrays: '
                         f'{sorted(arrays)})', 'save the (T, J, 2) pixels '
                         'as keypoints=, e.g. np.savez(path, keypoints=kp, '
                         'scores=sc, layout="coco")')
    frames = _array_frames(path, arrays['keypoints'],
                           arrays.get('scores', arrays.get('keypoint_scores')))
    layout = arrays.get('layout')
    layout = None if layout is None else str(layout)
    size = _npz_value(arrays, 'image_size')
    f = _npz_value(arrays, 'focal_length')
    c = _npz_value(arrays, 'principal_point')
    fps = _npz_value(arrays, 'fps')
    return KeypointInput(
        path, frames, layout=layout,
        image_size=None if size is None else tuple(int(v) for v in size),
        focal_length=None if f is None else tuple(float(v) for v in f),
        principal_point=None if c is None else tuple(float(v) for v in c),
        fps=None if fps is None else float(fps))


KEYPOINT_SUFFIXES = ('.json', '.npy', '.npz')


def is_keypoint_file(path: str) -> bool:
    """Whether ``path`` is read by :func:`read_keypoints` (a keypoint file
    or a folder of MMPose per-image ``.json`` files)."""
    if osp.isdir(path):
        return any(f.endswith('.json') for f in os.listdir(path))
    return path.endswith(KEYPOINT_SUFFIXES)


def read_keypoints(path: str) -> KeypointInput:
    """Read a 2D keypoint file (see the module docstring)."""
    if osp.isdir(path):
        return _read_folder(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such keypoint file')
    if path.endswith('.json'):
        return _read_json(path)
    if path.endswith(('.npy', '.npz')):
        return _read_numpy(path)
    raise _error(path, 'unknown file type', 'give a .json (MMPose or COCO), '
                 '.npy or .npz keypoint file, or images / a video with an '
                 'image model')


def from_array(keypoints: np.ndarray, scores: Optional[np.ndarray] = None,
               name: str = '<array>') -> KeypointInput:
    """A :class:`KeypointInput` of an in-memory ``(T, J, 2|3)`` or
    ``(T, N, J, 2|3)`` array (as a ``.npy``/``.npz`` file is read)."""
    return KeypointInput(name, _array_frames(name, keypoints, scores))


__all__ = ['Frame', 'KeypointInput', 'read_keypoints', 'from_array',
           'is_keypoint_file']
