"""COCO / MPII 2D datasets, the joint mapping to Human3.6M, mixed batches,
and the CMU renders as 2D-only data."""
import json

import numpy as np
import pytest
from mmengine.dataset import ConcatDataset

from fixtures import make_coco_fixture, make_mpii_fixture
from pose3d_toolbox.datasets import (CMUMocapImageDataset,
                                     CocoKeypoint2DDataset, MixedRatioSampler,
                                     MpiiDataset, batch_counts, map_joints)
from pose3d_toolbox.datasets.transforms import LoadImage, TopdownAffine
from pose3d_toolbox.skeletons import get_skeleton


def test_map_joints_to_h36m():
    coco = np.arange(34, dtype=np.float32).reshape(17, 2)
    valid = np.ones(17)
    valid[12] = 0  # right hip unlabelled
    kp, ok = map_joints(coco, valid, 'coco', 'h36m')
    h36m = get_skeleton('h36m')
    assert kp.shape == (17, 2)
    np.testing.assert_allclose(kp[h36m.index('left_hip')], coco[11])
    np.testing.assert_allclose(kp[h36m.index('thorax')],
                               (coco[5] + coco[6]) / 2)
    # pelvis needs both hips; spine and head top have no COCO counterpart
    for name in ('pelvis', 'right_hip', 'spine', 'head'):
        assert ok[h36m.index(name)] == 0, name
    assert ok.sum() == 13
    same, _ = map_joints(coco, valid, 'coco', None)
    assert same is coco


def test_coco_dataset_reads_people_and_skips_crowds(tmp_path):
    paths = make_coco_fixture(tmp_path)
    ds = CocoKeypoint2DDataset(ann_file=paths['ann_file'],
                               data_root=paths['data_root'],
                               data_prefix=dict(img=paths['img_prefix']),
                               target_skeleton=None)
    assert len(ds) == 3  # the crowd annotation is skipped
    info = ds.get_data_info(1)
    ann = paths['annotations'][1]
    kp = np.asarray(ann['keypoints']).reshape(17, 3)
    np.testing.assert_allclose(info['keypoints_2d'][0], kp[:, :2])
    np.testing.assert_array_equal(info['keypoints_valid'], kp[:, 2] > 0)
    x, y, w, h = ann['bbox']
    np.testing.assert_allclose(info['bbox_center'], [x + w / 2, y + h / 2],
                               rtol=1e-6)
    np.testing.assert_allclose(info['bbox_scale'], [1.25 * w, 1.25 * h],
                               rtol=1e-6)
    assert info['has_3d'] is False and 'keypoints_3d' not in info
    # the labelled joints sit on the drawn discs of the image
    out = LoadImage()(info)
    for (u, v), ok in zip(kp[:, :2], kp[:, 2]):
        if ok:
            assert out['img'][int(round(v)), int(round(u)), 0] > 200


def test_mpii_dataset_follows_mmpose_conventions(tmp_path):
    paths = make_mpii_fixture(tmp_path)
    ds = MpiiDataset(ann_file=paths['ann_file'],
                     data_root=paths['data_root'],
                     data_prefix=dict(img=paths['img_prefix']))
    assert len(ds) == 3 and ds.metainfo['skeleton'] == 'h36m'
    info = ds.get_data_info(0)
    ann = paths['annotations'][0]
    joints = np.asarray(ann['joints']) - 1  # 1-based -> 0-based
    h36m = get_skeleton('h36m')
    mpii = get_skeleton('mpii')
    np.testing.assert_allclose(
        info['keypoints_2d'][0, h36m.index('left_wrist')],
        joints[mpii.index('left_wrist')], rtol=1e-6)
    assert info['keypoints_valid'][h36m.index('spine')] == 0
    s = ann['scale']
    np.testing.assert_allclose(info['bbox_center'], [
        ann['center'][0], ann['center'][1] + 15 * s], rtol=1e-6)
    np.testing.assert_allclose(info['bbox_scale'], [250 * s, 250 * s],
                               rtol=1e-6)
    out = TopdownAffine((32, 32))(LoadImage()(info))
    assert out['img'].shape == (32, 32, 3)
    with pytest.raises(FileNotFoundError, match='missing.json'):
        MpiiDataset(ann_file='missing.json', data_root=str(tmp_path))


@pytest.mark.parametrize('ratios,size,expected', [
    ((0.5, 0.5), 8, [4, 4]), ((1, 2), 10, [3, 7]), ((0.25, 0.75), 5, [1, 4]),
    ((1, 0), 4, [4, 0])])
def test_batch_counts(ratios, size, expected):
    np.testing.assert_array_equal(batch_counts(ratios, size), expected)


class _Concat:  # the one attribute the sampler reads
    def __init__(self, sizes):
        self.cumulative_sizes = list(np.cumsum(sizes))


def test_mixed_sampler_batches_hold_the_ratio():
    sampler = MixedRatioSampler(_Concat([10, 7]), batch_size=4,
                                ratios=(0.5, 0.5), seed=0)
    idx = list(sampler)
    assert len(idx) == len(sampler) == 5 * 4  # 10 // 2 batches of 4
    batches = np.array(idx).reshape(-1, 4)
    assert ((batches < 10).sum(1) == 2).all()  # two from each dataset
    first = batches[batches < 10]
    assert sorted(first.tolist()) == list(range(10))  # an epoch covers it
    assert (batches[batches >= 10] < 17).all()
    sampler.set_epoch(1)
    assert list(sampler) != idx
    with pytest.raises(ValueError, match='2 ratios for 3'):
        MixedRatioSampler(_Concat([3, 3, 3]), batch_size=4)


def test_cmu_renders_as_2d_only_and_mixed_with_3d(tmp_path):
    common = dict(split='test', takes=['02_01'], step=200,
                  input_size=(40, 40), visibility=False)
    ds3d = CMUMocapImageDataset(render_margin=1.5, **common)
    ds2d = CMUMocapImageDataset(with_3d=False, **common)
    a, b = ds3d.get_data_info(0), ds2d.get_data_info(0)
    assert a['has_3d'] is True and b['has_3d'] is False
    assert 'keypoints_3d' in a and 'keypoints_3d' not in b
    # the margin widens the rendered crop, not the person's box
    np.testing.assert_allclose(a['bbox_scale'], b['bbox_scale'])
    np.testing.assert_allclose(a['crop_matrix'][0, 0] * 1.5,
                               b['crop_matrix'][0, 0], rtol=1e-5)
    assert ds3d.fingerprint() != ds2d.fingerprint()
    concat = ConcatDataset([ds3d, ds2d], ignore_keys=['dataset_name'])
    sampler = MixedRatioSampler(concat, batch_size=4, ratios=(1, 1),
                                seed=0)
    flags = [concat[i]['has_3d'] for i in list(sampler)[:4]]
    assert sorted(flags) == [False, False, True, True]


def test_empty_2d_annotation_is_refused(tmp_path):
    # used to build an empty dataset that failed later in the sampler
    path = tmp_path / 'mpii_train.json'
    path.write_text('[]')
    with pytest.raises(ValueError) as e:
        MpiiDataset(ann_file=str(path))
    assert f'MpiiDataset: {path} holds no usable person (an empty ' \
        "annotation file, or every person skipped); see 'Preparing " \
        "datasets' in README.md" == str(e.value)


@pytest.mark.parametrize('value', ['NaN', 'Infinity'])
def test_non_finite_2d_annotation_names_file_image_and_joint(tmp_path,
                                                             value):
    paths = make_mpii_fixture(tmp_path)
    ann = tmp_path / paths['ann_file']
    people = json.loads(ann.read_text())
    people[1]['joints'][13][1] = float(value)  # MPII 13: left shoulder
    ann.write_text(json.dumps(people))
    with pytest.raises(ValueError) as e:
        MpiiDataset(ann_file=str(ann))
    assert f"MpiiDataset: {ann} (key 'keypoints'): NaN or inf for the " \
        "person in '000000002.jpg', joint 13 (left_shoulder); drop or " \
        'repair that annotation' == str(e.value)
