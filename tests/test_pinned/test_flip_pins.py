"""Flip pins: the top-down RandomFlip mirrors x (never y) about the right
axis, and the lifter's flip test mirrors back every joint."""
import numpy as np
import torch
from mmengine.registry import init_default_scope

from pose3d_toolbox.datasets.transforms import RandomFlip
from pose3d_toolbox.models.utils import flip_keypoints
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.structures import PoseDataSample

init_default_scope('pose3d_toolbox')


def topdown_sample(**extra):
    kp2d = np.stack([10.0 + np.arange(17), 50.0 + 2 * np.arange(17)], -1)
    kp3d = np.stack([0.1 * np.arange(17), 0.2 + 0.01 * np.arange(17),
                     4 + 0.05 * np.arange(17)], -1)
    return dict(img=np.zeros((80, 200, 3), np.uint8),
                keypoints_2d=kp2d[None].astype(np.float32),
                keypoints_3d=kp3d[None].astype(np.float32),
                visibility=np.ones((1, 17), np.float32), target_index=0,
                crop_matrix=np.eye(2, 3, dtype=np.float32),
                bbox_center=np.array([40.0, 30.0], np.float32),
                bbox_scale=np.array([60.0, 60.0], np.float32),
                skeleton='h36m', **extra)


def test_topdown_flip_mirrors_x_about_c_x_by_hand():
    # c_x = 97 and c_y = 60 differ, so mirroring about the wrong one shows
    cam = dict(f=np.array([[150.0], [150.0]]), c=np.array([[97.0], [60.0]]),
               w=200, h=80)
    sample = topdown_sample(camera=cam)
    out = RandomFlip(prob=1.0)(dict(sample))
    perm = H36M.flip_indices
    kp2d, kp3d = sample['keypoints_2d'][0], sample['keypoints_3d'][0]
    np.testing.assert_allclose(out['keypoints_2d'][0, :, 0],
                               194.0 - kp2d[perm, 0])
    np.testing.assert_allclose(out['keypoints_2d'][0, :, 1], kp2d[perm, 1])
    np.testing.assert_allclose(out['keypoints_3d'][0, :, 0], -kp3d[perm, 0])
    np.testing.assert_allclose(out['keypoints_3d'][0, :, 1:], kp3d[perm, 1:])
    np.testing.assert_allclose(out['bbox_center'], [154.0, 30.0])
    np.testing.assert_allclose(out['bbox_scale'], [60.0, 60.0])
    np.testing.assert_allclose(out['crop_matrix'],
                               [[-1, 0, 194], [0, 1, 0]], atol=1e-6)
    assert out['flipped']


def test_topdown_flip_without_camera_mirrors_about_the_image_centre():
    out = RandomFlip(prob=1.0)(topdown_sample())  # 200 px wide: u0 = 99.5
    np.testing.assert_allclose(out['bbox_center'], [159.0, 30.0])
    np.testing.assert_allclose(out['crop_matrix'],
                               [[-1, 0, 199], [0, 1, 0]], atol=1e-6)
    out = RandomFlip(prob=1.0)(topdown_sample(image_width=101))
    np.testing.assert_allclose(out['bbox_center'], [60.0, 30.0])


def test_lifter_flip_test_mirrors_back_every_joint():
    """A root-relative lifter with the flip test: every joint's prediction
    is the mean of the plain output and the mirrored-back output of the
    mirrored input (x negated *and* left/right swapped, on all joints)."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='PoseLifter',
        backbone=dict(type='ResidualMLP', in_channels=34, width=16),
        head=dict(type='RegressionHead3D', in_channels=16,
                  codec=dict(type='PoseLiftingCodec')),
        test_cfg=dict(flip_test=True))).eval()
    x = torch.randn(2, 1, 17, 2)
    perm = H36M.flip_indices.tolist()
    with torch.no_grad():
        plain = model(x, mode='tensor').reshape(2, 17, 3)
        mirrored = model(flip_keypoints(x, perm), mode='tensor').reshape(
            2, 17, 3)
        samples = [PoseDataSample(metainfo=dict(camera=dict(w=1000, h=1000)))
                   for _ in range(2)]
        preds = model(x, samples, mode='predict')
    got = np.stack([s.pred_keypoints_3d for s in preds])
    # by hand: mirror back = swap left/right joints, negate x
    back = mirrored[:, perm].numpy().copy()
    back[..., 0] *= -1
    expected = (plain.numpy() + back) / 2
    expected[:, 0] = 0  # the codec decodes the root to the origin
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # the flip test changed the prediction on every non-root joint
    assert (np.abs(got - plain.numpy())[:, 1:].max(-1) > 1e-6).all()
