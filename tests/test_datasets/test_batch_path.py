"""The batch path of lifting data equals the per-sample path.

``BaseLiftingDataset.get_batch`` (what a ``DataLoader`` gets through
``__getitems__`` when ``batched=True``) must make exactly the samples that
indexing one by one makes: the same inputs, targets, weights and metas, the
same random draws with the per-sample seeds of an exact-resume run, and so
the same trained weights and metrics. Checked for every lifting method's
CMU config (and the Human3.6M error-model config, with lens distortion),
on small subsets.
"""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from pose3d_toolbox.apis.runner import build_runner
from pose3d_toolbox.engine.train_state import (SeededSampleDataset,
                                               sample_seed, sample_seeds)
from pose3d_toolbox.registry import DATASETS
from pose3d_toolbox.utils.camera import camera_to_pixel, stack_cameras

CONFIGS = ('simplebaseline3d_cmu.py', 'videopose3d_27frm_cmu.py',
           'anatomy3d_27frm_cmu.py', 'abslifter_cmu.py',
           'elepose-flow_cmu.py')


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('pose3d_toolbox')


def small(dataset_cfg, **extra):
    """A CMU dataset config cut to one take per subject split."""
    cfg = copy.deepcopy(dataset_cfg)
    cfg.update(max_samples=400, **extra)
    return cfg


def assert_same_samples(batch, single):
    """Two lists of packed samples are equal: inputs, every data field,
    every meta (values and types; cameras key by key)."""
    assert len(batch) == len(single)
    for a, b in zip(batch, single):
        assert torch.equal(a['inputs'], b['inputs'])
        sa, sb = a['data_samples'], b['data_samples']
        assert set(sa.keys()) == set(sb.keys())
        assert set(sa.metainfo_keys()) == set(sb.metainfo_keys())
        for key in sa.keys():
            np.testing.assert_array_equal(sa.get(key), sb.get(key),
                                          err_msg=key)
            assert np.asarray(sa.get(key)).dtype == np.asarray(
                sb.get(key)).dtype, key
        for key in sa.metainfo_keys():
            va, vb = sa.get(key), sb.get(key)
            assert type(va) is type(vb), key
            if isinstance(va, dict):
                assert va.keys() == vb.keys()
                for k in va:
                    np.testing.assert_array_equal(va[k], vb[k], err_msg=k)
            else:
                np.testing.assert_array_equal(va, vb, err_msg=key)


def compare_paths(dataset_cfg, seeded: bool, batches=3, batch_size=24):
    """Batch path == per-sample path on a few batches of ``dataset_cfg``,
    with ``(index, epoch, seed)`` items (training) or plain indices."""
    ds = SeededSampleDataset(DATASETS.build(dict(dataset_cfg, batched=True)))
    assert ds.batch_path
    rng = np.random.default_rng(0)
    for b in range(batches):
        idx = rng.choice(len(ds), batch_size, replace=False).tolist()
        items = [(i, b, 17) for i in idx] if seeded else idx
        np.random.seed(b)
        batch = ds.__getitems__(items)
        ds.dataset.batched = False
        assert not ds.batch_path
        np.random.seed(b)
        single = ds.__getitems__(items)
        ds.dataset.batched = True
        assert_same_samples(batch, single)
    return ds.dataset, batch


@pytest.mark.parametrize('config', CONFIGS)
def test_batch_path_equals_per_sample_path(config):
    cfg = Config.fromfile(f'configs/{config}')
    compare_paths(small(cfg.train_dataloader.dataset.to_dict()),
                  seeded=True)
    ds, batch = compare_paths(small(cfg.val_dataloader.dataset.to_dict()),
                              seeded=False)
    # shared metadata: a data sample holds its video's camera dict itself
    for sample in batch:
        meta = sample['data_samples']
        video = ds.videos[ds.targets[meta.sample_idx][0]]
        assert meta.camera is video['camera']


def test_unseeded_training_draws_follow_the_global_stream():
    """Without per-sample seeds (a plain EpochBasedTrainLoop) the batch
    path draws from numpy's global generator in the per-sample order:
    random frames, flips and bone-length factors all match."""
    cfg = Config.fromfile('configs/anatomy3d_27frm_cmu.py')
    train = cfg.train_dataloader.dataset.to_dict()
    train['pipeline'] = [dict(type='RandomFlipLifting', prob=0.5)] + \
        train['pipeline']
    compare_paths(small(train), seeded=False)


def test_error_model_and_distortion_on_human36m(h36m_root, tmp_path):
    """AbsPoseLifter's error-model config on Human3.6M data with lens
    distortion (the flip negates p2 per flipped sample)."""
    from fixtures import make_error_model_fixture, make_h36m_fixture
    root = tmp_path / 'h36m'
    make_h36m_fixture(root, distortion=True)
    model_file = str(tmp_path / 'mixture.npz')
    make_error_model_fixture(model_file)
    cfg = Config.fromfile(
        'configs/abslifter/abslifter_cascade-mixture_h36m.py')
    train = cfg.train_dataloader.dataset.to_dict()
    train.update(data_root=str(root), subjects=['S1', 'S5'])
    train['pipeline'][0]['model_file'] = model_file
    compare_paths(train, seeded=True, batch_size=16)


def test_a_step_without_batch_form_falls_back_to_samples():
    class PerSampleOnly:
        def __call__(self, results):
            results['keypoints_2d'] = results['keypoints_2d'] + 1
            return results

    cfg = Config.fromfile('configs/simplebaseline3d_cmu.py')
    dataset_cfg = small(cfg.train_dataloader.dataset.to_dict(), batched=True)
    dataset_cfg['pipeline'] = [PerSampleOnly()] + dataset_cfg['pipeline']
    ds = DATASETS.build(dataset_cfg)
    assert not ds.batch_path
    np.random.seed(1)  # the config's random flips draw the same coins
    out = ds.__getitems__([0, 5])
    np.random.seed(1)
    ref = [ds[0], ds[5]]
    assert torch.equal(out[1]['inputs'], ref[1]['inputs'])
    with pytest.raises(RuntimeError, match='PerSampleOnly'):
        ds.get_batch([0, 5])


def test_sample_seeds_equal_seed_sequence():
    idx = np.r_[0:50, 2**31, 2**32 - 1]
    for seed, epoch in ((0, 0), (12345, 3), (-7, 1), (2**40 + 3, 9)):
        np.testing.assert_array_equal(
            sample_seeds(seed, epoch, idx),
            [sample_seed(seed, epoch, int(i)) for i in idx])


def test_camera_to_pixel_with_one_camera_per_item():
    from pose3d_toolbox.datasets.synthetic import h36m_like_rig
    cams = h36m_like_rig()
    rng = np.random.default_rng(0)
    for cam, k in zip(cams, rng.normal(0, 0.1, (4, 3))):
        cam.update(k=k.reshape(3, 1), p=rng.normal(0, 0.01, (2, 1)))
    points = rng.normal(0, 1, (4, 5, 17, 3)) + [0, 0, 6]
    stacked = stack_cameras(cams, ('f', 'c', 'k', 'p'))
    batched = camera_to_pixel(points, stacked['f'], stacked['c'],
                              stacked['k'], stacked['p'])
    for i, cam in enumerate(cams):
        np.testing.assert_array_equal(
            batched[i], camera_to_pixel(points[i], cam['f'], cam['c'],
                                        cam['k'], cam['p']))
    with pytest.raises(ValueError, match="1 of 4 cameras have no 'k'"):
        stack_cameras([dict(c, k=None) if i == 0 else c
                       for i, c in enumerate(cams)], ('k', ))


def tiny_run_cfg(config, batched, work_dir, **model):
    cfg = Config.fromfile(f'configs/{config}')
    for name, n in (('train_dataloader', 384), ('val_dataloader', 256)):
        cfg[name].dataset.update(max_samples=n, batched=batched)
        cfg[name].batch_size = 64
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 1
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='SafeCheckpointHook',
                                        interval=-1)
    cfg.default_hooks.logger.interval = 1
    for key, value in model.items():
        node = cfg.model
        *parents, last = key.split('.')
        for part in parents:
            node = node[part]
        node[last] = value
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    return cfg


@pytest.mark.parametrize('config,model', [
    ('simplebaseline3d_cmu.py', {'backbone.width': 64,
                                 'head.in_channels': 64}),
    ('anatomy3d_27frm_cmu.py', {'direction_net.channels': 32,
                                'length_net.channels': 16}),
    # draws nothing while loading (no unguarded generator state on the
    # batch path) and trains with dropout (torch's global stream)
    ('videopose3d_27frm_cmu.py', {'backbone.channels': 32,
                                  'head.in_channels': 32})])
def test_seeded_training_and_metrics_are_identical(config, model, tmp_path):
    """A seeded train + val through the Runner: the same weights and the
    same metrics whichever path made the batches (the batch path of a
    pipeline that draws nothing loads without the generator guard)."""
    torch.set_num_threads(1)
    results = []
    for batched in (False, True):
        cfg = tiny_run_cfg(config, batched, tmp_path / str(batched),
                           **model)
        runner = build_runner(cfg)
        assert runner.train_dataloader.dataset.batch_path is batched
        draws = runner.train_dataloader.dataset.batch_draws
        assert draws is (config != 'videopose3d_27frm_cmu.py')
        runner.train()
        assert runner.train_loop.loads_without_drawing is (
            batched and not draws)
        metrics = runner.val()
        weights = {k: v.clone() for k, v in runner.model.state_dict().items()}
        results.append((metrics, weights))
    (m0, w0), (m1, w1) = results
    assert m0 == m1
    assert w0.keys() == w1.keys()
    for key in w0:
        assert torch.equal(w0[key], w1[key]), key
