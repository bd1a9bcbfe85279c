"""decode(encode(x)) == x for every registered keypoint codec, with its
defaults and with the non-default options of :data:`NON_DEFAULT_OPTIONS`.

A new codec is covered by its defaults without new test code; it must be
constructible from them and expose ``num_keypoints`` and ``root_index``,
and it must list non-default options (another skeleton, scales, offsets)
in :data:`NON_DEFAULT_OPTIONS`. A codec
that does not round-trip lifting samples names its ``sample_kind`` (e.g.
``'topdown_2d'`` for heatmap codecs, with ``target_key``), and
:data:`ROUNDTRIP_CHECKS` holds the check for that kind.
"""
import numpy as np
import pytest

from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.utils import camera_to_pixel

KEYPOINT_CODECS.import_from_location()
CODECS = sorted(KEYPOINT_CODECS.module_dict)


def random_sample(rng, num_keypoints, seq_len=3):
    """A valid lifting sample: a person-sized point cloud 3-7 m in front of
    a camera with Human3.6M-like intrinsics, and its exact projection."""
    f = rng.uniform(900, 1500, size=(2, 1))
    camera = dict(R=np.eye(3), T=np.zeros((3, 1)), f=f,
                  c=np.array([[500.0], [500.0]]) + rng.normal(0, 10, (2, 1)),
                  w=1000, h=1002)
    centre = np.array([rng.uniform(-1, 1), rng.uniform(-1, 1),
                       rng.uniform(3, 7)])
    kp3d = (centre + rng.normal(0, 0.4, (seq_len, num_keypoints, 3)))
    kp2d = camera_to_pixel(kp3d, camera['f'], camera['c'])
    return dict(keypoints_3d=kp3d.astype(np.float32),
                keypoints_2d=kp2d.astype(np.float32),
                visibility=np.ones((seq_len, num_keypoints), np.float32),
                target_index=seq_len // 2, camera=camera)


def random_topdown_sample(rng, codec):
    """A valid top-down sample for an image codec: a random crop affine
    (scale, rotation, offset) from image to input pixels, keypoints inside
    the input's central part (``keypoints_2d_crop``) and their image-pixel
    positions (``keypoints_2d``, ``(1, J, 2)``)."""
    W, H = codec.input_size
    a, s = rng.uniform(-np.pi, np.pi), rng.uniform(0.2, 2.0)
    rot = s * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    matrix = np.c_[rot, rng.uniform(-300, 300, 2)]
    crop = rng.uniform([0.15 * W, 0.15 * H], [0.85 * W, 0.85 * H],
                       (codec.num_keypoints, 2))
    image = (crop - matrix[:, 2]) @ np.linalg.inv(rot).T
    return dict(keypoints_2d=image[None].astype(np.float64),
                keypoints_2d_crop=crop.astype(np.float32),
                crop_matrix=matrix, target_index=0)


def check_topdown_roundtrip(codec, rng):
    """Image codecs: decoding the encoded target gives back the image-pixel
    keypoints (to a small fraction of a heatmap pixel)."""
    sample = random_topdown_sample(rng, codec)
    encoded = codec.encode(sample)
    out = codec.decode(encoded[codec.target_key][None], [sample])
    px = codec.input_size[0] / codec.heatmap_size[0]  # input px per bin
    scale = np.sqrt(abs(np.linalg.det(sample['crop_matrix'][:, :2])))
    np.testing.assert_allclose(out['keypoints_2d'][0],
                               sample['keypoints_2d'][0],
                               atol=0.02 * px / scale)
    assert encoded['target_weight'].min() == 1


def check_hemlets_roundtrip(codec, rng):
    """HEMlets codecs: a top-down sample with ``keypoints_3d_crop`` (a
    person 2-6 m away, parts +-0.5 m in depth); decoding the encoded
    triplets and heatmaps gives back the 2D keypoints and every part's
    depth state."""
    from pose3d_toolbox.codecs import HEMLETS_TRIPLETS, HEATMAPS
    sample = random_topdown_sample(rng, codec)
    J = codec.num_keypoints
    sample['keypoints_3d_crop'] = np.c_[rng.normal(0, 0.4, (J, 2)),
                                        rng.uniform(2, 6) +
                                        rng.normal(0, 0.25, J)]
    encoded = codec.encode(sample)
    maps = np.concatenate([encoded[HEMLETS_TRIPLETS].reshape(
        -1, *encoded[HEATMAPS].shape[1:]), encoded[HEATMAPS]])
    out = codec.decode(maps[None], [sample])
    px = codec.input_size[0] / codec.heatmap_size[0]
    scale = np.sqrt(abs(np.linalg.det(sample['crop_matrix'][:, :2])))
    np.testing.assert_allclose(out['keypoints_2d'][0],
                               sample['keypoints_2d'][0],
                               atol=0.02 * px / scale)
    np.testing.assert_array_equal(out['part_depth_states'][0],
                                  encoded['part_depth_states'])
    assert encoded['hemlets_weight'].min() == 1


def random_topdown_3d_sample(rng, codec):
    """A valid top-down 3D sample: a pose built bone by bone (with the
    codec's ``bone_lengths`` when it has them, so the bone-length root fit
    is exact) 3-7 m in front of a Human3.6M-like camera, its exact
    projection, and a random crop (scale, rotation up to 180 degrees,
    offset) with every joint inside the input's central part."""
    from pose3d_toolbox.geometry import apply_affine, crop_matrix
    skeleton = codec.skeleton
    lengths = codec.bone_lengths
    if lengths is None:
        lengths = rng.uniform(0.1, 0.45, len(skeleton.bones))
    pose = np.zeros((codec.num_keypoints, 3))
    for (child, parent), length in sorted(
            zip(skeleton.bones, lengths),
            key=lambda b: skeleton.kinematic_order.index(b[0][0])):
        direction = rng.normal(size=3) * (1, 1, 0.5)  # within +-1 m in z
        pose[child] = pose[parent] + length * direction / np.linalg.norm(
            direction)
    root = np.array([rng.uniform(-1, 1), rng.uniform(-1, 1),
                     rng.uniform(3, 7)])
    kp3d = pose - pose[skeleton.root_index] + root
    f = rng.uniform(900, 1500, size=(2, 1))
    camera = dict(R=np.eye(3), T=np.zeros((3, 1)), f=f,
                  c=np.array([[500.0], [500.0]]) + rng.normal(0, 10, (2, 1)),
                  w=1000, h=1002)
    kp2d = camera_to_pixel(kp3d, camera['f'], camera['c'])
    centre = (kp2d.min(0) + kp2d.max(0)) / 2
    size = (kp2d.max(0) - kp2d.min(0)).max() * rng.uniform(2.0, 2.5)
    W, H = codec.input_size
    matrix = crop_matrix(centre, (size * W / H, size) if W > H else
                         (size, size * H / W), codec.input_size,
                         rng.uniform(-180, 180))
    crop = apply_affine(matrix, kp2d)
    assert ((crop > [0.1 * W, 0.1 * H]) & (crop < [0.9 * W, 0.9 * H])).all()
    return dict(keypoints_3d=kp3d[None].astype(np.float32),
                keypoints_2d=kp2d[None].astype(np.float32),
                keypoints_2d_crop=crop.astype(np.float32),
                crop_matrix=matrix.astype(np.float32), camera=camera,
                target_index=0)


def check_topdown_3d_roundtrip(codec, rng):
    """Image -> 3D codecs: decoding the encoded target (as packed: the
    encoded meta keys added) gives back the camera-space pose, its root
    and the image-pixel keypoints."""
    sample = random_topdown_3d_sample(rng, codec)
    encoded = codec.encode(sample)
    assert encoded['target_weight'].min() == 1
    assert np.abs(encoded[codec.target_key]).max() <= 0.5
    out = codec.decode(encoded[codec.target_key][None],
                       [{**sample, **encoded}])
    kp3d = sample['keypoints_3d'][0]
    np.testing.assert_allclose(out['keypoints_3d'][0], kp3d, atol=1e-4)
    np.testing.assert_allclose(out['root'][0], kp3d[codec.root_index],
                               atol=1e-4)
    np.testing.assert_allclose(out['keypoints_2d'][0],
                               sample['keypoints_2d'][0], atol=1e-2)


#: what each kind of codec round-trips (``codec.sample_kind``, default
#: ``'lifting'``): a function ``check(codec, rng)`` asserting one sample.
ROUNDTRIP_CHECKS = {'topdown_2d': check_topdown_roundtrip,
                    'topdown_hemlets': check_hemlets_roundtrip,
                    'topdown_3d': check_topdown_3d_roundtrip}


#: per codec, option sets other than the defaults that must round-trip too:
#: a skeleton whose root is not joint 0 and non-unit scales and offsets.
NON_DEFAULT_OPTIONS = {
    'AbsPoseCodec': [
        dict(skeleton='mpi_inf_3dhp', f0=500.0, depth_offset=5.0),
        dict(depth='absolute', depth_offset=5.0)],
    'BoneCodec': [dict(skeleton='mpi_inf_3dhp', target_scale=0.5)],
    'ElePoseCodec': [dict(skeleton='mpi_inf_3dhp', head_distance=100.0,
                          scale=0.2, metres_per_unit=0.5)],
    'GaussianHeatmapCodec': [dict(input_size=(192, 256),
                                  heatmap_size=(48, 64), sigma=1.5,
                                  skeleton='mpi_inf_3dhp')],
    'HEMletsCodec': [dict(variant='2s', input_size=(192, 256),
                          heatmap_size=(48, 64), sigma=1.5),
                     dict(variant='5s', heatmap_size=(32, 32), sigma=3.0)],
    'IntegralPose3DCodec': [
        dict(input_size=(192, 256), heatmap_size=(48, 64), depth_bins=32,
             depth_range=3.0, skeleton='mpi_inf_3dhp'),
        dict(root_depth='bone_length_fit', bone_lengths='cmu'),
        dict(root_depth='bone_length_fit', skeleton='hemlets',
             bone_lengths='cmu'),
        dict(root_depth='bone_length_fit', skeleton='mpi_inf_3dhp',
             bone_lengths=[0.1 + 0.02 * k for k in range(16)])],
    'PoseLiftingCodec': [dict(skeleton='mpi_inf_3dhp', target_scale=0.25)],
}
CASES = [(name, {}) for name in CODECS] + [
    (name, options) for name in CODECS
    for options in NON_DEFAULT_OPTIONS.get(name, [])]
CASE_IDS = [','.join([n] + [f'{k}={v}' for k, v in o.items()])
            for n, o in CASES]


def test_every_codec_lists_non_default_options():
    assert sorted(NON_DEFAULT_OPTIONS) == CODECS


@pytest.mark.parametrize('name, options', CASES,
                         ids=CASE_IDS)
def test_decode_inverts_encode(name, options):
    codec = KEYPOINT_CODECS.build(dict(type=name, **options))
    rng = np.random.default_rng(0)
    kind = getattr(codec, 'sample_kind', 'lifting')
    if kind != 'lifting':
        for _ in range(5):
            ROUNDTRIP_CHECKS[kind](codec, rng)
        return
    for _ in range(5):
        sample = random_sample(rng, codec.num_keypoints)
        encoded = codec.encode(sample)
        # A decoder sees the sample as packed: with the encoded meta keys.
        out = codec.decode(encoded['lifting_target'][None],
                           [{**sample, **encoded}])
        expected = sample['keypoints_3d'][sample['target_index']]
        if not codec.decodes_absolute:
            expected = expected - expected[codec.root_index]
        np.testing.assert_allclose(out['keypoints_3d'][0], expected,
                                   atol=1e-5)
        if codec.decodes_absolute:
            np.testing.assert_allclose(out['root'][0],
                                       expected[codec.root_index], atol=1e-5)


def test_screen_normalisation_round_trip_and_range():
    from pose3d_toolbox.codecs import denormalize_screen, normalize_screen
    pts = np.array([[0.0, 0.0], [1000.0, 1002.0], [500.0, 501.0]])
    n = normalize_screen(pts, 1000, 1002)
    np.testing.assert_allclose(n[0], [-1, -1.002])
    np.testing.assert_allclose(n[1], [1, 1.002])
    np.testing.assert_allclose(n[2], [0, 0], atol=1e-12)
    np.testing.assert_allclose(denormalize_screen(n, 1000, 1002), pts)


def test_pose_lifting_codec_rejects_wrong_joint_count_and_nan():
    codec = KEYPOINT_CODECS.build(dict(type='PoseLiftingCodec'))
    sample = random_sample(np.random.default_rng(1), 16)
    with pytest.raises(ValueError, match="16 joints but the codec's "
                       "skeleton 'h36m' has 17"):
        codec.encode(sample)
    sample = random_sample(np.random.default_rng(1), 17)
    sample['keypoints_2d'][0, 3, 0] = np.nan
    with pytest.raises(ValueError, match='NaN'):
        codec.encode(sample)
