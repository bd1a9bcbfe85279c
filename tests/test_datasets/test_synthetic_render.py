"""Capsule-body renderer: geometry of the crop, colours, agreement with the
visibility test, determinism and the on-disk cache."""
import numpy as np
import pytest

from pose3d_toolbox.datasets.synthetic import (BODY, PARTS, RenderCache,
                                               crop_matrix, joint_visibility,
                                               make_camera, prerender,
                                               random_background,
                                               random_poses, random_rig,
                                               render_person, render_sample,
                                               t_pose)
from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.utils.camera import (camera_to_pixel, world_to_camera,
                                         world_to_pixel)

J = {n: i for i, n in enumerate(H36M.joint_names)}
GREY = (128, 128, 128)
PLAIN = dict(background=GREY, gain=(1, 1), bias=(0, 0), noise_std=(0, 0))


def _front_view():
    """A T-pose facing +y and a camera in front of it; camera coords."""
    cam = make_camera((0, 5, 1.6), (0, 0, 0.95), f=(1145, 1145),
                      c=(512, 515), w=1000, h=1002)
    return world_to_camera(t_pose(), cam['R'], cam['T']), cam


def _random_views(n, seed=0):
    rng = np.random.default_rng(seed)
    poses, cams = random_poses(rng, n), random_rig(rng, n)
    return [(world_to_camera(p, c['R'], c['T']), c)
            for p, c in zip(poses, cams)]


def _pixel(out, uv):
    u, v = np.round(uv).astype(int)
    return out.image[v, u].astype(int), out.labels[v, u]


def test_shape_dtype_and_determinism():
    pts, cam = _front_view()
    a = render_person(pts, cam, rng=np.random.default_rng(5))
    b = render_person(pts, cam, rng=np.random.default_rng(5))
    c = render_person(pts, cam, rng=np.random.default_rng(6))
    assert a.image.shape == (256, 256, 3) and a.image.dtype == np.uint8
    assert a.keypoints.shape == (17, 2) and a.keypoints.dtype == np.float32
    assert a.labels.shape == (256, 256) and a.matrix.shape == (2, 3)
    np.testing.assert_array_equal(a.image, b.image)
    assert np.abs(a.image.astype(int) - c.image).mean() > 5
    # other sizes, non-square
    d = render_person(pts, cam, out_size=(192, 256),
                      rng=np.random.default_rng(5))
    assert d.image.shape == (256, 192, 3)


def test_crop_matrix_maps_box_onto_crop():
    m = crop_matrix((300.0, 200.0), (100.0, 100.0), (256, 256))
    corners = np.array([[250.0, 150.0], [350.0, 250.0], [300.0, 200.0]])
    mapped = corners @ m[:, :2].T + m[:, 2]
    # box edges land on the crop's outer pixel edges (centres at 0..255)
    np.testing.assert_allclose(mapped, [[-0.5, -0.5], [255.5, 255.5],
                                        [127.5, 127.5]])
    # a wide box keeps its aspect ratio: the height grows instead
    m = crop_matrix((0.0, 0.0), (200.0, 100.0), (256, 256))
    np.testing.assert_allclose(m[:, :2], np.eye(2) * 1.28)
    # rotation turns the content counter-clockwise on screen: a point right
    # of the centre moves above it
    m = crop_matrix((0.0, 0.0), (256.0, 256.0), (256, 256), rotation=90)
    np.testing.assert_allclose(np.array([10.0, 0.0]) @ m[:, :2].T + m[:, 2],
                               [127.5, 117.5], atol=1e-12)


def test_keypoints_follow_the_projection():
    pts, cam = _front_view()
    out = render_person(pts, cam, rng=np.random.default_rng(0))
    full = camera_to_pixel(pts, cam['f'], cam['c'])
    np.testing.assert_allclose(out.keypoints,
                               full @ out.matrix[:, :2].T + out.matrix[:, 2],
                               rtol=1e-6)
    # the default box holds the whole body with a margin
    assert (out.keypoints > 10).all() and (out.keypoints < 246).all()
    # full frame: identity crop gives the camera's own pixels
    whole = render_person(pts, cam, matrix=np.eye(2, 3),
                          out_size=(cam['w'], cam['h']),
                          rng=np.random.default_rng(0))
    np.testing.assert_allclose(whole.keypoints,
                               world_to_pixel(t_pose(), cam), rtol=1e-5)
    assert whole.image.shape == (1002, 1000, 3)


def test_joints_are_body_coloured_and_background_untouched():
    pts, cam = _front_view()
    out = render_person(pts, cam, rng=np.random.default_rng(1), **PLAIN)
    background = out.labels < 0
    assert 0.1 < (~background).mean() < 0.6
    np.testing.assert_array_equal(out.image[background],
                                  np.broadcast_to(GREY, (background.sum(),
                                                         3)))
    for j in range(17):
        colour, label = _pixel(out, out.keypoints[j])
        assert label >= 0, H36M.joint_names[j]
        assert np.abs(colour - GREY).max() > 0
        # the pixel shows the joint's own body part (all visible here)
        assert BODY.exempt[j, label], H36M.joint_names[j]


@pytest.mark.parametrize('seed', range(4))
def test_left_and_right_limb_colours(seed):
    pts, cam = _front_view()
    out = render_person(pts, cam, rng=np.random.default_rng(seed), **PLAIN)
    for side in ('left', 'right'):
        for upper, lower, part in (('hip', 'knee', 'leg'),
                                   ('knee', 'ankle', 'leg'),
                                   ('elbow', 'wrist', 'arm')):
            mid = (out.keypoints[J[f'{side}_{upper}']] +
                   out.keypoints[J[f'{side}_{lower}']]) / 2
            colour, label = _pixel(out, mid)
            assert PARTS[BODY.parts[label]] == f'{side}_{part}'
            red, blue = colour[0], colour[2]
            # left limbs bluish, right limbs reddish
            assert (blue > red) if side == 'left' else (red > blue), (
                side, upper, colour)
    # from the front the person's left side is on the image's right
    assert out.keypoints[J['left_wrist'], 0] > out.keypoints[
        J['right_wrist'], 0]


def test_render_agrees_with_visibility():
    """At a visible joint the render shows the joint's own body part; at an
    occluded one, mostly another part."""
    own_visible, n_visible, other_occluded, n_occluded = 0, 0, 0, 0
    for i, (pts, cam) in enumerate(_random_views(40)):
        out = render_person(pts, cam, rng=np.random.default_rng(i))
        vis = joint_visibility(pts)
        for j in range(17):
            _, label = _pixel(out, out.keypoints[j])
            assert label >= 0
            if vis.occluded[j]:
                n_occluded += 1
                other_occluded += not BODY.exempt[j, label]
            else:
                n_visible += 1
                own_visible += BODY.exempt[j, label]
    assert n_occluded > 20
    assert own_visible / n_visible > 0.97
    assert other_occluded / n_occluded > 0.85


def test_backgrounds():
    rng = np.random.default_rng(0)
    for kind in ('noise', 'gradient', 'rects', 'mix', 'random'):
        bg = random_background(rng, (64, 48), kind)
        assert bg.shape == (48, 64, 3) and bg.dtype == np.float32
        assert bg.min() >= 0 and bg.max() <= 1
    assert random_background(rng, (64, 48), 'gradient').std() > 0
    with pytest.raises(ValueError, match='unknown kind'):
        random_background(rng, (8, 8), 'stripes')
    pts, cam = _front_view()
    image = np.random.default_rng(1).integers(0, 256, (256, 256, 3),
                                              dtype=np.uint8)
    out = render_person(pts, cam, rng=np.random.default_rng(1),
                        **dict(PLAIN, background=image))
    np.testing.assert_array_equal(out.image[out.labels < 0],
                                  image[out.labels < 0])


def test_render_cache(tmp_path):
    views = _random_views(5, seed=3)
    samples = [dict(keypoints_3d=p, camera=c) for p, c in views]
    root = str(tmp_path / 'cache')
    cache = prerender(root, samples, out_size=(64, 64), seed=7)
    assert len(cache) == 5 and all(i in cache for i in range(5))
    direct = render_sample(samples[3], 3, seed=7, out_size=(64, 64))
    image, keypoints = cache[3]
    np.testing.assert_array_equal(image, direct.image)
    np.testing.assert_array_equal(keypoints, direct.keypoints)

    # reopened from disk (e.g. in a data-loader worker), read only what is
    # there
    again = RenderCache(root)
    np.testing.assert_array_equal(again[3][0], direct.image)

    # a lazily filled cache renders on first request, then reads
    lazy = RenderCache(str(tmp_path / 'lazy'), 5, (64, 64), seed=7)
    assert 2 not in lazy
    with pytest.raises(KeyError, match='not rendered'):
        lazy[2]
    image, _ = lazy.get_or_render(2, samples[2])
    np.testing.assert_array_equal(image, cache[2][0])
    assert 2 in lazy and 1 not in lazy

    with pytest.raises(ValueError, match='delete'):
        RenderCache(root, 6, (64, 64), seed=7)
    with pytest.raises(FileNotFoundError, match='num_samples'):
        RenderCache(str(tmp_path / 'missing'))
