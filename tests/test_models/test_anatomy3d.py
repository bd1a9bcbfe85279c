"""Anatomy3D: direction and length networks, which loss trains what, the
FK/FC head, the Table 4 switches, and causality end to end."""
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from pose3d_toolbox.codecs.bone import bones_to_joints, joints_to_bones
from pose3d_toolbox.datasets.base_lifting import BaseLiftingDataset
from pose3d_toolbox.models.backbones.anatomy3d import (BoneDirectionNet,
                                                       BoneLengthNet)
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.utils import camera_to_pixel

init_default_scope('pose3d_toolbox')

J, B, D, L = 17, 16, 9, 5  # joints, bones, window (3, 3), random frames
CODEC = dict(type='BoneCodec', skeleton='h36m')
KEYS = ('lifting_target', 'target_weight', 'lifting_visibility',
        'bone_directions', 'bone_lengths', 'length_input', 'length_target',
        'aug_length_input', 'aug_bone_lengths', 'aug_length_target')


def model_cfg(num_stages=2, score_fusion='attention', mpjpe_loss=True,
              bone_attention=True, augment=True, joint_shift=True,
              final='fc', causal=False, dropout=0.0, aug_joints=False,
              e2e=False):
    return dict(
        type='Anatomy3D',
        direction_net=dict(type='BoneDirectionNet', channels=16,
                           kernel_sizes=(3, 3), num_stages=num_stages,
                           score_fusion=score_fusion, causal=causal,
                           dropout=dropout),
        length_net=dict(type='BoneLengthNet', channels=16, num_blocks=1,
                        mpjpe_loss=mpjpe_loss, bone_attention=bone_attention,
                        dropout=dropout),
        head=dict(type='Anatomy3DHead', codec=CODEC, final=final,
                  joint_shift_loss=joint_shift,
                  augmented_joints_loss=aug_joints,
                  pose_loss_trains_directions=e2e),
        length_augmentation=augment)


def make_video(rng, T=40, lengths=None):
    """A person with fixed bone lengths, random directions, 4-5 m away."""
    lengths = rng.uniform(0.1, 0.45, B) if lengths is None else lengths
    dirs = rng.normal(size=(T, B, 3))
    dirs /= np.linalg.norm(dirs, axis=-1, keepdims=True)
    root = np.array([0.0, 0.0, 4.5]) + rng.normal(0, 0.05, (T, 1, 3))
    kp3d = bones_to_joints(dirs, lengths, 'h36m') + root
    cam = dict(R=np.eye(3), T=np.zeros((3, 1)), f=[[1000.], [1000.]],
               c=[[500.], [500.]], w=1000, h=1000)
    kp2d = camera_to_pixel(kp3d, np.array(cam['f']), np.array(cam['c']))
    return dict(keypoints_3d=kp3d.astype(np.float32),
                keypoints_2d=kp2d.astype(np.float32),
                visibility=rng.uniform(size=(T, J)).astype(np.float32),
                camera=cam, subject='S1', action='A', camera_id='0',
                img_paths=None)


def pipeline(augment=True):
    steps = [dict(type='GenerateTarget', codec=CODEC),
             dict(type='PackPoseInputs', data_keys=KEYS)]
    if augment:
        steps.insert(0, dict(type='RandomBoneLengthAugmentation',
                             codec=CODEC))
    return steps


def dataset(videos, augment=True, causal=False, test_mode=False):
    return BaseLiftingDataset(videos=videos, seq_len=D, causal=causal,
                              num_random_frames=L, test_mode=test_mode,
                              pipeline=pipeline(augment))


def batch(model, ds, idx=(3, 10, 17, 30), training=True):
    return model.data_preprocessor(pseudo_collate([ds[i] for i in idx]),
                                   training)


@pytest.fixture(scope='module')
def videos():
    rng = np.random.default_rng(0)
    return [make_video(rng), make_video(rng, T=25)]


def build(**kwargs):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(**kwargs))
    model.init_weights()
    return model


def grads(model, loss):
    model.zero_grad()
    loss.backward(retain_graph=True)
    return {n: p.grad is not None and bool(p.grad.abs().sum() > 0)
            for n, p in model.named_parameters()}


def test_full_model_losses_and_what_each_trains(videos):
    model = build().train()
    data = batch(model, dataset(videos))
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_direction_0', 'loss_direction_1',
                           'loss_length', 'loss_length_aug', 'loss_joints',
                           'loss_joint_shift_0', 'loss_joint_shift_1',
                           'loss_pose'}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())

    def trained(key):
        return {'.'.join(n.split('.')[:2]) if 'fc' not in n else
                '.'.join(n.split('.')[:3])
                for n, g in grads(model, losses[key]).items() if g}

    # each direction sub-network by its own loss (stop-gradient)
    assert trained('loss_direction_0') == {'direction_net.stem',
                                           'direction_net.score_stem',
                                           'direction_net.subnets'}
    g = grads(model, losses['loss_direction_1'])
    assert not any(v for n, v in g.items() if 'subnets.0' in n
                   or n.startswith('direction_net.stem'))
    assert any(v for n, v in g.items() if 'subnets.1' in n)
    # the joint shift loss of each sub-network updates only that
    # sub-network (+ its FC layers), never the length network
    assert trained('loss_joint_shift_0') == {
        'direction_net.stem', 'direction_net.score_stem',
        'direction_net.subnets', 'head.shift_fc.0'}
    assert trained('loss_joint_shift_1') == {
        'direction_net.upper_stems', 'direction_net.subnets',
        'head.shift_fc.1'}
    g = grads(model, losses['loss_joint_shift_1'])
    assert not any(v for n, v in g.items() if 'subnets.0' in n)
    # the final FC layers see both inputs detached (as the authors' code)
    assert trained('loss_pose') == {'head.joints_fc.directions',
                                    'head.joints_fc.lengths',
                                    'head.joints_fc.out'}
    # L_J trains the length network but not its attention; L_L (original
    # and augmented batch) only the attention
    assert trained('loss_joints') == {'length_net.mlp', 'length_net.out'}
    assert trained('loss_length') == {'length_net.attention'}
    assert trained('loss_length_aug') == {'length_net.attention'}


def test_augmented_joints_loss_and_end_to_end_pose_loss(videos):
    """Options from the authors' code / the paper's text: L_J on the
    augmented batch (its rebuilt 3D) trains the length network; the
    end-to-end pose loss also reaches the top direction sub-network."""
    model = build(aug_joints=True, e2e=True).train()
    data = batch(model, dataset(videos))
    losses = model(**data, mode='loss')
    assert 'loss_joints_aug' in losses
    g = grads(model, losses['loss_joints_aug'])
    assert {'.'.join(n.split('.')[:2]) for n, v in g.items() if v} == {
        'length_net.mlp', 'length_net.out'}
    g = grads(model, losses['loss_pose'])
    assert any(v for n, v in g.items() if 'subnets.1' in n)
    assert not any(v for n, v in g.items() if n.startswith('length_net'))
    # the augmented targets are the rebuilt frames: bone lengths as drawn
    sample = data['data_samples'][0]
    lengths = joints_to_bones(sample.aug_length_target, 'h36m')[1]
    np.testing.assert_allclose(
        lengths, np.broadcast_to(sample.aug_bone_lengths, lengths.shape),
        rtol=1e-4)


def test_losses_average_over_bones_and_pairs():
    """The published weights of Eq. 7 go with means over the bones and
    joint pairs (the authors' code), not the sums Eq. 2-4 write."""
    from pose3d_toolbox.models.losses.bone import (bone_direction_loss,
                                                   bone_length_loss,
                                                   joint_shift_loss)
    t = torch.zeros(2, 120, 3)
    p = t.clone()
    p[..., 2] = 0.1
    assert float(joint_shift_loss(p, t)) == pytest.approx(0.1)
    d = torch.zeros(2, B, 3)
    d2 = d.clone()
    d2[:, :4, 0] = 1.0  # 4 of 16 bones off by 1 along x
    assert float(bone_direction_loss(d2, d)) == pytest.approx(0.25)
    assert float(bone_length_loss(torch.full((2, B), 0.2),
                                  torch.zeros(2, B))) == pytest.approx(0.04)


def test_fc_head_multiplies_directions_and_lengths():
    """The FC head's fusion layers can hold forward kinematics exactly:
    Linear(directions) * Linear(lengths) -> Linear."""
    from pose3d_toolbox.codecs.bone import path_matrix
    head = MODELS.build(dict(type='Anatomy3DHead', codec=CODEC,
                             channels=3 * B))
    fusion = head.joints_fc
    hidden = fusion.out.in_features
    assert hidden >= 3 * B
    with torch.no_grad():
        for layer in (fusion.directions, fusion.lengths, fusion.out):
            layer.weight.zero_()
            layer.bias.zero_()
        for b in range(B):
            for c in range(3):
                fusion.directions.weight[3 * b + c, 3 * b + c] = 1
                fusion.lengths.weight[3 * b + c, b] = 1
        paths = torch.as_tensor(path_matrix('h36m'))
        for k in range(J):
            for c in range(3):
                for b in range(B):
                    fusion.out.weight[3 * k + c, 3 * b + c] = paths[k, b]
    rng = np.random.default_rng(1)
    d = torch.as_tensor(rng.normal(size=(3, B, 3)), dtype=torch.float32)
    lengths = torch.as_tensor(rng.uniform(0.1, 0.5, (3, B)),
                              dtype=torch.float32)
    fk = bones_to_joints(torch.nn.functional.normalize(d, dim=-1), lengths,
                         'h36m')
    torch.testing.assert_close(head.joints(d, lengths), fk)


def test_augmented_batch_uses_its_own_targets(videos):
    model = build().train()
    ds = dataset(videos)
    data = batch(model, ds)
    orig = np.stack([s.bone_lengths for s in data['data_samples']])
    aug = np.stack([s.aug_bone_lengths for s in data['data_samples']])
    truth = joints_to_bones(videos[0]['keypoints_3d'][0], 'h36m')[1]
    np.testing.assert_allclose(orig[0], truth, rtol=1e-5)
    assert np.abs(aug / orig - 1).max() > 0.02
    # the dataset's videos are unchanged by the augmentation
    np.testing.assert_allclose(
        joints_to_bones(ds.videos[0]['keypoints_3d'], 'h36m')[1],
        np.broadcast_to(truth, (40, B)), rtol=1e-4)


def test_fk_head_is_exact_and_fc_head_has_the_right_shape(videos):
    model = build(final='fk').eval()
    ds = dataset(videos, augment=False, test_mode=True)
    sample = ds[5]['data_samples']
    d = torch.as_tensor(sample.bone_directions)[None]
    lengths = torch.as_tensor(sample.bone_lengths)[None]
    joints = model.head.joints(d, lengths)[0].numpy()
    gt = sample.gt_keypoints_3d
    np.testing.assert_allclose(joints, gt - gt[0], atol=1e-5)
    shifts = model.head.joint_shifts(d, lengths)[0].numpy()
    a, b = model.head.pairs[7]
    np.testing.assert_allclose(shifts[7], gt[b] - gt[a], atol=1e-5)
    assert not list(model.head.parameters())
    fc = build(final='fc').head
    assert fc.joints(d, lengths).shape == (1, J, 3)


@pytest.mark.parametrize('switches,keys', [
    (dict(num_stages=1, score_fusion=None, mpjpe_loss=False,
          bone_attention=False, augment=False, joint_shift=False),
     {'loss_direction_0', 'loss_length', 'loss_pose'}),
    (dict(num_stages=1, score_fusion=None, bone_attention=False,
          augment=False, joint_shift=False),
     {'loss_direction_0', 'length_error', 'loss_joints', 'loss_pose'}),
    (dict(num_stages=1, score_fusion='concat', augment=False,
          final='fk'),
     {'loss_direction_0', 'loss_length', 'loss_joints',
      'loss_joint_shift'}),
])
def test_table4_switches(videos, switches, keys):
    model = build(**switches).train()
    data = batch(model, dataset(videos, augment=switches['augment']))
    losses = model(**data, mode='loss')
    assert set(losses) == keys
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    assert all(p.grad is not None for p in model.parameters())
    model.eval()
    with torch.no_grad():
        preds = model(**batch(model, dataset(videos, augment=False),
                              training=False), mode='predict')
    assert preds[0].pred_keypoints_3d.shape == (J, 3)
    assert preds[0].pred_bone_lengths.shape == (B, )


def test_bad_switch_combinations():
    with pytest.raises(ValueError, match='mpjpe_loss'):
        BoneLengthNet(mpjpe_loss=False, bone_attention=True)
    with pytest.raises(ValueError, match='bone_attention'):
        build(bone_attention=False, augment=True)
    with pytest.raises(ValueError, match='score_fusion'):
        BoneDirectionNet(score_fusion='sum')


def test_missing_augmentation_is_explained(videos):
    model = build().train()
    data = batch(model, dataset(videos, augment=False))
    with pytest.raises(KeyError, match='RandomBoneLengthAugmentation'):
        model(**data, mode='loss')


def test_attention_weights_and_gamma():
    torch.manual_seed(0)
    net = BoneLengthNet(channels=8, num_blocks=1, gamma=10.0).eval()
    out = net(torch.randn(3, L, J, 2))
    torch.testing.assert_close(out['weights'].sum(1), torch.ones(3, B))
    torch.testing.assert_close(
        out['lengths'], (out['weights'] * out['frame_lengths']).sum(1))
    logits = 10.0 * net.attention(out['frame_joints'].flatten(2))
    torch.testing.assert_close(out['weights'], logits.softmax(1))
    mean = BoneLengthNet(channels=8, num_blocks=1,
                         bone_attention=False).eval()(torch.randn(3, L, J, 2))
    torch.testing.assert_close(mean['lengths'],
                               mean['frame_lengths'].mean(1))


def test_visibility_scores_matter_only_when_fused():
    torch.manual_seed(0)
    kp, vis = torch.randn(2, D, J, 2), torch.rand(2, D, J)
    for fusion in ('attention', 'concat', None):
        net = BoneDirectionNet(channels=8, kernel_sizes=(3, 3),
                               score_fusion=fusion).eval()
        a, b = net(kp, vis)[-1], net(kp, torch.rand(2, D, J))[-1]
        assert (not torch.allclose(a, b)) == (fusion is not None)


@pytest.mark.parametrize('causal', [True, False])
def test_causal_model_never_reads_a_future_frame(videos, causal):
    """Perturb every frame after the target (2D, visibility, 3D): a causal
    model's prediction is unchanged; a centred one's changes."""
    model = build(causal=causal, final='fk').eval()
    target = 20
    ds = dataset(videos, augment=False, causal=causal, test_mode=True)
    idx = [i for i in range(len(ds)) if ds.targets[i].tolist() == [0, target]]

    def predict(ds):
        with torch.no_grad():
            data = batch(model, ds, idx, training=False)
            return model(**data, mode='tensor').numpy()

    before = predict(ds)
    changed = [dict(v) for v in videos]
    rng = np.random.default_rng(5)
    for key in ('keypoints_2d', 'keypoints_3d', 'visibility'):
        arr = changed[0][key].copy()
        arr[target + 1:] += rng.normal(0, 50, arr[target + 1:].shape)
        changed[0][key] = arr
    after = predict(dataset(changed, augment=False, causal=causal,
                            test_mode=True))
    if causal:
        np.testing.assert_array_equal(before, after)
    else:
        assert np.abs(before - after).max() > 1e-3


def test_batch_path_gives_the_model_the_fields_of_the_pipeline(videos):
    """The batch path (random frames, bone-length augmentation, the bone
    codec on whole batches) hands the model exactly the tensors of the
    per-sample pipeline, video edges included."""
    from mmengine.dataset import pseudo_collate
    ds = BaseLiftingDataset(videos=videos, seq_len=D, num_random_frames=L,
                            pipeline=pipeline(augment=True), batched=True)
    assert ds.batch_path
    idx = [0, 3, 39, 40, 52, 64]  # edges of both videos included
    model = build()
    data = []
    for batched in (True, False):
        np.random.seed(3)
        samples = ds.get_batch(idx) if batched else [ds[i] for i in idx]
        data.append(model.data_preprocessor(pseudo_collate(samples), True))
    torch.testing.assert_close(data[0]['inputs'], data[1]['inputs'],
                               rtol=0, atol=0)
    fields = [model.fields(d['data_samples'], d['inputs'], targets=True)
              for d in data]
    assert fields[0].keys() == fields[1].keys()
    assert 'aug_length_input' in fields[0]
    for key, value in fields[0].items():
        torch.testing.assert_close(value, fields[1][key], rtol=0, atol=0,
                                   msg=key)
