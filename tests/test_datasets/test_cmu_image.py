"""CMUMocapImageDataset: rendered crops of the CMU takes, their boxes, crop
keypoints, determinism and the render cache."""
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from pose3d_toolbox.datasets.cmu_image import (IMAGE_KEYS,
                                               CMUMocapImageDataset)
from pose3d_toolbox.datasets.synthetic import render_cache_dir, user_cache_dir
from pose3d_toolbox.datasets.transforms.formatting import PackPoseInputs
from pose3d_toolbox.registry import DATASETS

REPO = Path(__file__).resolve().parents[2]
TAKE = dict(split='test', takes=['02_01'], step=10)  # 4 videos x 9 frames


@pytest.fixture(scope='module')
def ds():
    return CMUMocapImageDataset(**TAKE)


def test_registered_and_sized(ds):
    assert DATASETS.get('CMUMocapImageDataset') is CMUMocapImageDataset
    # 02_01 has 86 frames: frames 0, 10, .., 80 of each of the 4 cameras
    assert len(ds) == 4 * 9 == ds.num_render_indices
    assert ds.metainfo['dataset_name'] == 'cmu_mocap_image'


def test_sample_keys_image_shape_and_dtype(ds):
    info = ds.get_data_info(5)
    assert set(IMAGE_KEYS) <= set(info)
    for key in ('keypoints_2d', 'keypoints_3d', 'camera', 'visibility'):
        assert key in info
    assert info['img'].shape == (256, 256, 3)
    assert info['img'].dtype == np.uint8
    assert info['img'].std() > 5  # not a blank image
    assert info['keypoints_2d'].shape == (1, 17, 2)
    assert info['keypoints_2d_crop'].shape == (17, 2)
    assert info['bbox_center'].shape == info['bbox_scale'].shape == (2, )
    assert info['img_shape'] == (256, 256)

    other = CMUMocapImageDataset(input_size=(192, 256), **TAKE)
    img = other.get_data_info(5)['img']
    assert img.shape == (256, 192, 3)


def test_crop_keypoints_are_the_affine_of_the_full_image_ones(ds):
    from pose3d_toolbox.datasets.synthetic import crop_matrix
    for idx in (0, 13, len(ds) - 1):
        info = ds.get_data_info(idx)
        kp = info['keypoints_2d'][0].astype(np.float64)
        m = crop_matrix(info['bbox_center'], info['bbox_scale'], (256, 256))
        np.testing.assert_allclose(info['crop_matrix'], m, atol=1e-4)
        np.testing.assert_allclose(info['keypoints_2d_crop'],
                                   kp @ m[:, :2].T + m[:, 2], atol=1e-2)
        # the padded box holds every joint well inside the crop
        crop = info['keypoints_2d_crop']
        assert (crop > 10).all() and (crop < 246).all()
        # the box is square (crop aspect) and larger than the keypoints' box
        w, h = info['bbox_scale']
        assert w == pytest.approx(h)
        assert w >= np.ptp(kp, axis=0).max() * 1.2


def test_pixels_at_visible_joints_show_the_body(ds):
    checked = 0
    for idx in range(0, len(ds), 4):
        info = ds.get_data_info(idx)
        out = ds.render_crop(idx)  # the same render, with its label map
        np.testing.assert_array_equal(out.image, info['img'])
        visible = info['visibility'][0] >= 0.5
        assert visible.sum() >= 8
        u, v = np.round(info['keypoints_2d_crop'][visible]).astype(int).T
        assert (out.labels[v, u] >= 0).all(), (idx, out.labels[v, u])
        checked += visible.sum()
        # and the background is there too
        assert (out.labels < 0).mean() > 0.4
    assert checked > 50


def test_deterministic_across_builds_and_subsets(ds):
    again = CMUMocapImageDataset(**TAKE)
    for idx in (0, 7, 35):
        np.testing.assert_array_equal(ds.get_data_info(idx)['img'],
                                      again.get_data_info(idx)['img'])
    # a sample keeps its appearance in a subset (max_samples / get_subset)
    sub = ds.get_subset([7, 35])
    np.testing.assert_array_equal(sub.get_data_info(1)['img'],
                                  ds.get_data_info(35)['img'])
    assert sub.get_data_info(1)['render_index'] == 35
    # different samples and a different seed give different images
    assert not np.array_equal(ds.get_data_info(0)['img'],
                              ds.get_data_info(1)['img'])
    other = CMUMocapImageDataset(seed=1, **TAKE)
    assert not np.array_equal(other.get_data_info(0)['img'],
                              ds.get_data_info(0)['img'])


def test_cache_returns_identical_images(ds, tmp_path):
    cached = CMUMocapImageDataset(cache_dir=str(tmp_path), visibility=False,
                                  **TAKE)
    root = Path(cached.cache_root)
    assert root.parent == tmp_path and (root / 'meta.json').is_file()
    assert 3 not in cached.cache
    first = cached.get_data_info(3)
    assert 3 in cached.cache
    ref = ds.get_data_info(3)
    np.testing.assert_array_equal(first['img'], ref['img'])
    np.testing.assert_allclose(first['keypoints_2d_crop'],
                               ref['keypoints_2d_crop'], atol=1e-4)
    first['img'][:] = 0  # the caller's copy, not the cache
    # a second build reads the stored crop
    reopened = CMUMocapImageDataset(cache_dir=str(tmp_path),
                                    visibility=False, **TAKE)
    assert reopened.cache_root == cached.cache_root
    assert 3 in reopened.cache and 4 not in reopened.cache
    np.testing.assert_array_equal(reopened.get_data_info(3)['img'],
                                  ref['img'])
    # options that change the crops use another folder
    other = CMUMocapImageDataset(cache_dir=str(tmp_path), bbox_padding=1.5,
                                 visibility=False, **TAKE)
    assert other.cache_root != cached.cache_root


def test_pipeline_packs_the_image(ds):
    packed = CMUMocapImageDataset(
        pipeline=[PackPoseInputs(input_key='img',
                                 data_keys=('keypoints_2d_crop', ))],
        visibility=False, **TAKE)[2]
    assert packed['inputs'].shape == (3, 256, 256)
    assert packed['inputs'].dtype == torch.uint8
    np.testing.assert_array_equal(
        packed['inputs'].permute(1, 2, 0).numpy(),
        ds.get_data_info(2)['img'])
    assert packed['data_samples'].keypoints_2d_crop.shape == (17, 2)


def test_bad_options():
    with pytest.raises(ValueError, match='seq_len'):
        CMUMocapImageDataset(seq_len=3, **TAKE)
    with pytest.raises(ValueError, match='input_size'):
        CMUMocapImageDataset(input_size=(256, ), **TAKE)
    with pytest.raises(ValueError, match='render_cfg'):
        CMUMocapImageDataset(render_cfg=dict(out_size=(64, 64)), **TAKE)


def test_render_cfg_is_passed_to_the_renderer():
    grey = CMUMocapImageDataset(
        render_cfg=dict(background=(128, 128, 128), gain=(1, 1),
                        bias=(0, 0), noise_std=(0, 0)),
        visibility=False, **TAKE)
    img = grey.get_data_info(0)['img']
    assert (img[0, 0] == 128).all() and (img[-1, -1] == 128).all()


def test_base_config_builds():
    cfg = Config.fromfile(REPO / 'configs/_base_/datasets/cmu_image.py')
    init_default_scope('pose3d_toolbox')
    train = cfg.train_dataloader.dataset
    assert train.type == 'CMUMocapImageDataset' and train.rig == 'random'
    assert cfg.val_dataloader.dataset.rig == 'h36m'
    val = DATASETS.build(dict(cfg.val_dataloader.dataset, takes=['02_01'],
                              visibility=False))
    assert val.get_data_info(0)['img'].shape == (256, 256, 3)


def test_cache_location_user_cache_env_and_config(tmp_path, monkeypatch):
    monkeypatch.setenv('POSE3D_CACHE_DIR', str(tmp_path / 'env'))
    assert user_cache_dir('renders') == str(tmp_path / 'env' / 'renders')
    assert render_cache_dir(True) == str(tmp_path / 'env' / 'renders')
    monkeypatch.delenv('POSE3D_CACHE_DIR')
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg'))
    assert render_cache_dir(True) == str(tmp_path / 'xdg' / 'pose3d_toolbox'
                                         / 'renders')
    monkeypatch.delenv('XDG_CACHE_HOME')
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    assert render_cache_dir(True) == str(tmp_path / 'home' / '.cache' /
                                         'pose3d_toolbox' / 'renders')
    # the config's folder wins; None / False: no cache
    assert render_cache_dir('~/mine') == str(tmp_path / 'home' / 'mine')
    assert render_cache_dir(None) is None and render_cache_dir(False) is None
    with pytest.raises(TypeError, match=r'cache_dir must be None, True \(the '
                       r'user cache, \$POSE3D_CACHE_DIR/renders'):
        render_cache_dir(5)


def test_image_config_caches_renders_outside_the_source_tree(tmp_path,
                                                             monkeypatch):
    # the config used to write its renders to data/cache in the checkout
    monkeypatch.setenv('POSE3D_CACHE_DIR', str(tmp_path))
    cfg = Config.fromfile(REPO / 'configs/integral2d_r18_cmu.py')
    init_default_scope('pose3d_toolbox')
    assert cfg.val_dataloader.dataset.cache_dir is True
    val = DATASETS.build(dict(cfg.val_dataloader.dataset, pipeline=[],
                              takes=['02_01'], step=40))
    val.get_data_info(0)
    root = Path(val.cache_root)
    assert root.parent == tmp_path / 'renders'
    assert root.name == f'CMUMocapImageDataset-{val.fingerprint()}'
    assert 0 in val.cache and (root / 'images.npy').is_file()
    assert REPO not in root.parents


def test_the_suite_writes_user_caches_under_pytest_tmp(tmp_path_factory):
    cache = Path(os.environ['POSE3D_CACHE_DIR'])
    assert cache.is_relative_to(tmp_path_factory.getbasetemp())
    assert Path(render_cache_dir(True)).is_relative_to(cache)
