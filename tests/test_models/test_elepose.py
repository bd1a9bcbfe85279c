"""ElePose: codec, geometry, losses, the two estimators, metrics, priors."""
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from pose3d_toolbox.codecs import (ElePoseCodec, mean_head_distance,
                                 normalize_head)
from pose3d_toolbox.models.losses import (ElePoseLoss, bone_prior_nll,
                                          deformation_loss, pose_distance,
                                          relative_bone_lengths,
                                          reprojection_l1)
from pose3d_toolbox.geometry import (axis_rotation, lift_with_depth,
                                     perspective_project)
from pose3d_toolbox.models.pose_estimators.elepose import virtual_rotations
from pose3d_toolbox.registry import METRICS, MODELS
from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.structures import PoseDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
J = 17


def tiny_cfg(stage, **lifter):
    init_default_scope('pose3d_toolbox')
    codec = dict(type='ElePoseCodec')
    prior = dict(num_bases=6, flow=dict(num_blocks=2, hidden=16))
    if stage == 'flow':
        return dict(type='ElePoseFlow', codec=codec, prior=prior)
    return dict(type='ElePose', codec=codec, prior=prior,
                lifter=dict(type='ElePoseLiftingNet', width=32,
                            num_common_blocks=1, num_branch_blocks=1,
                            **lifter),
                loss=dict(type='ElePoseLoss', bone_prior='h36m'),
                num_nll_rotations=7)


def poses_2d(n, seed=0):
    """Normalised 2D poses: the projection of H36M-like random poses."""
    rng = np.random.default_rng(seed)
    offsets = rng.normal(0, 0.3, (n, J, 3))
    offsets[:, 10] = [0, -0.7, 0]  # head above the pelvis (y down)
    poses = np.cumsum(offsets[:, H36M.kinematic_order], 1)  # any shape
    x = poses[..., :2] / (poses[..., 2:] + 10)
    return torch.as_tensor(normalize_head(x, mean_head_distance(x)),
                           dtype=torch.float32)


def samples(n):
    out = []
    for _ in range(n):
        s = PoseDataSample()
        s.gt_keypoints_3d = np.random.default_rng(0).normal(size=(J, 3))
        out.append(s)
    return out


# ---------------------------------------------------------------- codec --
def test_normalize_head_divides_by_the_mean_head_distance():
    kp = np.zeros((2, J, 2))
    kp[:, 10] = [[0, -30], [40, 0]]  # root-to-head 30 and 40 px
    kp += [[[500, 400]], [[100, 200]]]  # anywhere in the image
    assert mean_head_distance(kp) == pytest.approx(35.0)
    x = normalize_head(kp, 35.0)
    np.testing.assert_allclose(x[:, 0], 0, atol=1e-12)
    # one divisor for all poses: the relative image size is kept
    np.testing.assert_allclose(x[:, 10], [[0, -3 / 35], [4 / 35, 0]])
    np.testing.assert_allclose(normalize_head(kp + 7, 35.0), x, atol=1e-12)
    codec = ElePoseCodec(head_distance=35.0)
    enc = codec.encode(dict(keypoints_2d=kp, keypoints_3d=np.ones((2, J, 3)),
                            target_index=0))
    np.testing.assert_allclose(enc['lifting_input'], x, rtol=1e-6)
    with pytest.raises(ValueError, match='mean_head_distance'):
        ElePoseCodec(head_distance=0)


def test_codec_decodes_its_units_to_metres():
    codec = ElePoseCodec(metres_per_unit=0.5)
    out = codec.decode(np.ones((2, J, 3)), [{}, {}])['keypoints_3d']
    np.testing.assert_allclose(out[:, 0], 0)
    np.testing.assert_allclose(out[:, 1:], 0)  # all ones, root removed
    y = np.arange(J * 3, dtype=np.float32).reshape(1, J, 3)
    out = codec.decode(y, [{}])['keypoints_3d']
    np.testing.assert_allclose(out, (y - y[:, :1]) * 0.5)


# ------------------------------------------------------------- geometry --
def test_lift_then_project_returns_the_input():
    x = poses_2d(8)
    d = torch.randn(8, J)
    y = lift_with_depth(x, d)
    np.testing.assert_allclose(y[:, 0], 0, atol=1e-7)
    np.testing.assert_allclose(perspective_project(y), x, atol=1e-6)
    # the root's offset is ignored, depths are clipped at 1
    w = y[..., 2] + 10
    assert float(w.min()) >= 1 - 1e-6
    y2 = lift_with_depth(x, torch.full((8, J), -50.0))
    np.testing.assert_allclose(y2[:, 1:, 2], -9.0)  # w = 1, root at 10
    np.testing.assert_allclose(y2[:, 0], 0, atol=1e-7)


def test_virtual_rotation_keeps_the_tilted_up_axis():
    """With sigma = 0 and elevation e for every sample, R = Rx(-e) Ry(a)
    Rx(e) rotates about the camera-tilted vertical Rx(-e) y: that axis is
    fixed, and the rotation is proper."""
    e = torch.full((64,), 0.3)
    rot = virtual_rotations(64, e, elevation_mean=torch.tensor(0.3),
                            elevation_std=torch.tensor(0.0))
    axis = axis_rotation('x', torch.tensor(-0.3)) @ torch.tensor([0., 1, 0])
    np.testing.assert_allclose(rot @ axis, axis.expand(64, 3), atol=1e-6)
    np.testing.assert_allclose(torch.linalg.det(rot), np.ones(64), atol=1e-6)
    # azimuths cover the circle
    angles = torch.atan2(rot[:, 0, 2], rot[:, 0, 0])
    assert float(angles.max() - angles.min()) > 5


def test_virtual_rotations_are_reparameterised():
    e = torch.randn(32, requires_grad=True)
    rot = virtual_rotations(32, e)
    rot.sum().backward()
    assert e.grad is not None and float(e.grad.abs().sum()) > 0


def test_fixed_elevation_prior_without_the_branch():
    torch.manual_seed(0)
    rot = virtual_rotations(500, None, fixed_range=0.2)
    # the camera's tilt: angle of the rotated y axis out of the x-y plane
    tilt = torch.asin(rot[:, 2, 1])
    assert float(tilt.abs().max()) <= 0.2 + 1e-6
    assert float(tilt.abs().max()) > 0.15


# --------------------------------------------------------------- losses --
def test_relative_bone_lengths_and_prior_by_hand():
    prior = torch.tensor(H36M.extras['elepose_bone_priors']['h36m'])
    # a pose whose bones have exactly the prior's proportions (any scale)
    pose = torch.zeros(1, J, 3)
    for k, (c, p) in enumerate(H36M.bones):
        direction = torch.tensor([math.cos(k), math.sin(k), 0.5 * k % 1])
        pose[0, c] = pose[0, p] + 0.3 * prior[k] * direction / direction.norm()
    np.testing.assert_allclose(relative_bone_lengths(pose, H36M.bones)[0],
                               prior / prior.mean(), rtol=1e-5)
    assert prior.mean() == pytest.approx(1.0, abs=1e-3)
    nll = bone_prior_nll(pose, H36M.bones, prior / prior.mean(), 2**-0.5)
    assert float(nll) == pytest.approx(0.0, abs=1e-8)
    # sigma 1/sqrt(2): plain sum of squared differences (authors' code)
    shifted = bone_prior_nll(pose, H36M.bones, prior / prior.mean() + 0.1,
                             2**-0.5)
    assert float(shifted) == pytest.approx(16 * 0.01, rel=1e-4)


def test_pose_losses_by_hand():
    a = torch.zeros(4, J, 3)
    b = a.clone()
    b[:, 3, 0] = 3.0
    b[:, 5, 1] = 4.0
    np.testing.assert_allclose(pose_distance(a, b), [5.0] * 4)
    # deformation loss ignores a common offset of each pose of a pair
    rec = a + torch.tensor([0.0, 1.0, 2.0, 3.0])[:, None, None]
    np.testing.assert_allclose(deformation_loss(a, rec),
                               [math.sqrt(3 * J)] * 2, rtol=1e-6)
    np.testing.assert_allclose(deformation_loss(a, a + 7), [0, 0])
    assert deformation_loss(a[:3], a[:3] + 1).shape == (1, )
    np.testing.assert_allclose(
        reprojection_l1(a[..., :2], b[..., :2]), [7.0] * 4)


def test_loss_weights_switch_terms_off():
    loss = ElePoseLoss(loss_weights={'bone': 0})
    assert 'loss_bone' not in loss(*[torch.zeros(2)] + [torch.zeros(
        2, J, 3)] * 4 + [torch.zeros(2, J, 2)] * 2)
    with pytest.raises(KeyError, match='unknown loss_weights'):
        ElePoseLoss(loss_weights={'bones': 1})
    with pytest.raises(KeyError, match='no ElePose bone prior'):
        ElePoseLoss(bone_prior='mpii')


def test_cmu_bone_prior_matches_the_training_subjects():
    """The 'cmu' prior in skeletons.py is recomputed from the embedded
    data's training subjects (never the test subjects)."""
    from pose3d_toolbox.datasets.mocap import (CMU_TRAIN_SUBJECTS,
                                               load_cmu_mocap)
    takes = load_cmu_mocap(subjects=CMU_TRAIN_SUBJECTS)
    bones = np.array(H36M.bones)
    per_subject = []
    for subject in sorted({t['subject'] for t in takes}):
        x = np.concatenate([t['keypoints_3d'] for t in takes
                            if t['subject'] == subject]).astype(np.float64)
        per_subject.append(np.linalg.norm(
            x[:, bones[:, 0]] - x[:, bones[:, 1]], axis=-1).mean(0))
    lengths = np.mean(per_subject, 0)
    child_index = {c: k for k, (c, _) in enumerate(H36M.bones)}
    mirror = [child_index[H36M.flip_indices[c]] for c, _ in H36M.bones]
    lengths = 0.5 * (lengths + lengths[mirror])
    np.testing.assert_allclose(H36M.extras['elepose_bone_priors']['cmu'],
                               lengths / lengths.mean(), atol=6e-5)


def test_cmu_head_distance_matches_the_training_poses():
    """configs/elepose-flow_cmu.py divides by the mean root-to-head distance
    of the training 2D poses it reads (fixed rig), recomputed here."""
    from pose3d_toolbox.registry import DATASETS
    init_default_scope('pose3d_toolbox')
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..',
                                   'configs', 'elepose-flow_cmu.py'))
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset,
                                  pipeline=[]))
    kp = np.concatenate([v['keypoints_2d'] for v in dataset.videos])
    assert cfg.model.codec.head_distance == pytest.approx(
        mean_head_distance(kp), abs=0.01)


# ----------------------------------------------------------- estimators --
def test_flow_stage_fits_pca_and_predicts_nll_and_flat_pose():
    model = MODELS.build(tiny_cfg('flow'))
    x = poses_2d(32)
    with pytest.warns(UserWarning, match='FitPosePCAHook'):
        losses = model(x[:, None], samples(32), mode='loss')
    assert model.prior.pca.is_fitted
    assert torch.isfinite(losses['loss_nll'])
    preds = model(x[:4, None], samples(4), mode='predict')
    nll = model.prior.nll(x[:4]).detach().numpy()
    for i, p in enumerate(preds):
        assert p.pred_nll == pytest.approx(float(nll[i]), rel=1e-5)
        flat = np.asarray(p.pred_keypoints_3d)
        np.testing.assert_allclose(flat[:, 2], 0, atol=1e-6)  # zero depth
        np.testing.assert_allclose(flat[:, :2], x[i].numpy() * 10 * 0.7,
                                   rtol=1e-5, atol=1e-6)


def save_stage1(tmp_path, model):
    path = tmp_path / 'epoch_1.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()), path)
    return path


def test_lifter_loads_freezes_and_keeps_the_flow(tmp_path):
    torch.manual_seed(0)
    flow_model = MODELS.build(tiny_cfg('flow'))
    flow_model.prior.pca.fit(poses_2d(64))
    save_stage1(tmp_path, flow_model)
    cfg = dict(tiny_cfg('lifter'), flow_checkpoint=str(tmp_path))  # a dir
    model = MODELS.build(cfg)
    assert bool(model.flow_ready)
    for (name, a), b in zip(model.prior.state_dict().items(),
                            flow_model.prior.state_dict().values()):
        assert torch.equal(a, b), name
    assert not any(p.requires_grad for p in model.prior.parameters())
    before = {k: v.clone() for k, v in model.prior.state_dict().items()}
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad],
                           lr=1e-2)
    x = poses_2d(16, seed=1)
    model.train()
    losses = model(x[:, None], samples(16), mode='loss')
    assert set(losses) == {'loss_nf', 'loss_bone', 'loss_3d', 'loss_def',
                           'loss_2d'}
    sum(losses.values()).backward()
    opt.step()
    for k, v in model.prior.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert int(model.elevation_batches) == 1
    assert float(model.elevation_std) > 0
    # the stage-2 state dict carries the prior, so testing needs only it
    with pytest.warns(UserWarning, match='randomly initialised'):
        again = MODELS.build(tiny_cfg('lifter'))
    assert not bool(again.flow_ready)
    again.load_state_dict(model.state_dict())
    assert bool(again.flow_ready)


def test_lifter_refuses_to_train_without_a_flow(tmp_path):
    missing = tmp_path / 'nowhere.pth'
    with pytest.warns(UserWarning, match='does not exist'):
        model = MODELS.build(dict(tiny_cfg('lifter'),
                                  flow_checkpoint=str(missing)))
    data = dict(inputs=[t for t in poses_2d(4)[:, None]],
                data_samples=samples(4))
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        model.train_step(data, None)


def test_lifter_rejects_a_mismatched_flow(tmp_path):
    flow_model = MODELS.build(tiny_cfg('flow'))
    flow_model.prior.pca.fit(poses_2d(64))
    path = save_stage1(tmp_path, flow_model)
    cfg = tiny_cfg('lifter')
    cfg['prior'] = dict(num_bases=8, flow=dict(num_blocks=2, hidden=16))
    with pytest.raises(RuntimeError, match='must equal those of the '
                       'stage-1'):
        MODELS.build(dict(cfg, flow_checkpoint=str(path)))


@pytest.mark.parametrize('elevation', [True, False])
def test_lifter_predicts_pose_elevation_and_reproducible_nll(elevation):
    torch.manual_seed(0)
    with pytest.warns(UserWarning):
        model = MODELS.build(tiny_cfg('lifter', elevation=elevation))
    model.prior.pca.fit(poses_2d(64))
    model.eval()
    x = poses_2d(5)
    a = model(x[:, None], samples(5), mode='predict')
    b = model(x[:, None], samples(5), mode='predict')
    for p, q in zip(a, b):
        assert np.isfinite(p.pred_nll) and p.pred_nll == q.pred_nll
        np.testing.assert_allclose(np.asarray(p.pred_keypoints_3d)[0], 0)
        assert ('pred_elevation' in p) == elevation
    # the NLL is the mean over the same rotations for every pose: one
    # rotation at a time, or one pose at a time, agrees
    poses, elev = model._lift(x)
    many = model.rotation_nll(poses, elev, max_chunk=1)
    np.testing.assert_allclose(many, [p.pred_nll for p in a], rtol=1e-5)
    one = model.rotation_nll(poses[3:4], None if elev is None else elev[3:4])
    assert float(one) == pytest.approx(a[3].pred_nll, rel=1e-5)


# -------------------------------------------------------------- metrics --
def test_nll_error_correlation_metric_and_plot(tmp_path):
    rng = np.random.default_rng(0)
    out = tmp_path / 'fig.png'
    metric = METRICS.build(dict(type='NLLErrorCorrelationMetric',
                                out_file=str(out), bins=(0, 100, 10)))
    batch = []
    for i in range(60):
        gt = rng.normal(0, 0.3, (J, 3))
        noise = rng.normal(0, 0.002 * (i + 1), (J, 3))
        batch.append(dict(gt_keypoints_3d=gt, pred_keypoints_3d=gt + noise,
                          pred_nll=float(i + rng.normal(0, 5))))
    metric.process({}, batch)
    values = metric.evaluate(60)
    assert values['nll_pearson'] > 0.8 and values['nll_spearman'] > 0.8
    assert values['nll'] == pytest.approx(
        np.mean([b['pred_nll'] for b in batch]))
    assert out.stat().st_size > 1000
    mean = METRICS.build(dict(type='MeanNLLMetric'))
    mean.process({}, batch)
    assert mean.evaluate(60)['nll_median'] == pytest.approx(
        np.median([b['pred_nll'] for b in batch]))


def test_stage_two_configs_reuse_stage_one_prior():
    for dataset in ('cmu', 'h36m'):
        flow = Config.fromfile(osp.join(REPO, f'configs/elepose-flow_'
                                        f'{dataset}.py'))
        lifter = Config.fromfile(osp.join(REPO, f'configs/elepose_'
                                          f'{dataset}.py'))
        assert lifter.model.prior == flow.model.prior
        assert lifter.model.codec == flow.model.codec
        assert lifter.model.flow_checkpoint == \
            f'work_dirs/elepose-flow_{dataset}'
        assert lifter.model.loss.bone_prior == dataset


def test_fit_pca_hook_reads_the_training_inputs_once():
    from types import SimpleNamespace

    from pose3d_toolbox.engine.hooks import FitPosePCAHook
    model = MODELS.build(tiny_cfg('flow'))
    x = poses_2d(40)
    dataset = [dict(inputs=x[i][None], data_samples=None) for i in range(40)]
    runner = SimpleNamespace(
        model=model, train_dataloader=SimpleNamespace(dataset=dataset))
    FitPosePCAHook(batch_size=16).before_train(runner)
    assert model.prior.pca.is_fitted
    np.testing.assert_allclose(model.prior.pca.mean,
                               x.reshape(40, -1).mean(0), atol=1e-6)
    basis = model.prior.pca.basis.clone()
    # fitted already (e.g. resumed): the hook leaves it alone
    FitPosePCAHook(step=3).before_train(
        SimpleNamespace(model=model, train_dataloader=SimpleNamespace(
            dataset=[dict(inputs=torch.zeros(1, J, 2))])))
    assert torch.equal(model.prior.pca.basis, basis)
