"""draw_hemlets: one PNG of a HEMlets sample from synthetic arrays."""
import numpy as np
import pytest
from matplotlib.image import imread

from pose3d_toolbox.codecs import HEMletsCodec
from pose3d_toolbox.visualization import draw_hemlets


def synthetic_sample(variant='hemlets'):
    rng = np.random.default_rng(0)
    codec = HEMletsCodec(variant=variant, input_size=(128, 128),
                         heatmap_size=(32, 32), sigma=1.5)
    kp3d = rng.normal(0, 0.3, (18, 3)) + [0, 0, 4]
    kp2d = kp3d[:, :2] / kp3d[:, 2:] * 150 + 64
    enc = codec.encode(dict(keypoints_2d_crop=kp2d, keypoints_3d_crop=kp3d))
    pred = enc['hemlets_triplets'] + rng.normal(
        0, 0.05, enc['hemlets_triplets'].shape)
    image = rng.integers(0, 255, (128, 128, 3), dtype=np.uint8)
    return image, kp2d, kp3d, enc, pred


@pytest.mark.parametrize('variant', ['hemlets', '5s'])
def test_draw_hemlets_writes_a_png_of_the_expected_size(tmp_path, variant):
    image, kp2d, kp3d, enc, pred = synthetic_sample(variant)
    path = draw_hemlets(tmp_path / 'sub' / 'sample.png', image, kp2d,
                        enc['hemlets_triplets'], pred, kp3d,
                        keypoints_3d_pred=kp3d + 0.02,
                        states_gt=enc['part_depth_states'],
                        states_pred=enc['part_depth_states'],
                        figsize=(8.0, 5.0), dpi=50)
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    png = imread(path)
    assert png.shape[:2] == (250, 400)  # figsize * dpi, (H, W)
    assert png[..., :3].std() > 0.05   # something was drawn
    # the flat (K*S, h, w) layout is accepted too
    flat = enc['hemlets_triplets'].reshape(-1, 32, 32)
    draw_hemlets(tmp_path / 'flat.png', image, kp2d, flat, flat, kp3d,
                 figsize=(8.0, 5.0), dpi=50)
    assert imread(tmp_path / 'flat.png').shape[:2] == (250, 400)


def test_draw_hemlets_rejects_wrong_shapes(tmp_path):
    image, kp2d, kp3d, enc, pred = synthetic_sample()
    with pytest.raises(ValueError, match=r'triplets_gt must be \(K=14'):
        draw_hemlets(tmp_path / 'x.png', image, kp2d,
                     enc['hemlets_triplets'][:5], pred, kp3d)
    with pytest.raises(ValueError, match='differ in shape'):
        draw_hemlets(tmp_path / 'x.png', image, kp2d,
                     enc['hemlets_triplets'], pred[:, :2], kp3d)
