"""HEMletsHead: Eq. 8's loss (alpha (L_HEM + L_2D) + the baseline's L_3D)
with Table 4's switches, decoding of the volume to camera metres with the
part depth order, the flip test of its three outputs, and GenerateTarget
with both codecs."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from pose3d_toolbox.codecs import (HEMletsCodec, IntegralPose3DCodec,
                                   part_flip_indices)
from pose3d_toolbox.datasets.transforms import GenerateTarget
from pose3d_toolbox.models.heads import HEMletsHead, HEMletsOutput
from pose3d_toolbox.models.losses import masked_map_l2
from pose3d_toolbox.models.utils import flip_heatmaps, flip_test
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import HEMLETS
from pose3d_toolbox.structures import PoseDataSample

init_default_scope('pose3d_toolbox')
J, K = 18, 14
CODEC = dict(type='IntegralPose3DCodec', input_size=(32, 32),
             heatmap_size=(8, 8), depth_bins=6, skeleton='hemlets')
HEM = dict(type='HEMletsCodec', input_size=(32, 32), heatmap_size=(8, 8),
           sigma=1.0, skeleton='hemlets')


def make_head(**kwargs):
    head = MODELS.build(dict(
        type='HEMletsHead', in_channels=16, codec=CODEC, hemlets_codec=HEM,
        deconv_channels=(8, 8, 8), feature_channels=16, fusion_channels=8,
        **kwargs))
    head.init_weights()
    return head


def make_samples(rng, has_3d):
    """Samples through GenerateTarget with both codecs (the configs'
    ``codec=[hem_codec, codec]``), with a camera and crop for decoding."""
    gen = GenerateTarget([HEM, CODEC])
    samples = []
    for with_3d in has_3d:
        kp3d = rng.normal(0, 0.3, (J, 3)) + (0, 0, 5)
        info = dict(keypoints_2d_crop=rng.uniform(2, 30, (J, 2)),
                    keypoints_3d_crop=kp3d, has_3d=with_3d)
        if with_3d:
            info['keypoints_3d'] = kp3d
        out = gen(info)
        s = PoseDataSample(metainfo=dict(
            skeleton='hemlets', crop_matrix=np.eye(3)[:2],
            camera=dict(f=[500.0, 500.0], c=[16.0, 16.0]),
            gt_root_depth=out.get('gt_root_depth', 5.0)))
        s.set_data({k: out[k] for k in (
            'heatmaps', 'target_weight', 'keypoints_3d_target',
            'hemlets_triplets', 'hemlets_weight')})
        s.set_data(dict(has_3d=with_3d))
        samples.append(s)
    return samples


def test_loss_is_eq8_with_table4_switches():
    rng = np.random.default_rng(0)
    samples = make_samples(rng, [True, False, True])
    feats = torch.randn(3, 16, 1, 1)
    torch.manual_seed(0)
    head = make_head()
    losses = head.loss(feats, samples)
    assert sorted(losses) == ['loss_2d', 'loss_3d', 'loss_hem']
    out = head(feats)
    stack = lambda key: torch.as_tensor(  # noqa: E731
        np.stack([s.get(key) for s in samples])).float()
    assert losses['loss_hem'].item() == pytest.approx(0.05 * masked_map_l2(
        out.triplets, stack('hemlets_triplets'), stack('hemlets_weight'),
        pixel_mean=True).item(), rel=1e-5)
    assert losses['loss_2d'].item() == pytest.approx(0.05 * masked_map_l2(
        out.heatmaps, stack('heatmaps'), stack('target_weight'),
        pixel_mean=True).item(), rel=1e-5)
    # L_3D is the integral baseline's, on the fused volume
    assert losses['loss_3d'].item() == pytest.approx(head.loss_3d(
        head.integral(out.volume), samples).item(), rel=1e-6)
    # the 2D-only sample has no HEMlets target (mask A = 0)
    assert samples[1].hemlets_weight.sum() == 0
    assert samples[0].hemlets_weight.sum() > 0
    for use_hem, use_2d, keys in [
            (False, True, ['loss_2d', 'loss_3d']),
            (True, False, ['loss_3d', 'loss_hem']),
            (False, False, ['loss_3d'])]:
        torch.manual_seed(0)
        switched = make_head(hemlets_loss=dict(
            type='HEMletsLoss', use_hem=use_hem, use_2d=use_2d))
        got = switched.loss(feats, samples)
        assert sorted(got) == keys
        assert got['loss_3d'].item() == pytest.approx(
            losses['loss_3d'].item(), rel=1e-6)


def test_every_output_trains_through_the_total_loss():
    rng = np.random.default_rng(1)
    samples = make_samples(rng, [True, True])
    head = make_head()
    feats = torch.randn(2, 16, 1, 1)
    sum(head.loss(feats, samples).values()).backward()
    for name, p in head.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    assert head.net.hemlets_branch[1].weight.grad.abs().sum() > 0


def test_predict_decodes_metres_and_part_order():
    rng = np.random.default_rng(2)
    samples = make_samples(rng, [True, True])
    head = make_head().eval()
    with torch.no_grad():
        out = head(torch.randn(2, 16, 1, 1))
        preds = head.decode(out, samples)
    for i, pred in enumerate(preds):
        assert pred.pred_keypoints_3d.shape == (J, 3)
        assert pred.pred_keypoints_2d.shape == (J, 2)
        # root_depth='ground_truth': the root at the sample's depth
        assert pred.pred_root[2] == pytest.approx(
            float(samples[i].metainfo['gt_root_depth']), rel=1e-6)
        assert pred.pred_part_depth_order.shape == (K, )
        assert set(np.unique(pred.pred_part_depth_order)) <= {-1, 0, 1}
    # the 3D prediction is the baseline's read-out of the volume
    coords = head.integral(out.volume).numpy()
    ref = IntegralPose3DCodec(**{k: v for k, v in CODEC.items()
                                 if k != 'type'}).decode(
        coords, [s.metainfo for s in samples])
    np.testing.assert_allclose(preds[0].pred_keypoints_3d,
                               ref['keypoints_3d'][0], rtol=1e-6)
    # a perfect HEMlets branch gives the ground-truth depth order
    hem = HEMletsCodec(**{k: v for k, v in HEM.items() if k != 'type'})
    perfect = HEMletsOutput(
        torch.as_tensor(np.stack([s.hemlets_triplets for s in samples])),
        torch.as_tensor(np.stack([s.heatmaps for s in samples])),
        out.volume)
    decoded = head.decode_outputs(perfect, [s.metainfo for s in samples])
    gt = hem.decode(perfect.maps().numpy(), [s.metainfo for s in samples])
    np.testing.assert_array_equal(decoded['part_depth_order'],
                                  gt['part_depth_order'])
    assert not make_head(decode_part_order=False).decode_outputs(
        perfect, [s.metainfo for s in samples]).keys() & {
            'part_depth_order', 'part_depth_states'}


def test_flip_test_averages_every_output_mirrored_back():
    head = make_head().eval()
    x = torch.randn(2, 16, 1, 2)
    with torch.no_grad():
        avg = flip_test(head, x, lambda t: t.flip(-1),
                        lambda o: head.flip_output(o, 'hemlets'))
        a, b = head(x), head(x.flip(-1))
    assert isinstance(avg, HEMletsOutput)
    torch.testing.assert_close(avg.volume, (a.volume + flip_heatmaps(
        b.volume, HEMLETS.flip_indices)) / 2)
    torch.testing.assert_close(avg.triplets, (a.triplets + flip_heatmaps(
        b.triplets, part_flip_indices(HEMLETS))) / 2)
    torch.testing.assert_close(avg.heatmaps, (a.heatmaps + flip_heatmaps(
        b.heatmaps, HEMLETS.flip_indices)) / 2)


def test_generate_target_with_two_codecs_and_their_disagreement():
    rng = np.random.default_rng(3)
    kp = rng.uniform(2, 30, (J, 2))
    info = dict(keypoints_2d_crop=kp, has_3d=False)
    out = GenerateTarget([HEM, CODEC])(dict(info))
    for key in ('hemlets_triplets', 'heatmaps', 'keypoints_3d_target',
                'target_weight'):
        assert key in out
    assert isinstance(GenerateTarget(CODEC).codec, IntegralPose3DCodec)
    kp[0] = (40, 10)  # inside a 64 px crop only: target weights differ
    with pytest.raises(ValueError, match="'target_weight'"):
        GenerateTarget([HEM, dict(CODEC, input_size=(64, 64))])(
            dict(info, keypoints_2d_crop=kp))
    with pytest.raises(ValueError, match='empty list'):
        GenerateTarget([])


def test_codec_mismatch_errors():
    with pytest.raises(ValueError, match='must agree'):
        MODELS.build(dict(
            type='HEMletsHead', in_channels=16, codec=CODEC,
            hemlets_codec=dict(HEM, heatmap_size=(16, 16)),
            deconv_channels=(8, 8, 8)))
    with pytest.raises(TypeError, match='HEMletsCodec'):
        HEMletsHead(16, CODEC, dict(CODEC), deconv_channels=(8, 8, 8))


def test_estimator_flip_test_is_mirror_symmetric_in_3d_and_part_order():
    """TopdownPoseEstimator with the head and flip_test: the prediction for
    the mirrored crop is the mirrored 3D pose (x -> -x, left and right
    swapped) and the mirrored part order (parts swapped, depth unchanged);
    the flip test changes the result."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='TopdownPoseEstimator', skeleton='hemlets',
        backbone=dict(type='ResNet', depth=18),
        head=dict(type='HEMletsHead', codec=CODEC, hemlets_codec=HEM,
                  deconv_channels=(8, 8, 8), feature_channels=16,
                  fusion_channels=8),
        test_cfg=dict(flip_test=True)))
    from fixtures import flip_test_predictions
    a, b, c = flip_test_predictions(model, 'hemlets')
    mirrored = b.pred_keypoints_3d[HEMLETS.flip_indices].copy()
    mirrored[:, 0] = -mirrored[:, 0]
    np.testing.assert_allclose(a.pred_keypoints_3d, mirrored, atol=1e-5)
    assert np.abs(a.pred_keypoints_3d - c.pred_keypoints_3d).max() > 1e-4
    assert len(set(a.pred_part_depth_states)) > 1  # not all one state
    np.testing.assert_array_equal(
        a.pred_part_depth_states,
        b.pred_part_depth_states[part_flip_indices(HEMLETS)])
