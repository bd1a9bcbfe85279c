"""The CMU -> Human3.6M layout exporter: Human3p6mDataset reads back exactly
the samples of CMUMocapDataset."""
import importlib.util
import json

import numpy as np
import pytest

from conftest import REPO, run_tool
from pose3d_toolbox.datasets.cmu_mocap import CMUMocapDataset
from pose3d_toolbox.datasets.h36m import (H36M_ACTIONS, Human3p6mDataset,
                                          parse_h36m_imgname)
from pose3d_toolbox.datasets.mocap.cmu import CMU_MOCAP_ACKNOWLEDGEMENT
from pose3d_toolbox.fileio import load_pickle

TOOL = 'tools/dataset_converters/cmu_to_h36m_layout.py'
TEST_ANN = 'annotation_body3d/fps50/h36m_test.npz'
CAMERA_KEYS = ('R', 'T', 'c', 'f', 'k', 'p', 'w', 'h')


def _tool():
    spec = importlib.util.spec_from_file_location('cmu_to_h36m_layout',
                                                  REPO / TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tool():
    return _tool()


@pytest.fixture(scope='module')
def exported(tmp_path_factory, tool):
    """The whole test split, exported in-process with the defaults."""
    out = tmp_path_factory.mktemp('cmu_h36m')
    assert tool.main(['--out', str(out), '--splits', 'test']) == 0
    return out


def _meta(root):
    with open(root / 'annotation_body3d' / 'cmu_takes.json') as f:
        return json.load(f)


def _video_map(h36m, cmu, meta):
    """``h36m video index -> cmu video index`` through cmu_takes.json."""
    cmu_index = {(v['take'], v['camera_id']): i
                 for i, v in enumerate(cmu.videos)}
    mapping = {}
    for i, v in enumerate(h36m.videos):
        seq = meta['sequences'][f'{v["subject"]}_{v["sequence"]}']
        key = (seq['take'], seq['cameras'][v['camera_id']])
        mapping[i] = cmu_index.pop(key)
    assert not cmu_index, 'CMU videos missing from the export'
    return mapping


def _check_same_samples(h36m, cmu, meta, prefix='S', tool=None):
    assert len(h36m) == len(cmu)
    assert h36m.num_videos == cmu.num_videos
    vmap = _video_map(h36m, cmu, meta)
    # every video: same frames, in the same order
    for hi, ci in vmap.items():
        hv, cv = h36m.videos[hi], cmu.videos[ci]
        assert hv['num_frames'] == cv['num_frames']
        np.testing.assert_allclose(hv['keypoints_2d'], cv['keypoints_2d'],
                                   atol=1e-4)
        np.testing.assert_allclose(hv['keypoints_3d'], cv['keypoints_3d'],
                                   atol=1e-4)
    # samples: map every H36M sample to the CMU sample of the same target
    cmu_target = {(int(v), int(f)): i for i, (v, f) in enumerate(cmu.targets)}
    idx = np.unique(np.r_[np.linspace(0, len(h36m) - 1, 60).astype(int),
                          0, len(h36m) - 1])
    # plus the first / last two frames of some videos (window padding)
    starts = np.flatnonzero(h36m.targets[:, 1] == 0)
    for s in starts[::7]:
        idx = np.r_[idx, s, s + 1]
        if s > 0:
            idx = np.r_[idx, s - 1, s - 2]
    for i in np.unique(idx):
        a = h36m.get_data_info(int(i))
        vi, frame = h36m.targets[i]
        b = cmu.get_data_info(cmu_target[(vmap[int(vi)], int(frame))])
        assert a['keypoints_2d'].shape == b['keypoints_2d'].shape
        np.testing.assert_allclose(a['keypoints_2d'], b['keypoints_2d'],
                                   atol=1e-4)
        np.testing.assert_allclose(a['keypoints_3d'], b['keypoints_3d'],
                                   atol=1e-4)
        np.testing.assert_array_equal(a['visibility'], b['visibility'])
        assert a['target_index'] == b['target_index']
        assert a['frame'] == b['frame']
        for key in CAMERA_KEYS:
            np.testing.assert_allclose(a['camera'][key], b['camera'][key],
                                       atol=1e-12, err_msg=key)
        assert a['subject'] == prefix + b['subject']
        if tool is not None:
            assert a['action'] == tool.h36m_action(b['action'])
        info = parse_h36m_imgname(a['img_path'])
        assert info['frame_number'] == a['frame'] + 1
        assert info['camera_id'] == a['camera_id']


@pytest.mark.parametrize('seq_len,causal', [(1, False), (5, False),
                                            (5, True)])
def test_same_samples_as_cmu_dataset(exported, tool, seq_len, causal):
    h36m = Human3p6mDataset(data_root=str(exported), ann_file=TEST_ANN,
                            seq_len=seq_len, causal=causal)
    cmu = CMUMocapDataset(split='test', rig='h36m', visibility=False,
                          seq_len=seq_len, causal=causal)
    _check_same_samples(h36m, cmu, _meta(exported), tool=tool)


def test_files_follow_mmpose_layout(exported, tool):
    ann = exported / 'annotation_body3d'
    assert sorted(p.name for p in (ann / 'fps50').iterdir()) == \
        ['h36m_test.npz']  # test split only
    with np.load(ann / 'fps50' / 'h36m_test.npz') as npz:
        data = {k: npz[k] for k in npz.files}
    assert sorted(data) == ['S', 'center', 'imgname', 'part', 'scale']
    n = len(data['imgname'])
    assert data['part'].shape == (n, 17, 3) and data['S'].shape == (n, 17, 4)
    assert data['center'].shape == (n, 2) and data['scale'].shape == (n, )
    assert (data['part'][..., 2] == 1).all() and (data['S'][..., 3] == 1).all()
    kp = data['part'][..., :2]
    lo, hi = kp.min(1), kp.max(1)
    np.testing.assert_allclose(data['center'], (lo + hi) / 2, atol=1e-3)
    np.testing.assert_allclose(data['scale'], 1.2 * (hi - lo).max(1) / 200,
                               rtol=1e-5)

    cameras = load_pickle(str(ann / 'cameras.pkl'))  # plain data only
    meta = _meta(exported)
    seen = set()
    for name in data['imgname'][::97]:
        info = parse_h36m_imgname(name)
        assert info['action'] in H36M_ACTIONS
        assert info['subject'].startswith('S') and \
            info['subject'][1:].isdigit()
        assert len(info['camera_id']) == 8 and info['camera_id'].isdigit()
        cam = cameras[(info['subject'], info['camera_id'])]
        assert cam['id'] == info['camera_id']
        seq = meta['sequences'][f'{info["subject"]}_{info["sequence"]}']
        # the take is recoverable from the name alone too
        number = info['sequence'].rsplit('_', 1)[1]
        assert seq['take'] == f'{info["subject"][1:]}_{number}'
        assert seq['action'] == info['action'] == \
            tool.h36m_action(seq['description'])
        seen.add(seq['take'])
    assert len(seen) > 5
    # one camera per (take, camera): 25 test takes x 4 cameras
    assert len(cameras) == 100 and len(meta['sequences']) == 25


def test_readme_carries_the_acknowledgement(exported):
    text = (exported / 'README.md').read_text()
    for line in CMU_MOCAP_ACKNOWLEDGEMENT.splitlines():
        assert f'> {line}' in text
    assert f'python {TOOL} --out {exported} --splits test' in text
    assert _meta(exported)['acknowledgement'] == CMU_MOCAP_ACKNOWLEDGEMENT


def test_action_keywords(tool):
    act = tool.h36m_action
    assert act('walk') == act('SlowWalk') == act('walk, veer left') == \
        'Walking'
    assert act('run/jog, sudden stop') == 'Walking'
    assert act('jumping jacks, side twists, squats, jog') == 'Directions'
    assert act('static dance pose - folded in') == 'Posing'
    assert act('balance on one leg, outstretched arms') == 'Posing'
    assert act('180') == act('soccer - kick ball') == tool.FALLBACK_ACTION


def test_cli_random_rig_takes(tmp_path):
    """The command line, a random rig and a subset of takes."""
    takes = ['02_03', '13_39']
    proc = run_tool(TOOL, '--out', str(tmp_path), '--rig', 'random',
                    '--seed', '3', '--splits', 'test', '--takes', *takes,
                    '--subject-prefix', 'CMU', '--fps-dir', 'fps30')
    assert 'test: 528 rows, 8 videos, 2 takes' in proc.stdout
    assert 'cameras.pkl' in proc.stdout and 'README.md' in proc.stdout
    h36m = Human3p6mDataset(
        data_root=str(tmp_path),
        ann_file='annotation_body3d/fps30/h36m_test.npz', seq_len=5)
    cmu = CMUMocapDataset(split='test', rig='random', seed=3, takes=takes,
                          visibility=False, seq_len=5)
    _check_same_samples(h36m, cmu, _meta(tmp_path), prefix='CMU')
    assert {v['subject'] for v in h36m.videos} == {'CMU02', 'CMU13'}
    walking = Human3p6mDataset(
        data_root=str(tmp_path), actions=['Walking'],
        ann_file='annotation_body3d/fps30/h36m_test.npz')
    assert {v['sequence'] for v in walking.videos} == {'Walking_03'}


def test_bad_options(tool, tmp_path):
    with pytest.raises(SystemExit):  # 02_01 is a test take
        tool.main(['--out', str(tmp_path), '--takes', '02_01'])
    with pytest.raises(SystemExit):
        tool.main(['--out', str(tmp_path), '--takes', '99_99'])
    with pytest.raises(SystemExit):
        tool.main(['--out', str(tmp_path), '--subject-prefix', 'S_'])
    assert not (tmp_path / 'annotation_body3d').exists()


def test_existing_files_are_kept_without_force(exported, tool, capsys):
    ann = exported / TEST_ANN
    before = ann.read_bytes()
    with pytest.raises(SystemExit):
        tool.main(['--out', str(exported), '--splits', 'test'])
    err = capsys.readouterr().err
    assert f'{ann}, {exported}/annotation_body3d/cameras.pkl' in err
    assert 'exist; choose another --out, or pass --force to overwrite ' \
        'them' in err
    assert ann.read_bytes() == before


def test_force_overwrites(tmp_path, tool):
    (tmp_path / 'README.md').write_text('old')
    argv = ['--out', str(tmp_path), '--splits', 'test', '--takes', '02_01']
    with pytest.raises(SystemExit):
        tool.main(argv)
    assert tool.main(argv + ['--force']) == 0
    assert 'mocap.cs.cmu.edu' in (tmp_path / 'README.md').read_text()
