"""Every registered codec's round trip, ``decode(encode(s)) == s``, on
hypothesis-drawn poses, cameras and codec options."""
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.utils import camera_to_pixel
from strategies import SKELETONS, cameras, finite, poses, well_spread

KEYPOINT_CODECS.import_from_location()

#: per codec, a strategy of its options (every option it takes)
OPTIONS = {
    'PoseLiftingCodec': st.fixed_dictionaries(dict(
        skeleton=st.sampled_from(SKELETONS),
        target_scale=finite(0.01, 10))),
    'BoneCodec': st.fixed_dictionaries(dict(
        skeleton=st.sampled_from(SKELETONS),
        target_scale=finite(0.01, 10))),
    'AbsPoseCodec': st.fixed_dictionaries(dict(
        skeleton=st.sampled_from(SKELETONS),
        depth=st.sampled_from(['canonical', 'absolute']),
        f0=finite(100, 5000), depth_offset=finite(-10, 10))),
    'ElePoseCodec': st.fixed_dictionaries(dict(
        skeleton=st.sampled_from(SKELETONS),
        head_distance=finite(10, 500), scale=finite(0.01, 1),
        metres_per_unit=finite(0.1, 2))),
    'GaussianHeatmapCodec': st.fixed_dictionaries(dict(
        skeleton=st.sampled_from(SKELETONS),
        heatmap_size=st.sampled_from([(48, 64), (64, 64), (32, 48)]),
        sigma=finite(1.0, 3.0))),
    'HEMletsCodec': st.fixed_dictionaries(dict(
        variant=st.sampled_from(['hemlets', '2s', '5s']),
        heatmap_size=st.sampled_from([(48, 64), (64, 64), (32, 32)]),
        sigma=finite(1.0, 3.0))),
    'IntegralPose3DCodec': st.fixed_dictionaries(dict(
        skeleton=st.sampled_from(SKELETONS),
        heatmap_size=st.sampled_from([(48, 64), (64, 64), (32, 48)]),
        depth_bins=st.integers(1, 96), depth_range=finite(0.5, 4.0),
        root_depth=st.sampled_from(['ground_truth', 'bone_length_fit']))),
}
LIFTING = sorted(n for n, c in KEYPOINT_CODECS.module_dict.items()
                 if getattr(c, 'sample_kind', 'lifting') == 'lifting')


def test_every_codec_has_an_option_strategy():
    assert sorted(OPTIONS) == sorted(KEYPOINT_CODECS.module_dict)


@st.composite
def lifting_cases(draw):
    name = draw(st.sampled_from(LIFTING))
    codec = KEYPOINT_CODECS.build(dict(type=name, **draw(OPTIONS[name])))
    frames = draw(st.integers(1, 3))
    kp3d = draw(poses(codec.num_keypoints, frames))
    camera = draw(cameras())
    sample = dict(keypoints_3d=kp3d.astype(np.float32),
                  keypoints_2d=camera_to_pixel(kp3d, camera['f'],
                                               camera['c']).astype(np.float32),
                  visibility=np.ones(kp3d.shape[:2], np.float32),
                  target_index=draw(st.integers(0, frames - 1)),
                  camera=camera)
    return codec, sample


@given(lifting_cases())
def test_lifting_codec_round_trip(case):
    codec, sample = case
    encoded = codec.encode(sample)
    out = codec.decode(encoded['lifting_target'][None],
                       [{**sample, **encoded}])
    expected = sample['keypoints_3d'][sample['target_index']].astype(float)
    if not codec.decodes_absolute:
        expected = expected - expected[codec.root_index]
    # float32 arithmetic on poses up to ~20 m away
    tol = 2e-6 * (1 + np.abs(sample['keypoints_3d']).max())
    np.testing.assert_allclose(out['keypoints_3d'][0], expected,
                               atol=10 * tol)
    if codec.decodes_absolute:
        np.testing.assert_allclose(out['root'][0], expected[codec.root_index],
                                   atol=10 * tol)


@st.composite
def topdown_cases(draw):
    codec = KEYPOINT_CODECS.build(dict(type='GaussianHeatmapCodec',
                                       **draw(OPTIONS['GaussianHeatmapCodec'])))
    W, H = codec.input_size
    a, s = draw(finite(-np.pi, np.pi)), draw(finite(0.2, 2.0))
    rot = s * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    shift = np.array([draw(finite(-300, 300)), draw(finite(-300, 300))])
    # keypoints in the input's central part, as an augmented crop has them
    u = np.array([draw(finite(0.15, 0.85)) for _ in range(
        2 * codec.num_keypoints)]).reshape(-1, 2)
    crop = u * [W, H]
    image = (crop - shift) @ np.linalg.inv(rot).T
    sample = dict(keypoints_2d=image[None], keypoints_2d_crop=crop
                  .astype(np.float32), crop_matrix=np.c_[rot, shift],
                  target_index=0)
    return codec, sample


@given(topdown_cases())
def test_heatmap_codec_round_trip(case):
    """Decoding the encoded heatmaps gives the image-pixel keypoints back to
    a small fraction of a heatmap bin."""
    codec, sample = case
    encoded = codec.encode(sample)
    out = codec.decode(encoded[codec.target_key][None], [sample])
    px = codec.input_size[0] / codec.heatmap_size[0]
    scale = np.sqrt(abs(np.linalg.det(sample['crop_matrix'][:, :2])))
    np.testing.assert_allclose(out['keypoints_2d'][0],
                               sample['keypoints_2d'][0],
                               atol=0.02 * px / scale)


@st.composite
def hemlets_cases(draw):
    """A HEMlets codec and a sample whose 2D is the pinhole projection of
    its 3D pose, scaled into the input's central part: parts seen end-on
    (child and parent on one pixel, ``|r| = 1``) occur as they do in
    images."""
    codec = KEYPOINT_CODECS.build(dict(type='HEMletsCodec',
                                       **draw(OPTIONS['HEMletsCodec'])))
    kp3d = draw(poses(codec.num_keypoints))[0]
    uv = kp3d[:, :2] / kp3d[:, 2:]
    extent = np.ptp(uv, axis=0).max()
    assume(extent > 1e-3)
    W, H = codec.input_size
    crop = (uv - (uv.max(0) + uv.min(0)) / 2) * (0.7 * min(W, H) / extent) \
        + [W / 2, H / 2]
    sample = dict(keypoints_2d=crop[None], keypoints_2d_crop=crop,
                  keypoints_3d_crop=kp3d, target_index=0)
    return codec, sample


@given(hemlets_cases())
def test_hemlets_codec_recovers_the_depth_order(case):
    """Decoding the encoded triplets and 2D heatmaps (the HEMlets branch's
    maps) gives back every part's depth state exactly, reading the child
    at the decoded 2D keypoints; 2s-HEM only where parent and child are
    apart in 2D (on one pixel it cannot tell them apart, and decodes 0)."""
    from pose3d_toolbox.codecs import part_depth_states
    codec, sample = case
    enc = codec.encode(sample)
    maps = np.concatenate([enc['hemlets_triplets'].reshape(
        -1, *enc['heatmaps'].shape[1:]), enc['heatmaps']])
    out = codec.decode(maps[None], [sample])
    got, want = out['part_depth_states'][0], enc['part_depth_states']
    order = out['part_depth_order'][0]
    if codec.variant == '2s':
        idx = np.asarray(codec.parts)
        kp = enc['keypoints_2d_target']
        apart = np.linalg.norm(kp[idx[:, 0]] - kp[idx[:, 1]], axis=-1) > \
            0.5 * codec.sigma
        got, want, order = got[apart], want[apart], order[apart]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(order, np.sign(want))
    # 5s-HEM's states refine Eq. 1's: the same sign
    np.testing.assert_array_equal(
        np.sign(part_depth_states(sample['keypoints_3d_crop'], codec.parts,
                                  '5s')),
        part_depth_states(sample['keypoints_3d_crop'], codec.parts))


@st.composite
def topdown_3d_cases(draw):
    """An image -> 3D codec with a drawn pose, camera and crop; with
    ``root_depth='bone_length_fit'`` the codec fits the drawn pose's own
    bone lengths (so the fit has an exact answer)."""
    options = draw(OPTIONS['IntegralPose3DCodec'])
    kp3d = draw(poses(17, 1))[0]
    if options['root_depth'] == 'bone_length_fit':
        from pose3d_toolbox.skeletons import get_skeleton
        bones = np.array(get_skeleton(options['skeleton']).bones)
        options['bone_lengths'] = np.linalg.norm(
            kp3d[bones[:, 0]] - kp3d[bones[:, 1]], axis=-1)
        # a pose collapsed to a line or a point has no unique size
        assume(well_spread(kp3d, 0.1))
    codec = KEYPOINT_CODECS.build(dict(type='IntegralPose3DCodec',
                                       **options))
    camera = draw(cameras())
    kp2d = camera_to_pixel(kp3d, camera['f'], camera['c'])
    a, s = draw(finite(-np.pi, np.pi)), draw(finite(0.05, 2.0))
    rot = s * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    shift = np.array([draw(finite(-300, 300)), draw(finite(-300, 300))])
    sample = dict(keypoints_3d=kp3d[None], keypoints_2d=kp2d[None],
                  keypoints_2d_crop=kp2d @ rot.T + shift,
                  crop_matrix=np.c_[rot, shift], camera=camera,
                  target_index=0)
    return codec, sample


@given(topdown_3d_cases())
def test_integral_pose3d_codec_round_trip(case):
    """decode(encode(s)) returns the camera-space pose, with the ground
    truth's root depth or the bone-length fit's."""
    codec, sample = case
    encoded = codec.encode(sample)
    out = codec.decode(encoded[codec.target_key][None],
                       [{**sample, **encoded}])
    expected = sample['keypoints_3d'][0]
    tol = 1e-5 * (1 + np.abs(expected).max())
    np.testing.assert_allclose(out['keypoints_3d'][0], expected,
                               atol=10 * tol)
    np.testing.assert_allclose(out['root'][0], expected[codec.root_index],
                               atol=10 * tol)
