"""Depth-aware heatmaps: the U-shape neck with and without pyramid pooling,
the head's equations on hand-computed cases (Eq. 2-3 as implemented), the
4098 numbers per joint, the loss masking of 2D-only samples, decoding
through IntegralPose3DCodec and the flip test."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from pose3d_toolbox.models.heads import (DepthAwareOutput,
                                         depth_aware_heatmaps,
                                         stage_heatmap_targets)
from pose3d_toolbox.models.necks import PyramidPooling, UShapeNeck
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.structures import PoseDataSample
from test_integral_volumetric_head import CODEC, J, make_samples

init_default_scope('pose3d_toolbox')


def make_head(**kwargs):
    kwargs = dict(dict(in_channels=6, codec=CODEC, sigma=2.0), **kwargs)
    return MODELS.build(dict(type='DepthAwareHead', **kwargs))


def stage_feats(n=3, channels=6, sizes=(1, 2, 4, 8)):
    return tuple(torch.randn(n, channels, s, s) for s in sizes)


def test_depth_aware_heatmap_by_hand():
    """D = A + e B (Eq. 3's P(J_xy | J_E), first order in e)."""
    A = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 1, 2, 2)
    B = torch.tensor([[1.0, 0.0], [0.0, -1.0]]).view(1, 1, 2, 2)
    D = depth_aware_heatmaps(A, B, torch.tensor([[0.5]]))
    np.testing.assert_allclose(D[0, 0].numpy(), [[1.5, 2.0], [3.0, 3.5]])
    # e = 0 (the joint at its mean depth): the plain heatmap
    assert torch.equal(depth_aware_heatmaps(A, B, torch.zeros(1, 1, 1)), A)


def test_stage_targets_place_the_normalised_point_at_every_size():
    """Normalised x, y (border at +-0.5) -> grid (x + 0.5) n - 0.5."""
    # grid x 2 of an 8-wide map: normalised (2 + 0.5) / 8 - 0.5
    point = torch.tensor([[[2.5 / 8 - 0.5, 5.5 / 8 - 0.5]]])
    maps = stage_heatmap_targets(point, (8, 8), sigma=1.0)
    assert maps.shape == (1, 1, 8, 8)
    assert maps[0, 0, 5, 2] == 1 and maps[0, 0].argmax() == 5 * 8 + 2
    # at 4 x 4 the same point sits at grid (0.75, 2.25)
    maps = stage_heatmap_targets(point, (4, 4), sigma=1.0)
    d2 = (1 - 0.75)**2 + (2 - 2.25)**2
    assert maps[0, 0, 2, 1].item() == pytest.approx(np.exp(-d2 / 2),
                                                    rel=1e-6)


def test_stage_by_hand_and_numbers_per_joint():
    """One stage with set weights: A, B from the 1x1 convolution, z and e
    from the pooled features; output 64 x 64 + 2 numbers per joint."""
    head = make_head(in_channels=2, num_stages=1, codec=dict(
        CODEC, heatmap_size=(4, 4)))
    stage = head.stages[0]
    with torch.no_grad():
        stage.maps.weight.zero_()
        stage.maps.bias.zero_()
        stage.maps.weight[:J, 0] = 1.0  # A_k = channel 0
        stage.maps.weight[J:, 1] = 1.0  # B_k = channel 1
        stage.scalars.weight.zero_()
        stage.scalars.bias.zero_()
        stage.scalars.weight[:J, 0] = 1.0  # z_k = mean of channel 0
        stage.scalars.weight[J:, 1] = 2.0  # e_k = 2 mean of channel 1
    x = torch.randn(1, 2, 4, 4)
    with torch.no_grad():
        out = head(x)
    e = 2 * x[0, 1].mean()
    np.testing.assert_allclose(out.depth[0].numpy(),
                               np.full(J, x[0, 0].mean().item()), rtol=1e-5)
    np.testing.assert_allclose(out.embedding[0, :, 0].numpy(),
                               np.full(J, e.item()), rtol=1e-5)
    np.testing.assert_allclose(out.heatmaps[0, 3].numpy(),
                               (x[0, 0] + e * x[0, 1]).numpy(), rtol=1e-5,
                               atol=1e-6)
    # Table 1: 64 x 64 + 2 (depth-aware), 64 x 64 + 1 (baseline)
    big = make_head(codec=dict(CODEC, input_size=(256, 256),
                               heatmap_size=(64, 64)))
    feats = stage_feats(1, 6, (8, 16, 32, 64))
    torch.set_grad_enabled(False)
    assert big(feats).numbers_per_joint() == 4098
    base = make_head(depth_aware=False, codec=dict(
        CODEC, input_size=(256, 256), heatmap_size=(64, 64)))
    out = base(feats)
    assert out.numbers_per_joint() == 4097
    assert out.embedding.shape == (1, J, 0)
    assert [o.heatmaps.shape[-1] for o in big.forward_stages(feats)] == [
        8, 16, 32, 64]
    torch.set_grad_enabled(True)


def test_loss_by_hand_and_2d_only_samples_train_only_the_heatmaps():
    torch.manual_seed(0)
    head = make_head()
    rng = np.random.default_rng(0)
    samples = make_samples(rng, [True, False, True])
    samples[0].target_weight[3] = 0  # an unlabelled joint
    feats = stage_feats()
    outs = head.forward_stages(feats)
    losses = head.loss(feats, samples)
    assert sorted(losses) == ['loss_depth', 'loss_embedding', 'loss_heatmap']
    target = np.stack([s.keypoints_3d_target for s in samples])
    w = np.stack([s.target_weight for s in samples])
    w3 = w * np.array([1.0, 0.0, 1.0])[:, None]
    heat = depth = emb = 0
    for out in outs:
        n = out.heatmaps.shape[-1]
        sigma = max(2.0 * n / 8, 1.0)  # sigma scaled, at least 1 px
        ys, xs = np.mgrid[:n, :n]
        grid = (target[..., :2] + 0.5) * n - 0.5
        gauss = np.exp(-((xs - grid[..., 0, None, None])**2
                         + (ys - grid[..., 1, None, None])**2)
                       / (2 * sigma**2))
        per_map = ((out.heatmaps.detach().numpy() - gauss)**2).mean((-2, -1))
        heat += (per_map * w).sum() / w.sum()
        z = target[..., 2]
        depth += ((out.depth.detach().numpy() - z)**2 * w3).sum() / w3.sum()
        emb += ((out.embedding[..., 0].detach().numpy() - z)**2
                * w3).sum() / w3.sum()
    assert losses['loss_heatmap'].item() == pytest.approx(heat, rel=1e-4)
    assert losses['loss_depth'].item() == pytest.approx(depth, rel=1e-4)
    assert losses['loss_embedding'].item() == pytest.approx(emb, rel=1e-4)
    # gradients of the depth and embedding terms: none for the 2D-only
    # sample or an unlabelled joint (the heatmap term still reaches e, as
    # D depends on it, and trains the 2D-only sample's heatmaps)
    outs = head.forward_stages(feats)
    for out in outs:
        for t in out:
            t.retain_grad()
    head.forward_stages = lambda f: outs
    losses = head.loss(feats, samples)
    (losses['loss_depth'] + losses['loss_embedding']).backward(
        retain_graph=True)
    for out in outs:
        for t in (out.depth, out.embedding):
            assert torch.all(t.grad[1] == 0) and torch.all(t.grad[0, 3] == 0)
            assert torch.all(t.grad[2].abs() > 0)
        assert out.heatmaps.grad is None
    losses['loss_heatmap'].backward()
    for out in outs:
        assert torch.all(out.heatmaps.grad[1].abs().sum((-2, -1)) > 0)
        assert torch.all(out.heatmaps.grad[0, 3] == 0)


def test_eq2_embedding_equal_to_the_depth_has_zero_loss():
    """Eq. 2 as trained: e = z* (and z = z*) for every 3D sample gives zero
    embedding and depth losses, whatever the 2D-only samples hold."""
    head = make_head(num_stages=1)
    samples = make_samples(np.random.default_rng(1), [True, False])
    z = torch.as_tensor(np.stack([s.keypoints_3d_target[:, 2]
                                  for s in samples]))
    z[1] = 7.0  # a 2D-only sample: not trained
    out = DepthAwareOutput(torch.zeros(2, J, 8, 8), z.clone(), z[..., None])
    head.forward_stages = lambda feats: [out]
    losses = head.loss(None, samples)
    assert losses['loss_depth'].item() == 0
    assert losses['loss_embedding'].item() == 0
    assert losses['loss_heatmap'].item() > 0


def test_decoding_through_the_codec_to_metres():
    """A Gaussian heatmap peak and a depth decode to that pixel and depth,
    back-projected at the ground-truth root depth."""
    head = make_head(num_stages=1)
    hm = torch.zeros(1, J, 8, 8)
    hm[0, :, 3, 3] = 1
    hm[0, 5] = torch.from_numpy(stage_heatmap_targets(
        torch.tensor([[[6.5 / 8 - 0.5, 1.5 / 8 - 0.5]]]), (8, 8),
        1.0)[0, 0].numpy())
    depth = torch.zeros(1, J)
    depth[0, 5] = 1 / 3  # normalised: 1/3 of the 2 m range behind the root
    out = DepthAwareOutput(hm, depth, torch.zeros(1, J, 1))
    meta = dict(camera=dict(f=np.array([[100.0], [100.0]]),
                            c=np.array([[15.5], [15.5]])),
                crop_matrix=np.eye(2, 3), gt_root_depth=5.0)
    pred = head.decode(out, [PoseDataSample(metainfo=meta)])[0]
    # heatmap (6, 1) -> input (6 + 0.5) * 4 - 0.5 = 25.5, 5.5
    np.testing.assert_allclose(pred.pred_keypoints_2d[5], [25.5, 5.5],
                               atol=1e-4)
    Z = 5 + 2 / 3
    np.testing.assert_allclose(
        pred.pred_keypoints_3d[5], [10 * Z / 100, -10 * Z / 100, Z],
        rtol=1e-4)
    np.testing.assert_allclose(pred.pred_root, [(13.5 - 15.5) * 5 / 100,
                                                (13.5 - 15.5) * 5 / 100, 5],
                               rtol=1e-5)
    assert pred.pred_keypoint_scores[5] == pytest.approx(1.0)


def test_wrong_sizes_name_the_fix():
    head = make_head()
    with pytest.raises(ValueError, match='heatmap_size'):
        head.forward_stages(stage_feats(sizes=(2, 4, 8, 16)))
    with pytest.raises(ValueError, match='num_stages'):
        head.forward_stages(stage_feats(sizes=(4, 8)))
    with pytest.raises(ValueError, match='joints'):
        make_head(codec=dict(CODEC, skeleton='hemlets'))


@pytest.mark.parametrize('pyramid_pooling', [True, False])
def test_neck_shapes_with_and_without_pyramid_pooling(pyramid_pooling):
    neck = UShapeNeck((8, 16, 32, 64), out_channels=12,
                      pyramid_pooling=pyramid_pooling)
    feats = [torch.randn(2, c, s, s) for c, s in
             zip((8, 16, 32, 64), (16, 8, 4, 2))]
    outs = neck(feats)
    assert [tuple(o.shape) for o in outs] == [(2, 12, s, s)
                                              for s in (2, 4, 8, 16)]
    fuse_in = neck.fuses[0][0].in_channels
    # PSPNet's 4 branches of 12 // 4 = 3 channels beside the 12
    assert fuse_in == (12 + 4 * 3 if pyramid_pooling else 12)
    assert all(isinstance(p, PyramidPooling) == pyramid_pooling
               for p in neck.pools)
    with pytest.raises(ValueError, match='out_indices'):
        neck(feats[-1])


def test_pyramid_pooling_by_hand():
    """A spatially constant map: every bin's average is the map's value, so
    each branch is relu(W x + b) everywhere."""
    pool = PyramidPooling(4, bins=(1, 2, 4, 6))
    x = torch.arange(4.0).view(1, 4, 1, 1).expand(1, 4, 5, 5)
    y = pool(x)
    assert y.shape == (1, 4 + 4 * 1, 5, 5)
    assert torch.equal(y[:, :4], x)
    for i, branch in enumerate(pool.branches):
        conv = branch[0]
        value = torch.relu(conv.weight[0, :, 0, 0] @ torch.arange(4.0)
                           + conv.bias[0])
        torch.testing.assert_close(y[0, 4 + i], value.expand(5, 5))


def model(**head):
    return MODELS.build(dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='ResNet', depth=18, out_indices=(0, 1, 2, 3)),
        neck=dict(type='UShapeNeck', out_channels=8),
        head=dict(type='DepthAwareHead', codec=CODEC, **head),
        test_cfg=dict(flip_test=True)))


def test_estimator_fills_in_channels_and_trains():
    m = model()
    assert m.neck.in_channels == (64, 128, 256, 512)
    assert m.head.stages[0].maps.in_channels == 8
    samples = make_samples(np.random.default_rng(2), [True, False])
    losses = m(torch.randn(2, 3, 32, 32), samples, 'loss')
    sum(losses.values()).backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None]
    assert not missing


@pytest.mark.parametrize('depth_aware', [True, False])
def test_estimator_flip_test_is_mirror_symmetric(depth_aware):
    """The flip test mirrors heatmaps back and swaps left and right depths
    and embeddings: the mirrored crop predicts the mirrored 3D pose."""
    torch.manual_seed(0)
    from fixtures import flip_test_predictions
    a, b, c = flip_test_predictions(model(depth_aware=depth_aware), 'h36m')
    mirrored = b.pred_keypoints_3d[H36M.flip_indices].copy()
    mirrored[:, 0] = -mirrored[:, 0]
    np.testing.assert_allclose(a.pred_keypoints_3d, mirrored, atol=1e-5)
    assert np.abs(a.pred_keypoints_3d - c.pred_keypoints_3d).max() > 1e-4
