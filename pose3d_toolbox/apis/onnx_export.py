"""Models -> ONNX files that onnxruntime runs without PyTorch.

:func:`export_onnx` writes a model's prediction network (what its
``predict`` decodes: the ``'tensor'`` mode, averaged with the mirrored
input's output when the config's ``test_cfg.flip_test`` is on) through a
thin wrapper, :class:`ExportGraph`, with a dynamic batch axis, and a
dynamic sequence axis where the model allows it. The exporter is PyTorch's
TorchScript-based one (``torch.onnx.export(..., dynamo=False)``): it needs
no extra package (the dynamo exporter, PyTorch 2.13's default, needs
``onnxscript``) and handles every model here with ``dynamic_axes``.

What each kind of model takes and gives (``J`` joints; names are the
graph's input / output names):

* **Lifters** (:class:`~pose3d_toolbox.models.PoseLifter`,
  ``form='window'``): ``keypoints_2d`` ``(N, S, J, 2)``, the codec's
  normalised 2D window (``PoseLiftingCodec``: pixels through
  :func:`~pose3d_toolbox.codecs.pose_lifting.normalize_screen`;
  ``AbsPoseCodec``: pixels minus the principal point).
* **VideoPose3D** (a ``TCN`` backbone, ``form='sequence'``, the default):
  ``keypoints_2d`` ``(N, L, J, 2)`` with any ``L >= receptive_field``, the
  dilated whole-sequence form the inferencer runs; output ``(N, L - rf +
  1, J, 3)``, one pose per full window (pad the sequence's ends by
  repeating its first / last frame ``(rf - 1) / 2`` times for one pose per
  frame). ``form='window'``: ``(N, rf, J, 2)`` -> ``(N, J, 3)``.
* **Anatomy3D**: ``keypoints_2d`` ``(N, S, J, 2)``, ``length_input`` ``(N,
  l, J, 2)`` (the bone-length network's random frames) and, with score
  fusion, ``visibility`` ``(N, S, J)``.
* **ElePose**: its lifting network, ``keypoints_2d`` ``(N, 1, J, 2)``
  (``ElePoseCodec``'s head-distance normalisation), and its flow prior:
  output ``nll`` ``(N,)``, the prediction's mean NLL over the
  ``num_nll_rotations`` virtual cameras (``ElePose.rotation_nll``; the
  cameras are drawn at export from ``nll_seed``, constants of the graph).
* **Image models** (``TopdownPoseEstimator``): ``image`` ``(N, 3, H, W)``
  RGB crops in ``[0, 255]`` (the test pipeline's ``TopdownAffine``); the
  data preprocessor's ``(x - mean) / std`` is inside the graph.

Decoding: ``keypoints_3d_rel`` outputs (PoseLiftingCodec, BoneCodec,
ElePoseCodec) are decoded inside the graph, root-relative metres. The
integral 2D estimator (``IntegralHeatmapHead``) has its soft-argmax
read-out in the graph (``keypoints_heatmap``, ``keypoint_scores``; the
crop back to image pixels is ``GaussianHeatmapCodec.decode_coords``,
numpy). The other outputs are the head's raw output and need the
codec's decoding, which reads per-sample camera / crop information; the
exact steps are in the file's ``metadata_props`` (key ``decode``,
:func:`decode_note`) and in README.md ("Export: BVH animation and ONNX
models").
"""
import json
import os
import os.path as osp
import warnings
from contextlib import contextmanager
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .onnx_lifter import read_metadata  # noqa: F401 (exported here too)

#: the ONNX opset the files are written with.
OPSET = 17
FORMS = ('auto', 'window', 'sequence')


def _kind(model) -> str:
    from pose3d_toolbox.models.pose_estimators import (Anatomy3D,
                                                       PoseLifter,
                                                       TopdownPoseEstimator)
    from pose3d_toolbox.models.pose_estimators.elepose import _ElePoseBase
    for cls, kind in ((Anatomy3D, 'anatomy3d'), (PoseLifter, 'lifter'),
                      (_ElePoseBase, 'elepose'),
                      (TopdownPoseEstimator, 'topdown')):
        if isinstance(model, cls):
            return kind
    raise TypeError(f'export_onnx: no ONNX export for {type(model).__name__};'
                    ' exported: PoseLifter, Anatomy3D, ElePose and '
                    'TopdownPoseEstimator models')


def model_codec(model):
    """The codec that decodes ``model``'s output."""
    return getattr(model, 'codec', None) or model.head.codec


def _decodes_in_graph(codec) -> Optional[str]:
    """How the graph decodes: ``'scale_root_zero'`` (PoseLiftingCodec and
    its subclasses), ``'scale_root_centre'`` (ElePoseCodec), or None."""
    from pose3d_toolbox.codecs import ElePoseCodec, PoseLiftingCodec
    if isinstance(codec, PoseLiftingCodec):
        return 'scale_root_zero'
    if isinstance(codec, ElePoseCodec):
        return 'scale_root_centre'
    return None


def window_options(model) -> dict:
    """The config's test-window options (``seq_len``, ``num_random_frames``
    ...), as the inferencer reads them."""
    from .lifting_core import WINDOW_KEYS
    ds = dict(model.cfg.test_dataloader.dataset)
    out = {k: ds[k] for k in WINDOW_KEYS if ds.get(k) is not None}
    out.setdefault('seq_len', 1)
    return out


def sequence_form_ok(model) -> bool:
    """Whether ``model`` has the TCN's whole-sequence form (its windows
    are contiguous and span the receptive field), as the inferencer
    decides."""
    backbone = getattr(model, 'backbone', None)
    win = window_options(model)
    return (callable(getattr(backbone, 'forward_sequence', None))
            and win.get('frame_interval', 1) == 1
            and win['seq_len'] == getattr(backbone, 'receptive_field', None))


class ExportGraph(nn.Module):
    """What is exported: the prediction network of ``model`` with its flip
    test (``test_cfg.flip_test``), the image normalisation (image models)
    and the in-graph decoding (:func:`_decodes_in_graph`).

    ``forward(*inputs)`` takes the inputs named by :attr:`input_names` and
    returns a tuple of the outputs named by :attr:`output_names`.
    """

    def __init__(self, model, form: str = 'auto'):
        super().__init__()
        if form not in FORMS:
            raise ValueError(f'form must be one of {FORMS}, got {form!r}')
        self.model = model.eval()
        self.kind = _kind(model)
        if form == 'auto':
            form = 'sequence' if self.kind == 'lifter' and \
                sequence_form_ok(model) else 'window'
        if form == 'sequence' and not (self.kind == 'lifter'
                                       and sequence_form_ok(model)):
            raise ValueError(
                f'{type(model).__name__}: form=\'sequence\' needs a TCN '
                'backbone whose test windows span its receptive field '
                "(VideoPose3D); use form='window'")
        self.form = form
        self.flip = bool(getattr(model, 'test_cfg', {}).get('flip_test'))
        self.codec = model_codec(model)
        self.decode = _decodes_in_graph(self.codec)
        if self.kind == 'topdown' and callable(
                getattr(model.head, 'readout', None)):
            self.decode = 'readout_2d'  # IntegralHeatmapHead
        #: ElePose: the flow prior's nll over its virtual cameras (drawn
        #: here from its seed, constants of the graph) is an output too
        self.nll = self.kind == 'elepose' and callable(
            getattr(model, 'rotated_nll', None)) and not self.flip
        if self.nll:
            azimuth, tilt = model.nll_cameras(
                bool(model.lifter.predicts_elevation))
            self.register_buffer('azimuth', azimuth, persistent=False)
            self.register_buffer('tilt', tilt, persistent=False)
        root = model.skeleton.root_index
        mask = torch.ones(model.skeleton.num_joints, 1)
        mask[root] = 0
        self.register_buffer('root_mask', mask, persistent=False)
        self.root_index = root
        self.input_names = ['keypoints_2d']
        if self.kind == 'anatomy3d':
            self.input_names.append('length_input')
            if model.direction_net.score_fusion:
                self.input_names.append('visibility')
        elif self.kind == 'topdown':
            self.input_names = ['image']
        self.output_type = None  # the head's named tuple, if it has one
        if self.kind == 'topdown':
            image = torch.from_numpy(example_inputs(self, 1)['image'])
            with torch.no_grad():
                out = model(image, mode='tensor')
            if isinstance(out, tuple) and hasattr(out, '_fields'):
                self.output_type = type(out)

    # ------------------------------------------------------------ network
    def _network(self, x, *extra):
        model = self.model
        if self.kind == 'anatomy3d':
            from pose3d_toolbox.codecs.bone import (LENGTH_INPUT,
                                                    LIFTING_VISIBILITY)
            fields = {LENGTH_INPUT: extra[0]}
            if len(extra) > 1:
                fields[LIFTING_VISIBILITY] = extra[1]
            return model.head(model.features(x, fields))
        if self.form == 'sequence':
            n = x.shape[0]
            out = model.head(model.backbone.forward_sequence(x))
            return out.reshape(n, -1, model.skeleton.num_joints, 3)
        return model(x, mode='tensor')

    def _predict(self, x, *extra):
        from pose3d_toolbox.models.utils import flip_test
        if not self.flip:
            return self._network(x, *extra)
        model = self.model
        if self.kind == 'topdown':
            return flip_test(lambda v: self._network(v, *extra), x,
                             model.flip_input,
                             lambda o: model.flip_output(o, None))
        if self.kind == 'anatomy3d':
            raise ValueError('Anatomy3D with flip_test: the random frames '
                             'and visibility would need mirroring too; '
                             'export it with test_cfg.flip_test off')
        return flip_test(lambda v: self._network(v, *extra), x,
                         model.flip_input,
                         lambda o: model.flip_output(o, None))

    def forward(self, *inputs) -> Tuple[torch.Tensor, ...]:
        x = inputs[0]
        if self.kind == 'topdown':
            pre = self.model.data_preprocessor
            x = (x - pre.mean) / pre.std
        nll = None
        if self.nll:
            out, elevation = self.model._lift(self.model.target_frame(x))
            nll = self.model.rotated_nll(out, elevation, self.azimuth,
                                         self.tilt) / len(self.azimuth)
        else:
            out = self._predict(x, *inputs[1:])
        if self.decode == 'readout_2d':
            return self.model.head.readout(out)
        if self.decode == 'scale_root_zero':
            return (out * self.codec.target_scale * self.root_mask, )
        if self.decode == 'scale_root_centre':
            out = out * self.codec.metres_per_unit
            r = self.root_index
            out = out - out[..., r:r + 1, :]
            return (out, ) if nll is None else (out, nll)
        return tuple(out) if isinstance(out, tuple) else (out, )

    @property
    def output_names(self) -> List[str]:
        if self.decode == 'readout_2d':
            return ['keypoints_heatmap', 'keypoint_scores']
        if self.decode:
            return ['keypoints_3d_rel'] + (['nll'] if self.nll else [])
        return (list(self.output_type._fields) if self.output_type
                else ['output'])

    # ------------------------------------------------------------- inputs
    def input_shapes(self, batch: int, length: Optional[int] = None
                     ) -> Dict[str, Tuple[int, ...]]:
        """Input name -> shape of a batch (``length``: frames of the
        sequence form, default the receptive field + 2)."""
        model = self.model
        J = model.skeleton.num_joints
        win = window_options(model)
        if self.kind == 'topdown':
            w, h = self.codec.input_size
            return dict(image=(batch, 3, h, w))
        if self.form == 'sequence':
            rf = model.backbone.receptive_field
            return dict(keypoints_2d=(batch, length or rf + 2, J, 2))
        shapes = dict(keypoints_2d=(batch, win['seq_len'], J, 2))
        if self.kind == 'anatomy3d':
            shapes['length_input'] = (batch, win['num_random_frames'], J, 2)
            if 'visibility' in self.input_names:
                shapes['visibility'] = (batch, win['seq_len'], J)
        return shapes

    def dynamic_axes(self) -> Dict[str, Dict[int, str]]:
        axes = {name: {0: 'batch'} for name in self.input_names}
        if self.form == 'sequence':
            axes['keypoints_2d'][1] = 'frames'
        for name in self.output_names:
            axes[name] = {0: 'batch'}
            if self.form == 'sequence':
                axes[name][1] = 'poses'
        return axes


def example_inputs(graph: ExportGraph, batch: int = 2,
                   length: Optional[int] = None, seed: int = 0
                   ) -> Dict[str, np.ndarray]:
    """Random float32 inputs of the graph's shapes (tracing, tests):
    normalised-keypoint scale, images in ``[0, 255]``, scores in
    ``[0, 1]``."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in graph.input_shapes(batch, length).items():
        if name == 'image':
            out[name] = rng.uniform(0, 255, shape)
        elif name == 'visibility':
            out[name] = rng.uniform(0.5, 1, shape)
        else:
            out[name] = rng.normal(0, 0.3, shape)
    return {k: v.astype(np.float32) for k, v in out.items()}


def decode_note(graph: ExportGraph) -> str:
    """What the user applies to the graph's outputs (``metadata_props``
    key ``decode``)."""
    codec = type(graph.codec).__name__
    if graph.decode == 'readout_2d':
        return (f'{codec}: the soft-argmax read-out is in the graph: '
                'keypoints_heatmap (N, J, 2) heatmap pixels, keypoint_scores '
                '(N, J) the maps\' maxima; image pixels = the inverse of the '
                'crop\'s crop_matrix applied to (keypoints_heatmap + 0.5) * '
                'input_size / heatmap_size - 0.5 (codec.decode_coords, numpy;'
                ' pose3d_toolbox/apis/onnx_lifter.py OnnxPose2D)')
    if graph.decode:
        return ('none: keypoints_3d_rel is decoded in the graph (root-'
                'relative camera-frame metres, root joint at 0)' +
                ('; nll (N,) the flow prior\'s mean NLL over the virtual '
                 'cameras' if graph.nll else ''))
    if codec == 'AbsPoseCodec':
        c = graph.codec
        depth = (f'R_z = (d + {c.depth_offset}) * sqrt(fx * fy) / {c.f0}'
                 if c.depth == 'canonical' else
                 f'R_z = d + {c.depth_offset}')
        return ('AbsPoseCodec: output row root_index is (0, 0, d), the '
                f'other rows the root-relative pose (m); {depth}; R_x = '
                '(u_root - cx) * R_z / fx, R_y = (v_root - cy) * R_z / fy '
                'with (u_root, v_root) the input root pixel of the target '
                'frame; absolute joints = relative pose (root row set to 0)'
                ' + R')
    head = type(graph.model.head).__name__
    return (f'{head} + {codec}: the outputs are the head\'s raw maps; '
            'decode them with pose3d_toolbox: model.head.decode_outputs('
            'outputs, metas) (soft-argmax over the maps, then the crop '
            'back to image pixels and, for 3D, the root depth from the '
            'camera and bone lengths); metas need bbox_center, bbox_scale,'
            ' crop_matrix and camera of each crop')


def _pool_matrix(size: int, bins: int, like: torch.Tensor) -> torch.Tensor:
    """``(bins, size)`` averaging matrix of adaptive average pooling: row
    ``i`` averages ``[floor(i size / bins), ceil((i + 1) size / bins))``
    (PyTorch's bins)."""
    m = torch.zeros(bins, size, dtype=like.dtype)
    for i in range(bins):
        start, end = (i * size) // bins, -(-(i + 1) * size // bins)
        m[i, start:end] = 1.0 / (end - start)
    return m


@contextmanager
def exportable_slogdet():
    """During the export, ``torch.linalg.slogdet`` as ``(sign det, log
    |det|)`` of ``torch.linalg.det`` (ONNX ``Det``; the exporter has no
    ``slogdet``): the flow's log-determinant of its blocks' orthogonal
    mixing matrices (``|det| = 1``, so no overflow)."""
    original = torch.linalg.slogdet

    def slogdet(a):
        det = torch.linalg.det(a)
        return torch.sign(det), torch.log(torch.abs(det))

    torch.linalg.slogdet = slogdet
    try:
        yield
    finally:
        torch.linalg.slogdet = original


@contextmanager
def exportable_adaptive_pool():
    """During the export, ``F.adaptive_avg_pool2d`` as two constant
    matrix products ``P_h @ x @ P_w^T`` (the same averages; the legacy
    exporter refuses output sizes that do not divide the input's, which
    the depth-aware model's pyramid pooling neck uses)."""
    original = F.adaptive_avg_pool2d

    def pool(x, output_size):
        h, w = int(x.shape[-2]), int(x.shape[-1])
        bh, bw = ((output_size, output_size) if isinstance(output_size, int)
                  else output_size)
        bh, bw = bh or h, bw or w
        return _pool_matrix(h, bh, x) @ x @ _pool_matrix(w, bw, x).T

    F.adaptive_avg_pool2d = pool
    try:
        yield
    finally:
        F.adaptive_avg_pool2d = original


def export_onnx(model, path: str, checkpoint: Optional[str] = None,
                form: str = 'auto', opset: int = OPSET,
                cfg_options: Optional[dict] = None) -> dict:
    """Export a model to an ONNX file and check it (``onnx.checker``).

    Args:
        model: a model-zoo name, a config, a checkpoint, or a built model
            (as :func:`~.inference.init_model` returns).
        path: the ``.onnx`` file (folders made).
        checkpoint: weights for a config (default: the zoo's; none for a
            config without published weights: random weights).
        form: ``'auto'`` (the whole-sequence form for VideoPose3D, else
            the window), ``'window'`` or ``'sequence'``.
        opset: ONNX opset.

    Returns:
        ``dict(path, inputs, outputs, opset, form, decode, metadata)``:
        ``inputs`` / ``outputs`` name -> shape (dynamic axes by name).
    """
    import onnx
    if not isinstance(model, nn.Module):
        from .inference import init_model
        name = str(model)
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore',
                                    message='ElePose: the flow checkpoint')
            model = init_model(name, checkpoint, cfg_options=cfg_options)
    else:
        name = type(model).__name__
    graph = ExportGraph(model, form)
    inputs = example_inputs(graph)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    args = tuple(torch.from_numpy(inputs[k]) for k in graph.input_names)
    with warnings.catch_warnings(), torch.no_grad(), \
            exportable_adaptive_pool(), exportable_slogdet():
        warnings.simplefilter('ignore')  # tracer / deprecation notes
        torch.onnx.export(graph, args, path, dynamo=False,
                          input_names=graph.input_names,
                          output_names=graph.output_names,
                          dynamic_axes=graph.dynamic_axes(),
                          opset_version=opset, do_constant_folding=True)
    proto = onnx.load(path)
    meta = graph_metadata(graph, name, opset)
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, path)
    return dict(path=path, inputs=_shapes(proto.graph.input),
                outputs=_shapes(proto.graph.output), opset=opset,
                form=graph.form, decode=meta['decode'], metadata=meta)


def _shapes(values) -> Dict[str, list]:
    """Name -> shape of graph inputs / outputs, dynamic axes by name."""
    return {v.name: [d.dim_param or d.dim_value
                     for d in v.type.tensor_type.shape.dim] for v in values}


def graph_metadata(graph: ExportGraph, name: str, opset: int) -> dict:
    """The ``metadata_props`` of an exported file (all strings)."""
    from pose3d_toolbox import __version__
    model = graph.model
    codec_cfg = (model.cfg.model.get('codec') or
                 model.cfg.model.get('head', {}).get('codec'))
    win = window_options(model)
    return {
        'producer': f'pose3d_toolbox {__version__}',
        'model': name,
        'kind': graph.kind,
        'form': graph.form,
        'opset': str(opset),
        'flip_test': str(graph.flip),
        'inputs': json.dumps(graph.input_shapes(1)),  # a batch of one
        'outputs': json.dumps(graph.output_names),
        'skeleton': model.skeleton.name,
        'root_index': str(model.skeleton.root_index),
        'codec': json.dumps(codec_cfg, default=str),
        'window': json.dumps(win, default=str),
        'receptive_field': str(
            (win['seq_len'] - 1) * win.get('frame_interval', 1) + 1),
        'decode': decode_note(graph),
        # what the torch-free lifter (onnx_lifter.py) reads besides: the
        # config's inference settings, whether the model has the whole-
        # sequence form, and where the absolute root comes from
        'inference_cfg': json.dumps(dict(model.cfg.get('inference_cfg')
                                         or {}), default=str),
        'sequence_form': str(graph.kind == 'lifter'
                             and sequence_form_ok(model)),
        'root': ('decoded (the codec decodes absolute poses)'
                 if getattr(graph.codec, 'decodes_absolute', False) else
                 'weak-perspective fit of the pose to its 2D (pose3d_toolbox.'
                 'utils.camera.weak_perspective_root)'),
    }


__all__ = ['OPSET', 'ExportGraph', 'export_onnx', 'example_inputs',
           'decode_note', 'graph_metadata', 'read_metadata',
           'sequence_form_ok', 'window_options', 'model_codec']
