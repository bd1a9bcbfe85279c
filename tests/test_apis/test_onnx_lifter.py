"""The torch-free ONNX path (``pose3d_toolbox/apis/onnx_lifter.py``): no
PyTorch imported, the same JSON as the PyTorch backend, the shared window
maths, and the lazy package imports that make it possible."""
import json
import os.path as osp
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from pose3d_toolbox.apis import Pose3DInferencer
from pose3d_toolbox.apis.demo_data import (write_demo_images,
                                           write_demo_keypoints)
from pose3d_toolbox.apis.onnx_export import export_onnx
from pose3d_toolbox.apis.onnx_lifter import OnnxLifter, OnnxPose2D
from pose3d_toolbox.utils.lifting_windows import (edge_pad_sequence,
                                                  window_frames,
                                                  window_offsets)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: videopose3d: the whole-sequence form; abslifter: a window lifter whose
#: codec decodes the absolute root; simplebaseline3d: one frame;
#: anatomy3d: windows plus the length network's random frames; elepose:
#: its flow prior's nll too.
MODELS = ('videopose3d_27frm_cmu', 'abslifter_cmu', 'simplebaseline3d_cmu',
          'anatomy3d_27frm_cmu', 'elepose_cmu')
#: the image path: the exported 2D estimator, then this lifter.
IMAGE_LIFTER = 'simplebaseline3d_cmu'
POSE2D = 'integral2d_r18_cmu'

TIMING = ('seconds', 'frames_per_second')


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter with this tree's package."""
    env = dict(PYTHONPATH=REPO, OMP_NUM_THREADS='1',
               PATH='/usr/bin:/bin')
    done = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp('onnx_lifter')
    out = dict(npz=str(folder / 'demo.npz'), dir=str(folder))
    write_demo_keypoints(out['npz'])
    for name in MODELS + (POSE2D, ):
        out[name] = export_onnx(name, str(folder / f'{name}.onnx'))['path']
    out['frames'] = str(folder / 'frames')
    write_demo_images(out['frames'], num_frames=8)
    out['bboxes'] = osp.join(out['frames'], 'bboxes.json')
    return out


@pytest.fixture(scope='module')
def torch_free_json(files):
    """Each model's JSON (and the image path's, key ``'images'``) written
    by a subprocess that imports no PyTorch, and what it says about
    ``sys.modules`` at the end."""
    names = {n: (files[n], osp.join(files['dir'], f'{n}.json'))
             for n in MODELS}
    image_json = osp.join(files['dir'], 'images.json')
    out = _run(f"""
        import json, sys
        from pose3d_toolbox.apis.onnx_lifter import OnnxLifter
        for name, (onnx_file, path) in {names!r}.items():
            result = OnnxLifter(onnx_file)({files['npz']!r})
            result.dump(path)
        result.save_bvh({files['dir']!r}, 'track')
        OnnxLifter({files[IMAGE_LIFTER]!r},
                   pose2d_onnx_file={files[POSE2D]!r})(
            {files['frames']!r}, bboxes={files['bboxes']!r}).dump(
                {image_json!r})
        print(json.dumps(sorted(m for m in sys.modules
                                if m.split('.')[0] == 'torch')))
        """)
    docs = {}
    names['images'] = (None, image_json)
    for name, (_, path) in names.items():
        with open(path) as f:
            docs[name] = json.load(f)
    return docs, json.loads(out.strip().splitlines()[-1])


def test_no_torch_on_the_onnx_path(torch_free_json, files):
    docs, torch_modules = torch_free_json
    assert torch_modules == []
    assert set(docs) == set(MODELS) | {'images'}
    assert osp.getsize(osp.join(files['dir'], 'track0.bvh')) > 1000


def _keypoints(doc, key='keypoints_3d'):
    return np.array([p[key] for f in doc['frames'] for p in f['instances']])


def _without_timing(doc):
    meta = {k: v for k, v in doc['meta'].items() if k not in TIMING}
    return dict(doc, meta=meta)


@pytest.mark.parametrize('name', MODELS)
def test_same_json_as_the_pytorch_backend(name, torch_free_json, files):
    got = torch_free_json[0][name]
    ref = _without_timing(Pose3DInferencer(name)(files['npz']).to_dict())
    got = _without_timing(got)
    assert got['meta'] == ref['meta']
    assert _keypoints(got).shape == (86, 17, 3)
    if name == 'elepose_cmu':  # the nll (not rounded): float32 rounding
        np.testing.assert_allclose(_keypoints(got, 'nll'),
                                   _keypoints(ref, 'nll'), rtol=1e-5)
    # the JSON rounds to 1e-5 m; PyTorch and onnxruntime differ by float
    # rounding, so a value may land one rounding step apart
    for key in ('keypoints_3d', 'root'):
        diff = np.abs(_keypoints(got, key) - _keypoints(ref, key))
        assert diff.max() <= 1.1e-5, (key, diff.max())
    for key in ('keypoints_2d', 'keypoint_scores'):
        np.testing.assert_array_equal(_keypoints(got, key),
                                      _keypoints(ref, key))
    flags = {p['root_estimated'] for f in got['frames']
             for p in f['instances']}
    assert flags == {name != 'abslifter_cmu'}
    # the inferencer given the file runs this path: the very same JSON
    via_inferencer = Pose3DInferencer(name, backend='onnxruntime',
                                      onnx_file=files[name])
    assert via_inferencer.model is None  # no PyTorch model was built
    assert _without_timing(via_inferencer(files['npz']).to_dict()) == got
    # the same graph fed through the PyTorch-side encoding (the lifting
    # dataset and the config's pipeline; exported on the fly): identical
    # JSON, so the numpy encoding, windows and padding are the dataset's
    old = Pose3DInferencer(name, backend='onnxruntime')(files['npz'])
    assert _without_timing(old.to_dict()) == got


def test_window_maths_by_hand():
    # 7 frames, a 5-frame centred window: target index 2, offsets -2..2
    index, offsets = window_offsets(5)
    assert index == 2 and offsets.tolist() == [-2, -1, 0, 1, 2]
    assert window_frames(np.array([0, 6]), offsets, 6).tolist() == [
        [0, 0, 0, 1, 2], [4, 5, 6, 6, 6]]
    index, offsets = window_offsets(3, causal=True, frame_interval=2)
    assert index == 2 and offsets.tolist() == [-4, -2, 0]
    x = np.arange(3)[None]
    assert edge_pad_sequence(x, 5).tolist() == [[0, 0, 0, 1, 2, 2, 2]]
    assert edge_pad_sequence(x, 5, causal=True).tolist() == [
        [0, 0, 0, 0, 0, 1, 2]]


@pytest.mark.parametrize('causal', [False, True])
def test_padded_sequence_reads_each_window(causal):
    """Output ``t`` of the dilated form reads padded frames ``t .. t + rf
    - 1``: exactly the frames of the window around ``t``."""
    T, rf = 11, 9
    x = np.random.default_rng(0).normal(size=(1, T, 2))
    padded = edge_pad_sequence(x, rf, causal)
    assert padded.shape == (1, T + rf - 1, 2)
    _, offsets = window_offsets(rf, causal)
    frames = window_frames(np.arange(T), offsets, T - 1)
    for t in range(T):
        np.testing.assert_array_equal(padded[0, t:t + rf], x[0, frames[t]])


def test_refusals(files, tmp_path):
    import onnx
    proto = onnx.load(files['simplebaseline3d_cmu'])
    del proto.metadata_props[:]
    bare = str(tmp_path / 'bare.onnx')
    onnx.save(proto, bare)
    with pytest.raises(ValueError, match='not written by pose3d_toolbox'):
        OnnxLifter(bare)
    lifter = OnnxLifter(files['simplebaseline3d_cmu'])
    image = str(tmp_path / 'frame.png')
    open(image, 'wb').close()
    with pytest.raises(ValueError, match='2D estimator'):
        lifter(image)
    with pytest.raises(ValueError, match='causal=False'):
        OnnxLifter(files['videopose3d_27frm_cmu'], causal=True)


def test_lazy_imports_keep_names_and_loader_registration():
    out = _run("""
        import sys
        import pose3d_toolbox.apis as apis
        import pose3d_toolbox.geometry as geometry
        from pose3d_toolbox.apis.keypoint_io import read_keypoints
        import pose3d_toolbox.codecs
        print('torch' in sys.modules)
        from mmengine.runner import CheckpointLoader
        from pose3d_toolbox.apis import model_zoo
        print(CheckpointLoader._schemes['zoo://'] is
              model_zoo.load_from_model_zoo)
        print(all(getattr(apis, n) is not None for n in apis.__all__),
              all(getattr(geometry, n) is not None
                  for n in geometry.__all__))
        """)
    assert out.split() == ['False', 'True', 'True', 'True']


def test_elepose_older_file_without_nll(torch_free_json, files,
                                        tmp_path):
    """ElePose runs torch-free with its flow prior's nll (in the graph;
    the JSON compared above); a file without the nll output (an older
    export) lifts with a warning and no nll."""
    import onnx
    got = torch_free_json[0]['elepose_cmu']
    assert np.isfinite(got['frames'][0]['instances'][0]['nll'])
    proto = onnx.load(files['elepose_cmu'])
    del proto.graph.output[1]
    older = str(tmp_path / 'older.onnx')
    onnx.save(proto, older)
    with pytest.warns(UserWarning, match='no nll'):
        lifter = OnnxLifter(older)
    doc = lifter(files['npz']).to_dict()
    assert 'nll' not in doc['frames'][0]['instances'][0]
    assert _keypoints(doc).tolist() == _keypoints(got).tolist()


def test_images_same_json_as_the_pytorch_backend(torch_free_json, files):
    """Rendered frames through the exported 2D estimator and lifter
    (torch-free) and through both PyTorch models: the same JSON, to its
    rounding (2D pixels to 0.01, 3D to 1e-5 m)."""
    got = _without_timing(torch_free_json[0]['images'])
    ref = _without_timing(Pose3DInferencer(IMAGE_LIFTER, pose2d=POSE2D)(
        files['frames'], bboxes=files['bboxes']).to_dict())
    assert got['meta'] == ref['meta'] and got['meta']['pose2d'] == POSE2D
    assert _keypoints(got).shape == (8, 17, 3)
    for key, step in (('keypoints_2d', 0.01), ('keypoint_scores', 1e-4),
                      ('keypoints_3d', 1e-5), ('root', 1e-5)):
        diff = np.abs(_keypoints(got, key) - _keypoints(ref, key))
        assert diff.max() <= 1.1 * step, (key, diff.max())
    assert [f['img_path'] for f in got['frames']] == [
        f['img_path'] for f in ref['frames']]
    np.testing.assert_array_equal(_keypoints(got, 'bbox'),
                                  _keypoints(ref, 'bbox'))
    # the inferencer given both files runs the same path
    via = Pose3DInferencer(IMAGE_LIFTER, backend='onnxruntime',
                           onnx_file=files[IMAGE_LIFTER],
                           pose2d_onnx_file=files[POSE2D])
    assert via.model is None and via.pose2d is None
    assert _without_timing(via(files['frames'], bboxes=files[
        'bboxes']).to_dict()) == got


def test_pose2d_onnx_refusals(files):
    with pytest.raises(ValueError, match='not an exported 2D estimator'):
        OnnxPose2D(files['simplebaseline3d_cmu'])
    with pytest.raises(ValueError, match='image -> 3D model'):
        Pose3DInferencer('configs/integral3d_r18_cmu.py',
                         pose2d_onnx_file=files[POSE2D])
