import argparse

import numpy as np
import pytest
from mmengine.config import DictAction

from pose3d_toolbox.datasets import CMUMocapDataset, CMUMocapImageDataset
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


def cli_options(*args):
    """What mmengine's ``--cfg-options`` makes of ``args``."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *args]).cfg_options


def test_command_line_ids_reach_the_subjects_and_takes():
    # --cfg-options turns 05 into 5 and 05_02 into 502 (quotes or not);
    # they used to select nothing (KeyError / no takes)
    options = cli_options('subjects=[05,105]', "takes=['05_02']")
    assert options == dict(subjects=[5, 105], takes=[502])
    ds = CMUMocapDataset(visibility=False, **options)
    assert (ds.subjects, ds.takes) == (('05', '105'), ('05_02', ))
    assert {(v['subject'], v['take']) for v in ds.videos} == {('05', '05_02')}
    one = CMUMocapDataset(lazy_init=True, **cli_options('subjects=13'))
    assert one.subjects == ('13', )


def test_image_cache_names_do_not_depend_on_how_ids_were_written():
    as_numbers = CMUMocapImageDataset(subjects=[2], takes=[201],
                                      lazy_init=True)
    as_strings = CMUMocapImageDataset(subjects=['02'], takes=['02_01'],
                                      lazy_init=True)
    assert as_numbers.fingerprint() == as_strings.fingerprint()


@pytest.mark.parametrize('options, message', [
    (dict(subjects=[7]), "subjects holds the number 7 where a string id is "
     "expected, and no id reads as it. Present: ['02', '05', '06', '09', "
     "'10', '105', '13', '16', '49']. Choose subjects among those"),
    (dict(subjects=['05', '77']), "subjects=['05', '77'] names absent ids "
     "['77']; present: ['02', '05'"),
    (dict(subjects=[]), "subjects=[] matches nothing; present: ['02', '05'"),
    (dict(takes=['5_02']), "takes=['5_02'] matches nothing; present: "
     "['02_01', '02_02', '02_03', '05_02'"),
    (dict(takes=[2.5]), "takes holds 2.5 (float); ids are strings such as "
     "'02_01'"),
])
def test_ids_that_match_nothing_name_the_ids_present(options, message):
    with pytest.raises(ValueError) as e:
        CMUMocapDataset(lazy_init=True, **options)
    assert message in str(e.value), str(e.value)
    assert str(e.value).startswith(
        'CMUMocapDataset (the shipped CMU mocap file): ')
