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

Images, folders of images and videos go through the 2D estimator
(``pose2d``) before step 1, or, when the model is a direct image -> 3D
model (configs/integral3d_r18_cmu.py, hemlets_r18_cmu.py,
depthaware_r18_cmu.py), through that model instead of steps 4-5: each
person's box is cropped by the model's own ``TopdownAffine`` +
``PackPoseInputs`` (the crops and batches of the 2D estimator's path), the
camera of step 2 is attached, and its head decodes camera metres
(:class:`~pose3d_toolbox.codecs.IntegralPose3DCodec`: the root depth of
its bone-length fit, ``root_estimated=False`` as the model's own root);
HEMlets' 18 joints give their Human3.6M 17.

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
import os.path as osp
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch

from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.structures import PoseDataSample
from pose3d_toolbox.structures.pose_data_sample import make_data_sample
from pose3d_toolbox.utils.lifting_windows import edge_pad_sequence
from . import model_zoo  # noqa: F401 (registers the checkpoint loaders)
from .keypoint_io import KeypointInput
from .onnx_lifter import KINDS as ONNX_LIFTER_KINDS
from .onnx_lifter import (OnnxLifter, OnnxPose2D, read_metadata,
                          run_graph, warn_without_nll)
from .lifting_core import (  # noqa: F401 (names of this module before)
    DEFAULT_FPS, JSON_FORMAT, NO_IMAGE_MODEL, WINDOW_KEYS, ImageFrame,
    LifterCore, LiftResult, camera_space, default_camera)

#: pipeline steps kept from the config for inference (augmentation and
#: synthetic 2D noise belong to training / evaluation).
INFERENCE_STEPS = ('GenerateTarget', 'PackPoseInputs')
#: where the lifter's network runs (``Pose3DInferencer(backend=...)``).
BACKENDS = ('pytorch', 'onnxruntime')


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

    def arrays(self) -> LiftResult:
        """The result as plain arrays (:class:`~.lifting_core.
        LiftResult`), what the JSON writer reads."""
        frames = [dict(frame_id=f.frame_id, img_path=f.img_path, instances=[
            dict(track_id=int(s.track_id), keypoints_3d=s.pred_keypoints_3d,
                 root=s.pred_root, keypoints_3d_rel=s.pred_keypoints_3d_rel,
                 keypoints_2d=s.pred_keypoints_2d,
                 keypoint_scores=s.pred_keypoint_scores,
                 root_estimated=bool(s.root_estimated),
                 bbox=s.bbox if 'bbox' in s else None,
                 nll=float(s.pred_nll) if 'pred_nll' in s else None)
            for s in f.instances]) for f in self.frames]
        return LiftResult(frames, self.meta)

    def track(self, track_id: int) -> Dict[str, np.ndarray]:
        """One track as arrays: ``frame_id (T,)``, ``keypoints_3d (T, J,
        3)``, ``keypoints_2d (T, J, 2)``."""
        return self.arrays().track(track_id)

    def save_bvh(self, out_dir: str, stem: str = 'track', up: str = 'y',
                 unit: str = 'cm', order: str = 'ZXY') -> Dict[int, dict]:
        """Write one BVH animation per track: :meth:`~.lifting_core.
        LiftResult.save_bvh`."""
        return self.arrays().save_bvh(out_dir, stem, up, unit, order)

    def to_dict(self) -> dict:
        """The JSON document (schema: README.md, "Inference")."""
        return self.arrays().to_dict()

    def dump(self, path: str) -> str:
        """Write :meth:`to_dict` as JSON to ``path`` (folders made)."""
        return self.arrays().dump(path)

    @classmethod
    def from_arrays(cls, result: LiftResult, skeleton) -> 'InferenceResult':
        """Data samples (the visualisers' boundary) of a plain result."""
        frames = []
        for f in result.frames:
            frame = FrameResult(f['frame_id'], f['img_path'])
            for p in f['instances']:
                data = dict(pred_keypoints_3d=p['keypoints_3d'],
                            pred_root=p['root'],
                            pred_keypoints_3d_rel=p['keypoints_3d_rel'],
                            pred_keypoints_2d=p['keypoints_2d'],
                            pred_keypoint_scores=p['keypoint_scores'])
                if p.get('bbox') is not None:
                    data['bbox'] = p['bbox']
                if p.get('nll') is not None:
                    data['pred_nll'] = p['nll']
                meta = dict(frame_id=f['frame_id'], img_path=f['img_path'],
                            track_id=p['track_id'], camera=result.camera,
                            root_estimated=p['root_estimated'],
                            skeleton=skeleton.name,
                            root_index=skeleton.root_index)
                frame.instances.append(make_data_sample(meta, data))
            frames.append(frame)
        return cls(frames, result.meta)


class Pose3DInferencer(LifterCore):
    """Lift 2D keypoints to camera-space 3D poses with a lifter, or read
    images with a direct image -> 3D model.

    Args:
        model: a model-zoo name (``tools/misc/list_models.py``), a config
            path, a checkpoint path (its config inside), or a built model
            (with ``cfg``, as :func:`~.inference.init_model` returns): a
            2D -> 3D lifter, or a direct image -> 3D model (a top-down
            model whose codec decodes camera metres, e.g. configs/
            integral3d_r18_cmu.py, hemlets_r18_cmu.py,
            depthaware_r18_cmu.py), which reads images and videos itself
            (no ``pose2d``): each person's crop goes through the model's
            test pipeline (``TopdownAffine`` + ``PackPoseInputs``), the
            camera (given or :func:`default_camera`) is attached, and the
            head decodes camera metres with the root depth of its codec
            (``root_estimated`` false: the root is the model's own).
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
            same (to float rounding), ElePose's ``nll`` (its flow prior
            over the virtual cameras) included.
        onnx_file: the lifter's exported file (``tools/deployment/
            pytorch2onnx.py``; VideoPose3D in its default whole-sequence
            form). A keypoint lifter's file is run by
            :class:`~.onnx_lifter.OnnxLifter`, the torch-free path: no
            PyTorch model is built (``self.model`` is None), the settings
            come from the file's metadata and ``model`` only names the
            result. Default: ``model`` is exported to a temporary file
            and encoded on the PyTorch side.
        pose2d_onnx_file: the 2D estimator's exported file
            (``pytorch2onnx.py integral2d_r18_cmu``), run in onnxruntime
            (:class:`~.onnx_lifter.OnnxPose2D`) for images and videos
            when no ``pose2d`` is given.
    """

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
                 onnx_file: Optional[str] = None,
                 pose2d_onnx_file: Optional[str] = None):
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got '
                             f'{backend!r}')
        self.backend = backend
        settings = dict(smoothing=smoothing, causal=causal,
                        iou_threshold=iou_threshold, max_age=max_age,
                        nan_policy=nan_policy, min_frames=min_frames,
                        batch_size=batch_size)
        self.onnx_lifter, self.session = None, None
        self.image_3d = False
        if backend == 'onnxruntime' and onnx_file is not None and \
                not isinstance(model, torch.nn.Module) and \
                read_metadata(onnx_file).get('kind') in ONNX_LIFTER_KINDS:
            # the torch-free path (.onnx_lifter): no PyTorch model is built
            self.onnx_lifter = OnnxLifter(onnx_file, model_name=str(model),
                                          **settings)
            for key in ('model_name', 'window', 'causal', 'receptive_field',
                        'batch_size', 'smoothing', 'iou_threshold', 'max_age',
                        'nan_policy', 'min_frames', 'decodes_absolute',
                        'session', 'onnx_meta', 'dense'):
                setattr(self, key, getattr(self.onnx_lifter, key))
            self.model, self.cfg, self.skeleton = None, None, H36M
        else:
            self._init_model(model, checkpoint, device, cfg_options,
                             settings)
        self.pose2d, self.pose2d_name = None, None
        if self.image_3d and backend != 'pytorch':
            raise ValueError(
                f'{self.model_name} is a direct image -> 3D model; '
                "onnxruntime runs lifters only: use backend='pytorch'")
        if pose2d is not None:
            self.use_pose2d(pose2d, pose2d_checkpoint, device)
        if pose2d_onnx_file is not None:
            if self.image_3d:
                raise ValueError(
                    f'{self.model_name} is a direct image -> 3D model: it '
                    'reads images itself; give no pose2d_onnx_file')
            self.pose2d_onnx = OnnxPose2D(pose2d_onnx_file)
            if self.pose2d is None:
                self.pose2d_name = self.pose2d_onnx.model_name
        self.bbox_padding = float(bbox_padding)
        if backend == 'onnxruntime' and self.onnx_lifter is None:
            self.session = self._onnx_session(onnx_file)

    def use_pose2d(self, pose2d, checkpoint: Optional[str] = None,
                   device: str = 'cpu') -> None:
        """Set the 2D estimator of the image path (``pose2d`` of
        :class:`Pose3DInferencer`); a direct image -> 3D model needs none."""
        from .inference import init_model
        if self.image_3d:
            raise ValueError(
                f'{self.model_name} is a direct image -> 3D model: it reads '
                'images itself; give no pose2d (CLI: no --pose2d)')
        self.pose2d = (pose2d if isinstance(pose2d, torch.nn.Module)
                       else init_model(pose2d, checkpoint, device=device))
        self.pose2d.eval()
        self.pose2d_name = (type(pose2d).__name__ if isinstance(
            pose2d, torch.nn.Module) else str(pose2d))
        self._pipeline_2d = None
        if self.pose2d.skeleton.name != H36M.name:
            raise ValueError(
                f'{self.pose2d_name} predicts skeleton '
                f'{self.pose2d.skeleton.name!r}; the image path needs a '
                'Human3.6M-17 2D estimator (integral2d_r18_cmu)')

    def _init_model(self, model, checkpoint, device, cfg_options,
                    settings) -> None:
        """The PyTorch lifter and the settings its config gives."""
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
        self.model.eval()
        self.cfg = self.model.cfg
        self.skeleton = self.model.skeleton
        ds = dict(self.cfg.test_dataloader.dataset)
        codec = getattr(self.model, 'codec', None) or getattr(
            getattr(self.model, 'head', None), 'codec', None)
        self.decodes_absolute = bool(getattr(codec, 'decodes_absolute',
                                             False))
        self.image_3d = self.decodes_absolute and 'TopdownAffine' in [
            t.get('type') for t in ds.get('pipeline', [])]
        #: the Human3.6M-17 joints of a direct 3D model's own skeleton
        #: (HEMlets' 18 add the shoulders' midpoint)
        self.image_joints = None
        if self.image_3d and self.skeleton.name != H36M.name and set(
                H36M.joint_names) <= set(self.skeleton.joint_names):
            self.image_joints = [self.skeleton.joint_names.index(n)
                                 for n in H36M.joint_names]
            self.skeleton = H36M
        if self.skeleton.name != H36M.name:
            raise ValueError(
                f'{self.model_name}: Pose3DInferencer lifts Human3.6M-17 '
                f'keypoints, the model uses skeleton {self.skeleton.name!r}; '
                'use a lifter of the model zoo (python '
                'tools/misc/list_models.py)')
        if self.image_3d:  # one crop -> one pose: no window, no 2D encoding
            self.pipeline, self.dense = [], False
            self._configure({}, self.cfg.get('inference_cfg'), **settings)
            return
        self.pipeline = [dict(t) for t in ds.get('pipeline', [])
                         if t.get('type') in INFERENCE_STEPS]
        types = [t['type'] for t in self.pipeline]
        if 'GenerateTarget' not in types or 'PackPoseInputs' not in types \
                or any(t.get('preset') == 'topdown' for t in self.pipeline):
            raise ValueError(
                f'{self.model_name} is neither a 2D->3D lifter (its test '
                'pipeline does not encode 2D keypoints with GenerateTarget '
                '+ PackPoseInputs) nor a direct image -> 3D model (a '
                'top-down model whose codec decodes camera metres); give a '
                'lifter as the model (e.g. videopose3d_27frm_cmu) and a 2D '
                'estimator as pose2d= (e.g. integral2d_r18_cmu), or an image '
                '-> 3D model (e.g. configs/integral3d_r18_cmu.py) alone')
        self._configure(ds, self.cfg.get('inference_cfg'), **settings)
        backbone = getattr(self.model, 'backbone', None)
        self.dense = (callable(getattr(backbone, 'forward_sequence', None))
                      and self.window['frame_interval'] == 1
                      and self.window['seq_len'] ==
                      getattr(backbone, 'receptive_field', None))

    def _onnx_session(self, onnx_file: Optional[str]):
        """The onnxruntime session of the lifter (exported here when no
        file is given); its form must be the one :meth:`lift_track` runs."""
        import tempfile

        import onnxruntime as ort
        from .onnx_export import export_onnx
        form = 'sequence' if self.dense else 'window'
        if onnx_file is None:
            self._onnx_dir = tempfile.TemporaryDirectory(prefix='pose3d_')
            onnx_file = export_onnx(
                self.model, osp.join(self._onnx_dir.name, 'lifter.onnx'),
                form=form)['path']
        session = ort.InferenceSession(onnx_file,
                                       providers=['CPUExecutionProvider'])
        meta = dict(session.get_modelmeta().custom_metadata_map)
        if meta.get('form') != form or meta.get('kind') == 'topdown':
            raise ValueError(
                f'{onnx_file}: an ONNX lifter of form {meta.get("form")!r} '
                f'(kind {meta.get("kind")!r}); {self.model_name} runs in the'
                f' {form!r} form: export it with python tools/deployment/'
                f'pytorch2onnx.py {self.model_name} --form {form} --out '
                'FILE')
        self.onnx_meta = meta
        warn_without_nll(onnx_file, session, meta, stacklevel=3)
        return session

    def _run_onnx(self, inputs: np.ndarray, samples) -> dict:
        """The graph's decoded output of a batch (the codec's ``decode``
        where the graph does not decode)."""
        out, extra = run_graph(self.session, inputs, lambda key: np.stack(
            [np.asarray(s.get(key), np.float32) for s in samples]))
        if self.session.get_outputs()[0].name == 'keypoints_3d_rel':
            return dict(keypoints_3d=out, **extra)
        codec = getattr(self.model, 'codec', None) or self.model.head.codec
        return dict(codec.decode(out, [s.metainfo for s in samples]),
                    **extra)

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
        x = edge_pad_sequence(
            np.stack([np.asarray(p['inputs'][0], np.float32)
                      for p in packed])[None], self.receptive_field,
            self.causal)
        x = torch.from_numpy(x).to(next(self.model.parameters()).device)
        model = self.model
        if self.session is not None:
            from pose3d_toolbox.structures import write_predictions
            if report is not None:
                report(len(samples))
            return write_predictions(samples, self._run_onnx(
                x.numpy(), samples))

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

    def _predict_track(self, keypoints_2d: np.ndarray, scores: np.ndarray,
                       camera: dict, report=None) -> dict:
        """The codec's decoding of one track (:class:`~.lifting_core.
        LifterCore`): the PyTorch model, or its ONNX graph."""
        if self.onnx_lifter is not None:
            return self.onnx_lifter._predict_track(keypoints_2d, scores,
                                                   camera, report)
        if self.image_3d:
            self._refuse_keypoints()
        predict = self._predict_dense if self.dense else \
            self._predict_windows
        preds = predict(keypoints_2d, scores, camera, report)
        kp3d = np.stack([np.asarray(p.pred_keypoints_3d, np.float64)
                         for p in preds])
        root = (np.stack([np.asarray(p.pred_root, np.float64)
                          for p in preds]) if self.decodes_absolute else None)
        nll = (np.array([float(p.pred_nll) for p in preds])
               if 'pred_nll' in preds[0] else None)
        return dict(keypoints_3d=kp3d, root=root, nll=nll)

    # -------------------------------------------------------- image path
    def _image_model(self):
        """The model that reads images: the direct image -> 3D model, else
        the 2D estimator."""
        if self.image_3d:
            return self.model
        if self.pose2d is None:
            raise ValueError(NO_IMAGE_MODEL)
        return self.pose2d

    def _crop(self, image: np.ndarray, center: np.ndarray,
              scale: np.ndarray):
        """The image model's (:meth:`_image_model`) packed input of a box:
        its test pipeline's ``TopdownAffine`` + ``PackPoseInputs``; the
        exported 2D estimator's (``pose2d_onnx_file``) when no PyTorch
        image model is set."""
        from pose3d_toolbox.registry import TRANSFORMS
        if self._onnx_2d():
            return super()._crop(image, center, scale)
        model = self._image_model()
        if getattr(self, '_pipeline_2d', None) is None:
            self._pipeline_2d = [
                TRANSFORMS.build(t) for t in
                model.cfg.test_dataloader.dataset.pipeline
                if t['type'] in ('TopdownAffine', 'PackPoseInputs')]
        skeleton = model.skeleton
        results = dict(img=image, bbox_center=center, bbox_scale=scale,
                       crop_matrix=np.eye(2, 3, dtype=np.float32),
                       keypoints_2d=np.zeros((skeleton.num_joints, 2),
                                             np.float32),
                       skeleton=skeleton.name,
                       root_index=skeleton.root_index)
        for t in self._pipeline_2d:
            results = t(results)
        return results

    def _check_image_model(self) -> None:
        if not self._onnx_2d():
            self._image_model()

    def _onnx_2d(self) -> bool:
        """Whether images go through the exported 2D estimator."""
        return not self.image_3d and self.pose2d is None and \
            self.pose2d_onnx is not None

    @torch.no_grad()
    def _run_image_model(self, samples: list,
                         camera: Optional[dict] = None) -> dict:
        """The image model on packed crops: ``keypoints_2d (N, J, 2)``
        image pixels and ``scores (N, J)``; a direct 3D model (given the
        ``camera`` its codec decodes metres with) also ``keypoints_3d
        (N, J, 3)`` camera metres and ``root (N, 3)``."""
        from mmengine.dataset import pseudo_collate
        if self._onnx_2d():
            return super()._run_image_model(samples, camera)
        if camera is not None:
            for s in samples:
                s['data_samples'].set_metainfo(dict(camera=dict(
                    f=np.asarray(camera['f'], np.float64).reshape(2),
                    c=np.asarray(camera['c'], np.float64).reshape(2))))
        preds = self._image_model().test_step(pseudo_collate(samples))
        out = dict(keypoints_2d=np.stack(
            [np.asarray(p.pred_keypoints_2d, np.float64) for p in preds]))
        out['scores'] = np.stack([
            np.asarray(p.pred_keypoint_scores, np.float64)
            if 'pred_keypoint_scores' in p else
            np.ones(len(p.pred_keypoints_2d)) for p in preds])
        if self.image_3d:
            out['keypoints_3d'] = np.stack(
                [np.asarray(p.pred_keypoints_3d, np.float64) for p in preds])
            out['root'] = np.stack(
                [np.asarray(p.pred_root, np.float64) for p in preds])
            if self.image_joints is not None:
                for k in ('keypoints_2d', 'scores', 'keypoints_3d'):
                    out[k] = out[k][:, self.image_joints]
        return out

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
        (``pose2d``) first, or through the direct image -> 3D model, with
        ``bboxes`` (a box file or per-frame ``(N, 4)`` arrays) or the
        whole frame as the box.

        Args:
            layout: ``'coco'`` or ``'h36m'``; default: the file's (MMPose
                and COCO files say it; ``.npy`` arrays do not).
            camera: ``dict(f=(fx, fy), c=(cx, cy))`` pixels, optionally
                ``w``, ``h``.
            image_size: ``(w, h)`` of the images the keypoints are in.
            fps: frame rate (One-Euro smoothing; default the file's or 30).
            progress: show a progress bar over the tracks.
        """
        return InferenceResult.from_arrays(
            self.lift(inputs, layout, camera, image_size, fps, progress,
                      bboxes), self.skeleton)

    def _read_inputs(self, inputs, bboxes=None, progress: bool = False,
                     camera=None, image_size=None) -> KeypointInput:
        """:meth:`~.lifting_core.LifterCore._read_inputs`; a direct image
        -> 3D model reads images only."""
        from .image_io import is_image_input
        if self.image_3d and (isinstance(inputs, (np.ndarray,
                                                  KeypointInput))
                              or not is_image_input(inputs)):
            self._refuse_keypoints()
        return super()._read_inputs(inputs, bboxes, progress, camera,
                                    image_size)

    def _refuse_keypoints(self):
        raise ValueError(
            f'{self.model_name} is a direct image -> 3D model: it reads '
            'images (an image, a folder of images or a video), not 2D '
            'keypoints; give a lifter to lift keypoints')

    def _lift_tracked(self, track: dict, camera: dict, source: str,
                      report=None) -> dict:
        """A direct 3D model's track: its own camera-space poses and root
        (read with the images, :class:`ImageFrame`); lifters lift."""
        if not self.image_3d:
            return super()._lift_tracked(track, camera, source, report)
        rows = list(zip(track['frames'], track['people']))
        out = camera_space(np.stack([f.keypoints_3d[k] for f, k in rows]),
                           np.stack([f.root[k] for f, k in rows]),
                           track['keypoints_2d'], camera,
                           self.skeleton.root_index)
        out['nll'] = None
        if report is not None:
            report(len(rows))
        return out
