"""AbsPoseLifter: normalisation layer (Eq. 2-4), canonical depth codec and
decoding to camera space with known cameras (Eq. 5-6), loss (Eq. 7), the
head's layout, flip augmentation and flip test, the closed-form root."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from pose3d_toolbox.codecs import AbsPoseCodec
from pose3d_toolbox.datasets.transforms import flip_lifting_sample
from pose3d_toolbox.models.backbones import (AbsPoseNormalization,
                                             normalize_pose_2d)
from pose3d_toolbox.models.losses import AbsPoseLoss
from pose3d_toolbox.models.utils import flip_keypoints
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import H36M, Skeleton
from pose3d_toolbox.utils import camera_to_pixel, weak_perspective_root


init_default_scope('pose3d_toolbox')


def person(rng, centre, n=1):
    """``(n, 17, 3)`` person-sized poses around ``centre`` (metres)."""
    return np.asarray(centre) + rng.normal(0, 0.3, (n, 17, 3))


def sample_for(kp3d, f, c, **camera):
    cam = dict(f=np.reshape(f, (2, 1)), c=np.reshape(c, (2, 1)), w=1000,
               h=1000, **camera)
    kp2d = camera_to_pixel(kp3d, cam['f'], cam['c'], cam.get('k'),
                           cam.get('p'))
    return dict(keypoints_2d=kp2d, keypoints_3d=kp3d, target_index=0,
                camera=cam, visibility=np.ones(kp3d.shape[:2]))


def test_normalisation_layer_matches_hand_values():
    pts = torch.tensor([[[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]]])
    pose, m, sigma = normalize_pose_2d(pts)
    np.testing.assert_allclose(m[0], [1, 1])
    np.testing.assert_allclose(sigma[0], [np.sqrt(2)])  # each at distance √2
    np.testing.assert_allclose(pose[0, 0], [-1 / np.sqrt(2)] * 2, rtol=1e-6)
    square = Skeleton('square', ('a', 'b', 'c', 'd'), (-1, 0, 1, 2))
    layer = AbsPoseNormalization(square, scale=1e-3)
    out = layer(pts[:, None])
    assert out.shape == (1, 11) and layer.out_channels == 11
    np.testing.assert_allclose(out[0, 8:], [1e-3, 1e-3, np.sqrt(2) * 1e-3],
                               rtol=1e-6)
    assert AbsPoseNormalization(square, use_location=False).out_channels == 9
    assert AbsPoseNormalization(square, False, False)(pts).shape == (1, 8)


@pytest.mark.parametrize('depth', ['canonical', 'absolute'])
def test_decodes_to_the_camera_space_pose_of_known_cameras(depth):
    """Two cameras with different focal lengths and principal points see
    the same person: the decoded absolute poses are the true camera-space
    positions, and the canonical target is R_z f0 / sqrt(fx fy) (Eq. 6)."""
    codec = AbsPoseCodec(depth=depth)
    rng = np.random.default_rng(0)
    kp3d = person(rng, [0.4, -0.2, 5.0])
    for f, c in (((1145.0, 1143.0), (512.0, 515.0)),
                 ((600.0, 600.0), (320.0, 240.0))):
        sample = sample_for(kp3d, f, c)
        enc = codec.encode(sample)
        d = enc['lifting_target'][0, 2]
        expected = kp3d[0, 0, 2] * (1000 / np.sqrt(f[0] * f[1])
                                    if depth == 'canonical' else 1)
        np.testing.assert_allclose(d, expected, rtol=1e-5)
        np.testing.assert_allclose(enc['lifting_input'][0],
                                   sample['keypoints_2d'][0] - c, atol=1e-3)
        out = codec.decode(enc['lifting_target'][None], [{**sample, **enc}])
        np.testing.assert_allclose(out['keypoints_3d'][0], kp3d[0],
                                   atol=1e-5)
        np.testing.assert_allclose(out['root'][0], kp3d[0, 0], atol=1e-5)


def test_canonical_decode_without_focal_length_uses_f0():
    codec = AbsPoseCodec(f0=1000.0)
    kp3d = person(np.random.default_rng(1), [0.0, 0.0, 4.0])
    sample = sample_for(kp3d, (2000.0, 2000.0), (500.0, 500.0))
    enc = codec.encode(sample)
    meta = dict(root_2d=enc['root_2d'], camera=dict(c=sample['camera']['c']))
    out = codec.decode(enc['lifting_target'][None], [meta])
    # The same image through a 1000 px lens shows a person half as far with
    # the same x and y: R_z = d = R_z* f0 / f, R_xy = r R_z / f0 = R_xy*.
    np.testing.assert_allclose(out['root'][0], kp3d[0, 0] * [1, 1, 0.5],
                               rtol=1e-5)


def test_codec_rejects_root_relative_ground_truth():
    kp3d = person(np.random.default_rng(2), [0, 0, 5.0])
    sample = sample_for(kp3d, (1000.0, 1000.0), (500.0, 500.0))
    sample['keypoints_3d'] = kp3d - kp3d[:, :1]
    with pytest.raises(ValueError, match='absolute camera coordinates'):
        AbsPoseCodec().encode(sample)


def test_loss_is_equation_7_by_hand():
    pred = torch.zeros(2, 3, 3)
    target = torch.zeros(2, 3, 3)
    target[0, 0, 2], target[1, 0, 2] = 2.0, 4.0   # depth errors 2 and 4
    target[0, 1] = torch.tensor([0.1, -0.2, 0.3])  # L1 norm 0.6
    loss = AbsPoseLoss(pose_weight=10.0)(pred, target)
    np.testing.assert_allclose(loss.item(), ((2 + 10 * 0.6) + 4) / 2,
                               rtol=1e-6)


def test_head_layout_puts_depth_on_the_root_row():
    head = MODELS.build(dict(type='AbsPoseHead', in_channels=8,
                             codec=dict(type='AbsPoseCodec')))
    assert head.fc.out_features == 3 * 17 - 2
    feats = torch.randn(4, 8)
    out = head(feats)
    raw = head.fc(feats)
    assert out.shape == (4, 17, 3)
    torch.testing.assert_close(out[:, 0, 2], raw[:, 0])
    assert torch.all(out[:, 0, :2] == 0)
    torch.testing.assert_close(out[:, 1:].reshape(4, -1), raw[:, 1:])


def test_flip_augmentation_keeps_projection_consistent_with_distortion():
    rng = np.random.default_rng(3)
    kp3d = person(rng, [0.3, 0.1, 4.5], n=2)
    sample = sample_for(kp3d, (1145.0, 1144.0), (512.0, 515.0),
                        k=np.array([[-0.2], [0.24], [-0.0025]]),
                        p=np.array([[-0.0018], [-0.0005]]))
    flipped = flip_lifting_sample(dict(sample), H36M.flip_indices)
    cam = flipped['camera']
    reprojected = camera_to_pixel(flipped['keypoints_3d'], cam['f'],
                                  cam['c'], cam['k'], cam['p'])
    np.testing.assert_allclose(reprojected, flipped['keypoints_2d'],
                               atol=1e-6)
    # left and right swapped: the flipped left hip is the mirrored right hip
    np.testing.assert_allclose(flipped['keypoints_3d'][:, 4],
                               kp3d[:, 1] * [-1, 1, 1])
    assert sample['camera']['p'][1, 0] == -0.0005  # the input is untouched


def test_flip_test_averages_mirrored_prediction():
    """A model that is exactly mirror-equivariant gives the same output with
    and without the flip test; flip_keypoints is its own inverse."""
    x = torch.randn(3, 1, 17, 2)
    idx = H36M.flip_indices.tolist()
    torch.testing.assert_close(flip_keypoints(flip_keypoints(x, idx), idx), x)
    model = MODELS.build(dict(
        type='PoseLifter',
        backbone=dict(type='ResidualMLP', width=16, input_layer=dict(
            type='AbsPoseNormalization')),
        head=dict(type='AbsPoseHead', in_channels=16,
                  codec=dict(type='AbsPoseCodec')),
        test_cfg=dict(flip_test=True))).eval()
    out = model(x, mode='tensor')
    mirrored = model(flip_keypoints(x, idx), mode='tensor')
    expected = (out + flip_keypoints(mirrored, idx)) / 2
    from pose3d_toolbox.structures import PoseDataSample
    samples = [PoseDataSample(metainfo=dict(
        root_2d=np.zeros(2), camera=dict(f=np.full((2, 1), 1000.0))))
        for _ in range(3)]
    preds = model(x, samples, mode='predict')
    got = np.stack([s.pred_keypoints_3d for s in preds])
    depth = expected[:, 0, 2].detach().numpy()
    np.testing.assert_allclose(got[:, 0, 2], depth, rtol=1e-5)


def test_weak_perspective_root_is_exact_under_weak_perspective():
    rng = np.random.default_rng(4)
    rel = rng.normal(0, 0.3, (5, 17, 3))
    rel -= rel[:, :1]
    root = np.column_stack([rng.uniform(-1, 1, (5, 2)),
                            rng.uniform(3, 8, 5)])
    f = np.array([1100.0, 1150.0])
    pix = f * (rel[..., :2] + root[:, None, :2]) / root[:, None, 2:]
    np.testing.assert_allclose(weak_perspective_root(pix, rel, f), root,
                               rtol=1e-10)
    # under full perspective it stays close for distant subjects
    persp = f * (rel[..., :2] + root[:, None, :2]) / (
        rel[..., 2:] + root[:, None, 2:])
    est = weak_perspective_root(persp, rel, f)
    assert (np.abs(est[:, 2] - root[:, 2]) / root[:, 2]).max() < 0.1
