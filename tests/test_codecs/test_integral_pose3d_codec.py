"""IntegralPose3DCodec: targets and decoding against hand-computed values."""
import numpy as np
import pytest

from pose3d_toolbox.codecs import (GT_ROOT_DEPTH, KEYPOINTS_3D_TARGET,
                                   IntegralPose3DCodec)

J = 17


def codec(**kwargs):
    options = dict(input_size=(64, 64), heatmap_size=(16, 16),
                   depth_bins=16, depth_range=2.0)
    options.update(kwargs)
    return IntegralPose3DCodec(**options)


def camera(f=(1000.0, 1000.0), c=(500.0, 500.0)):
    return dict(f=np.reshape(f, (2, 1)), c=np.reshape(c, (2, 1)))


def test_encode_by_hand():
    kp = np.full((J, 2), 31.5)  # the input's centre
    kp[1] = (-0.5, -0.5)  # the input's top-left border
    kp[2] = (63.0, 7.5)
    kp[3] = (70.0, 10.0)  # outside the input
    kp3d = np.zeros((1, J, 3))
    kp3d[..., 2] = 5.0
    kp3d[0, 4, 2] = 5.5   # 0.5 m behind the root
    kp3d[0, 5, 2] = 3.5   # 1.5 m in front: beyond the 2 m range, kept
    valid = np.ones(J)
    valid[6] = 0
    out = codec().encode(dict(keypoints_2d_crop=kp, keypoints_3d=kp3d,
                              keypoints_valid=valid, target_index=0))
    t = out[KEYPOINTS_3D_TARGET]
    assert t.dtype == np.float32 and t.shape == (J, 3)
    np.testing.assert_allclose(t[0], [0, 0, 0], atol=1e-7)
    np.testing.assert_allclose(t[1, :2], [-0.5, -0.5])
    # heatmap pixel (63 + 0.5) / 4 - 0.5 = 15.375 -> (15.875) / 16 - 0.5
    np.testing.assert_allclose(t[2, :2], [15.875 / 16 - 0.5,
                                          2.0 / 16 - 0.5], atol=1e-7)
    np.testing.assert_allclose(t[4, 2], 0.25)
    np.testing.assert_allclose(t[5, 2], -0.75)
    assert out[GT_ROOT_DEPTH] == pytest.approx(5.0)
    expected_weight = np.ones(J)
    expected_weight[[3, 6]] = 0
    np.testing.assert_array_equal(out['target_weight'], expected_weight)
    # z = 0.25 is depth bin (0.25 + 0.5) * 16 - 0.5 = 11.5
    assert codec().normalized_to_grid(t)[4, 2] == pytest.approx(11.5)


def test_encode_without_3d_and_input_errors():
    kp = np.full((J, 2), 20.0)
    out = codec().encode(dict(keypoints_2d_crop=kp))
    assert GT_ROOT_DEPTH not in out
    np.testing.assert_array_equal(out[KEYPOINTS_3D_TARGET][:, 2], 0)
    # a 2D-only sample of a 3D dataset (has_3d False) is not read as 3D
    kp3d = np.full((J, 3), 4.0)
    out = codec().encode(dict(keypoints_2d_crop=kp, keypoints_3d=kp3d,
                              has_3d=False))
    assert GT_ROOT_DEPTH not in out
    with pytest.raises(KeyError, match='TopdownAffine'):
        codec().encode(dict(keypoints_2d=kp[None]))
    with pytest.raises(ValueError, match='absolute camera coordinates'):
        codec().encode(dict(keypoints_2d_crop=kp,
                            keypoints_3d=np.zeros((J, 3))))


def test_decode_by_hand_with_ground_truth_root_depth():
    """Identity crop: the input is the image. Pixel 31.5 at depth 4 m with
    f = 1000, c = 500: X = (31.5 - 500) * 4 / 1000 = -1.874 m."""
    coords = np.zeros((1, J, 3))
    coords[0, 1] = (0.25, -0.25, 0.25)  # heatmap (11.5, 3.5), +0.5 m
    meta = dict(camera=camera(), crop_matrix=np.eye(2, 3),
                **{GT_ROOT_DEPTH: 4.0})
    out = codec().decode(coords, [meta])
    np.testing.assert_allclose(out['keypoints_2d'][0, 0], [31.5, 31.5])
    np.testing.assert_allclose(out['keypoints_2d'][0, 1], [47.5, 15.5])
    np.testing.assert_allclose(out['root'][0], [-1.874, -1.874, 4.0],
                               rtol=1e-6)
    np.testing.assert_allclose(
        out['keypoints_3d'][0, 1],
        [(47.5 - 500) * 4.5 / 1000, (15.5 - 500) * 4.5 / 1000, 4.5],
        rtol=1e-6)
    np.testing.assert_allclose(out['keypoints_2d_input'][0, 1], [47.5, 15.5])


def test_decode_inverts_a_rotated_scaled_crop():
    """A crop turned 90 degrees and zoomed x2: input = 2 R (image - o)."""
    # image (u, v) -> input (2 (v - 100), -2 (u - 300)) + (32, 32)
    matrix = np.array([[0.0, 2.0, -200.0 + 32], [-2.0, 0.0, 600.0 + 32]])
    coords = np.zeros((1, J, 3))
    out = codec().decode(coords, [dict(camera=camera(), crop_matrix=matrix,
                                       **{GT_ROOT_DEPTH: 5.0})])
    # the input's centre 31.5 -> image: v = 100 - 0.25, u = 300 + 0.25
    np.testing.assert_allclose(out['keypoints_2d'][0, 0], [300.25, 99.75])


def test_decode_with_the_bone_length_fit_needs_no_ground_truth():
    """A pose with exactly the 'cmu' mean bone lengths: the fit recovers
    the root depth that decoding with the ground truth uses."""
    from pose3d_toolbox.skeletons import H36M
    lengths = H36M.mean_bone_lengths('cmu')
    rng = np.random.default_rng(0)
    pose = np.zeros((J, 3))
    for (child, parent), length in zip(H36M.bones, lengths):
        d = rng.normal(size=3)
        pose[child] = pose[parent] + length * d / np.linalg.norm(d)
    kp3d = pose + (0.2, 0.1, 4.5)
    cam = camera((1100.0, 1150.0), (510.0, 490.0))
    pix = kp3d[:, :2] / kp3d[:, 2:] * (1100.0, 1150.0) + (510.0, 490.0)
    matrix = np.array([[0.1, 0.0, -20.0], [0.0, 0.1, -17.0]])
    crop = pix @ matrix[:, :2].T + matrix[:, 2]
    fit = codec(root_depth='bone_length_fit', bone_lengths='cmu')
    encoded = fit.encode(dict(keypoints_2d_crop=crop, keypoints_3d=kp3d))
    meta = dict(camera=cam, crop_matrix=matrix)  # no gt_root_depth
    out = fit.decode(encoded[KEYPOINTS_3D_TARGET][None], [meta])
    np.testing.assert_allclose(out['keypoints_3d'][0], kp3d, atol=1e-4)
    np.testing.assert_allclose(out['root'][0], kp3d[0], atol=1e-4)


def test_options_and_decode_errors_name_the_fix():
    with pytest.raises(ValueError, match='root_depth must be one of'):
        codec(root_depth='estimate')
    with pytest.raises(ValueError, match="needs bone_lengths.*'cmu'"):
        codec(root_depth='bone_length_fit')
    with pytest.raises(KeyError, match="no mean bone lengths 'h36m'"):
        codec(root_depth='bone_length_fit', bone_lengths='h36m')
    with pytest.raises(ValueError, match='3 bone_lengths for the 16 bones'):
        codec(root_depth='bone_length_fit', bone_lengths=[0.3] * 3)
    with pytest.raises(ValueError, match='depth_bins'):
        codec(depth_bins=0)
    coords = np.zeros((2, J, 3))
    metas = [dict(camera=camera(), **{GT_ROOT_DEPTH: 4.0}),
             dict(camera=camera())]
    with pytest.raises(KeyError, match=r"samples \[1\] have no "
                       "'gt_root_depth'.*GenerateTarget"):
        codec().decode(coords, metas)
    with pytest.raises(KeyError, match="camera intrinsics"):
        codec().decode(coords, [dict(**{GT_ROOT_DEPTH: 4.0})] * 2)
