"""Lift 2D keypoint files with an exported ONNX lifter, without PyTorch.

:class:`OnnxLifter` reads a file written by
:func:`~.onnx_export.export_onnx` and everything it needs from the file's
``metadata_props`` (the codec's config, the test window, the inference
settings, whether the graph is the whole-sequence form), then runs the
same steps as :class:`~.inferencer.Pose3DInferencer` with the same code:
the keypoint readers, tracking and smoothing of :mod:`.lifting_core`, the
windows and edge padding of :mod:`pose3d_toolbox.utils.lifting_windows`,
the codec's own ``encode_batch`` / ``decode`` (numpy; the codecs import
no PyTorch) and the one JSON writer. Only the network runs elsewhere: in
onnxruntime. Nothing on this path imports PyTorch
(``tests/test_apis/test_onnx_lifter.py`` checks ``sys.modules``).

Example:
    >>> from pose3d_toolbox.apis.onnx_lifter import OnnxLifter
    >>> lifter = OnnxLifter('videopose3d_27frm_cmu.onnx')
    >>> lifter('keypoints.npz').dump('out/keypoints_3d.json')

Covered: the keypoint lifters the inferencer runs from 2D keypoints
(``kind`` ``lifter``: SimpleBaseline, VideoPose3D in both forms,
AbsPoseLifter; ``anatomy3d``: Anatomy3D, its length network's random
frames drawn as the lifting dataset draws them at test time,
:func:`~pose3d_toolbox.utils.lifting_windows.random_frames`;
``elepose``: ElePose's lifting network and its flow prior's ``nll``),
and images or videos as inputs through the exported 2D
estimator (:class:`OnnxPose2D`, ``pose2d_onnx_file``). Not covered: the
direct image -> 3D models.
"""
import json
import warnings
from typing import Optional

import numpy as np

from pose3d_toolbox.codecs.abs_pose import ROOT_2D
from pose3d_toolbox.codecs.base import LIFTING_INPUT
from pose3d_toolbox.codecs.bone import LENGTH_INPUT, LIFTING_VISIBILITY
from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.utils.lifting_windows import (edge_pad_sequence,
                                                  random_frames, sample_rng,
                                                  window_frames,
                                                  window_offsets)
from .lifting_core import LifterCore

#: ``kind`` values of exported files this module lifts with.
KINDS = ('lifter', 'elepose', 'anatomy3d')
#: metadata keys the lifter reads (written by ``export_onnx``).
NEEDED_KEYS = ('kind', 'form', 'codec', 'window', 'skeleton', 'model')
#: Anatomy3D's graph inputs besides ``keypoints_2d``: name -> the encoded
#: field (``BoneCodec``) fed to it.
EXTRA_INPUTS = (('length_input', LENGTH_INPUT),
                ('visibility', LIFTING_VISIBILITY))


def read_metadata(onnx_file: str) -> dict:
    """``metadata_props`` of an ONNX file as a dict (through
    onnxruntime, no PyTorch)."""
    import onnxruntime as ort
    session = ort.InferenceSession(onnx_file,
                                   providers=['CPUExecutionProvider'])
    return dict(session.get_modelmeta().custom_metadata_map)


def graph_feed(session, keypoints_2d: np.ndarray, field) -> dict:
    """The inputs of a lifter's graph: ``keypoints_2d`` and, for the
    graph's other inputs (:data:`EXTRA_INPUTS`), ``field(key)``, the
    batch's encoded field ``key``."""
    feed = {'keypoints_2d': np.ascontiguousarray(keypoints_2d, np.float32)}
    for inp in session.get_inputs():
        for name, key in EXTRA_INPUTS:
            if inp.name == name:
                feed[name] = np.ascontiguousarray(field(key), np.float32)
    return feed


def run_graph(session, keypoints_2d: np.ndarray, field) -> tuple:
    """Run a lifter's graph (inputs: :func:`graph_feed`): its first
    output as ``(N, J, 3)`` poses (the sequence form's flattened) and the
    others by name (ElePose's ``nll`` ``(N,)``)."""
    outs = session.run(None, graph_feed(session, keypoints_2d, field))
    names = [o.name for o in session.get_outputs()]
    return (outs[0].reshape(-1, *outs[0].shape[-2:]),
            dict(zip(names[1:], outs[1:])))


def warn_without_nll(onnx_file: str, session, meta: dict,
                     stacklevel: int = 2) -> None:
    """Warn when an ElePose file has no ``nll`` output (exported before
    the flow prior was): its JSON then has no ``nll``."""
    if meta.get('kind') == 'elepose' and 'nll' not in [
            o.name for o in session.get_outputs()]:
        warnings.warn(f'{onnx_file}: ElePose without its flow prior (an '
                      'older export; export it again for the nll), the '
                      'JSON has no nll', stacklevel=stacklevel + 1)


def build_codec(cfg: dict):
    """The codec of a config dict, built without PyTorch.

    ``KEYPOINT_CODECS.build`` would import the registry's location
    through mmengine, which logs the import with ``MMLogger``, whose set-up
    imports ``mmengine.dist`` and with it PyTorch; so the codecs are
    imported here and the class is taken from the registry's table."""
    import pose3d_toolbox.codecs  # noqa: F401 (registers the codecs)
    cfg = dict(cfg)
    name = cfg.pop('type')
    cls = KEYPOINT_CODECS.module_dict.get(name)
    if cls is None:
        raise KEYPOINT_CODECS.unknown_type_error(name)
    return cls(**cfg)


class OnnxLifter(LifterCore):
    """2D keypoints -> camera-space 3D poses with an exported lifter in
    onnxruntime.

    Args:
        onnx_file: a lifter exported by :func:`~.onnx_export.export_onnx`
            (``tools/deployment/pytorch2onnx.py``).
        model_name: the name written in the JSON's ``meta.model`` (only
            a label; default: the file's ``model``, the name it was
            exported from).
        batch_size, smoothing, causal, iou_threshold, max_age, nan_policy,
        min_frames: as :class:`~.inferencer.Pose3DInferencer`'s; defaults
            from the file's ``inference_cfg``.
        providers: onnxruntime execution providers.
        pose2d_onnx_file: the exported 2D estimator (:class:`OnnxPose2D`)
            that reads images and videos.
        bbox_padding: as :class:`~.inferencer.Pose3DInferencer`'s.

    Calling it (``lifter(inputs, layout=, camera=, image_size=, fps=,
    bboxes=)``, as the inferencer) returns a :class:`~.lifting_core.
    LiftResult`, whose ``dump`` writes the same JSON as the PyTorch
    backend.
    """

    def __init__(self, onnx_file: str, model_name: Optional[str] = None,
                 batch_size: int = 1024, smoothing: Optional[dict] = None,
                 causal: Optional[bool] = None,
                 iou_threshold: Optional[float] = None,
                 max_age: Optional[int] = None, nan_policy: str = 'error',
                 min_frames: str = 'warn',
                 providers=('CPUExecutionProvider', ),
                 pose2d_onnx_file: Optional[str] = None,
                 bbox_padding: float = 1.25):
        import onnxruntime as ort
        self.session = ort.InferenceSession(onnx_file,
                                            providers=list(providers))
        meta = dict(self.session.get_modelmeta().custom_metadata_map)
        self.onnx_file, self.onnx_meta = onnx_file, meta
        missing = [k for k in NEEDED_KEYS if k not in meta]
        if missing:
            raise ValueError(
                f'{onnx_file}: metadata_props lack {missing}; the file was '
                'not written by pose3d_toolbox export_onnx (python tools/'
                'deployment/pytorch2onnx.py MODEL --out FILE)')
        if meta['kind'] not in KINDS:
            raise ValueError(
                f'{onnx_file}: an ONNX model of kind {meta["kind"]!r}; the '
                f'torch-free lifter runs kinds {KINDS} (an image 2D '
                'estimator: pose2d_onnx_file=FILE; the direct image -> 3D '
                "models: Pose3DInferencer(..., backend='pytorch'))")
        if meta['skeleton'] != H36M.name:
            raise ValueError(
                f'{onnx_file}: the lifter uses skeleton {meta["skeleton"]!r};'
                ' the inferencer lifts Human3.6M-17 keypoints')
        self.model_name = model_name or meta['model']
        window = json.loads(meta['window'])
        self._configure(window, json.loads(meta.get('inference_cfg') or
                                           '{}'),
                        smoothing=smoothing, causal=causal,
                        iou_threshold=iou_threshold, max_age=max_age,
                        nan_policy=nan_policy, min_frames=min_frames,
                        batch_size=batch_size)
        self.dense = meta['form'] == 'sequence'
        if not self.dense and meta.get('sequence_form') == 'True':
            raise ValueError(
                f'{onnx_file}: an ONNX lifter of form {meta["form"]!r} '
                f'(kind {meta["kind"]!r}); {self.model_name} runs in the'
                " 'sequence' form: export it with python tools/deployment/"
                f'pytorch2onnx.py {self.model_name} --form sequence --out '
                'FILE')
        self.codec = build_codec(json.loads(meta['codec']))
        self.decodes_absolute = bool(self.codec.decodes_absolute)
        self.output_name = self.session.get_outputs()[0].name
        self.bbox_padding = float(bbox_padding)
        if pose2d_onnx_file is not None:
            self.pose2d_onnx = OnnxPose2D(pose2d_onnx_file, providers)
            self.pose2d_name = self.pose2d_onnx.model_name
        warn_without_nll(onnx_file, self.session, meta)

    def __call__(self, inputs, layout=None, camera=None, image_size=None,
                 fps=None, progress: bool = False, bboxes=None):
        """:meth:`~.lifting_core.LifterCore.lift`."""
        return self.lift(inputs, layout, camera, image_size, fps, progress,
                         bboxes)

    # ----------------------------------------------------------- lifting
    def encode(self, keypoints_2d: np.ndarray, frames: np.ndarray,
               camera: dict, target_index: int, scores=None,
               random: Optional[np.ndarray] = None) -> dict:
        """The codec's ``encode_batch`` of the windows ``frames`` ``(N,
        S)`` of a track's pixels, as the lifting dataset gathers them: a
        placeholder 3D pose, the scores clipped to ``[0, 1]`` as the
        visibility, and the ``random`` ``(N, l)`` frames of Anatomy3D's
        length network."""
        kp_all = np.asarray(keypoints_2d, np.float32)

        def placeholder(kp):
            out = np.zeros(kp.shape[:-1] + (3, ), np.float32)
            out[..., 2] = self.placeholder_depth
            return out
        kp = kp_all[frames]
        batch = dict(keypoints_2d=kp, keypoints_3d=placeholder(kp),
                     camera=[camera] * len(kp), target_index=target_index)
        if scores is not None:
            batch['visibility'] = np.clip(scores, 0, 1).astype(
                np.float32)[frames]
        if random is not None:
            batch.update(random_keypoints_2d=kp_all[random],
                         random_keypoints_3d=placeholder(kp_all[random]))
        return self.codec.encode_batch(batch)

    def random_frames(self, targets: np.ndarray, T: int
                      ) -> Optional[np.ndarray]:
        """``(N, l)`` random frames of the windows around ``targets`` (the
        test-mode draws of the lifting dataset: sample ``t`` seeded by
        ``(random_frames_seed, t)``, from ``[0, T)``, or ``[0, t]`` when
        causal); None for models without them."""
        count = int(self.window.get('num_random_frames') or 0)
        if not count:
            return None
        seed = self.window.get('random_frames_seed', 0)
        return np.stack([random_frames(t + 1 if self.causal else T, count,
                                       sample_rng(seed, t))
                         for t in np.asarray(targets).tolist()])

    def _decode(self, out: np.ndarray, encoded: dict, camera: dict) -> dict:
        if self.output_name == 'keypoints_3d_rel':  # decoded in the graph
            return dict(keypoints_3d=out)
        metas = [dict(camera=camera) for _ in range(len(out))]
        if ROOT_2D in encoded:
            for m, r in zip(metas, encoded[ROOT_2D]):
                m[ROOT_2D] = r
        return self.codec.decode(out, metas)

    def _predict_track(self, keypoints_2d, scores, camera, report=None):
        T = len(keypoints_2d)
        targets = np.arange(T)
        if self.dense:  # one frame per window, padded at the ends
            enc = self.encode(keypoints_2d, targets[:, None], camera, 0)
            x = edge_pad_sequence(enc[LIFTING_INPUT][:, 0][None],
                                  self.receptive_field, self.causal)
            decoded = [self._decode_run(x, enc, camera)]
            if report is not None:
                report(T)
        else:
            index, offsets = window_offsets(self.window['seq_len'],
                                            self.causal,
                                            self.window['frame_interval'])
            decoded = []
            for start in range(0, T, self.batch_size):
                batch = targets[start:start + self.batch_size]
                frames = window_frames(batch, offsets, T - 1)
                enc = self.encode(keypoints_2d, frames, camera, index,
                                  scores, self.random_frames(batch, T))
                decoded.append(self._decode_run(enc[LIFTING_INPUT], enc,
                                                camera))
                if report is not None:
                    report(len(frames))
        kp3d = np.concatenate([d['keypoints_3d'] for d in decoded])
        root = (np.concatenate([d['root'] for d in decoded])
                if self.decodes_absolute else None)
        nll = (np.concatenate([d['nll'] for d in decoded])
               if 'nll' in decoded[0] else None)
        return dict(keypoints_3d=kp3d, root=root, nll=nll)

    def _decode_run(self, x: np.ndarray, encoded: dict, camera: dict
                    ) -> dict:
        """The graph on ``x`` (the other inputs from ``encoded``), decoded
        (:meth:`_decode`), with the graph's other outputs (``nll``)."""
        out, extra = run_graph(self.session, x, lambda key: encoded[key])
        return dict(self._decode(out, encoded, camera), **extra)


class OnnxPose2D:
    """The image path's 2D estimator exported by
    :func:`~.onnx_export.export_onnx` (``integral2d_r18_cmu``: its
    soft-argmax read-out in the graph), in onnxruntime.

    :meth:`crop` cuts a box out of an image as the config's
    ``TopdownAffine`` does (:func:`~pose3d_toolbox.geometry.warp_crop`) and
    :meth:`run` decodes the graph's heatmap-pixel coordinates to image
    pixels with the codec's ``decode_coords`` (numpy), the steps of the
    PyTorch path (:class:`~pose3d_toolbox.models.heads.
    IntegralHeatmapHead`'s ``decode_outputs``) after the read-out.
    """

    OUTPUTS = ['keypoints_heatmap', 'keypoint_scores']

    def __init__(self, onnx_file: str,
                 providers=('CPUExecutionProvider', )):
        import onnxruntime as ort
        self.session = ort.InferenceSession(onnx_file,
                                            providers=list(providers))
        meta = dict(self.session.get_modelmeta().custom_metadata_map)
        outputs = [o.name for o in self.session.get_outputs()]
        if meta.get('kind') != 'topdown' or outputs != self.OUTPUTS:
            raise ValueError(
                f'{onnx_file}: not an exported 2D estimator whose graph '
                f'reads out coordinates (kind {meta.get("kind")!r}, outputs '
                f'{outputs}; expected kind \'topdown\' and {self.OUTPUTS}): '
                'export it with python tools/deployment/pytorch2onnx.py '
                'integral2d_r18_cmu --out FILE')
        if meta.get('skeleton') != H36M.name:
            raise ValueError(
                f'{onnx_file}: the 2D estimator predicts skeleton '
                f'{meta.get("skeleton")!r}; the image path needs a '
                'Human3.6M-17 2D estimator (integral2d_r18_cmu)')
        self.model_name = meta['model']
        self.codec = build_codec(json.loads(meta['codec']))

    def crop(self, image: np.ndarray, center: np.ndarray,
             scale: np.ndarray) -> dict:
        """The network input ``(3, H, W)`` float32 of the box ``(center,
        scale)`` of an ``(H, W, 3)`` RGB image, and its ``crop_matrix``
        (float32, as ``TopdownAffine`` writes it)."""
        from pose3d_toolbox.geometry import warp_crop
        crop, matrix = warp_crop(image, center, scale,
                                 self.codec.input_size)
        return dict(image=crop.transpose(2, 0, 1).astype(np.float32),
                    crop_matrix=matrix.astype(np.float32))

    def run(self, crops: list) -> dict:
        """``keypoints_2d (N, J, 2)`` image pixels and ``scores (N, J)``
        (float64) of :meth:`crop`'s crops."""
        coords, scores = self.session.run(None, dict(image=np.stack(
            [c['image'] for c in crops])))
        out = self.codec.decode_coords(coords, crops, scores)
        return dict(keypoints_2d=out['keypoints_2d'].astype(np.float64),
                    scores=out['keypoint_scores'].astype(np.float64))
