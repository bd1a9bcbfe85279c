"""Keypoint2DMetric and its functional core against hand-computed values."""
import numpy as np
import pytest

from pose3d_toolbox.evaluation.functional.keypoint_2d import (
    keypoint_2d_errors, mean_2d_error, pck_2d)
from pose3d_toolbox.registry import METRICS
from pose3d_toolbox.structures import PoseDataSample


def test_functional_values():
    gt = np.zeros((2, 3, 2))
    pred = gt + np.array([[[3, 4], [0, 1], [6, 8]], [[0, 0], [0, 2], [0, 30]]])
    err = keypoint_2d_errors(pred, gt)
    np.testing.assert_allclose(err, [[5, 1, 10], [0, 2, 30]])
    assert mean_2d_error(err) == pytest.approx(8.0)
    mask = np.array([[1, 1, 1], [1, 1, 0]])
    assert mean_2d_error(err, mask) == pytest.approx(18 / 5)
    # norms 100 and 20: thresholds 0.1 -> 10 px and 2 px
    assert pck_2d(err, [100, 20], 0.1) == pytest.approx(100 * 5 / 6)
    assert pck_2d(err, [100, 20], 0.1, mask) == pytest.approx(100.0)
    with pytest.raises(ValueError, match='no labelled joint'):
        mean_2d_error(err, np.zeros_like(mask))


def test_metric_reads_data_samples_and_masks_unlabelled_joints():
    metric = METRICS.build(dict(type='Keypoint2DMetric',
                                pck_thresholds=(0.05, 0.2)))
    samples = []
    for shift, valid in ((3.0, [1, 1]), (30.0, [1, 0])):
        s = PoseDataSample(metainfo=dict(bbox_scale=np.array([100.0, 50.0])))
        s.gt_keypoints_2d = np.zeros((2, 2))
        s.pred_keypoints_2d = np.array([[shift, 0.0], [0.0, 40.0]])
        s.keypoints_valid = np.array(valid)
        samples.append(s.to_dict())
    metric.process({}, samples)
    out = metric.evaluate(2)
    # labelled errors: 3, 40, 30 -> mean 24.33; within 5 px: 1 of 3,
    # within 20 px: 1 of 3
    assert out['error_2d_px'] == pytest.approx(73 / 3)
    assert out['pck@0.05'] == pytest.approx(100 / 3)
    assert out['pck@0.2'] == pytest.approx(100 / 3)


def test_metric_names_missing_predictions():
    metric = METRICS.build(dict(type='Keypoint2DMetric'))
    s = PoseDataSample(metainfo=dict(bbox_scale=np.ones(2)))
    s.gt_keypoints_2d = np.zeros((2, 2))
    with pytest.raises(KeyError, match='pred_keypoints_2d'):
        metric.process({}, [s.to_dict()])


def test_metric_evaluates_a_skeletons_joints():
    """'hemlets' (18 joints) is scored on its 17 Human3.6M joints: the
    shoulder midpoint's 50 px error does not count."""
    pred = np.zeros((18, 2))
    pred[:17, 0] = 2.0
    pred[17, 0] = 50.0
    for joint_indices, error in (('hemlets', 2.0), (None, 84 / 18)):
        metric = METRICS.build(dict(type='Keypoint2DMetric',
                                    joint_indices=joint_indices))
        s = PoseDataSample(metainfo=dict(bbox_scale=np.ones(2)))
        s.gt_keypoints_2d, s.pred_keypoints_2d = np.zeros((18, 2)), pred
        metric.process({}, [s.to_dict()])
        assert metric.evaluate(1)['error_2d_px'] == pytest.approx(error)
