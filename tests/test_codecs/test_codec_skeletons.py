"""Codecs read the joint count and the root from their skeleton (a name or
an object), not from loose integers."""
import numpy as np
import pytest

from pose3d_toolbox.codecs import (AbsPoseCodec, BoneCodec, ElePoseCodec,
                                   GaussianHeatmapCodec, PoseLiftingCodec,
                                   mean_head_distance, normalize_head)
from pose3d_toolbox.skeletons import MPI_INF_3DHP, Skeleton


def mpi_sample():
    rng = np.random.default_rng(0)
    kp3d = rng.normal(scale=0.3, size=(1, 17, 3)) + [0, 0, 5]
    return dict(keypoints_2d=rng.uniform(0, 1000, (1, 17, 2)),
                keypoints_3d=kp3d, target_index=0,
                camera=dict(w=1000, h=1000, c=np.full((2, 1), 500.0),
                            f=np.full((2, 1), 1000.0)))


@pytest.mark.parametrize('codec_type', [PoseLiftingCodec, AbsPoseCodec,
                                        ElePoseCodec, BoneCodec,
                                        GaussianHeatmapCodec])
def test_joint_count_and_root_come_from_the_skeleton(codec_type):
    for skeleton in ('mpi_inf_3dhp', MPI_INF_3DHP):
        codec = codec_type(skeleton=skeleton)
        assert codec.skeleton is MPI_INF_3DHP
        assert (codec.num_keypoints, codec.root_index) == (17, 14)


@pytest.mark.parametrize('codec_type', [PoseLiftingCodec, ElePoseCodec,
                                        BoneCodec])
def test_root_relative_target_at_the_skeletons_root(codec_type):
    sample = mpi_sample()
    enc = codec_type(skeleton='mpi_inf_3dhp').encode(sample)
    np.testing.assert_allclose(enc['lifting_target'][14], 0)
    assert enc['target_weight'][14] == 0 and enc['target_weight'].sum() == 16
    assert np.abs(enc['lifting_target'][0]).sum() > 0


def test_elepose_uses_the_skeletons_head():
    kp = np.zeros((2, 17, 2))
    kp[:, 14] = [10.0, 10.0]  # MPI root (pelvis)
    kp[:, 16] = [[13.0, 14.0], [10.0, 20.0]]  # MPI head: 5 and 10 px away
    kp[:, 0] = 1000.0  # head_top, not the head
    assert mean_head_distance(kp, 'mpi_inf_3dhp') == pytest.approx(7.5)
    x = normalize_head(kp, 7.5, MPI_INF_3DHP, scale=1.0)
    np.testing.assert_allclose(x[0, 16], [3 / 7.5, 4 / 7.5])
    np.testing.assert_allclose(x[:, 14], 0)


def test_an_unnamed_skeleton_works_end_to_end():
    chain = Skeleton('chain', ('root', 'a', 'b'), (-1, 0, 1))
    codec = BoneCodec(skeleton=chain)
    kp3d = np.array([[[0, 0, 5], [0, 1, 5], [0, 1, 7]]], np.float32)
    enc = codec.encode(dict(keypoints_2d=np.zeros((1, 3, 2)),
                            keypoints_3d=kp3d, target_index=0,
                            camera=dict(w=10, h=10)))
    np.testing.assert_allclose(enc['bone_lengths'], [1, 2])
    np.testing.assert_allclose(enc['bone_directions'], [[0, 1, 0],
                                                        [0, 0, 1]])
