"""Top-down pipeline: known points land where the affine says, flips mirror
2D and 3D consistently and swap joints, the image moves with the labels."""
import numpy as np
import pytest

from pose3d_toolbox.datasets.synthetic import crop_matrix
from pose3d_toolbox.datasets.transforms import (BBoxFromKeypoints,
                                                ColorJitter, LoadImage,
                                                RandomBBoxTransform,
                                                RandomFlip, TopdownAffine,
                                                crop_rotation_3d)
from pose3d_toolbox.skeletons import get_skeleton
from pose3d_toolbox.utils import camera_to_pixel

H36M = get_skeleton('h36m')


def make_sample(rng, W=200, H=160, with_camera=True, exact=False):
    """A blank full image, 2D joints and the 3D pose they project from
    (rounded to whole pixels unless ``exact``)."""
    f = np.array([[150.0], [150.0]])
    c = np.array([[97.0], [83.0]])
    kp3d = np.c_[rng.uniform(-0.5, 0.5, (17, 2)), rng.uniform(3.5, 4.5, 17)]
    kp2d = camera_to_pixel(kp3d, f, c)
    if not exact:  # whole pixels, so a joint's bright pixel is exact
        kp2d = np.round(kp2d)
    img = np.zeros((H, W, 3), np.uint8)
    sample = dict(img=img, keypoints_2d=kp2d[None].astype(np.float32),
                  keypoints_3d=kp3d[None].astype(np.float32),
                  visibility=np.ones((1, 17), np.float32),
                  keypoints_valid=np.ones(17, np.float32), target_index=0,
                  skeleton='h36m')
    if with_camera:
        sample['camera'] = dict(f=f, c=c, w=W, h=H)
    return sample


def test_affine_maps_a_known_point_to_the_predicted_pixel():
    # a box centred on a bright pixel, rotated 90 degrees: the pixel lands
    # at the crop centre, and a pixel 10 px right of it lands 10*s px *up*
    img = np.zeros((100, 120, 3), np.uint8)
    img[40, 50] = 255
    img[40, 60] = 128
    results = dict(img=img, bbox_center=np.array([50.0, 40.0]),
                   bbox_scale=np.array([40.0, 40.0]), bbox_rotation=90.0,
                   keypoints_2d=np.array([[[50.0, 40.0], [60.0, 40.0]]]))
    out = TopdownAffine((81, 81))(LoadImage()(results))
    s = 81 / 40
    np.testing.assert_allclose(out['keypoints_2d_crop'],
                               [[40, 40], [40, 40 - 10 * s]], atol=1e-4)
    ys, xs = np.nonzero(out['img'][..., 0] == out['img'][..., 0].max())
    assert (ys.mean(), xs.mean()) == pytest.approx((40, 40), abs=1.0)
    m = crop_matrix([50, 40], [40, 40], (81, 81), 90.0)
    np.testing.assert_allclose(out['crop_matrix'], m, atol=1e-5)


def test_crop_of_a_crop_composes_with_the_source_crop_matrix():
    # the dataset handed over a crop (source matrix) of a full image; the
    # transform must find the full-image box inside it
    rng = np.random.default_rng(0)
    full = make_sample(rng)
    src = crop_matrix([100, 80], [150, 150], (120, 120))
    # build the source crop from a full image with bright joint pixels
    import cv2
    img = np.zeros((160, 200, 3), np.uint8)
    for x, y in full['keypoints_2d'][0].astype(int):
        img[y, x] = 255
    crop_img = cv2.warpAffine(img, src, (120, 120))
    sample = dict(full, img=crop_img, crop_matrix=src.astype(np.float32))
    sample = BBoxFromKeypoints(padding=1.3)(sample)
    out = TopdownAffine((64, 64))(sample)
    M = crop_matrix(sample['bbox_center'], sample['bbox_scale'], (64, 64))
    expected = full['keypoints_2d'][0] @ M[:, :2].T + M[:, 2]
    np.testing.assert_allclose(out['keypoints_2d_crop'], expected, atol=1e-4)
    # every joint's bright spot sits near its label in the warped image
    for x, y in out['keypoints_2d_crop']:
        xi, yi = int(round(x)), int(round(y))
        if 1 <= xi < 63 and 1 <= yi < 63:
            assert out['img'][yi - 1:yi + 2, xi - 1:xi + 2].max() > 20


def test_flip_mirrors_2d_about_the_principal_point_and_3d_consistently():
    rng = np.random.default_rng(1)
    sample = BBoxFromKeypoints()(LoadImage()(make_sample(rng, exact=True)))
    before = {k: np.array(v) for k, v in sample.items()
              if isinstance(v, np.ndarray)}
    out = RandomFlip(prob=1.0)(dict(sample))
    perm = H36M.flip_indices
    assert out['flipped']
    cx = 97.0
    np.testing.assert_allclose(out['keypoints_2d'][0, :, 0],
                               2 * cx - before['keypoints_2d'][0, perm, 0])
    np.testing.assert_allclose(out['keypoints_3d'][0, :, 0],
                               -before['keypoints_3d'][0, perm, 0])
    cam = sample['camera']
    np.testing.assert_allclose(
        camera_to_pixel(out['keypoints_3d'][0], cam['f'], cam['c']),
        out['keypoints_2d'][0], atol=1e-3)  # 2D is still the 3D projection
    # a second flip restores everything
    back = RandomFlip(prob=1.0)(out)
    np.testing.assert_allclose(back['keypoints_2d'], before['keypoints_2d'])
    np.testing.assert_allclose(back['crop_matrix'], np.eye(2, 3), atol=1e-6)
    assert not back['flipped']


def test_flipped_crop_is_the_mirrored_crop_with_swapped_joints():
    rng = np.random.default_rng(2)
    sample = make_sample(rng, with_camera=False)
    for x, y in sample['keypoints_2d'][0].astype(int):
        sample['img'][y, x] = rng.integers(50, 255, 3)
    sample = BBoxFromKeypoints()(LoadImage()(sample))
    plain = TopdownAffine((48, 48))(dict(sample))
    flipped = TopdownAffine((48, 48))(RandomFlip(prob=1.0)(dict(sample)))
    perm = H36M.flip_indices
    mirrored = plain['keypoints_2d_crop'][perm].copy()
    mirrored[:, 0] = 47 - mirrored[:, 0]
    np.testing.assert_allclose(flipped['keypoints_2d_crop'], mirrored,
                               atol=1e-3)
    # the same image mirrored (up to fixed-point interpolation rounding)
    np.testing.assert_allclose(flipped['img'].astype(int),
                               plain['img'][:, ::-1].astype(int), atol=1)
    assert flipped['img'].max() > 40


def test_rotation_turns_3d_about_the_optical_axis_like_the_crop():
    R = crop_rotation_3d(30.0)
    f, c = np.array([200.0, 200.0]), np.array([0.0, 0.0])
    X = np.array([[0.3, -0.2, 4.0], [-0.1, 0.5, 3.0]])
    m = crop_matrix([0, 0], [100, 100], (100, 100), 30.0)
    proj = camera_to_pixel(X @ R.T, f, c)
    np.testing.assert_allclose(proj, camera_to_pixel(X, f, c) @ m[:, :2].T,
                               atol=1e-9)
    rng = np.random.default_rng(3)
    sample = BBoxFromKeypoints()(LoadImage()(make_sample(rng)))
    sample['bbox_rotation'] = 30.0
    out = TopdownAffine((64, 64))(sample)
    np.testing.assert_allclose(out['keypoints_3d_crop'],
                               sample['keypoints_3d'][0] @ R.T, atol=1e-5)


def test_random_bbox_transform_ranges_and_colour_jitter():
    np.random.seed(0)
    t = RandomBBoxTransform(shift_factor=0.1, scale_range=(0.5, 0.7),
                            rotate_range=20.0, rotate_prob=1.0)
    for _ in range(20):
        out = t(dict(bbox_center=np.array([100.0, 50.0]),
                     bbox_scale=np.array([40.0, 80.0])))
        assert np.all(np.abs(out['bbox_center'] - [100, 50])
                      <= 0.1 * np.array([40, 80]) + 1e-4)
        ratio = out['bbox_scale'] / [40, 80]
        assert ratio[0] == pytest.approx(ratio[1], rel=1e-5)
        assert 0.5 <= ratio[0] <= 0.7
        assert abs(out['bbox_rotation']) <= 20
    img = np.full((8, 8, 3), 100, np.uint8)
    img[0, 0] = (200, 10, 30)
    outs = [ColorJitter()(dict(img=img.copy()))['img'] for _ in range(10)]
    assert all(o.dtype == np.uint8 and o.shape == img.shape for o in outs)
    assert len({o.tobytes() for o in outs}) > 1
    same = ColorJitter(0, 0, 0)(dict(img=img.copy()))['img']
    np.testing.assert_array_equal(same, img)


def test_load_image_reads_rgb_and_names_missing_files(tmp_path):
    import cv2
    img = np.zeros((6, 5, 3), np.uint8)
    img[..., 2] = 255  # red in RGB
    cv2.imwrite(str(tmp_path / 'a.png'), img[..., ::-1])
    out = LoadImage()(dict(img_path=str(tmp_path / 'a.png')))
    np.testing.assert_array_equal(out['img'], img)
    assert out['img_shape'] == (6, 5)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        LoadImage()(dict(img_path=str(tmp_path / 'missing.png')))
