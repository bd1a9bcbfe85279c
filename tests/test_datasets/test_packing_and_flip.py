"""PackPoseInputs' presets (the key lists configs name instead of retyping)
and RandomFlipLifting's skeleton, which defaults to the sample's."""
import numpy as np
import pytest
from mmengine.config import Config

from pose3d_toolbox.codecs import BONE_DATA_KEYS
from pose3d_toolbox.datasets.transforms import (LIFTING_META_KEYS,
                                                PackPoseInputs,
                                                RandomFlipLifting,
                                                TOPDOWN_META_KEYS)
from pose3d_toolbox.skeletons import MPI_INF_3DHP, get_skeleton
from conftest import REPO


def lifting_sample(skeleton='h36m', J=17):
    rng = np.random.default_rng(0)
    return dict(
        lifting_input=rng.normal(size=(3, J, 2)).astype(np.float32),
        lifting_target=np.ones((J, 3), np.float32),
        target_weight=np.ones(J, np.float32),
        bone_lengths=np.ones(J - 1, np.float32),
        keypoints_3d=rng.normal(size=(3, J, 3)),
        keypoints_2d=rng.uniform(0, 100, (3, J, 2)),
        target_index=1, subject='S1', action='Walking', camera_id='0',
        camera=dict(c=np.array([[50.0], [40.0]])), skeleton=skeleton,
        root_index=0, sample_idx=4, crop_matrix=np.eye(2, 3),
        img=np.zeros((4, 6, 3), np.uint8))


def test_lifting_preset_is_the_default():
    packed = PackPoseInputs().transform(lifting_sample())
    s = packed['data_samples']
    assert packed['inputs'].shape == (3, 17, 2)
    assert set(s.metainfo) == {'subject', 'action', 'camera_id', 'camera',
                               'skeleton', 'root_index', 'sample_idx'}
    assert set(s.metainfo) <= set(LIFTING_META_KEYS)
    assert 'lifting_target' in s and 'bone_lengths' not in s
    np.testing.assert_array_equal(s.gt_keypoints_3d,
                                  lifting_sample()['keypoints_3d'][1])


def test_bone_and_topdown_presets():
    s = PackPoseInputs(preset='bone').transform(lifting_sample())
    assert 'bone_lengths' in s['data_samples']
    assert 'bone_lengths' in BONE_DATA_KEYS
    packed = PackPoseInputs(preset='topdown').transform(lifting_sample())
    assert packed['inputs'].shape == (3, 4, 6)  # HWC -> CHW
    assert 'crop_matrix' in packed['data_samples'].metainfo
    assert 'crop_matrix' in TOPDOWN_META_KEYS
    # explicit keys override the preset's
    s = PackPoseInputs(preset='bone', data_keys=('target_weight', ),
                       meta_keys=('subject', )).transform(lifting_sample())
    s = s['data_samples']
    assert set(s.metainfo) == {'subject'} and 'bone_lengths' not in s
    with pytest.raises(KeyError, match="unknown preset 'image'"):
        PackPoseInputs(preset='image')


def test_configs_pack_with_presets():
    cfg = Config.fromfile(REPO / 'configs/_base_/models/integral2d.py')
    assert cfg.pack == dict(type='PackPoseInputs', preset='topdown')
    cfg = Config.fromfile(REPO / 'configs/_base_/models/anatomy3d.py')
    assert cfg.val_pipeline[-1] == dict(type='PackPoseInputs', preset='bone')


@pytest.mark.parametrize('skeleton', ['h36m', 'mpi_inf_3dhp'])
def test_flip_swaps_the_samples_own_skeleton(skeleton):
    sample = lifting_sample(skeleton)
    flipped = RandomFlipLifting(prob=1.0).transform(dict(sample))
    perm = get_skeleton(skeleton).flip_indices
    np.testing.assert_allclose(flipped['keypoints_3d'][..., 0],
                               -sample['keypoints_3d'][..., perm, 0])
    np.testing.assert_allclose(flipped['keypoints_2d'][..., 0],
                               100 - sample['keypoints_2d'][..., perm, 0])
    if skeleton == 'mpi_inf_3dhp':  # right shoulder 2 <-> left shoulder 5
        assert perm[2] == 5 and perm[5] == 2 and perm[14] == 14


def test_flip_with_a_given_skeleton_or_none():
    sample = lifting_sample('h36m')
    flipped = RandomFlipLifting(prob=1.0, skeleton=MPI_INF_3DHP).transform(
        dict(sample))
    perm = MPI_INF_3DHP.flip_indices
    np.testing.assert_allclose(flipped['keypoints_3d'][..., 0],
                               -sample['keypoints_3d'][..., perm, 0])
    sample.pop('skeleton')
    with pytest.raises(KeyError, match='names no skeleton'):
        RandomFlipLifting(prob=1.0).transform(sample)


def test_make_data_samples_equals_make_data_sample_row_by_row():
    from pose3d_toolbox.structures import (make_data_sample,
                                           make_data_samples)
    camera = dict(f=np.ones((2, 1)))
    meta = dict(subject=['S1', 'S9'], camera=[camera, camera],
                frame=[3, 7])
    data = dict(gt_keypoints_3d=np.arange(12.).reshape(2, 2, 3))
    samples = make_data_samples(meta, data, dict(skeleton='h36m'))
    for i, s in enumerate(samples):
        ref = make_data_sample(dict(subject=meta['subject'][i],
                                    camera=camera, frame=meta['frame'][i],
                                    skeleton='h36m'),
                               dict(gt_keypoints_3d=data['gt_keypoints_3d']
                                    [i]))
        assert s.metainfo == ref.metainfo and s.keys() == ref.keys()
        np.testing.assert_array_equal(s.gt_keypoints_3d,
                                      ref.gt_keypoints_3d)
        assert s.camera is camera  # a reference, never a copy
    # each sample owns its field sets: a prediction on one stays on it
    samples[0].pred_keypoints_3d = np.zeros((2, 3))
    assert 'pred_keypoints_3d' in samples[0]
    assert 'pred_keypoints_3d' not in samples[1]
    with pytest.raises(ValueError, match='different lengths'):
        make_data_samples(meta, dict(x=np.zeros((3, 2))))
