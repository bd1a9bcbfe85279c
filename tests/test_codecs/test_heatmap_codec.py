"""GaussianHeatmapCodec: pixel conventions, targets, sub-pixel decoding."""
import numpy as np
import pytest

from pose3d_toolbox.codecs import GaussianHeatmapCodec
from pose3d_toolbox.codecs.heatmap import (gaussian_heatmaps,
                                           heatmap_to_input,
                                           input_to_heatmap, refine_argmax)
from pose3d_toolbox.skeletons import Skeleton

# skeletons as objects: the codec takes any joint set, named or not
CHAIN3 = Skeleton('chain3', ('a', 'b', 'c'), (-1, 0, 1))
POINT = Skeleton('point', ('a', ), (-1, ))


def test_pixel_convention_keeps_mirror_symmetry():
    # input pixel x and its mirror W-1-x map to heatmap h and w-1-h
    x = np.array([[0.0, 0.0], [17.3, 40.0], [255.0, 255.0]])
    h = input_to_heatmap(x, (256, 256), (64, 64))
    hm = input_to_heatmap(255 - x, (256, 256), (64, 64))
    np.testing.assert_allclose(hm, 63 - h)
    np.testing.assert_allclose(h[0], [-0.375, -0.375])  # (0 + .5) / 4 - .5
    np.testing.assert_allclose(heatmap_to_input(h, (256, 256), (64, 64)), x)


def test_encode_peaks_weights_and_targets():
    codec = GaussianHeatmapCodec(input_size=(64, 48), heatmap_size=(16, 12),
                                 sigma=1.0, skeleton=CHAIN3)
    kp = np.array([[33.5, 21.5], [-10.0, 5.0], [10.0, 10.0]], np.float32)
    enc = codec.encode(dict(keypoints_2d_crop=kp,
                            keypoints_valid=np.array([1, 1, 0])))
    assert enc['heatmaps'].shape == (3, 12, 16)
    # 33.5 input px -> (34 / 4) - 0.5 = 8 heatmap px exactly: peak 1 there
    np.testing.assert_allclose(enc['keypoints_2d_target'][0], [8, 5])
    assert enc['heatmaps'][0, 5, 8] == pytest.approx(1.0)
    assert enc['heatmaps'][0, 5, 9] == pytest.approx(np.exp(-0.5))
    # outside the map, or unlabelled -> weight 0
    np.testing.assert_array_equal(enc['target_weight'], [1, 0, 0])


def test_refine_argmax_is_exact_for_sampled_gaussians():
    pts = np.array([[5.3, 7.8], [10.45, 3.2], [0.0, 0.0]])
    hm = gaussian_heatmaps(pts, (16, 12), 1.5)[None]
    coords, scores = refine_argmax(hm)
    np.testing.assert_allclose(coords[0, :2], pts[:2], atol=1e-4)
    np.testing.assert_allclose(coords[0, 2], [0, 0])  # border: integer
    assert (scores[0] > 0.8).all()


def test_decode_maps_back_through_the_crop_matrix():
    codec = GaussianHeatmapCodec(input_size=(64, 64), heatmap_size=(16, 16),
                                 sigma=1.0, skeleton=POINT)
    matrix = np.array([[0.5, 0.0, -10.0], [0.0, 0.5, 4.0]])
    image = np.array([[80.0, 60.0]])  # -> input (30, 34)
    crop = image @ matrix[:, :2].T + matrix[:, 2]
    enc = codec.encode(dict(keypoints_2d_crop=crop))
    out = codec.decode(enc['heatmaps'][None], [dict(crop_matrix=matrix)])
    np.testing.assert_allclose(out['keypoints_2d_input'][0], crop, atol=1e-3)
    np.testing.assert_allclose(out['keypoints_2d'][0], image, atol=1e-2)
    no_meta = codec.decode(enc['heatmaps'][None], [{}])
    np.testing.assert_allclose(no_meta['keypoints_2d'][0], crop, atol=1e-3)


def test_encode_errors_name_the_problem():
    codec = GaussianHeatmapCodec(skeleton='h36m')
    with pytest.raises(KeyError, match='TopdownAffine'):
        codec.encode(dict(keypoints_2d=np.zeros((1, 17, 2))))
    with pytest.raises(ValueError, match="skeleton 'h36m' has 17"):
        codec.encode(dict(keypoints_2d_crop=np.zeros((16, 2))))
    bad = np.zeros((17, 2))
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match='NaN'):
        codec.encode(dict(keypoints_2d_crop=bad))
