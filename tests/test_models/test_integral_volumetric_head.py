"""IntegralVolumetricHead: layout and initialisation, the 3D loss with
mixed 2D / 3D samples, decoding and the flip test for volumes."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from pose3d_toolbox.codecs import IntegralPose3DCodec
from pose3d_toolbox.models.utils import flip_heatmaps
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.structures import PoseDataSample

init_default_scope('pose3d_toolbox')
J = 17
CODEC = dict(type='IntegralPose3DCodec', input_size=(32, 32),
             heatmap_size=(8, 8), depth_bins=6, depth_range=2.0)


def make_head(**kwargs):
    return MODELS.build(dict(type='IntegralVolumetricHead', in_channels=16,
                             codec=CODEC, deconv_channels=(8, 8, 8),
                             **kwargs))


def make_samples(rng, has_3d):
    """Data samples with the codec's targets; ``has_3d[i]`` False makes
    sample ``i`` 2D-only (no ground-truth 3D, as from MPII)."""
    codec = IntegralPose3DCodec(**{k: v for k, v in CODEC.items()
                                   if k != 'type'})
    samples = []
    for with_3d in has_3d:
        kp3d = rng.normal(0, 0.3, (J, 3)) + (0, 0, 5)
        info = dict(keypoints_2d_crop=rng.uniform(2, 30, (J, 2)))
        if with_3d:
            info['keypoints_3d'] = kp3d
        s = PoseDataSample(metainfo=dict(skeleton='h36m'))
        s.set_data(codec.encode(info))
        s.set_data(dict(has_3d=with_3d))
        if with_3d:
            s.set_data(dict(gt_keypoints_3d=kp3d))
        samples.append(s)
    return samples


def test_layout_and_published_initialisation():
    head = MODELS.build(dict(type='IntegralVolumetricHead', in_channels=512,
                             codec=dict(type='IntegralPose3DCodec')))
    deconvs = [m for m in head.deconv
               if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(m.out_channels, m.kernel_size, m.stride, m.bias) for m in
            deconvs] == [(256, (4, 4), (2, 2), None)] * 3
    assert head.final.kernel_size == (1, 1)
    assert head.final.out_channels == 17 * 64
    head.init_weights()
    for m in deconvs + [head.final]:
        assert m.weight.std().item() == pytest.approx(0.001, rel=0.05)
    assert torch.all(head.final.bias == 0)
    bn = head.deconv[1]
    assert torch.all(bn.weight == 1) and torch.all(bn.bias == 0)
    # ResNet-50's 8 x 8 C5 -> 17 volumes of 64^3
    small = make_head()
    assert small(torch.zeros(2, 16, 1, 1)).shape == (2, J, 6, 8, 8)


def test_loss_by_hand_and_2d_only_samples_train_x_y_only():
    torch.manual_seed(0)
    head = make_head()
    for p in head.parameters():
        torch.nn.init.normal_(p, std=0.3)
    rng = np.random.default_rng(0)
    samples = make_samples(rng, [True, False, True])
    samples[0].target_weight[3] = 0  # an unlabelled joint
    feats = torch.randn(3, 16, 1, 1)
    coords = head.integral(head(feats)).detach().requires_grad_(True)
    loss = head.loss_3d(coords, samples)
    target = torch.stack([torch.as_tensor(s.keypoints_3d_target)
                          for s in samples])
    weight = torch.stack([torch.as_tensor(s.target_weight)
                          for s in samples])
    lam = torch.tensor([1.0, 0.0, 1.0])
    diff = (coords - target).abs()
    expected = ((diff[..., 0] + diff[..., 1] + lam[:, None] * diff[..., 2])
                * weight).sum() / weight.sum()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    loss.backward()
    grad = coords.grad
    assert torch.all(grad[1, :, 2] == 0)  # 2D-only: no z gradient
    assert torch.all(grad[1, :, :2].abs() > 0)  # but x, y train
    assert torch.all(grad[0, :, 2].abs()[weight[0] > 0] > 0)
    assert torch.all(grad[0, 3] == 0)  # unlabelled joint
    # the head's loss is the same term on its own read-out
    losses = head.loss(feats, samples)
    assert list(losses) == ['loss_3d']
    assert losses['loss_3d'].item() == pytest.approx(loss.item(), rel=1e-5)


def test_volume_read_out_and_decoding_to_metres():
    """A volume with all mass in one voxel decodes to that voxel's pixel
    and depth, back-projected at the ground-truth root depth."""
    head = make_head()
    vol = torch.full((1, J, 6, 8, 8), -1e4)
    vol[0, :, 2, 3, 3] = 0  # root and most joints: voxel (x 3, y 3, z 2)
    vol[0, 5, 2, 3, 3] = -1e4
    vol[0, 5, 4, 1, 6] = 0  # joint 5: x 6, y 1, z bin 4
    coords = head.integral(vol)
    # normalised (grid + 0.5) / size - 0.5
    np.testing.assert_allclose(coords[0, 5].numpy(),
                               [6.5 / 8 - 0.5, 1.5 / 8 - 0.5, 4.5 / 6 - 0.5],
                               atol=1e-6)
    meta = dict(camera=dict(f=np.array([[100.0], [100.0]]),
                            c=np.array([[15.5], [15.5]])),
                crop_matrix=np.eye(2, 3), gt_root_depth=5.0)
    sample = PoseDataSample(metainfo=meta)
    pred = head.decode(vol, [sample])[0]
    # joint 5: heatmap x 6 -> input (6 + 0.5) * 4 - 0.5 = 25.5, y 1 -> 5.5;
    # 2 bins (of 2 m / 6) behind the root's bin 2: depth 5 + 2 / 3 m
    np.testing.assert_allclose(pred.pred_keypoints_2d[5], [25.5, 5.5])
    z = 5 + 2 / 3
    np.testing.assert_allclose(
        pred.pred_keypoints_3d[5],
        [(25.5 - 15.5) * z / 100, (5.5 - 15.5) * z / 100, z], rtol=1e-5)
    # the root sits at the ground-truth depth, at its predicted pixel 13.5
    np.testing.assert_allclose(pred.pred_root, [-0.1, -0.1, 5.0], rtol=1e-5)
    with pytest.raises(ValueError, match=r'\(w, h, D\) = \(8, 8, 5\)'):
        head.integral(vol[:, :, :5])


def test_volume_flip_mirrors_x_swaps_joints_keeps_y_and_z():
    head = make_head()
    torch.manual_seed(0)
    vol = torch.randn(2, J, 6, 8, 8) * 3
    perm = H36M.flip_indices
    a = head.integral(vol)
    b = head.integral(flip_heatmaps(vol, perm))
    mirrored = a[:, perm].clone()
    mirrored[..., 0] = -mirrored[..., 0]  # x about the crop's centre
    torch.testing.assert_close(b, mirrored, atol=1e-6, rtol=0)


def test_flip_test_prediction_is_mirror_symmetric_in_3d():
    """With the principal point at the crop's centre line, the prediction
    for the mirrored image is the mirrored 3D pose (x -> -x, left and
    right swapped), and the flip test changes the result."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='ResNet', depth=18),
        head=dict(type='IntegralVolumetricHead', codec=CODEC,
                  deconv_channels=(8, 8, 8)),
        test_cfg=dict(flip_test=True)))
    from fixtures import flip_test_predictions
    a, b, c = flip_test_predictions(model, 'h36m')
    mirrored = b.pred_keypoints_3d[H36M.flip_indices].copy()
    mirrored[:, 0] = -mirrored[:, 0]
    np.testing.assert_allclose(a.pred_keypoints_3d, mirrored, atol=1e-5)
    assert np.abs(a.pred_keypoints_3d - c.pred_keypoints_3d).max() > 1e-4


def test_codec_and_skeleton_mismatch_errors():
    with pytest.raises(TypeError, match='use IntegralPose3DCodec'):
        MODELS.build(dict(type='IntegralVolumetricHead', in_channels=16,
                          codec=dict(type='GaussianHeatmapCodec')))
    with pytest.raises(ValueError, match="'hemlets' 18"):
        MODELS.build(dict(type='IntegralVolumetricHead', in_channels=16,
                          codec=CODEC, skeleton='hemlets'))


def test_human36m_images_and_mpii_through_the_integral_3d_baseline(
        tmp_path):
    """Human3.6M images with 3D in MMPose's layout (generated fixture files:
    npz + cameras.pkl + images) and MPII (2D-only) through the baseline's
    pipeline: the encoded target decodes back to the camera-space ground
    truth, and a mixed batch trains (finite loss, no z gradient from MPII)
    and predicts metres."""
    from mmengine.dataset import pseudo_collate

    from fixtures import make_h36m_image_fixture, make_mpii_fixture
    from pose3d_toolbox.registry import DATASETS
    h36m_paths = make_h36m_image_fixture(tmp_path / 'h36m')
    mpii_paths = make_mpii_fixture(tmp_path / 'mpii')
    codec = dict(CODEC, root_depth='ground_truth')
    pipeline = [dict(type='LoadImage'), dict(type='BBoxFromKeypoints'),
                dict(type='TopdownAffine', input_size=(32, 32)),
                dict(type='GenerateTarget', codec=codec),
                dict(type='PackPoseInputs', preset='topdown')]
    h36m = DATASETS.build(dict(
        type='Human3p6mDataset', data_root=h36m_paths['data_root'],
        ann_file=h36m_paths['test_ann'], pipeline=pipeline))
    mpii = DATASETS.build(dict(
        type='MpiiDataset', data_root=mpii_paths['data_root'],
        ann_file=mpii_paths['ann_file'],
        data_prefix=dict(img=mpii_paths['img_prefix']), pipeline=pipeline))
    samples = [h36m[0]['data_samples'], h36m[len(h36m) - 1]['data_samples']]
    # a perfect prediction: the encoded target itself
    target = np.stack([s.keypoints_3d_target for s in samples])
    out = IntegralPose3DCodec(**{k: v for k, v in codec.items()
                                 if k != 'type'}).decode(
        target, [s.metainfo for s in samples])
    gt = np.stack([s.gt_keypoints_3d for s in samples])
    assert gt[:, 0, 2].min() > 1  # camera space, metres
    np.testing.assert_allclose(out['keypoints_3d'], gt, atol=1e-4)

    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='TopdownPoseEstimator', backbone=dict(type='ResNet', depth=18),
        head=dict(type='IntegralVolumetricHead', codec=codec,
                  deconv_channels=(8, 8, 8))))
    batch = pseudo_collate([h36m[0], mpii[0], h36m[1], mpii[1]])
    data = model.data_preprocessor(batch, True)
    assert [bool(s.get('has_3d', True)) for s in data['data_samples']] == [
        True, False, True, False]
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_3d'])
    model.eval()
    with torch.no_grad():
        preds = model(**model.data_preprocessor(
            pseudo_collate([h36m[0], h36m[1]]), False), mode='predict')
    for pred in preds:
        assert pred.pred_keypoints_3d.shape == (J, 3)
        assert pred.pred_root[2] == pytest.approx(
            float(pred.gt_keypoints_3d[0, 2]), rel=1e-6)
        assert pred.pred_keypoints_2d.shape == (J, 2)


def test_missing_human36m_names_the_file_and_the_readme_section(tmp_path):
    from pose3d_toolbox.registry import DATASETS
    with pytest.raises(FileNotFoundError,
                       match=r"h36m_train\.npz.*Preparing datasets"):
        DATASETS.build(dict(type='Human3p6mDataset',
                            data_root=str(tmp_path / 'h36m'),
                            ann_file='annotation_body3d/fps10/h36m_train.npz'))
