import numpy as np
import pytest

from pose3d_toolbox.datasets import CMUMocapDataset
from pose3d_toolbox.datasets.mocap import CMU_TEST_SUBJECTS
from pose3d_toolbox.utils import camera_to_pixel


@pytest.fixture(scope='module')
def test_set():
    return CMUMocapDataset(split='test', rig='h36m', takes=['02_01', '13_39'])


def test_fixed_rig_videos_are_take_times_camera(test_set):
    assert test_set.num_videos == 2 * 4
    assert {v['subject'] for v in test_set.videos} <= set(CMU_TEST_SUBJECTS)
    assert {v['camera_id'] for v in test_set.videos} == {
        '54138969', '55011271', '58860488', '60457274'}


def test_2d_is_the_projection_of_the_camera_space_3d(test_set):
    for video in test_set.videos:
        cam = video['camera']
        assert video['keypoints_3d'][..., 2].min() > 2.0  # in front, metres
        np.testing.assert_allclose(
            camera_to_pixel(video['keypoints_3d'].astype(np.float64),
                            cam['f'], cam['c']), video['keypoints_2d'],
            atol=1e-2)
        assert 0 <= video['keypoints_2d'].min()
        assert video['keypoints_2d'][..., 0].max() <= cam['w']


def test_visibility_scores_mark_some_occlusion(test_set):
    vis = np.concatenate([v['visibility'] for v in test_set.videos])
    assert ((vis >= 0) & (vis <= 1)).all()
    assert 0.02 < (vis < 0.5).mean() < 0.5


def test_random_rigs_vary_focal_length_and_split_by_subject():
    ds = CMUMocapDataset(split='train', rig='random', takes=['05_02'],
                         visibility=False, seed=1,
                         rig_cfg=dict(focal_range=(900, 1600)))
    focals = [float(v['camera']['f'][0, 0]) for v in ds.videos]
    assert all(900 <= f <= 1600 for f in focals) and np.std(focals) > 10
    assert {v['subject'] for v in ds.videos} == {'05'}
    with pytest.raises(ValueError, match=r"takes=\['05_02'\] holds no take "
                       r"of the subjects \['02', '13', '49'\], whose takes "
                       r"are \['02_01', "):
        CMUMocapDataset(split='test', takes=['05_02'])
    with pytest.raises(ValueError, match='rig'):
        CMUMocapDataset(split='test', rig='circle')
