"""COCO-17 -> Human3.6M-17 conversion (pose3d_toolbox/keypoint_layouts.py),
checked joint by joint against values computed by hand."""
import numpy as np
import pytest

from pose3d_toolbox.keypoint_layouts import (COCO_TO_H36M, check_layout,
                                             to_h36m)
from pose3d_toolbox.skeletons import COCO, H36M


def _coco():
    # COCO joint i at (i, i^2), score i / 20: every source is identifiable
    i = np.arange(17.0)
    return np.stack([i, i**2], -1), i / 20


def test_coco_to_h36m_by_hand():
    kp, sc = _coco()
    out, scores = to_h36m(kp, sc, 'coco')
    expected = {
        'pelvis': ((11 + 12) / 2, (121 + 144) / 2, 11 / 20),
        'right_hip': (12, 144, 12 / 20), 'right_knee': (14, 196, 14 / 20),
        'right_ankle': (16, 256, 16 / 20), 'left_hip': (11, 121, 11 / 20),
        'left_knee': (13, 169, 13 / 20), 'left_ankle': (15, 225, 15 / 20),
        # mean of both hips and shoulders (5, 6, 11, 12)
        'spine': (34 / 4, (25 + 36 + 121 + 144) / 4, 5 / 20),
        'thorax': (5.5, (25 + 36) / 2, 5 / 20),
        'neck_nose': (0, 0, 0.0),
        'head': (1.5, (1 + 4) / 2, 1 / 20),  # eye midpoint
        'left_shoulder': (5, 25, 5 / 20), 'left_elbow': (7, 49, 7 / 20),
        'left_wrist': (9, 81, 9 / 20), 'right_shoulder': (6, 36, 6 / 20),
        'right_elbow': (8, 64, 8 / 20), 'right_wrist': (10, 100, 10 / 20)}
    assert set(expected) == set(H36M.joint_names)
    for j, name in enumerate(H36M.joint_names):
        x, y, s = expected[name]
        np.testing.assert_allclose(out[j], (x, y), err_msg=name)
        assert scores[j] == pytest.approx(s), name


def test_conversion_batches_and_rows_sum_to_one():
    kp, sc = _coco()
    batch = np.stack([kp, kp + 1])[:, None]  # (2, 1, 17, 2)
    out, scores = to_h36m(batch, np.stack([sc, sc])[:, None], 'coco')
    assert out.shape == (2, 1, 17, 2) and scores.shape == (2, 1, 17)
    np.testing.assert_allclose(out[1, 0] - out[0, 0], 1)  # translation
    np.testing.assert_allclose(COCO_TO_H36M.sum(1), 1)
    assert COCO_TO_H36M.shape == (H36M.num_joints, COCO.num_joints)


def test_h36m_layout_passes_through():
    kp = np.random.default_rng(0).normal(size=(3, 17, 2))
    out, scores = to_h36m(kp, None, 'h36m')
    np.testing.assert_array_equal(out, kp)
    assert scores is None


def test_layout_errors_name_source_value_and_fix():
    with pytest.raises(ValueError, match=r"seq\.npy.*layout is unknown.*"
                       r"--layout coco\|h36m"):
        check_layout(None, 'seq.npy', 17)
    with pytest.raises(ValueError, match=r"seq\.npy: unknown keypoint "
                       r"layout 'mpii'; supported: h36m, coco"):
        check_layout('mpii', 'seq.npy', 16)
    with pytest.raises(ValueError, match=r"seq\.npz: 15 joints per person, "
                       r"but layout 'coco' has 17"):
        check_layout('coco', 'seq.npz', 15)
    assert check_layout('coco', 'x', 17) == 'coco'
