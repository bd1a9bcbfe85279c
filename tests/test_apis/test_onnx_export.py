"""ONNX export (every lifter and image model, dynamic batch and sequence),
the parity benchmark, the inferencer's onnxruntime backend, and the
inferencer's BVH export (read back within 1 mm)."""
import importlib.util
import json
import os.path as osp
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from torch.nn import functional as F

from pose3d_toolbox.apis import Pose3DInferencer
from pose3d_toolbox.apis.bvh_export import (normalise_bone_lengths,
                                            read_bvh_joints)
from pose3d_toolbox.apis.demo_data import write_demo_keypoints
from pose3d_toolbox.apis.inference import init_model
from pose3d_toolbox.apis.onnx_export import (OPSET, ExportGraph,
                                             example_inputs,
                                             exportable_adaptive_pool,
                                             export_onnx, read_metadata)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load(path):
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(path))[0], osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _model(name):
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='ElePose: the flow')
        return init_model(name)


def _check_runs(model, path, lengths=(None, )):
    """Export, onnx.checker, and onnxruntime == the PyTorch graph at two
    batch sizes (and the given sequence lengths)."""
    info = export_onnx(model, path)
    proto = onnx.load(path)
    onnx.checker.check_model(proto)
    assert proto.opset_import[0].version == OPSET == int(
        read_metadata(path)['opset'])
    graph = ExportGraph(model, info['form'])
    sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    for batch in (1, 3):
        for length in lengths:
            x = example_inputs(graph, batch, length, seed=batch)
            with torch.no_grad():
                ref = graph(*[torch.from_numpy(x[k])
                              for k in graph.input_names])
            got = sess.run(None, x)
            assert [o.shape for o in got] == [tuple(r.shape) for r in ref]
            assert got[0].shape[0] == batch
            for name, r, o in zip(graph.output_names, ref, got):
                # ElePose's nll: large values (off-distribution inputs)
                np.testing.assert_allclose(
                    o, r.numpy(), atol=2e-5, rtol=1e-5 if name == 'nll'
                    else 0)
    return info, graph, sess


@pytest.mark.parametrize('name', ['simplebaseline3d_cmu', 'abslifter_cmu',
                                  'anatomy3d_27frm_cmu', 'elepose_cmu'])
def test_lifters_export_with_a_dynamic_batch(name, tmp_path):
    info, graph, _ = _check_runs(_model(name), str(tmp_path / 'm.onnx'))
    assert info['form'] == 'window'
    meta = read_metadata(info['path'])
    assert meta['model'] == 'PoseLifter' or meta['kind'] in (
        'anatomy3d', 'elepose')
    if name == 'abslifter_cmu':  # absolute decoding needs the camera
        assert list(info['outputs']) == ['output'] and 'AbsPoseCodec' in \
            meta['decode'] and meta['flip_test'] == 'True'
    else:  # ElePose: its flow prior's nll too
        assert list(info['outputs']) == ['keypoints_3d_rel'] + (
            ['nll'] if name == 'elepose_cmu' else [])
        assert info['outputs']['keypoints_3d_rel'][0] == 'batch'


def test_in_graph_decoding_is_the_codecs(tmp_path):
    """SimpleBaseline's graph output is the codec's decoding of the
    'tensor' mode output (root at 0, metres)."""
    model = _model('simplebaseline3d_cmu')
    info = export_onnx(model, str(tmp_path / 'sb.onnx'))
    x = example_inputs(ExportGraph(model), 5)
    got = ort.InferenceSession(info['path']).run(None, x)[0]
    with torch.no_grad():
        raw = model(torch.from_numpy(x['keypoints_2d']), mode='tensor')
    ref = model.head.codec.decode(raw.numpy(), [{}] * 5)['keypoints_3d']
    np.testing.assert_allclose(got, ref, atol=1e-6)
    assert np.all(got[:, model.skeleton.root_index] == 0)


def test_videopose3d_sequence_form_has_dynamic_length(tmp_path):
    model = _model('videopose3d_27frm_cmu')
    info, graph, sess = _check_runs(model, str(tmp_path / 'vp.onnx'),
                                    lengths=(27, 40))
    assert info['form'] == 'sequence'
    assert info['inputs'] == dict(keypoints_2d=['batch', 'frames', 17, 2])
    # the whole-sequence form equals the window form, window by window
    x = example_inputs(graph, 1, 30)['keypoints_2d']
    dense = sess.run(None, dict(keypoints_2d=x))[0][0]
    windows = np.stack([x[0, t:t + 27] for t in range(4)])
    wgraph = ExportGraph(model, 'window')
    with torch.no_grad():
        ref = wgraph(torch.from_numpy(windows))[0].numpy()
    np.testing.assert_allclose(dense, ref, atol=2e-5)


@pytest.mark.parametrize('config', ['integral2d_r18_cmu',
                                    'configs/depthaware_r18_cmu.py'])
def test_image_models_export(config, tmp_path):
    info, graph, _ = _check_runs(_model(config), str(tmp_path / 'i.onnx'))
    meta = read_metadata(info['path'])
    assert json.loads(meta['inputs']) == {'image': [1, 3, 64, 64]}
    if 'depthaware' in config:
        assert 'decode_outputs' in meta['decode']
        assert list(info['outputs']) == ['heatmaps', 'depth', 'embedding']
        return
    # the integral 2D estimator: its soft-argmax read-out in the graph,
    # then the codec's decode_coords is the head's decode_outputs
    assert list(info['outputs']) == ['keypoints_heatmap', 'keypoint_scores']
    assert 'decode_coords' in meta['decode']
    model = graph.model
    x = example_inputs(graph, 2, seed=5)['image']
    coords, scores = ort.InferenceSession(
        info['path'], providers=['CPUExecutionProvider']).run(
            None, dict(image=x))
    metas = [dict(crop_matrix=np.array([[2., 0, 3], [0, 2, 1]]))] * 2
    pre = model.data_preprocessor
    with torch.no_grad():  # the maps the graph reads out (flip test too)
        heatmaps = graph._predict((torch.from_numpy(x) - pre.mean) /
                                  pre.std)
    ref = model.head.decode_outputs(heatmaps, metas)
    got = graph.codec.decode_coords(coords, metas, scores)
    np.testing.assert_allclose(got['keypoints_2d'], ref['keypoints_2d'],
                               atol=1e-3)
    np.testing.assert_allclose(got['keypoint_scores'],
                               ref['keypoint_scores'], atol=1e-5)


def test_exportable_adaptive_pool_equals_pytorchs():
    x = torch.randn(2, 3, 7, 5)
    ref = [F.adaptive_avg_pool2d(x, b) for b in (1, 2, 3, (4, 2), 6)]
    with exportable_adaptive_pool():
        got = [F.adaptive_avg_pool2d(x, b) for b in (1, 2, 3, (4, 2), 6)]
    for r, g in zip(ref, got):
        torch.testing.assert_close(g, r, atol=1e-6, rtol=0)
    # by hand: bins of 7 rows into 3: [0, 3), [2, 5), [4, 7)
    torch.testing.assert_close(got[2][..., 1, 0], x[..., 2:5, 0:2].mean(
        (-1, -2)), atol=1e-6, rtol=0)


def test_benchmark_parity_on_real_inputs(tmp_path, capsys):
    bench = _load('tools/analysis/benchmark_onnx.py')
    rows = [bench.compare(name, str(tmp_path), frames=32, runs=1,
                          batches=(1, 8))
            for name in ('simplebaseline3d_cmu', 'abslifter_cmu')]
    for row in rows:
        assert row['n'] == 32 and row['max_diff'] <= 1e-4
        assert abs(row['metric_torch'] - row['metric_ort']) < 0.01
        assert 10 < row['metric_torch'] < 300  # MPJPE, mm: a real pose
    table = bench.format_table(rows, (1, 8))
    assert table.count('\n') == 3 and 'abslifter_cmu' in table


def test_pytorch2onnx_cli(tmp_path, capsys):
    cli = _load('tools/deployment/pytorch2onnx.py')
    out = str(tmp_path / 'e.onnx')
    cli.main(['elepose_cmu', '--out', out])
    assert 'onnx.checker passed' in capsys.readouterr().out
    assert read_metadata(out)['kind'] == 'elepose'


@pytest.fixture(scope='module')
def demo_npz(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('onnx') / 'demo.npz')
    write_demo_keypoints(path)
    return path


def _keypoints(doc):
    return np.array([p['keypoints_3d'] for f in doc['frames']
                     for p in f['instances']])


@pytest.mark.parametrize('name', ['videopose3d_27frm_cmu', 'abslifter_cmu',
                                  'anatomy3d_27frm_cmu'])
def test_onnxruntime_backend_gives_the_same_json(name, demo_npz):
    ref = Pose3DInferencer(name)(demo_npz).to_dict()
    got = Pose3DInferencer(name, backend='onnxruntime')(demo_npz).to_dict()
    assert got['meta'].keys() == ref['meta'].keys()
    assert _keypoints(got).shape == (86, 17, 3)
    # the JSON rounds to 1e-5 m: one rounding step apart at most
    np.testing.assert_allclose(_keypoints(got), _keypoints(ref), atol=1.1e-5)
    for a, b in zip(got['frames'], ref['frames']):
        assert a['instances'][0].keys() == b['instances'][0].keys()
        np.testing.assert_allclose(a['instances'][0]['root'],
                                   b['instances'][0]['root'], atol=1.1e-5)


def test_onnx_file_of_another_form_is_refused(tmp_path):
    path = str(tmp_path / 'vp_window.onnx')
    export_onnx(_model('videopose3d_27frm_cmu'), path, form='window')
    with pytest.raises(ValueError, match='--form sequence'):
        Pose3DInferencer('videopose3d_27frm_cmu', backend='onnxruntime',
                         onnx_file=path)
    with pytest.raises(ValueError, match='backend must be one of'):
        Pose3DInferencer('simplebaseline3d_cmu', backend='tensorrt')


def test_demo_bvh_reads_back_within_1mm(demo_npz, tmp_path, capsys):
    """demo/lift_keypoints.py --bvh: the file read back is the predicted
    track with its bone lengths normalised (median), to 1 mm."""
    cli = _load('demo/lift_keypoints.py')
    result = cli.main([demo_npz, '--model', 'videopose3d_27frm_cmu',
                       '--out-dir', str(tmp_path), '--vis', '--bvh',
                       '--no-progress'])
    out = capsys.readouterr().out
    assert 'demo_track0.bvh (track 0; read back by the BVH reader' in out
    path = tmp_path / 'demo_track0.bvh'
    text = path.read_text()
    assert f'Frame Time: {1 / 30:.8f}' in text and 'Frames: 86' in text
    written = result.save_bvh(str(tmp_path / 'again'))
    back = read_bvh_joints(path, written[0]['joint_map'])
    pred = result.track(0)['keypoints_3d'].astype(np.float64)
    ref = normalise_bone_lengths(pred, 'h36m')
    assert np.abs(back - ref).max() < 1e-3
    # normalising changes the prediction by more than the tolerance: the
    # comparison is with the normalised track, not trivially the input
    assert np.abs(ref - pred).max() > 1e-3


def test_abslifter_decoding_written_beside_the_graph_is_the_codecs(tmp_path):
    """The metadata's formula applied by hand (numpy) to the onnxruntime
    output gives the codec's absolute pose."""
    model = _model('abslifter_cmu')
    info = export_onnx(model, str(tmp_path / 'abs.onnx'))
    assert 'R_z = (d + 5.0) * sqrt(fx * fy) / 1000.0' in info['decode']
    x = example_inputs(ExportGraph(model), 4)  # pixels minus (cx, cy)
    out = ort.InferenceSession(info['path']).run(None, x)[0].astype(float)
    f = np.array([1145.0, 1143.8])
    r = model.skeleton.root_index
    rz = (out[:, r, 2] + 5.0) * np.sqrt(f[0] * f[1]) / 1000.0
    uv = x['keypoints_2d'][:, 0, r].astype(float)  # (u - cx, v - cy)
    root = np.concatenate([uv * rz[:, None] / f, rz[:, None]], 1)
    rel = out.copy()
    rel[:, r] = 0
    by_hand = rel + root[:, None]
    metas = [dict(camera=dict(f=f, c=np.zeros(2)), root_2d=uv[i])
             for i in range(4)]
    ref = model.head.codec.decode(out, metas)['keypoints_3d']
    np.testing.assert_allclose(by_hand, ref, atol=1e-5)


def test_elepose_onnx_backend_writes_the_nll(demo_npz):
    """The flow prior's nll over the virtual cameras is in the graph: the
    same nll as PyTorch's, to float32 rounding."""
    with warnings.catch_warnings():
        warnings.simplefilter('error', UserWarning)
        lifter = Pose3DInferencer('elepose_cmu', backend='onnxruntime')
    got = lifter(demo_npz).to_dict()
    ref = Pose3DInferencer('elepose_cmu')(demo_npz).to_dict()
    np.testing.assert_allclose(_keypoints(got), _keypoints(ref), atol=1.1e-5)
    nll = [np.array([p['nll'] for f in d['frames'] for p in f['instances']])
           for d in (got, ref)]
    assert np.all(np.isfinite(nll[1])) and np.ptp(nll[1]) > 1
    np.testing.assert_allclose(nll[0], nll[1], rtol=1e-5, atol=0)
