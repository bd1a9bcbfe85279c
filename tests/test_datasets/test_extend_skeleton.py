"""ExtendSkeleton (HEMlets' shoulder midpoint) and a HEMlets sample through
the top-down pipeline: flip, crop, triplet targets, packing."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from pose3d_toolbox.codecs import part_flip_indices
from pose3d_toolbox.datasets.transforms import ExtendSkeleton
from pose3d_toolbox.geometry import apply_affine
from pose3d_toolbox.registry import TRANSFORMS
from pose3d_toolbox.skeletons import H36M, HEMLETS
from pose3d_toolbox.utils import camera_to_pixel

init_default_scope('pose3d_toolbox')
L_SHO, R_SHO = H36M.index('left_shoulder'), H36M.index('right_shoulder')
CAMERA = dict(f=np.array([[1000.0], [1000.0]]), c=np.array([[320.0],
                                                             [240.0]]))


def sample_3d(seed=0):
    rng = np.random.default_rng(seed)
    kp3d = rng.normal(0, 0.3, (1, 17, 3)) + [0, 0, 4]
    kp3d[0, L_SHO] = [0.2, -0.4, 3.8]
    kp3d[0, R_SHO] = [-0.2, -0.4, 4.2]
    return dict(keypoints_3d=kp3d,
                keypoints_2d=camera_to_pixel(kp3d, CAMERA['f'], CAMERA['c']),
                visibility=np.ones((1, 17)), camera=dict(CAMERA),
                target_index=0, skeleton='h36m', root_index=0)


def test_midpoint_by_hand_projected_in_3d_samples():
    out = ExtendSkeleton('hemlets').transform(sample_3d())
    assert out['skeleton'] == 'hemlets'
    assert out['keypoints_3d'].shape == (1, 18, 3)
    np.testing.assert_allclose(out['keypoints_3d'][0, 17], [0, -0.4, 4.0])
    # the projection of the 3D midpoint (320, 240 - 100), not the midpoint
    # of the projections (320 + 0.5 (52.63 - 47.62), ...)
    np.testing.assert_allclose(out['keypoints_2d'][0, 17], [320, 140])
    mid2d = out['keypoints_2d'][0, [L_SHO, R_SHO]].mean(0)
    assert abs(mid2d[0] - 320) > 2
    assert out['visibility'].shape == (1, 18)
    # crop-frame keys (a rendered crop has them before TopdownAffine)
    s = sample_3d()
    M = np.array([[0.5, 0.1, -20.0], [-0.1, 0.5, 10.0]])
    s.update(crop_matrix=M, keypoints_2d_crop=apply_affine(
        M, s['keypoints_2d'][0]), keypoints_3d_crop=s['keypoints_3d'][0])
    out = ExtendSkeleton().transform(s)
    np.testing.assert_allclose(out['keypoints_2d_crop'][17],
                               apply_affine(M, np.array([320.0, 140.0])))
    np.testing.assert_allclose(out['keypoints_3d_crop'][17], [0, -0.4, 4.0])


def test_2d_only_sample_takes_the_2d_midpoint_and_both_labels():
    s = sample_3d()
    del s['keypoints_3d'], s['camera']
    s['keypoints_valid'] = np.ones(17)
    s['keypoints_valid'][R_SHO] = 0
    out = ExtendSkeleton().transform(s)
    np.testing.assert_allclose(out['keypoints_2d'][0, 17],
                               s['keypoints_2d'][0, [L_SHO, R_SHO]].mean(0))
    assert out['keypoints_valid'][17] == 0 and out['keypoints_valid'].sum() \
        == 16


def test_wrong_source_is_an_error():
    s = sample_3d()
    s['skeleton'] = 'mpi_inf_3dhp'
    with pytest.raises(ValueError, match="'mpi_inf_3dhp' is not the first "
                       "17 joints of 'hemlets'"):
        ExtendSkeleton().transform(s)
    s = sample_3d()
    del s['skeleton']
    s['keypoints_2d'] = s['keypoints_2d'][:, :16]
    with pytest.raises(ValueError, match='16 joints, expected 17'):
        ExtendSkeleton().transform(s)
    with pytest.raises(KeyError, match='midpoint_joints'):
        ExtendSkeleton('h36m')


def test_hemlets_sample_through_the_topdown_pipeline():
    """ExtendSkeleton -> (flip) -> TopdownAffine -> GenerateTarget with the
    HEMlets codec -> PackPoseInputs: the flipped sample's depth states are
    the unflipped ones with left and right parts swapped, and the targets
    reach the data sample."""
    codec = dict(type='HEMletsCodec', input_size=(64, 64),
                 heatmap_size=(16, 16), sigma=1.0)

    def run(flip):
        s = sample_3d(1)
        s.update(img=np.zeros((480, 640, 3), np.uint8),
                 crop_matrix=np.eye(2, 3),
                 bbox_center=np.array([320.0, 240.0]),
                 bbox_scale=np.array([640.0, 640.0]))
        steps = [dict(type='ExtendSkeleton')]
        if flip:
            steps.append(dict(type='RandomFlip', prob=1.0))
        steps += [dict(type='TopdownAffine', input_size=(64, 64)),
                  dict(type='GenerateTarget', codec=codec),
                  dict(type='PackPoseInputs', preset='topdown')]
        for step in steps:
            s = TRANSFORMS.build(step)(s)
        return s['data_samples']

    plain, flipped = run(False), run(True)
    assert plain.hemlets_triplets.shape == (14, 3, 16, 16)
    np.testing.assert_array_equal(plain.hemlets_weight, np.ones(14))
    states = plain.part_depth_states
    assert np.abs(states).sum() > 0
    np.testing.assert_array_equal(flipped.part_depth_states,
                                  states[part_flip_indices(HEMLETS)])
    assert flipped.gt_keypoints_3d.shape == (18, 3)
