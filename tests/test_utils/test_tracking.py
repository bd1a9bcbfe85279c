"""Box IoU and IoU tracking (pose3d_toolbox/utils/tracking.py)."""
import numpy as np

from pose3d_toolbox.utils.tracking import box_iou, keypoint_boxes, \
    track_by_iou


def test_box_iou_by_hand():
    a = np.array([[0, 0, 2, 2]])
    b = np.array([[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6], [0, 0, 0, 0]])
    # overlap 1x1 = 1, union 4 + 4 - 1 = 7
    np.testing.assert_allclose(box_iou(a, b), [[1 / 7, 1, 0, 0]])


def test_keypoint_boxes():
    kp = np.array([[[1, 5], [3, 2], [2, 4]]], float)
    np.testing.assert_array_equal(keypoint_boxes(kp), [[1, 2, 3, 5]])
    kp[0, 0] = np.nan  # a missing joint does not count
    np.testing.assert_array_equal(keypoint_boxes(kp), [[2, 2, 3, 4]])
    nan_box = keypoint_boxes(np.full((1, 3, 2), np.nan))
    assert np.isnan(nan_box).all()
    np.testing.assert_array_equal(box_iou(nan_box, [[0, 0, 1, 1]]), [[0]])


def test_tracking_keeps_identities_across_swapped_detection_order():
    left = np.array([0, 0, 10, 20.0])
    right = np.array([50, 0, 60, 20.0])
    step = np.array([1, 0, 1, 0.0])
    frames = [np.stack([left, right]),
              np.stack([right + step, left + step]),      # order swapped
              np.stack([left + 2 * step, right + 2 * step])]
    ids = track_by_iou(frames)
    assert [i.tolist() for i in ids] == [[0, 1], [1, 0], [0, 1]]


def test_new_people_and_lost_tracks_get_new_ids():
    a = np.array([[0, 0, 10, 10.0]])
    b = np.array([[100, 100, 110, 110.0]])
    ids = track_by_iou([a, np.concatenate([a, b]), np.zeros((0, 4)),
                        np.zeros((0, 4)), a], max_age=1)
    # b appears in frame 1 (id 1); a is unseen for 2 frames > max_age
    assert [i.tolist() for i in ids] == [[0], [0, 1], [], [], [2]]
    ids = track_by_iou([a, np.zeros((0, 4)), a], max_age=2)
    assert [i.tolist() for i in ids] == [[0], [], [0]]
