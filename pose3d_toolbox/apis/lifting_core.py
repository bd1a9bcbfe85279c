"""What both inference backends share, without PyTorch: reading the
inputs, the camera, tracking, the window settings, the camera-space root,
smoothing and the JSON document.

:class:`LifterCore` is the torch-free half of
:class:`~.inferencer.Pose3DInferencer` (PyTorch) and of
:class:`~.onnx_lifter.OnnxLifter` (onnxruntime): a subclass gives
:meth:`LifterCore._predict_track` (one track's 2D pixels -> the codec's
decoded 3D) and the settings; everything else, steps 1-3, 5 and 6 of
:mod:`.inferencer`'s docstring, is here. :class:`LiftResult` holds the
output as plain arrays and writes the JSON of README.md's "Inference"
section (:func:`inference_document`), the one writer of that document.
"""
import gc
import json
import os
import os.path as osp
import time
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from pose3d_toolbox.keypoint_layouts import check_layout, to_h36m
from pose3d_toolbox.skeletons import COCO, H36M
from pose3d_toolbox.utils.atomic import atomic_write
from pose3d_toolbox.utils.camera import weak_perspective_root
from pose3d_toolbox.utils.lifting_windows import receptive_field
from pose3d_toolbox.utils.smoothing import smooth_sequence
from pose3d_toolbox.utils.tracking import keypoint_boxes, track_by_iou
from .keypoint_io import Frame, KeypointInput, from_array, read_keypoints

#: version tag of the JSON written by :meth:`LiftResult.dump`.
JSON_FORMAT = 'pose3d_toolbox/inference-v1'
#: window options of the config's test dataset that inference reuses.
WINDOW_KEYS = ('seq_len', 'causal', 'frame_interval', 'num_random_frames',
               'random_frames_seed')
#: keys a config's ``inference_cfg`` may set.
INFERENCE_CFG_KEYS = ('smoothing', 'iou_threshold', 'max_age')
DEFAULT_FPS = 30.0
#: what an image input without an image model is told.
NO_IMAGE_MODEL = (
    'images and videos need a 2D estimator: Pose3DInferencer(..., '
    "pose2d='integral2d_r18_cmu') (CLI: --pose2d integral2d_r18_cmu), or "
    'its exported file without PyTorch: pose2d_onnx_file=FILE (python '
    'tools/deployment/pytorch2onnx.py integral2d_r18_cmu --out FILE; CLI: '
    '--pose2d-onnx FILE), or a direct image -> 3D model as the model '
    '(configs/integral3d_r18_cmu.py with its checkpoint), or give 2D '
    'keypoint files')
#: rounding of the JSON's arrays: decimal digits per field.
JSON_DIGITS = dict(keypoints_3d=5, root=5, keypoints_2d=2,
                   keypoint_scores=4)


def default_camera(image_size: Sequence[int],
                   focal_length: Optional[Sequence[float]] = None,
                   principal_point: Optional[Sequence[float]] = None
                   ) -> dict:
    """A camera dict (:mod:`pose3d_toolbox.utils.camera`; world = camera
    frame) of an image ``(w, h)``: ``focal_length`` ``(fx, fy)`` pixels
    (default ``max(w, h)`` for both) and ``principal_point`` ``(cx, cy)``
    (default the image centre ``(w / 2, h / 2)``)."""
    w, h = (int(v) for v in image_size)
    if w <= 0 or h <= 0:
        raise ValueError(f'image_size must be positive (w, h), got '
                         f'{tuple(image_size)}')
    f = (float(max(w, h)), ) * 2 if focal_length is None else \
        tuple(float(v) for v in np.broadcast_to(focal_length, (2, )))
    c = (w / 2, h / 2) if principal_point is None else \
        tuple(float(v) for v in principal_point)
    return dict(R=np.eye(3), T=np.zeros((3, 1)),
                f=np.array(f, np.float64).reshape(2, 1),
                c=np.array(c, np.float64).reshape(2, 1), w=w, h=h)


def camera_meta(camera: dict, source: str) -> dict:
    """The JSON's ``meta.camera``."""
    return dict(f=np.asarray(camera['f']).reshape(2).tolist(),
                c=np.asarray(camera['c']).reshape(2).tolist(),
                w=int(camera['w']), h=int(camera['h']), source=source)


def camera_space(keypoints_3d: np.ndarray, root: Optional[np.ndarray],
                 keypoints_2d: np.ndarray, camera: dict,
                 root_index: int) -> dict:
    """Absolute camera-space poses of a track from the codec's decoding.

    ``keypoints_3d`` ``(T, J, 3)`` metres: absolute when ``root`` ``(T,
    3)`` is given (AbsPoseCodec), else root-relative; then the root is the
    closed-form weak-perspective fit of the pose to its 2D ``(T, J, 2)``
    pixels (:func:`~pose3d_toolbox.utils.camera.weak_perspective_root`).
    Returns ``keypoints_3d`` (absolute), ``keypoints_3d_rel``, ``root`` and
    ``root_estimated``."""
    kp3d = np.asarray(keypoints_3d, np.float64)
    r = root_index
    estimated = root is None
    if not estimated:
        root = np.asarray(root, np.float64)
        rel = kp3d - root[:, None]
    else:
        rel = kp3d - kp3d[:, r:r + 1]
        c = np.asarray(camera['c'], np.float64).reshape(2)
        root = weak_perspective_root(
            keypoints_2d - c, rel,
            np.asarray(camera['f'], np.float64).reshape(2), r)
    return dict(keypoints_3d=rel + root[:, None], keypoints_3d_rel=rel,
                root=root, root_estimated=estimated)


def inference_document(meta: dict, frames: List[dict]) -> dict:
    """The JSON document (schema: README.md, "Inference") of ``frames``:
    ``dict(frame_id, img_path, instances)`` with each instance a dict of
    ``track_id``, ``keypoints_3d`` ``(J, 3)``, ``root`` ``(3,)``,
    ``root_estimated``, ``keypoints_2d`` ``(J, 2)``, ``keypoint_scores``
    ``(J,)`` and optionally ``bbox`` ``(4,)`` and ``nll`` (arrays), rounded
    as :data:`JSON_DIGITS` says."""
    people = [p for f in frames for p in f['instances']]
    cols = {}
    if people:  # round and convert every array in one go (fast)
        cols = {k: np.round(np.stack([np.asarray(p[k], np.float64)
                                      for p in people]), d).tolist()
                for k, d in JSON_DIGITS.items()}
    rows = iter(range(len(people)))

    def person(p):
        i = next(rows)
        out = dict(track_id=int(p['track_id']),
                   keypoints_3d=cols['keypoints_3d'][i], root=cols['root'][i],
                   root_estimated=bool(p['root_estimated']),
                   keypoints_2d=cols['keypoints_2d'][i],
                   keypoint_scores=cols['keypoint_scores'][i])
        if p.get('bbox') is not None:
            out['bbox'] = np.round(np.asarray(p['bbox'], np.float64),
                                   2).tolist()
        if p.get('nll') is not None:
            out['nll'] = float(p['nll'])
        return out
    return dict(meta=meta, frames=[
        dict(frame_id=f['frame_id'], img_path=f['img_path'],
             instances=[person(p) for p in f['instances']])
        for f in frames])


def write_json(document: dict, path: str) -> str:
    """Write ``document`` as JSON to ``path`` (folders made; atomically,
    :func:`~pose3d_toolbox.utils.atomic.atomic_write`)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    # millions of new floats trigger the cyclic garbage collector over
    # and over (4x the time for 10,000 frames); none of them is cyclic
    enabled = gc.isenabled()
    gc.disable()
    try:
        text = json.dumps(document)  # the C encoder (json.dump is not)
    finally:
        if enabled:
            gc.enable()
    with atomic_write(path) as f:
        f.write(text)
    return path


@dataclass
class ImageFrame(Frame):
    """A frame read by a direct image -> 3D model: its people's decoded
    ``keypoints_3d (N, J, 3)`` camera metres and ``root (N, 3)``."""
    keypoints_3d: Optional[np.ndarray] = None
    root: Optional[np.ndarray] = None


@dataclass
class LiftResult:
    """A lifting result as plain arrays: ``frames`` (``dict(frame_id,
    img_path, instances)``, instances as :func:`inference_document` reads
    them, plus ``keypoints_3d_rel``) and ``meta``."""
    frames: List[dict]
    meta: dict = field(default_factory=dict)
    #: the camera dict the poses are in (:func:`default_camera`).
    camera: Optional[dict] = None

    def track(self, track_id: int) -> Dict[str, np.ndarray]:
        """One track as arrays: ``frame_id (T,)``, ``keypoints_3d (T, J,
        3)``, ``keypoints_2d (T, J, 2)``."""
        rows = [(f['frame_id'], p) for f in self.frames
                for p in f['instances'] if p['track_id'] == track_id]
        if not rows:
            raise KeyError(f'no track {track_id}; tracks: '
                           f'{self.meta.get("tracks")}')
        return dict(frame_id=np.array([r[0] for r in rows]),
                    keypoints_3d=np.stack([r[1]['keypoints_3d']
                                           for r in rows]),
                    keypoints_2d=np.stack([r[1]['keypoints_2d']
                                           for r in rows]))

    def save_bvh(self, out_dir: str, stem: str = 'track', up: str = 'y',
                 unit: str = 'cm', order: str = 'ZXY') -> Dict[int, dict]:
        """Write one BVH animation per track (:func:`~.bvh_export.
        write_bvh`): ``OUT_DIR/<stem><track id>.bvh``, the track's camera-
        frame joints at the result's ``fps``, one rest skeleton of the
        track's median bone lengths (a frame missing from a track is not
        filled: the file's frames are the track's).

        Returns ``{track id: dict(path, joint_map, frame_id)}``; the
        joint map reads the file back
        (:func:`~.bvh_export.read_bvh_joints`)."""
        from .bvh_export import write_bvh
        fps = float(self.meta.get('fps') or DEFAULT_FPS)
        out = {}
        for tid in self.meta['tracks']:
            track = self.track(int(tid))
            path = osp.join(out_dir, f'{stem}{int(tid)}.bvh')
            os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
            joint_map = write_bvh(
                path, track['keypoints_3d'].astype(np.float64), fps,
                skeleton=self.meta['skeleton']['name'], frame='camera',
                up=up, unit=unit, order=order)
            out[int(tid)] = dict(path=path, joint_map=joint_map,
                                 frame_id=track['frame_id'])
        return out

    def to_dict(self) -> dict:
        """The JSON document (schema: README.md, "Inference")."""
        return inference_document(self.meta, self.frames)

    def dump(self, path: str) -> str:
        """Write :meth:`to_dict` as JSON to ``path`` (folders made)."""
        return write_json(self.to_dict(), path)


class LifterCore:
    """The torch-free steps of 2D keypoints -> camera-space 3D poses.

    A subclass calls :meth:`_configure` and gives :meth:`_predict_track`;
    :meth:`lift` then reads, tracks, lifts, places and smooths.
    Attributes set by :meth:`_configure`: ``window``, ``causal``,
    ``receptive_field``, ``smoothing``, ``iou_threshold``, ``max_age``,
    ``nan_policy``, ``min_frames``, ``batch_size``.
    """
    skeleton = H36M
    model_name = '<model>'
    pose2d_name = None
    #: the exported 2D estimator of the image path (:class:`~.onnx_lifter.
    #: OnnxPose2D`), if any; whether the model reads images itself.
    pose2d_onnx = None
    image_3d = False
    bbox_padding = 1.25
    #: whether the codec decodes absolute poses (AbsPoseCodec).
    decodes_absolute = False
    #: depth (m) of the placeholder 3D pose the codec's encoding gets
    #: (inference has no 3D target; never read by a prediction).
    placeholder_depth = 1.0

    def _configure(self, window: dict, inference_cfg: Optional[dict],
                   smoothing=None, causal=None, iou_threshold=None,
                   max_age=None, nan_policy='error', min_frames='warn',
                   batch_size=1024) -> None:
        """Check and set the settings (arguments as
        :class:`~.inferencer.Pose3DInferencer`'s; ``window``: the
        config's test-window options, :data:`WINDOW_KEYS`;
        ``inference_cfg``: the config's)."""
        if nan_policy not in ('error', 'interpolate'):
            raise ValueError(f"nan_policy must be 'error' or 'interpolate', "
                             f'got {nan_policy!r}')
        if min_frames not in ('warn', 'error'):
            raise ValueError(f"min_frames must be 'warn' or 'error', got "
                             f'{min_frames!r}')
        self.window = {k: window[k] for k in WINDOW_KEYS if k in window}
        self.window.setdefault('seq_len', 1)
        self.window.setdefault('causal', False)
        self.window.setdefault('frame_interval', 1)
        if causal is not None and bool(causal) != bool(self.window['causal']):
            raise ValueError(
                f'{self.model_name} was trained with causal='
                f'{self.window["causal"]} (its config\'s test_dataloader.'
                f'dataset.causal); causal={causal} would place its windows '
                'where it was not trained: use a model trained '
                f'causal={causal} (a config whose test_dataloader.dataset.'
                'causal and backbone causal are set, e.g. configs/'
                'anatomy3d_243frm-causal_h36m.py, trained first) or leave '
                'causal unset')
        self.causal = bool(self.window['causal'])
        self.receptive_field = receptive_field(
            self.window['seq_len'], self.window['frame_interval'])
        self.batch_size = int(batch_size)
        icfg = dict(inference_cfg or {})
        unknown = sorted(set(icfg) - set(INFERENCE_CFG_KEYS))
        if unknown:
            raise KeyError(f'{self.model_name}: inference_cfg keys '
                           f'{unknown} are unknown; known: '
                           f'{", ".join(INFERENCE_CFG_KEYS)}')
        smoothing = smoothing if smoothing is not None else \
            icfg.get('smoothing')
        self.smoothing = dict(smoothing) if smoothing else None
        if self.smoothing:
            smooth_sequence(np.zeros((3, 1)), self.smoothing)  # validate
        if self.causal and self.smoothing and \
                self.smoothing.get('type') == 'savgol':
            warnings.warn('Savitzky-Golay smoothing reads later frames; for '
                          'causal (online) output use one_euro', stacklevel=3)
        self.iou_threshold = iou_threshold if iou_threshold is not None \
            else icfg.get('iou_threshold', 0.3)
        self.max_age = max_age if max_age is not None else \
            icfg.get('max_age', 1)
        self.nan_policy, self.min_frames = nan_policy, min_frames

    # ------------------------------------------------------------ inputs
    def _camera(self, kin: KeypointInput, camera: Optional[dict],
                image_size) -> Tuple[dict, str]:
        camera = dict(camera or {})
        size = image_size or (
            (camera['w'], camera['h']) if 'w' in camera and 'h' in camera
            else None) or kin.image_size
        if size is None:
            raise ValueError(
                f'{kin.source}: the image size is unknown (the file does not '
                'give it); pass image_size=(w, h) (CLI: --image-size W H), '
                'the size of the images the keypoints are in')
        f = camera.get('f', kin.focal_length)
        c = camera.get('c', kin.principal_point)
        if f is None:
            how = ('default: f = max(w, h), c = image centre'
                   if c is None else 'f default max(w, h); c given')
        else:
            how = 'given' if camera else 'file'
        return default_camera(
            size, None if f is None else np.asarray(f, np.float64).reshape(
                -1), None if c is None else np.asarray(
                    c, np.float64).reshape(-1)), how

    def _tracks(self, kin: KeypointInput, layout: str) -> List[dict]:
        frames = [f for f in kin.frames if len(f.keypoints)]
        if not frames:
            raise ValueError(f'{kin.source}: no person in any frame; nothing '
                             'to lift')
        if all(len(f.keypoints) == 1 for f in frames):
            ids = [np.zeros(1, np.int64) for _ in frames]
        else:
            boxes = [f.bboxes if f.bboxes is not None else
                     keypoint_boxes(f.keypoints)
                     for f in frames]
            ids = track_by_iou(boxes, self.iou_threshold, self.max_age)
        tracks: Dict[int, dict] = {}
        for f, fid in zip(frames, ids):
            for k, tid in enumerate(fid.tolist()):
                tr = tracks.setdefault(tid, dict(track_id=tid, rows=[]))
                tr['rows'].append((f, k))
        out = []
        for tid in sorted(tracks):
            rows = tracks[tid]['rows']
            kp = np.stack([f.keypoints[k] for f, k in rows])
            sc = np.stack([f.scores[k] for f, k in rows])
            where = [f'{kin.source} frame {f.frame_id} person {k}'
                     for f, k in rows]
            kp, sc = self._finite(kp, sc, where, layout)
            kp, sc = to_h36m(kp, sc, layout)
            out.append(dict(track_id=tid, keypoints_2d=kp, scores=sc,
                            frames=[f for f, _ in rows],
                            people=[k for _, k in rows],
                            bboxes=[None if f.bboxes is None else f.bboxes[k]
                                    for f, k in rows]))
        return out

    def _finite(self, kp, sc, where, layout):
        """NaN handling (``nan_policy``); scores of filled joints are 0."""
        bad = ~np.isfinite(kp).all(-1)
        if not bad.any():
            return kp, sc
        names = (H36M if layout == 'h36m' else COCO).joint_names
        t, j = np.argwhere(bad)[0]
        if self.nan_policy == 'error':
            raise ValueError(
                f'{where[t]}: keypoint {j} ({names[j]}) is {kp[t, j]} '
                f'({int(bad.any(-1).sum())} of {len(kp)} frames have NaN/inf '
                'keypoints); drop those detections, or pass '
                "nan_policy='interpolate' (CLI: --nan interpolate) to fill "
                'them over time')
        kp, sc = kp.copy(), sc.copy()
        idx = np.arange(len(kp))
        for j in range(kp.shape[1]):
            ok = ~bad[:, j]
            if not ok.any():
                raise ValueError(
                    f'{where[0]}: keypoint {j} ({names[j]}) is NaN in every '
                    'frame of this track, nothing to interpolate from; '
                    'give the joint in at least one frame')
            for d in range(2):
                kp[~ok, j, d] = np.interp(idx[~ok], idx[ok], kp[ok, j, d])
            sc[~ok, j] = 0.0
        return kp, sc

    def _read_inputs(self, inputs, bboxes=None, progress: bool = False,
                     camera: Optional[dict] = None,
                     image_size=None) -> KeypointInput:
        """A keypoint file or folder, an array or a :class:`KeypointInput`;
        images, folders of images and videos through the image model
        (:meth:`images_to_keypoints`)."""
        from .image_io import is_image_input
        if isinstance(inputs, KeypointInput):
            return inputs
        if isinstance(inputs, np.ndarray):
            return from_array(inputs)
        if is_image_input(inputs):
            return self.images_to_keypoints(inputs, bboxes, progress,
                                            camera=camera,
                                            image_size=image_size)
        return read_keypoints(str(inputs))

    # -------------------------------------------------------- image path
    def _pose2d_onnx(self):
        """The exported 2D estimator (:data:`NO_IMAGE_MODEL` if none)."""
        if self.pose2d_onnx is None:
            raise ValueError(NO_IMAGE_MODEL)
        return self.pose2d_onnx

    def _check_image_model(self) -> None:
        """Refuse images before reading them when nothing reads them."""
        self._pose2d_onnx()

    def _crop(self, image: np.ndarray, center: np.ndarray,
              scale: np.ndarray):
        """The image model's input of the box ``(center, scale)`` (float32
        image pixels) of ``image``: here the exported 2D estimator's
        (:meth:`~.onnx_lifter.OnnxPose2D.crop`)."""
        return self._pose2d_onnx().crop(image, center, scale)

    def _run_image_model(self, samples: list,
                         camera: Optional[dict] = None) -> dict:
        """The image model on crops (:meth:`_crop`): ``keypoints_2d (N, J,
        2)`` image pixels and ``scores (N, J)`` (a direct 3D model, given
        the ``camera``, also ``keypoints_3d`` and ``root``); here the
        exported 2D estimator (:meth:`~.onnx_lifter.OnnxPose2D.run`)."""
        return self._pose2d_onnx().run(samples)

    def _crops(self, image: np.ndarray, bboxes: Optional[np.ndarray]
               ) -> Tuple[list, np.ndarray]:
        """The image model's inputs (:meth:`_crop`) of each person box of
        ``image`` (None or empty: the whole frame, as it is; given boxes
        enlarged by ``bbox_padding``) and the boxes ``(N, 4)``."""
        from pose3d_toolbox.geometry import bbox_from_keypoints
        H, W = image.shape[:2]
        whole = bboxes is None or len(bboxes) == 0
        boxes = (np.array([[0, 0, W, H]], np.float64) if whole
                 else np.asarray(bboxes, np.float64).reshape(-1, 4))
        samples = []
        for box in boxes:
            center, scale = bbox_from_keypoints(
                box.reshape(2, 2), 1.0 if whole else self.bbox_padding)
            samples.append(self._crop(image, center.astype(np.float32),
                                      scale.astype(np.float32)))
        return samples, boxes

    def estimate_2d(self, image: np.ndarray,
                    bboxes: Optional[np.ndarray] = None
                    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """2D keypoints of the people in an ``(H, W, 3)`` RGB image.

        ``bboxes``: ``(N, 4)`` ``(x1, y1, x2, y2)`` person boxes (enlarged
        by ``bbox_padding``); None or empty: the whole frame is the box.
        Returns ``keypoints (N, 17, 2)`` image pixels, ``scores (N, 17)``
        and the boxes ``(N, 4)``.
        """
        samples, boxes = self._crops(image, bboxes)
        out = self._run_image_model(samples)
        return out['keypoints_2d'], out['scores'], boxes

    def images_to_keypoints(self, inputs, bboxes=None,
                            progress: bool = False,
                            batch_size: int = 32,
                            camera: Optional[dict] = None,
                            image_size: Optional[Sequence[int]] = None
                            ) -> KeypointInput:
        """Run the image model on every frame of an image, a list of
        images, a folder of images or a video (:mod:`.image_io`), crops of
        several frames per forward pass (``batch_size``); ``bboxes``: a
        box file (:func:`~.image_io.read_bboxes`) or a list with ``(N, 4)``
        boxes per frame. A direct 3D model's frames (:class:`ImageFrame`)
        also hold its camera-space poses, decoded with the camera of
        :meth:`_camera` (``camera``, ``image_size`` as in :meth:`lift`)."""
        from .image_io import read_bboxes, read_frames, video_fps
        self._check_image_model()
        if isinstance(bboxes, str):
            bboxes = read_bboxes(bboxes)
        frames, pending, size, bar, cam = [], [], None, None, None

        def flush():
            if not pending:
                return
            out = self._run_image_model(
                [x for p in pending for x in p[3]], cam)
            i = 0
            for t, name, boxes, samples in pending:
                n = len(samples)
                part = {k: v[i:i + n] for k, v in out.items()}
                frames.append(ImageFrame(
                    t, part['keypoints_2d'], part['scores'], boxes, name,
                    part.get('keypoints_3d'), part.get('root')))
                i += n
                if bar is not None:
                    bar.update()
            pending.clear()

        for t, name, image in read_frames(inputs):
            if size is None:
                size = (image.shape[1], image.shape[0])
                if self.image_3d:
                    cam = self._camera(KeypointInput(str(inputs), [],
                                                     image_size=size),
                                       camera, image_size)[0]
                if progress:
                    from mmengine.utils import ProgressBar
                    bar = ProgressBar()
            elif size != (image.shape[1], image.shape[0]):
                raise ValueError(
                    f'{name}: image size {image.shape[1]} x {image.shape[0]}'
                    f' differs from the first frame\'s {size[0]} x '
                    f'{size[1]}; one run lifts one camera: give images of '
                    'one size')
            boxes = None if bboxes is None or t >= len(bboxes) else \
                bboxes[t]
            samples, boxes = self._crops(image, boxes)
            pending.append((t, name, boxes, samples))
            if sum(len(p[3]) for p in pending) >= batch_size:
                flush()
        flush()
        if not frames:
            raise ValueError(f'{inputs}: no image found')
        return KeypointInput(str(inputs), frames, layout='h36m',
                             image_size=size, fps=video_fps(inputs))

    # ----------------------------------------------------------- lifting
    def _predict_track(self, keypoints_2d: np.ndarray, scores: np.ndarray,
                       camera: dict, report=None) -> dict:
        """One track's ``(T, 17, 2)`` pixels -> the codec's decoding:
        ``keypoints_3d`` ``(T, J, 3)``, ``root`` ``(T, 3)`` or None
        (root-relative codecs), ``nll`` ``(T,)`` or None."""
        raise NotImplementedError(f'{type(self).__name__} gives no '
                                  '_predict_track')

    def lift_track(self, keypoints_2d: np.ndarray, scores: np.ndarray,
                   camera: dict, source: str = '<track>',
                   report=None) -> dict:
        """Lift one person's ``(T, 17, 2)`` Human3.6M-order pixels.

        Returns ``keypoints_3d`` ``(T, J, 3)`` absolute camera coordinates
        (metres), ``keypoints_3d_rel`` (root-relative), ``root`` ``(T, 3)``,
        ``root_estimated`` (bool) and ``nll`` ``(T,)`` or None.
        ``report(n)`` is called as frames are done (progress).
        """
        T = len(keypoints_2d)
        if T < self.receptive_field and self.receptive_field > 1:
            msg = (f'{source}: {T} frames, fewer than the receptive field '
                   f'{self.receptive_field} of {self.model_name}')
            if self.min_frames == 'error':
                raise ValueError(
                    f'{msg}; give at least {self.receptive_field} frames, '
                    "pass min_frames='warn' (CLI: --short pad) to pad by "
                    'repeating the edge frames, or use a single-frame model '
                    '(simplebaseline3d_cmu)')
            warnings.warn(f'{msg}: padded by repeating its first/last '
                          'frame; expect a larger error', stacklevel=3)
        pred = self._predict_track(keypoints_2d, scores, camera, report)
        out = camera_space(pred['keypoints_3d'], pred.get('root'),
                           keypoints_2d, camera, self.skeleton.root_index)
        out['nll'] = pred.get('nll')
        return out

    def _lift_tracked(self, track: dict, camera: dict, source: str,
                      report=None) -> dict:
        """:meth:`lift_track` of one track of :meth:`_tracks` (a subclass
        whose model reads images may give the track's poses itself)."""
        return self.lift_track(track['keypoints_2d'], track['scores'],
                               camera, source=source, report=report)

    def lift(self, inputs: Union[str, np.ndarray, KeypointInput],
             layout: Optional[str] = None, camera: Optional[dict] = None,
             image_size: Optional[Sequence[int]] = None,
             fps: Optional[float] = None, progress: bool = False,
             bboxes=None) -> LiftResult:
        """Lift ``inputs`` (arguments as
        :meth:`~.inferencer.Pose3DInferencer.__call__`) to a
        :class:`LiftResult`."""
        start = time.perf_counter()
        kin = self._read_inputs(inputs, bboxes, progress, camera,
                                image_size)
        layout = check_layout(layout or kin.layout, kin.source,
                              kin.num_joints)
        cam, cam_source = self._camera(kin, camera, image_size)
        fps = float(fps or kin.fps or DEFAULT_FPS)
        tracks = self._tracks(kin, layout)
        bar = None
        if progress:
            from mmengine.utils import ProgressBar
            bar = ProgressBar(sum(len(t['frames']) for t in tracks))
        per_frame = {f.frame_id: dict(frame_id=f.frame_id,
                                      img_path=f.img_path, instances=[])
                     for f in kin.frames}
        r = self.skeleton.root_index
        for tr in tracks:
            lifted = self._lift_tracked(
                tr, cam, f'{kin.source} track {tr["track_id"]}',
                None if bar is None else (
                    lambda n: bar.update(num_tasks=n)))
            kp3d = lifted['keypoints_3d']
            rel = lifted['keypoints_3d_rel']
            if self.smoothing:
                kp3d = smooth_sequence(kp3d, self.smoothing, fps)
                rel = kp3d - kp3d[:, r:r + 1]
            for i, frame in enumerate(tr['frames']):
                per_frame[frame.frame_id]['instances'].append(dict(
                    track_id=tr['track_id'],
                    keypoints_3d=kp3d[i].astype(np.float32),
                    root=kp3d[i, r].astype(np.float32),
                    keypoints_3d_rel=rel[i].astype(np.float32),
                    keypoints_2d=tr['keypoints_2d'][i].astype(np.float32),
                    keypoint_scores=tr['scores'][i].astype(np.float32),
                    bbox=(None if tr['bboxes'][i] is None else
                          np.asarray(tr['bboxes'][i], np.float32)),
                    nll=(None if lifted['nll'] is None else
                         float(lifted['nll'][i])),
                    root_estimated=lifted['root_estimated']))
        seconds = time.perf_counter() - start
        n_frames = len(kin.frames)
        meta = dict(
            format=JSON_FORMAT, model=self.model_name,
            pose2d=self.pose2d_name, source=kin.source,
            layout_in=layout, skeleton=dict(
                name=self.skeleton.name,
                joint_names=list(self.skeleton.joint_names),
                parents=list(self.skeleton.parents)),
            units='metres; camera coordinates (OpenCV: x right, y down, z '
                  'forward)', camera=camera_meta(cam, cam_source), fps=fps,
            causal=self.causal, receptive_field=self.receptive_field,
            smoothing=self.smoothing,
            tracks=[int(t['track_id']) for t in tracks],
            num_frames=n_frames, seconds=round(seconds, 4),
            frames_per_second=round(n_frames / max(seconds, 1e-9), 1))
        return LiftResult([per_frame[k] for k in sorted(per_frame)], meta,
                          cam)
