"""Inference for users: 2D keypoints (files or arrays) in, camera-space 3D
poses out, as data samples and as JSON.

Example:
    >>> from pose3d_toolbox.apis import Pose3DInferencer
    >>> lifter = Pose3DInferencer('videopose3d_27frm_cmu')
    >>> result = lifter('keypoints.npz', layout='h36m')
    >>> result.dump('out/keypoints_3d.json')
    >>> sample = result.frames[0].instances[0]   # a PoseDataSample
    >>> sample.pred_keypoints_3d.shape, sample.root_estimated
    ((17, 3), True)

What happens, per call (:meth:`Pose3DInferencer.__call__`):

1. The input is read (:mod:`.keypoint_io`) and its layout converted to the
   lifter's Human3.6M-17 (:func:`pose3d_toolbox.keypoint_layouts.to_h36m`).
2. The camera: intrinsics given by the user (``camera=dict(f=, c=)``) or
   the file (``focal_length``/``principal_point`` of a ``.npz``), else the
   default of :func:`default_camera`: focal length ``max(w, h)`` pixels
   (a 53 degree horizontal field of view for a square image) and the
   principal point at the image centre. The image size comes from the
   user (``image_size=(w, h)``), the file (COCO ``images``, a ``.npz``'s
   ``image_size``) or, for images and videos, the pictures.
3. People are linked across frames by box IoU
   (:func:`pose3d_toolbox.utils.tracking.track_by_iou`) and each track is
   lifted on its own.
4. Each track is lifted through the model's own test pipeline: its frames
   become one in-memory video of a
   :class:`~pose3d_toolbox.datasets.BaseLiftingDataset` built with the
   config's window options (``seq_len``, ``causal``, ``frame_interval``,
   ``num_random_frames``), whose edge padding repeats the first / last
   frame, and the config's ``GenerateTarget`` + ``PackPoseInputs`` encode
   the inputs exactly as at evaluation. Those steps also encode a 3D
   target, which inference does not have: a placeholder pose (every joint
   at ``(0, 0, 1)`` m) stands in for it and is never read by a prediction
   (``tests/test_apis/test_inferencer.py`` checks that another placeholder
   gives the same output). VideoPose3D-style lifters (a :class:`TCN`
   backbone) run the whole track at once in the TCN's dilated form
   (``forward_sequence``), with the same edge padding; this equals the
   window-by-window form and is what makes long sequences fast.
5. Camera-space poses: AbsPoseLifter's codec decodes the absolute pose;
   for root-relative lifters the root comes from the closed-form
   weak-perspective fit of the pose to its 2D
   (:func:`pose3d_toolbox.utils.camera.weak_perspective_root`) and the
   sample is flagged ``root_estimated=True``.
6. Optional smoothing of each track's 3D joints
   (:func:`pose3d_toolbox.utils.smoothing.smooth_sequence`).

Returned: an :class:`InferenceResult`, whose ``frames`` hold, per frame,
one :class:`~pose3d_toolbox.structures.PoseDataSample` per person (the
boundary a visualiser consumes): data fields ``pred_keypoints_3d``
``(J, 3)`` absolute camera coordinates in metres, ``pred_root`` ``(3,)``,
``pred_keypoints_3d_rel`` ``(J, 3)`` (root-relative), ``pred_keypoints_2d``
``(J, 2)`` the lifted 2D (Human3.6M order, pixels),
``pred_keypoint_scores`` ``(J,)`` and, for ElePose, ``pred_nll``; meta
fields ``frame_id``, ``img_path``, ``track_id``, ``camera``,
``root_estimated``, ``skeleton``, ``root_index``. ``InferenceResult.dump``
writes the JSON of README.md's "Inference" section.
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
import torch

from pose3d_toolbox.keypoint_layouts import check_layout, to_h36m
from pose3d_toolbox.skeletons import COCO, H36M
from pose3d_toolbox.structures import PoseDataSample
from pose3d_toolbox.structures.pose_data_sample import make_data_sample
from pose3d_toolbox.utils.camera import weak_perspective_root
from pose3d_toolbox.utils.smoothing import smooth_sequence
from pose3d_toolbox.utils.tracking import keypoint_boxes, track_by_iou
from .keypoint_io import KeypointInput, from_array, read_keypoints

#: version tag of the JSON written by :meth:`InferenceResult.dump`.
JSON_FORMAT = 'pose3d_toolbox/inference-v1'
#: pipeline steps kept from the config for inference (augmentation and
#: synthetic 2D noise belong to training / evaluation).
INFERENCE_STEPS = ('GenerateTarget', 'PackPoseInputs')
#: window options of the config's test dataset that inference reuses.
WINDOW_KEYS = ('seq_len', 'causal', 'frame_interval', 'num_random_frames',
               'random_frames_seed')
DEFAULT_FPS = 30.0
#: where the lifter's network runs (``Pose3DInferencer(backend=...)``).
BACKENDS = ('pytorch', 'onnxruntime')


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


@dataclass
class FrameResult:
    """One frame's people (:class:`PoseDataSample` each)."""
    frame_id: int
    img_path: str
    instances: List[PoseDataSample] = field(default_factory=list)


@dataclass
class InferenceResult:
    """What :class:`Pose3DInferencer` returns (see the module docstring)."""
    frames: List[FrameResult]
    meta: dict

    def data_samples(self) -> List[PoseDataSample]:
        """Every person of every frame, in frame then track order."""
        return [s for f in self.frames for s in f.instances]

    def track(self, track_id: int) -> Dict[str, np.ndarray]:
        """One track as arrays: ``frame_id (T,)``, ``keypoints_3d (T, J,
        3)``, ``keypoints_2d (T, J, 2)``."""
        rows = [(f.frame_id, s) for f in self.frames for s in f.instances
                if s.track_id == track_id]
        if not rows:
            raise KeyError(f'no track {track_id}; tracks: '
                           f'{self.meta.get("tracks")}')
        return dict(frame_id=np.array([r[0] for r in rows]),
                    keypoints_3d=np.stack([r[1].pred_keypoints_3d
                                           for r in rows]),
                    keypoints_2d=np.stack([r[1].pred_keypoints_2d
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
        samples = self.data_samples()
        if samples:  # round and convert every array in one go (fast)
            cols = dict(
                keypoints_3d=(_stack(samples, 'pred_keypoints_3d', 5)),
                root=_stack(samples, 'pred_root', 5),
                keypoints_2d=_stack(samples, 'pred_keypoints_2d', 2),
                keypoint_scores=_stack(samples, 'pred_keypoint_scores', 4))
        rows = iter(range(len(samples)))

        def person(s):
            i = next(rows)
            out = dict(track_id=int(s.track_id),
                       keypoints_3d=cols['keypoints_3d'][i],
                       root=cols['root'][i],
                       root_estimated=bool(s.root_estimated),
                       keypoints_2d=cols['keypoints_2d'][i],
                       keypoint_scores=cols['keypoint_scores'][i])
            if 'bbox' in s:
                out['bbox'] = np.round(np.asarray(s.bbox, np.float64),
                                       2).tolist()
            if 'pred_nll' in s:
                out['nll'] = float(s.pred_nll)
            return out
        return dict(meta=self.meta, frames=[
            dict(frame_id=f.frame_id, img_path=f.img_path,
                 instances=[person(s) for s in f.instances])
            for f in self.frames])

    def dump(self, path: str) -> str:
        """Write :meth:`to_dict` as JSON to ``path`` (folders made)."""
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        # millions of new floats trigger the cyclic garbage collector over
        # and over (4x the time for 10,000 frames); none of them is cyclic
        enabled = gc.isenabled()
        gc.disable()
        try:
            text = json.dumps(self.to_dict())  # the C encoder (dump is not)
        finally:
            if enabled:
                gc.enable()
        with open(path, 'w') as f:
            f.write(text)
        return path


def _stack(samples, key, digits) -> list:
    return np.round(np.stack([np.asarray(getattr(s, key), np.float64)
                              for s in samples]), digits).tolist()


def _camera_meta(camera: dict, source: str) -> dict:
    return dict(f=np.asarray(camera['f']).reshape(2).tolist(),
                c=np.asarray(camera['c']).reshape(2).tolist(),
                w=int(camera['w']), h=int(camera['h']), source=source)


class Pose3DInferencer:
    """Lift 2D keypoints to camera-space 3D poses with a lifter.

    Args:
        model: a model-zoo name (``tools/misc/list_models.py``), a config
            path, a checkpoint path (its config inside), or a built model
            (with ``cfg``, as :func:`~.inference.init_model` returns).
        checkpoint: weights for a config (default: the zoo's).
        device: torch device.
        batch_size: windows per forward pass (windowed lifters).
        smoothing: ``None``, ``dict(type='one_euro', min_cutoff=1.0,
            beta=0.0, d_cutoff=1.0)`` or ``dict(type='savgol', window=9,
            polyorder=2)``, applied to each track's 3D joints; default:
            the config's ``inference_cfg.smoothing`` (if any). A config may
            set ``inference_cfg = dict(smoothing=..., iou_threshold=...,
            max_age=...)``; arguments given here win.
        causal: ``None`` (the model's own), or the window placement asked
            for: ``True`` (online use: a frame's pose reads no later
            frame) needs a model trained causal (its config's
            ``test_dataloader.dataset.causal``); a mismatch is refused.
        iou_threshold, max_age: tracking (``track_by_iou``).
        nan_policy: ``'error'`` (default: NaN keypoints are refused,
            naming the frame and joint) or ``'interpolate'`` (each joint's
            missing frames filled linearly over time from its valid ones).
        min_frames: ``'warn'`` (default) pads a track shorter than the
            model's receptive field by repeating its edge frames, with a
            warning; ``'error'`` refuses it.
        cfg_options: overrides merged into the config.
        pose2d: the 2D estimator of the image path (a zoo name such as
            ``'integral2d_r18_cmu'``, a config, a checkpoint or a built
            model); needed only for images and videos.
        pose2d_checkpoint: weights for a ``pose2d`` config.
        bbox_padding: given boxes are enlarged by this factor before the
            crop (the 2D estimator was trained on the joints' box x 1.25);
            the whole-frame box is used as it is.
        backend: ``'pytorch'`` (default) or ``'onnxruntime'``: the lifter's
            network runs as an ONNX graph in onnxruntime
            (:mod:`.onnx_export`), everything else (reading, encoding,
            tracking, root, JSON) as with PyTorch, so the JSON is the
            same (to float rounding). The reading and encoding steps still
            import PyTorch (mmengine's config, registry, datasets and data
            samples do). ElePose's ``nll`` (its flow prior) is not in the
            graph: its JSON then has no ``nll``.
        onnx_file: the lifter's exported file (``tools/deployment/
            pytorch2onnx.py``; VideoPose3D in its default whole-sequence
            form); default: ``model`` is exported to a temporary file.
    """

    #: depth (m) of the placeholder 3D pose the encoding steps get.
    placeholder_depth = 1.0

    def __init__(self, model, checkpoint: Optional[str] = None,
                 device: str = 'cpu', batch_size: int = 1024,
                 smoothing: Optional[dict] = None,
                 causal: Optional[bool] = None,
                 iou_threshold: Optional[float] = None,
                 max_age: Optional[int] = None, nan_policy: str = 'error',
                 min_frames: str = 'warn',
                 cfg_options: Optional[dict] = None,
                 pose2d=None, pose2d_checkpoint: Optional[str] = None,
                 bbox_padding: float = 1.25, backend: str = 'pytorch',
                 onnx_file: Optional[str] = None):
        from .inference import init_model
        if isinstance(model, torch.nn.Module):
            self.model, self.model_name = model, type(model).__name__
        else:
            with warnings.catch_warnings():
                # ElePose warns at build time that its stage-1 flow file is
                # absent; the published checkpoint then loads the flow's
                # weights with the rest (init_model loads strictly)
                if checkpoint is not None or not str(model).endswith('.py'):
                    warnings.filterwarnings(
                        'ignore', message='ElePose: the flow checkpoint')
                self.model = init_model(model, checkpoint, device=device,
                                        cfg_options=cfg_options)
            self.model_name = str(model)
        if nan_policy not in ('error', 'interpolate'):
            raise ValueError(f"nan_policy must be 'error' or 'interpolate', "
                             f'got {nan_policy!r}')
        if min_frames not in ('warn', 'error'):
            raise ValueError(f"min_frames must be 'warn' or 'error', got "
                             f'{min_frames!r}')
        self.model.eval()
        self.cfg = self.model.cfg
        self.skeleton = self.model.skeleton
        if self.skeleton.name != H36M.name:
            raise ValueError(
                f'{self.model_name}: Pose3DInferencer lifts Human3.6M-17 '
                f'keypoints, the model uses skeleton {self.skeleton.name!r}; '
                'use a lifter of the model zoo (python '
                'tools/misc/list_models.py)')
        ds = dict(self.cfg.test_dataloader.dataset)
        self.window = {k: ds[k] for k in WINDOW_KEYS if k in ds}
        self.window.setdefault('seq_len', 1)
        self.window.setdefault('causal', False)
        self.window.setdefault('frame_interval', 1)
        self.pipeline = [dict(t) for t in ds.get('pipeline', [])
                         if t.get('type') in INFERENCE_STEPS]
        types = [t['type'] for t in self.pipeline]
        if 'GenerateTarget' not in types or 'PackPoseInputs' not in types \
                or any(t.get('preset') == 'topdown' for t in self.pipeline):
            raise ValueError(
                f'{self.model_name} is not a 2D->3D lifter (its test '
                'pipeline does not encode 2D keypoints with GenerateTarget '
                '+ PackPoseInputs); give a lifter as the model (e.g. '
                'videopose3d_27frm_cmu) and a 2D estimator as pose2d= '
                '(e.g. integral2d_r18_cmu)')
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
        self.receptive_field = (self.window['seq_len'] - 1) * \
            self.window['frame_interval'] + 1
        self.batch_size = int(batch_size)
        icfg = dict(self.cfg.get('inference_cfg') or {})
        unknown = sorted(set(icfg) - {'smoothing', 'iou_threshold',
                                      'max_age'})
        if unknown:
            raise KeyError(f'{self.model_name}: inference_cfg keys '
                           f'{unknown} are unknown; known: smoothing, '
                           'iou_threshold, max_age')
        smoothing = smoothing if smoothing is not None else \
            icfg.get('smoothing')
        iou_threshold = iou_threshold if iou_threshold is not None else \
            icfg.get('iou_threshold', 0.3)
        max_age = max_age if max_age is not None else icfg.get('max_age', 1)
        self.smoothing = dict(smoothing) if smoothing else None
        if self.smoothing:
            smooth_sequence(np.zeros((3, 1)), self.smoothing)  # validate
        if self.causal and self.smoothing and \
                self.smoothing.get('type') == 'savgol':
            warnings.warn('Savitzky-Golay smoothing reads later frames; for '
                          'causal (online) output use one_euro', stacklevel=2)
        self.iou_threshold, self.max_age = iou_threshold, max_age
        self.nan_policy, self.min_frames = nan_policy, min_frames
        codec = getattr(self.model, 'codec', None) or getattr(
            getattr(self.model, 'head', None), 'codec', None)
        self.decodes_absolute = bool(getattr(codec, 'decodes_absolute',
                                             False))
        self.pose2d, self.pose2d_name = None, None
        if pose2d is not None:
            self.pose2d = (pose2d if isinstance(pose2d, torch.nn.Module)
                           else init_model(pose2d, pose2d_checkpoint,
                                           device=device))
            self.pose2d.eval()
            self.pose2d_name = (type(pose2d).__name__ if isinstance(
                pose2d, torch.nn.Module) else str(pose2d))
            if self.pose2d.skeleton.name != H36M.name:
                raise ValueError(
                    f'{self.pose2d_name} predicts skeleton '
                    f'{self.pose2d.skeleton.name!r}; the image path needs a '
                    'Human3.6M-17 2D estimator (integral2d_r18_cmu)')
        self.bbox_padding = float(bbox_padding)
        backbone = getattr(self.model, 'backbone', None)
        self.dense = (callable(getattr(backbone, 'forward_sequence', None))
                      and self.window['frame_interval'] == 1
                      and self.window['seq_len'] ==
                      getattr(backbone, 'receptive_field', None))
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got '
                             f'{backend!r}')
        self.backend = backend
        self.session = (self._onnx_session(onnx_file)
                        if backend == 'onnxruntime' else None)

    def _onnx_session(self, onnx_file: Optional[str]):
        """The onnxruntime session of the lifter (exported here when no
        file is given); its form must be the one :meth:`lift_track` runs."""
        import tempfile

        import onnxruntime as ort
        from .onnx_export import export_onnx, read_metadata
        form = 'sequence' if self.dense else 'window'
        if onnx_file is None:
            self._onnx_dir = tempfile.TemporaryDirectory(prefix='pose3d_')
            onnx_file = export_onnx(
                self.model, osp.join(self._onnx_dir.name, 'lifter.onnx'),
                form=form)['path']
        meta = read_metadata(onnx_file)
        if meta.get('form') != form or meta.get('kind') == 'topdown':
            raise ValueError(
                f'{onnx_file}: an ONNX lifter of form {meta.get("form")!r} '
                f'(kind {meta.get("kind")!r}); {self.model_name} runs in the'
                f' {form!r} form: export it with python tools/deployment/'
                f'pytorch2onnx.py {self.model_name} --form {form} --out '
                'FILE')
        if meta.get('kind') == 'elepose':
            warnings.warn('ElePose with backend=\'onnxruntime\': the flow '
                          'prior is not exported, the JSON has no nll',
                          stacklevel=3)
        self.onnx_meta = meta
        return ort.InferenceSession(onnx_file,
                                    providers=['CPUExecutionProvider'])

    def _run_onnx(self, inputs: np.ndarray, samples) -> dict:
        """The graph's decoded output of a batch (the codec's ``decode``
        where the graph does not decode)."""
        feed = {'keypoints_2d': np.ascontiguousarray(inputs, np.float32)}
        names = [i.name for i in self.session.get_inputs()]
        if 'length_input' in names:
            from pose3d_toolbox.codecs.bone import (LENGTH_INPUT,
                                                    LIFTING_VISIBILITY)
            for name, key in (('length_input', LENGTH_INPUT),
                              ('visibility', LIFTING_VISIBILITY)):
                if name in names:
                    feed[name] = np.stack([np.asarray(s.get(key), np.float32)
                                           for s in samples])
        out = self.session.run(None, feed)[0]
        out = out.reshape(-1, *out.shape[-2:])
        if self.session.get_outputs()[0].name == 'keypoints_3d_rel':
            return dict(keypoints_3d=out)
        codec = getattr(self.model, 'codec', None) or self.model.head.codec
        return codec.decode(out, [s.metainfo for s in samples])

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

    # ----------------------------------------------------------- lifting
    def _dataset(self, kp, scores, camera, seq_len=None, causal=None):
        from pose3d_toolbox.datasets import BaseLiftingDataset
        T, J = kp.shape[:2]
        placeholder = np.zeros((T, J, 3), np.float32)
        placeholder[..., 2] = self.placeholder_depth
        video = dict(keypoints_2d=kp.astype(np.float32),
                     keypoints_3d=placeholder,
                     keypoints_2d_score=np.clip(scores, 0, 1).astype(
                         np.float32),
                     camera=camera, subject='', action='', camera_id='',
                     img_paths=None)
        window = dict(self.window)
        if seq_len is not None:
            window.update(seq_len=seq_len, causal=causal,
                          num_random_frames=0)
        return BaseLiftingDataset(
            videos=[video], skeleton=self.skeleton, pipeline=self.pipeline,
            test_mode=True, batched=True, pad=True, **window)

    @torch.no_grad()
    def _predict_windows(self, kp, scores, camera, report=None
                         ) -> List[PoseDataSample]:
        from mmengine.dataset import pseudo_collate
        ds = self._dataset(kp, scores, camera)
        out = []
        for start in range(0, len(ds), self.batch_size):
            idx = np.arange(start, min(start + self.batch_size, len(ds)))
            samples = (ds.get_batch(idx) if ds.batch_path
                       else [ds[int(i)] for i in idx])
            if self.session is not None:
                from pose3d_toolbox.structures import write_predictions
                data = [s['data_samples'] for s in samples]
                x = np.stack([np.asarray(s['inputs']) for s in samples])
                out.extend(write_predictions(data, self._run_onnx(x, data)))
            else:
                out.extend(self.model.test_step(pseudo_collate(samples)))
            if report is not None:
                report(len(idx))
        return out

    @torch.no_grad()
    def _predict_dense(self, kp, scores, camera, report=None
                       ) -> List[PoseDataSample]:
        """The TCN's dilated form over the whole track, edge-padded as the
        windowed form pads (``causal``: all padding before the start)."""
        from pose3d_toolbox.models.utils import flip_test
        ds = self._dataset(kp, scores, camera, seq_len=1, causal=False)
        packed = ds.get_batch(np.arange(len(ds)))
        samples = [p['data_samples'] for p in packed]
        x = torch.stack([p['inputs'][0] for p in packed])[None].float()
        x = x.to(next(self.model.parameters()).device)
        rf = self.receptive_field
        left = rf - 1 if self.causal else (rf - 1) // 2
        right = rf - 1 - left
        x = torch.cat([x[:, :1].expand(-1, left, -1, -1), x,
                       x[:, -1:].expand(-1, right, -1, -1)], 1)
        model = self.model
        if self.session is not None:
            from pose3d_toolbox.structures import write_predictions
            if report is not None:
                report(len(samples))
            return write_predictions(samples, self._run_onnx(
                x.cpu().numpy(), samples))

        def forward(inp):
            return model.head(model.backbone.forward_sequence(inp)[0])
        if model.test_cfg.get('flip_test', False):
            outputs = flip_test(forward, x, model.flip_input,
                                lambda o: model.flip_output(o, samples))
        else:
            outputs = forward(x)
        if report is not None:
            report(len(samples))
        return model.head.decode(outputs, samples)

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
        predict = self._predict_dense if self.dense else \
            self._predict_windows
        preds = predict(keypoints_2d, scores, camera, report)
        kp3d = np.stack([np.asarray(p.pred_keypoints_3d, np.float64)
                         for p in preds])
        r = self.skeleton.root_index
        if self.decodes_absolute:
            root = np.stack([np.asarray(p.pred_root, np.float64)
                             for p in preds])
            rel = kp3d - root[:, None]
        else:
            rel = kp3d - kp3d[:, r:r + 1]
            c = np.asarray(camera['c'], np.float64).reshape(2)
            root = weak_perspective_root(
                keypoints_2d - c, rel,
                np.asarray(camera['f'], np.float64).reshape(2), r)
        absolute = rel + root[:, None]
        nll = (np.array([float(p.pred_nll) for p in preds])
               if 'pred_nll' in preds[0] else None)
        return dict(keypoints_3d=absolute, keypoints_3d_rel=rel, root=root,
                    root_estimated=not self.decodes_absolute, nll=nll)

    # -------------------------------------------------------- image path
    def _crops(self, image: np.ndarray, bboxes: Optional[np.ndarray]
               ) -> Tuple[list, np.ndarray]:
        """The 2D estimator's packed inputs of each person box of ``image``
        (None or empty: the whole frame) and the boxes ``(N, 4)``."""
        from pose3d_toolbox.geometry import bbox_from_keypoints
        from pose3d_toolbox.registry import TRANSFORMS
        if self.pose2d is None:
            raise ValueError(
                'images and videos need a 2D estimator: '
                "Pose3DInferencer(..., pose2d='integral2d_r18_cmu') (CLI: "
                '--pose2d integral2d_r18_cmu), or give 2D keypoint files')
        if getattr(self, '_pipeline_2d', None) is None:
            self._pipeline_2d = [
                TRANSFORMS.build(t) for t in
                self.pose2d.cfg.test_dataloader.dataset.pipeline
                if t['type'] in ('TopdownAffine', 'PackPoseInputs')]
        H, W = image.shape[:2]
        whole = bboxes is None or len(bboxes) == 0
        boxes = (np.array([[0, 0, W, H]], np.float64) if whole
                 else np.asarray(bboxes, np.float64).reshape(-1, 4))
        skeleton = self.pose2d.skeleton
        samples = []
        for box in boxes:
            center, scale = bbox_from_keypoints(
                box.reshape(2, 2), 1.0 if whole else self.bbox_padding)
            results = dict(img=image, bbox_center=center.astype(np.float32),
                           bbox_scale=scale.astype(np.float32),
                           crop_matrix=np.eye(2, 3, dtype=np.float32),
                           keypoints_2d=np.zeros((skeleton.num_joints, 2),
                                                 np.float32),
                           skeleton=skeleton.name,
                           root_index=skeleton.root_index)
            for t in self._pipeline_2d:
                results = t(results)
            samples.append(results)
        return samples, boxes

    @torch.no_grad()
    def _run_2d(self, samples: list) -> Tuple[np.ndarray, np.ndarray]:
        from mmengine.dataset import pseudo_collate
        preds = self.pose2d.test_step(pseudo_collate(samples))
        kp = np.stack([np.asarray(p.pred_keypoints_2d) for p in preds])
        sc = np.stack([np.asarray(p.pred_keypoint_scores) for p in preds])
        return kp.astype(np.float64), sc.astype(np.float64)

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
        return self._run_2d(samples) + (boxes, )

    def images_to_keypoints(self, inputs, bboxes=None,
                            progress: bool = False,
                            batch_size: int = 32) -> KeypointInput:
        """Run the 2D estimator on every frame of an image, a list of
        images, a folder of images or a video (:mod:`.image_io`), crops of
        several frames per forward pass (``batch_size``); ``bboxes``: a
        box file (:func:`~.image_io.read_bboxes`) or a list with ``(N, 4)``
        boxes per frame."""
        from .image_io import read_bboxes, read_frames, video_fps
        from .keypoint_io import Frame
        if isinstance(bboxes, str):
            bboxes = read_bboxes(bboxes)
        frames, pending, size, bar = [], [], None, None

        def flush():
            if not pending:
                return
            kp, sc = self._run_2d([x for p in pending for x in p[3]])
            i = 0
            for t, name, boxes, samples in pending:
                n = len(samples)
                frames.append(Frame(t, kp[i:i + n], sc[i:i + n], boxes,
                                    name))
                i += n
                if bar is not None:
                    bar.update()
            pending.clear()

        for t, name, image in read_frames(inputs):
            if size is None:
                size = (image.shape[1], image.shape[0])
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

    # -------------------------------------------------------------- call
    def __call__(self, inputs: Union[str, np.ndarray, KeypointInput],
                 layout: Optional[str] = None,
                 camera: Optional[dict] = None,
                 image_size: Optional[Sequence[int]] = None,
                 fps: Optional[float] = None,
                 progress: bool = False,
                 bboxes=None) -> InferenceResult:
        """Lift ``inputs``: a keypoint file or folder (:mod:`.keypoint_io`),
        a ``(T, J, 2|3)`` / ``(T, N, J, 2|3)`` array, or a
        :class:`KeypointInput`.

        Images, folders of images and videos go through the 2D estimator
        (``pose2d``) first, with ``bboxes`` (a box file or per-frame
        ``(N, 4)`` arrays) or the whole frame as the box.

        Args:
            layout: ``'coco'`` or ``'h36m'``; default: the file's (MMPose
                and COCO files say it; ``.npy`` arrays do not).
            camera: ``dict(f=(fx, fy), c=(cx, cy))`` pixels, optionally
                ``w``, ``h``.
            image_size: ``(w, h)`` of the images the keypoints are in.
            fps: frame rate (One-Euro smoothing; default the file's or 30).
            progress: show a progress bar over the tracks.
        """
        start = time.perf_counter()
        from .image_io import is_image_input
        if isinstance(inputs, KeypointInput):
            kin = inputs
        elif not isinstance(inputs, np.ndarray) and is_image_input(inputs):
            kin = self.images_to_keypoints(inputs, bboxes, progress)
        elif isinstance(inputs, np.ndarray):
            kin = from_array(inputs)
        else:
            kin = read_keypoints(str(inputs))
        layout = check_layout(layout or kin.layout, kin.source,
                              kin.num_joints)
        cam, cam_source = self._camera(kin, camera, image_size)
        fps = float(fps or kin.fps or DEFAULT_FPS)
        tracks = self._tracks(kin, layout)
        bar = None
        if progress:
            from mmengine.utils import ProgressBar
            bar = ProgressBar(sum(len(t['frames']) for t in tracks))
        per_frame: Dict[int, FrameResult] = {
            f.frame_id: FrameResult(f.frame_id, f.img_path)
            for f in kin.frames}
        meta_cam = _camera_meta(cam, cam_source)
        for tr in tracks:
            lifted = self.lift_track(
                tr['keypoints_2d'], tr['scores'], cam,
                source=f'{kin.source} track {tr["track_id"]}',
                report=None if bar is None else (
                    lambda n: bar.update(num_tasks=n)))
            kp3d = lifted['keypoints_3d']
            if self.smoothing:
                kp3d = smooth_sequence(kp3d, self.smoothing, fps)
                lifted['keypoints_3d_rel'] = kp3d - kp3d[
                    :, self.skeleton.root_index:self.skeleton.root_index + 1]
            root = kp3d[:, self.skeleton.root_index]
            for i, frame in enumerate(tr['frames']):
                data = dict(
                    pred_keypoints_3d=kp3d[i].astype(np.float32),
                    pred_root=root[i].astype(np.float32),
                    pred_keypoints_3d_rel=lifted['keypoints_3d_rel'][i]
                    .astype(np.float32),
                    pred_keypoints_2d=tr['keypoints_2d'][i].astype(
                        np.float32),
                    pred_keypoint_scores=tr['scores'][i].astype(np.float32))
                if tr['bboxes'][i] is not None:
                    data['bbox'] = np.asarray(tr['bboxes'][i], np.float32)
                if lifted['nll'] is not None:
                    data['pred_nll'] = float(lifted['nll'][i])
                meta = dict(frame_id=frame.frame_id, img_path=frame.img_path,
                            track_id=tr['track_id'], camera=cam,
                            root_estimated=lifted['root_estimated'],
                            skeleton=self.skeleton.name,
                            root_index=self.skeleton.root_index)
                per_frame[frame.frame_id].instances.append(
                    make_data_sample(meta, data))
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
                  'forward)', camera=meta_cam, fps=fps,
            causal=self.causal, receptive_field=self.receptive_field,
            smoothing=self.smoothing,
            tracks=[int(t['track_id']) for t in tracks],
            num_frames=n_frames, seconds=round(seconds, 4),
            frames_per_second=round(n_frames / max(seconds, 1e-9), 1))
        return InferenceResult(
            [per_frame[k] for k in sorted(per_frame)], meta)
