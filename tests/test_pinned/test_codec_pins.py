"""Codec decodes pinned by hand: the lifting codec's root (also when it is
not joint 0) and AbsPoseLifter's codec with ``fx != fy`` and a non-zero
``depth_offset`` (the CMU config's 5)."""
import numpy as np
import pytest

from pose3d_toolbox.codecs import AbsPoseCodec, PoseLiftingCodec
from pose3d_toolbox.skeletons import MPI_INF_3DHP

ROOT_3DHP = 14


@pytest.mark.parametrize('skeleton, root', [('h36m', 0),
                                            ('mpi_inf_3dhp', ROOT_3DHP)])
def test_lifting_decode_zeroes_the_root_and_scales_the_rest(skeleton, root):
    codec = PoseLiftingCodec(skeleton=skeleton, target_scale=2.0)
    assert codec.root_index == root
    out = np.arange(17 * 3, dtype=np.float32).reshape(1, 17, 3) + 1
    kp = codec.decode(out, [{}])['keypoints_3d'][0]
    expected = 2.0 * out[0]
    expected[root] = 0
    np.testing.assert_array_equal(kp, expected)


def test_lifting_encode_is_relative_to_the_skeleton_root():
    codec = PoseLiftingCodec(skeleton=MPI_INF_3DHP, target_scale=0.5)
    kp3d = np.zeros((1, 17, 3), np.float32)
    kp3d[0, :, 0] = np.arange(17)
    kp3d[0, :, 2] = 5
    sample = dict(keypoints_3d=kp3d, keypoints_2d=np.zeros((1, 17, 2)),
                  target_index=0, camera=dict(w=1000, h=1000))
    enc = codec.encode(sample)
    # x minus the root's x (14), divided by 0.5; y, z relative zero
    np.testing.assert_array_equal(enc['lifting_target'][:, 0],
                                  (np.arange(17) - 14) / 0.5)
    np.testing.assert_array_equal(enc['lifting_target'][:, 1:], 0)
    assert enc['target_weight'][ROOT_3DHP] == 0
    assert enc['target_weight'].sum() == 16


def abs_sample(root, f, c, root_index=0):
    """Two-joint toy (root + one joint 0.1 m right of it) seen by a camera
    with focal lengths ``f`` and principal point ``c``."""
    kp3d = np.tile(np.asarray(root, np.float64), (1, 17, 1))
    other = 1 if root_index == 0 else 0
    kp3d[0, other, 0] += 0.1
    f, c = np.asarray(f, float), np.asarray(c, float)
    kp2d = f * kp3d[..., :2] / kp3d[..., 2:] + c
    return dict(keypoints_3d=kp3d, keypoints_2d=kp2d, target_index=0,
                camera=dict(f=f.reshape(2, 1), c=c.reshape(2, 1), w=1000,
                            h=1000))


def test_abs_codec_with_fx_neq_fy_and_depth_offset_by_hand():
    # root at (0.5, -0.25, 4) m seen with fx = 800, fy = 1250 (alpha = 1000)
    codec = AbsPoseCodec(depth='canonical', f0=500.0, depth_offset=5.0)
    sample = abs_sample([0.5, -0.25, 4.0], (800.0, 1250.0), (300.0, 200.0))
    enc = codec.encode(sample)
    # d = R_z f0 / sqrt(fx fy) - offset = 4 * 500 / 1000 - 5 = -3
    np.testing.assert_allclose(enc['lifting_target'][0], [0, 0, -3.0],
                               atol=1e-6)
    np.testing.assert_allclose(enc['lifting_target'][1], [0.1, 0, 0],
                               atol=1e-6)
    # root pixel minus c: (fx * 0.5 / 4, fy * -0.25 / 4) = (100, -78.125)
    np.testing.assert_allclose(enc['root_2d'], [100.0, -78.125], atol=1e-4)
    # decode a network output of depth -2 (R_z = (-2 + 5) * 1000 / 500 = 6)
    out = enc['lifting_target'][None].copy()
    out[0, 0, 2] = -2.0
    dec = codec.decode(out, [{**sample, **enc}])
    # R_x = 100 * 6 / 800 = 0.75, R_y = -78.125 * 6 / 1250 = -0.375
    np.testing.assert_allclose(dec['root'][0], [0.75, -0.375, 6.0],
                               rtol=1e-5)
    np.testing.assert_allclose(dec['keypoints_3d'][0, 1],
                               [0.85, -0.375, 6.0], rtol=1e-5)
    # and the exact target decodes to the true root
    dec = codec.decode(enc['lifting_target'][None], [{**sample, **enc}])
    np.testing.assert_allclose(dec['root'][0], [0.5, -0.25, 4.0], rtol=1e-5)


def test_abs_codec_absolute_depth_offset_by_hand():
    codec = AbsPoseCodec(depth='absolute', depth_offset=5.0)
    sample = abs_sample([-0.3, 0.2, 6.5], (900.0, 1100.0), (0.0, 0.0))
    enc = codec.encode(sample)
    np.testing.assert_allclose(enc['lifting_target'][0, 2], 1.5, rtol=1e-6)
    dec = codec.decode(enc['lifting_target'][None], [{**sample, **enc}])
    np.testing.assert_allclose(dec['root'][0], [-0.3, 0.2, 6.5], rtol=1e-5)


def test_abs_codec_root_row_of_a_skeleton_rooted_elsewhere():
    codec = AbsPoseCodec(skeleton='mpi_inf_3dhp', depth='absolute',
                         depth_offset=5.0)
    sample = abs_sample([0.2, 0.1, 4.0], (1000.0, 1000.0), (0.0, 0.0),
                        root_index=ROOT_3DHP)
    enc = codec.encode(sample)
    np.testing.assert_allclose(enc['lifting_target'][ROOT_3DHP],
                               [0, 0, -1.0], atol=1e-6)
    np.testing.assert_allclose(enc['lifting_target'][0], [0.1, 0, 0],
                               atol=1e-6)
    np.testing.assert_allclose(enc['root_2d'], [50.0, 25.0], atol=1e-4)
    dec = codec.decode(enc['lifting_target'][None], [{**sample, **enc}])
    np.testing.assert_allclose(dec['keypoints_3d'][0],
                               sample['keypoints_3d'][0], atol=1e-5)
