"""Properties of the maths users trust blindly: flips are involutions,
Procrustes alignment ignores a similarity transform of the prediction,
projection and back-projection are inverses, and the bone decomposition
rebuilds the pose."""
import numpy as np
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from pose3d_toolbox.codecs.bone import bones_to_joints, joints_to_bones
from pose3d_toolbox.datasets.transforms import RandomFlip, flip_lifting_sample
from pose3d_toolbox.evaluation.functional import pa_mpjpe
from pose3d_toolbox.evaluation.functional.procrustes import procrustes_align
from pose3d_toolbox.models.utils import flip_heatmaps, flip_keypoints
from pose3d_toolbox.skeletons import get_skeleton
from pose3d_toolbox.utils import (camera_to_pixel, camera_to_world,
                                  pixel_to_camera, world_to_camera)
from strategies import (SKELETONS, cameras, finite, offsets, poses,
                        rotations, well_spread)

skeletons = st.sampled_from(SKELETONS).map(get_skeleton)


@given(skeletons, offsets((2, 3, 17, 3), scale=5))
def test_flip_keypoints_twice_is_the_identity(skel, x):
    x = torch.as_tensor(x)
    perm = skel.flip_indices
    assert torch.equal(flip_keypoints(flip_keypoints(x, perm), perm), x)
    once = flip_keypoints(x, perm)
    assert torch.equal(once[..., 1:], x[..., perm, 1:])  # y, z untouched


@given(skeletons, st.integers(1, 6), st.integers(1, 6), st.integers(0, 3))
def test_flip_heatmaps_twice_is_the_identity(skel, h, w, depth):
    shape = (2, skel.num_joints) + ((depth, ) if depth else ()) + (h, w)
    maps = torch.randn(shape)
    perm = skel.flip_indices
    assert torch.equal(flip_heatmaps(flip_heatmaps(maps, perm), perm), maps)


@given(skeletons, st.integers(1, 3), cameras(), st.data())
def test_flip_sample_twice_is_the_identity(skel, frames, camera, data):
    kp3d = data.draw(poses(skel.num_joints, frames))
    camera['p'] = data.draw(offsets((2, 1), scale=0.01))
    sample = dict(keypoints_3d=kp3d,
                  keypoints_2d=camera_to_pixel(kp3d, camera['f'],
                                               camera['c']),
                  visibility=data.draw(offsets((frames, skel.num_joints))),
                  camera=camera)
    perm = skel.flip_indices
    twice = flip_lifting_sample(flip_lifting_sample(dict(sample), perm),
                                perm)
    for key in ('keypoints_3d', 'keypoints_2d', 'visibility'):
        np.testing.assert_allclose(twice[key], sample[key], rtol=0,
                                   atol=1e-9 * (1 + np.abs(sample[key]).max()))
    np.testing.assert_array_equal(twice['camera']['p'], camera['p'])


@given(st.data())
def test_topdown_flip_twice_is_the_identity(data):
    u0 = data.draw(finite(0, 1000))
    kp2d = data.draw(offsets((1, 17, 2), scale=1000))
    sample = dict(img=np.zeros((4, 4, 3), np.uint8), keypoints_2d=kp2d,
                  keypoints_3d=data.draw(poses(17)), skeleton='h36m',
                  target_index=0, crop_matrix=np.eye(2, 3),
                  bbox_center=data.draw(offsets(2, scale=1000)),
                  camera=dict(c=np.array([[u0], [0.0]])))
    flip = RandomFlip(prob=1.0)
    twice = flip(flip(dict(sample)))
    for key in ('keypoints_2d', 'keypoints_3d'):
        np.testing.assert_allclose(twice[key], sample[key], atol=1e-9)
    # the box centre and crop matrix are float32: round-off of 2 u0
    tol = 1e-6 * (1 + 2 * u0 + np.abs(sample['bbox_center']).max())
    np.testing.assert_allclose(twice['bbox_center'], sample['bbox_center'],
                               atol=tol)
    np.testing.assert_allclose(twice['crop_matrix'], np.eye(2, 3), atol=tol)
    assert not twice['flipped']


@given(st.data(), rotations(), finite(0.1, 10), offsets(3, scale=10))
def test_procrustes_ignores_a_similarity_of_the_prediction(data, R, s, t):
    gt = data.draw(offsets((17, 3)))
    pred = gt + data.draw(offsets((17, 3), scale=0.2))
    assume(well_spread(gt) and well_spread(pred))
    moved = s * pred @ R.T + t
    np.testing.assert_allclose(pa_mpjpe(moved[None], gt[None]),
                               pa_mpjpe(pred[None], gt[None]), rtol=1e-6,
                               atol=1e-6)
    # a prediction that is an exact similarity of the truth aligns onto it
    aligned, tf = procrustes_align(s * gt @ R.T + t, gt,
                                   return_transform=True)
    np.testing.assert_allclose(aligned, gt, atol=1e-8)
    np.testing.assert_allclose(tf['scale'], 1 / s, rtol=1e-8)
    np.testing.assert_allclose(tf['rotation'], R.T, atol=1e-8)


@given(st.integers(1, 4), cameras(), st.data())
def test_project_then_back_project_is_the_identity(n, camera, data):
    X = data.draw(poses(n))[0]
    uv = camera_to_pixel(X, camera['f'], camera['c'])
    np.testing.assert_allclose(
        pixel_to_camera(uv, X[:, 2], camera['f'], camera['c']), X,
        rtol=1e-9, atol=1e-9)
    # the same with torch tensors (the codecs and models use both)
    Xt = torch.as_tensor(X)
    back = pixel_to_camera(camera_to_pixel(Xt, camera['f'], camera['c']),
                           Xt[:, 2], camera['f'], camera['c'])
    torch.testing.assert_close(back, Xt)


@given(st.integers(1, 4), rotations(), offsets((3, 1), scale=10),
       st.data())
def test_world_to_camera_and_back_is_the_identity(n, R, T, data):
    X = data.draw(offsets((n, 3), scale=10))
    cam = world_to_camera(X, R, T)
    np.testing.assert_allclose(camera_to_world(cam, R, T), X, atol=1e-9)
    # a rigid change of frame keeps distances
    def distances(P):
        return np.linalg.norm(P[:, None] - P[None], axis=-1)

    np.testing.assert_allclose(distances(cam), distances(X), atol=1e-9)


@given(skeletons, st.integers(1, 3), st.data())
def test_bones_rebuild_the_pose(skel, n, data):
    x = data.draw(poses(skel.num_joints, n))
    directions, lengths = joints_to_bones(x, skel)
    root = skel.root_index
    # exact but for bones shorter than joints_to_bones' eps (1e-8 m), whose
    # direction is not normalised: at most eps per bone on a joint's path
    np.testing.assert_allclose(bones_to_joints(directions, lengths, skel),
                               x - x[..., root:root + 1, :], atol=1e-7)
    # lengths are the child-parent distances, directions unit vectors
    for b, (c, p) in enumerate(skel.bones):
        np.testing.assert_allclose(lengths[..., b],
                                   np.linalg.norm(x[..., c, :] - x[..., p, :],
                                                  axis=-1), atol=1e-12)
    long_enough = lengths > 1e-6
    np.testing.assert_allclose(
        np.linalg.norm(directions, axis=-1)[long_enough], 1, atol=1e-9)
    # torch gives the same
    d_t, l_t = joints_to_bones(torch.as_tensor(x), skel)
    torch.testing.assert_close(bones_to_joints(d_t, l_t, skel),
                               torch.as_tensor(x - x[..., root:root + 1, :]))
