"""Readers of 2D keypoint files (pose3d_toolbox/apis/keypoint_io.py)."""
import json

import numpy as np
import pytest

from pose3d_toolbox.apis.keypoint_io import read_keypoints


def test_npz_people_scores_and_camera(tmp_path):
    kp = np.arange(4 * 2 * 17 * 3, dtype=float).reshape(4, 2, 17, 3)
    kp[..., 2] = 0.5
    kp[2, 1] = np.nan  # the second person is absent from frame 2
    path = str(tmp_path / 'two.npz')
    np.savez(path, keypoints=kp, layout='coco', image_size=[640, 480],
             focal_length=[500.0, 510.0], principal_point=[320.0, 240.0],
             fps=25.0)
    kin = read_keypoints(path)
    assert kin.layout == 'coco' and kin.image_size == (640, 480)
    assert kin.focal_length == (500.0, 510.0) and kin.fps == 25.0
    assert kin.principal_point == (320.0, 240.0)
    assert [len(f.keypoints) for f in kin.frames] == [2, 2, 1, 2]
    np.testing.assert_array_equal(kin.frames[3].keypoints, kp[3, :, :, :2])
    np.testing.assert_array_equal(kin.frames[0].scores, 0.5)


def test_npy_has_no_layout_and_scores_default_to_one(tmp_path):
    path = str(tmp_path / 'a.npy')
    np.save(path, np.zeros((3, 17, 2)))
    kin = read_keypoints(path)
    assert kin.layout is None and kin.image_size is None
    np.testing.assert_array_equal(kin.frames[1].scores, np.ones((1, 17)))


def test_coco_results_list_and_mmpose_bbox_forms(tmp_path):
    res = [dict(image_id=7, category_id=1, score=0.9,
                keypoints=[1.0, 2.0, 0.8] * 17),
           dict(image_id=3, category_id=1, score=0.9,
                keypoints=[5.0, 6.0, 0.4] * 17)]
    path = tmp_path / 'results.json'
    path.write_text(json.dumps(res))
    kin = read_keypoints(str(path))
    assert kin.layout == 'coco' and [f.img_path for f in kin.frames] == \
        ['3', '7']  # image-id order
    np.testing.assert_allclose(kin.frames[0].scores, 0.4)
    # MMPose writes bbox as [[x1, y1, x2, y2]] (split_instances) or flat
    inst = [dict(keypoints=[[1, 2]] * 17, keypoint_scores=[0.7] * 17,
                 bbox=[[0, 0, 10, 20]], bbox_score=1.0),
            dict(keypoints=[[3, 4]] * 17, keypoint_scores=[0.6] * 17,
                 bbox=[5, 5, 15, 25])]
    path = tmp_path / '000001.json'
    path.write_text(json.dumps(inst))
    kin = read_keypoints(str(path))
    np.testing.assert_array_equal(kin.frames[0].bboxes,
                                  [[0, 0, 10, 20], [5, 5, 15, 25]])
    assert kin.layout == 'coco'


def test_reader_errors_name_the_file_key_and_fix(tmp_path):
    path = tmp_path / 'x.npz'
    np.savez(path, points=np.zeros((2, 17, 2)))
    with pytest.raises(ValueError, match=r"x\.npz: no \"keypoints\" array "
                       r"\(arrays: \['points'\]\); save the \(T, J, 2\)"):
        read_keypoints(str(path))
    np.savez(path, keypoints=np.zeros((2, 17)))
    with pytest.raises(ValueError, match=r"x\.npz: keypoints of shape "
                       r"\(2, 17\); expected \(T, J, 2\)"):
        read_keypoints(str(path))
    bad = tmp_path / 'meta.json'
    bad.write_text(json.dumps(dict(meta_info=dict(dataset_name='mpii'),
                                   instance_info=[])))
    with pytest.raises(ValueError, match=r"meta\.json: meta_info\."
                       r"dataset_name 'mpii' is not a known keypoint layout"):
        read_keypoints(str(bad))
    txt = tmp_path / 'k.txt'
    txt.write_text('1 2 3')
    with pytest.raises(ValueError, match=r'k\.txt: unknown file type'):
        read_keypoints(str(txt))
