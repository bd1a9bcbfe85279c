"""HEMletsCodec and its functions: Eq. 1-2 by hand, the 2s/5s variants, the
annotation mask of Eq. 3, the part-order decoder, ordinal accuracy and the
flip of the triplets."""
import numpy as np
import pytest
import torch

from pose3d_toolbox.codecs import (HEMletsCodec, decode_part_states,
                                   num_states, ordinal_accuracy,
                                   part_depth_states, part_flip_indices,
                                   triplet_heatmaps)
from pose3d_toolbox.codecs.heatmap import gaussian_heatmaps, heatmap_to_input
from pose3d_toolbox.models.utils import flip_heatmaps
from pose3d_toolbox.skeletons import HEMLETS, Skeleton

# a chain a -> b -> c whose two bones are HEMlets parts
CHAIN = Skeleton('chain', ('a', 'b', 'c'), (-1, 0, 1),
                 extras=dict(hemlets_parts=((0, 1), (1, 2))))
HM = (16, 16)
# heatmap pixels (4, 8), (8, 8), (12, 8): 4 px apart, sigma 1
KP_HM = np.array([[4.0, 8.0], [8.0, 8.0], [12.0, 8.0]])


def chain_codec(**kwargs):
    return HEMletsCodec(input_size=(64, 64), heatmap_size=HM, sigma=1.0,
                        skeleton=CHAIN, **kwargs)


def chain_sample(kp3d, **extra):
    return dict(keypoints_2d_crop=heatmap_to_input(KP_HM, (64, 64), HM),
                keypoints_3d_crop=np.asarray(kp3d, np.float64), **extra)


# b is 0.4 m closer than a (|B| = 0.5, eps = 0.25): child closer -> +1;
# c is 0.3 m farther than b (|B| = 0.5): child farther -> -1
CLOSER_FARTHER = [[0.0, 0.0, 4.0], [0.3, 0.0, 3.6], [0.7, 0.0, 3.9]]


def test_depth_state_by_hand():
    np.testing.assert_array_equal(
        part_depth_states(CLOSER_FARTHER, CHAIN.parts), [1, -1])
    # within eps: |dz| = 0.1 < 0.5 * |(0.4, 0, 0.1)| -> 0 for both parts
    level = [[0, 0, 4.0], [0.4, 0, 3.9], [0.8, 0, 4.0]]
    np.testing.assert_array_equal(part_depth_states(level, CHAIN.parts),
                                  [0, 0])
    # just past / just short of eps_k = 0.5 |B_k|
    for factor, state in ((1 + 1e-6, 1), (1 - 1e-6, 0)):
        dz = 0.5 * factor
        x = np.sqrt(1 - dz**2)  # |B| = 1
        kp = [[0, 0, 4.0], [x, 0, 4.0 - dz], [x, 0, 4.0 - dz]]
        assert part_depth_states(kp, CHAIN.parts)[0] == state
    # a zero-length part is level
    assert part_depth_states(np.full((3, 3), 4.0), CHAIN.parts)[0] == 0
    # leading axes are kept
    batch = part_depth_states(np.stack([CLOSER_FARTHER, level]), CHAIN.parts)
    np.testing.assert_array_equal(batch, [[1, -1], [0, 0]])


def test_triplets_by_hand_parent_always_in_the_zero_map():
    enc = chain_codec().encode(chain_sample(CLOSER_FARTHER))
    T = enc['hemlets_triplets']
    assert T.shape == (2, 3, 16, 16)
    g = gaussian_heatmaps(KP_HM, HM, 1.0)
    np.testing.assert_array_equal(enc['part_depth_states'], [1, -1])
    # part 0 (a -> b, +1): a in T^0, b in T^+1, T^-1 empty
    np.testing.assert_allclose(T[0, 1], g[0])
    np.testing.assert_allclose(T[0, 2], g[1])
    assert not T[0, 0].any()
    # part 1 (b -> c, -1): b in T^0, c in T^-1, T^+1 empty
    np.testing.assert_allclose(T[1, 1], g[1])
    np.testing.assert_allclose(T[1, 0], g[2])
    assert not T[1, 2].any()
    assert T[0, 1, 8, 4] == 1.0 and T[0, 2, 8, 8] == 1.0
    np.testing.assert_array_equal(enc['hemlets_weight'], [1, 1])
    # a level part: parent and child together in T^0 (maximum of the two)
    level = [[0, 0, 4.0], [0.4, 0, 3.9], [0.8, 0, 4.0]]
    T = chain_codec().encode(chain_sample(level))['hemlets_triplets']
    np.testing.assert_allclose(T[0, 1], np.maximum(g[0], g[1]))
    assert not T[0, [0, 2]].any()
    # the 2D heatmaps of Eq. 4 come along (GaussianHeatmapCodec's fields)
    enc = chain_codec().encode(chain_sample(level))
    np.testing.assert_allclose(enc['heatmaps'], g, atol=1e-6)
    np.testing.assert_allclose(enc['keypoints_2d_target'], KP_HM, atol=1e-6)


def test_2s_moves_the_parent_to_the_opposite_map():
    enc = chain_codec(variant='2s').encode(chain_sample(CLOSER_FARTHER))
    T = enc['hemlets_triplets']
    g = gaussian_heatmaps(KP_HM, HM, 1.0)
    # part 0: child b closer -> T^+1, parent a farther -> T^-1
    np.testing.assert_allclose(T[0, 2], g[1])
    np.testing.assert_allclose(T[0, 0], g[0])
    assert not T[0, 1].any()
    # part 1: child c farther -> T^-1, parent b closer -> T^+1
    np.testing.assert_allclose(T[1, 0], g[2])
    np.testing.assert_allclose(T[1, 2], g[1])


def test_5s_states_follow_the_angle_to_the_image_plane():
    assert (num_states('5s'), num_states('2s'), num_states('hemlets')) == \
        (5, 3, 3)
    with pytest.raises(ValueError, match="'4s'"):
        num_states('4s')

    def pose(angle_deg):  # a unit part at ``angle`` to the image plane
        a = np.deg2rad(angle_deg)
        return [[0, 0, 4.0], [np.cos(a), 0, 4.0 - np.sin(a)],
                [np.cos(a), 0, 4.0 - np.sin(a)]]

    for angle, state in ((75, 2), (45, 1), (20, 0), (-20, 0), (-45, -1),
                         (-75, -2)):
        s5 = part_depth_states(pose(angle), CHAIN.parts, '5s')[0]
        s3 = part_depth_states(pose(angle), CHAIN.parts)[0]
        assert s5 == state
        assert s3 == np.sign(state)  # |theta| > 30 deg <=> |dz| > 0.5 |B|
    enc = chain_codec(variant='5s').encode(chain_sample(pose(75)))
    T = enc['hemlets_triplets']
    g = gaussian_heatmaps(KP_HM, HM, 1.0)
    assert T.shape == (2, 5, 16, 16)
    np.testing.assert_allclose(T[0, 2], g[0])  # the parent: middle map
    np.testing.assert_allclose(T[0, 4], g[1])  # +2: the last map
    assert not T[0, [0, 1, 3]].any()


def test_masks_for_2d_only_unlabelled_and_outside_joints():
    codec = chain_codec()
    for sample in (chain_sample(CLOSER_FARTHER, has_3d=False),
                   dict(keypoints_2d_crop=chain_sample(CLOSER_FARTHER)[
                       'keypoints_2d_crop'])):
        enc = codec.encode(sample)
        # no depth: no triplet map is known (even T^0 holds the child iff
        # r = 0), so A masks all of them; the 2D heatmaps stay supervised
        np.testing.assert_array_equal(enc['hemlets_weight'], [0, 0])
        assert not enc['hemlets_triplets'].any()
        np.testing.assert_array_equal(enc['part_depth_states'], [0, 0])
        np.testing.assert_array_equal(enc['target_weight'], [1, 1, 1])
    # an unlabelled joint masks its parts only
    enc = codec.encode(chain_sample(CLOSER_FARTHER,
                                    keypoints_valid=np.array([1, 1, 0])))
    np.testing.assert_array_equal(enc['hemlets_weight'], [1, 0])
    # a joint outside the heatmap too
    sample = chain_sample(CLOSER_FARTHER)
    sample['keypoints_2d_crop'][0] = [-20.0, 30.0]
    np.testing.assert_array_equal(codec.encode(sample)['hemlets_weight'],
                                  [0, 1])


def test_decoder_reads_the_child_even_on_top_of_its_parent():
    g = gaussian_heatmaps(KP_HM, HM, 1.0)
    kp = KP_HM.copy()
    kp[1] = kp[0]  # b projects onto a: a part seen end-on
    for variant, scale in (('hemlets', 1), ('5s', 2), ('2s', 1)):
        for r in (1, 0, -1):
            states = np.array([scale * r, 0])
            T = triplet_heatmaps(kp, states, CHAIN.parts, HM, 1.0, variant)
            got = decode_part_states(T, kp, CHAIN.parts, 1.0, variant)
            # 2s-HEM cannot tell which of the two blobs is the child: 0
            assert got[0] == (0 if variant == '2s' else scale * r)
    # a prediction: the child's evidence beats the parent's tail
    T = np.zeros((2, 3, 16, 16))
    T[0, 1] = 0.9 * g[0]            # parent a in T^0
    T[0, 2] = 0.3 * g[1]            # a weak child in T^+1
    T[0, 1] += 0.1 * g[1]           # a weaker one in T^0
    T[1, 0] = 0.2 * g[2]
    T[1, 1] = 0.8 * g[1] + 0.5 * g[2]  # part 1: child c level with b
    np.testing.assert_array_equal(
        decode_part_states(T, KP_HM, CHAIN.parts, 1.0), [1, 0])
    with pytest.raises(ValueError, match=r'\(N, 2, 3, h, w\)'):
        decode_part_states(T[:, :2], KP_HM, CHAIN.parts, 1.0)


def test_a_17_joint_sample_names_the_missing_transform():
    sample = dict(keypoints_2d_crop=np.zeros((17, 2)),
                  keypoints_3d_crop=np.ones((17, 3)))
    with pytest.raises(ValueError, match="17 joints but skeleton 'hemlets' "
                       "has 18; put dict.type='ExtendSkeleton'"):
        HEMletsCodec().encode(sample)


def test_codec_decode_reads_its_own_maps():
    codec = chain_codec()
    enc = codec.encode(chain_sample(CLOSER_FARTHER))
    maps = np.concatenate([enc['hemlets_triplets'].reshape(6, 16, 16),
                           enc['heatmaps']])[None]
    assert codec.num_maps == 2 * 3 + 3
    out = codec.decode(maps, [{}])
    np.testing.assert_array_equal(out['part_depth_states'], [[1, -1]])
    np.testing.assert_array_equal(out['part_depth_order'], [[1, -1]])
    np.testing.assert_allclose(out['keypoints_2d_input'][0],
                               chain_sample(CLOSER_FARTHER)[
                                   'keypoints_2d_crop'], atol=0.02)
    with pytest.raises(ValueError, match=r'\(N, 9, h, w\)'):
        codec.decode(maps[:, :8], [{}])


def test_ordinal_accuracy_by_hand():
    pred = np.array([[1, 0, -1], [2, -2, 0]])  # 5s states score by sign
    gt = np.array([[1, 1, -1], [1, -1, 1]])
    per_part, overall = ordinal_accuracy(pred, gt)
    np.testing.assert_allclose(per_part, [1.0, 0.5, 0.5])
    assert overall == pytest.approx(4 / 6)
    weight = np.array([[1, 0, 1], [1, 0, 0]])
    per_part, overall = ordinal_accuracy(pred, gt, weight)
    np.testing.assert_allclose(per_part, [1.0, np.nan, 1.0])
    assert overall == pytest.approx(1.0)
    with pytest.raises(ValueError, match='two'):
        ordinal_accuracy(pred[0], gt[0])


def test_part_flip_swaps_left_and_right_parts():
    perm = part_flip_indices(HEMLETS)
    np.testing.assert_array_equal(perm[perm], np.arange(14))
    names = HEMLETS.joint_names
    for k, (p, c) in enumerate(HEMLETS.parts):
        q, d = HEMLETS.parts[perm[k]]
        for a, b in ((p, q), (c, d)):
            assert names[a].replace('left', 'X').replace('right', 'left') \
                .replace('X', 'right') == names[b]
    one_sided = Skeleton('one_sided', ('pelvis', 'left_hip', 'right_hip'),
                         (-1, 0, 0), extras=dict(hemlets_parts=((0, 1), )))
    with pytest.raises(ValueError, match='not a part'):
        part_flip_indices(one_sided)


@pytest.mark.parametrize('variant', ['hemlets', '2s', '5s'])
def test_triplets_of_the_mirrored_sample_are_the_mirrored_triplets(variant):
    """Mirror x (input ``W - 1 - x``, camera ``-x``) and swap left and right
    joints: the codec's triplets are the triplets mirrored by
    ``flip_heatmaps`` with the part permutation (depth states unchanged)."""
    rng = np.random.default_rng(3)
    codec = HEMletsCodec(variant=variant, input_size=(128, 128),
                         heatmap_size=(32, 32), sigma=1.5)
    kp3d = rng.normal(0, 0.3, (18, 3)) + [0, 0, 4]
    kp2d = kp3d[:, :2] / kp3d[:, 2:] * 200 + 64
    perm = HEMLETS.flip_indices
    mirrored = dict(keypoints_2d_crop=(127 - kp2d[:, 0:1]) * [1, 0]
                    + kp2d * [0, 1],
                    keypoints_3d_crop=kp3d * [-1, 1, 1])
    mirrored = {k: v[perm] for k, v in mirrored.items()}
    enc = codec.encode(dict(keypoints_2d_crop=kp2d, keypoints_3d_crop=kp3d))
    enc_m = codec.encode(mirrored)
    part_perm = part_flip_indices(HEMLETS)
    flipped = flip_heatmaps(torch.from_numpy(enc['hemlets_triplets'])[None],
                            part_perm)[0].numpy()
    np.testing.assert_allclose(enc_m['hemlets_triplets'], flipped, atol=1e-5)
    np.testing.assert_array_equal(enc_m['part_depth_states'],
                                  enc['part_depth_states'][part_perm])
    assert np.abs(enc['part_depth_states']).sum() > 0
