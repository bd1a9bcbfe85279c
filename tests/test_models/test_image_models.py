"""ResNet backbones (torchvision-layout weights), the deconvolution heads,
the image data preprocessor and the top-down estimator's flip test."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.structures import PoseDataSample

init_default_scope('pose3d_toolbox')

# A sample of torchvision's ResNet key names (resnet18 / resnet50), which a
# local ImageNet checkpoint must load into.
TORCHVISION_KEYS = {
    18: ['conv1.weight', 'bn1.running_var', 'layer1.1.conv2.weight',
         'layer2.0.downsample.0.weight', 'layer2.0.downsample.1.bias',
         'layer4.1.bn2.weight'],
    50: ['layer1.0.conv3.weight', 'layer1.0.downsample.0.weight',
         'layer3.5.bn3.running_mean', 'layer4.2.conv3.weight'],
}


@pytest.mark.parametrize('depth,channels,blocks', [
    (18, 512, 8), (34, 512, 16), (50, 2048, 16), (101, 2048, 33),
    (152, 2048, 50)])
def test_resnet_variants_widths_and_depths(depth, channels, blocks):
    model = MODELS.build(dict(type=f'ResNet{depth}'))
    assert model.depth == depth and model.feat_channels == channels
    n = sum(len(getattr(model, f'layer{i}')) for i in range(1, 5))
    assert n == blocks
    if depth in (18, 50):
        out = model(torch.zeros(1, 3, 64, 64))
        assert out.shape == (1, channels, 2, 2)
        names = set(model.state_dict())
        assert set(TORCHVISION_KEYS[depth]) <= names
    if depth == 50:  # torchvision's count without the 1000-way classifier
        assert sum(p.numel() for p in model.parameters()) == 25557032 - (
            2048 * 1000 + 1000)


def test_resnet_multi_stage_outputs():
    model = MODELS.build(dict(type='ResNet', depth=18,
                              out_indices=(0, 1, 2, 3)))
    outs = model(torch.zeros(2, 3, 64, 96))
    assert [tuple(o.shape[1:]) for o in outs] == [
        (64, 16, 24), (128, 8, 12), (256, 4, 6), (512, 2, 3)]
    with pytest.raises(KeyError, match='depth'):
        MODELS.build(dict(type='ResNet', depth=20))


def test_resnet_with_three_stages_stops_at_stride_16():
    """num_stages=3 builds no fourth stage: ResNet-18 without layer4's
    2 x 2 basic blocks (256 -> 512 channels) and its 1 x 1 downsample,
    hand-counted as 8,393,728 weights (convolutions 1,179,648 + 3 x
    2,359,296 + 131,072; BNs 5 x 1,024)."""
    full = MODELS.build(dict(type='ResNet', depth=18))
    short = MODELS.build(dict(type='ResNet', depth=18, num_stages=3,
                              out_indices=(1, 2)))
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(full) - count(short) == 8393728
    assert not hasattr(short, 'layer4')
    outs = short(torch.zeros(2, 3, 64, 96))
    assert [tuple(o.shape[1:]) for o in outs] == [(128, 8, 12), (256, 4, 6)]
    assert short.out_channels == [64, 128, 256]
    with pytest.raises(ValueError, match='out_indices must be stages 0-2'):
        MODELS.build(dict(type='ResNet', depth=18, num_stages=3,
                          out_indices=(3, )))
    with pytest.raises(ValueError, match='num_stages must be 1-4'):
        MODELS.build(dict(type='ResNet', depth=18, num_stages=5))


def test_pretrained_init_loads_torchvision_layout_state_dict(tmp_path):
    torch.manual_seed(0)
    donor = MODELS.build(dict(type='ResNet18'))
    state = {k: torch.randn_like(v) if v.is_floating_point() else v
             for k, v in donor.state_dict().items()}
    state['fc.weight'] = torch.randn(1000, 512)  # the classifier is skipped
    state['fc.bias'] = torch.randn(1000)
    path = tmp_path / 'resnet18-imagenet.pth'
    torch.save(state, path)
    model = MODELS.build(dict(type='ResNet18', init_cfg=dict(
        type='Pretrained', checkpoint=str(path))))
    model.init_weights()
    loaded = model.state_dict()
    for key in TORCHVISION_KEYS[18] + ['layer3.1.bn1.running_mean']:
        assert torch.equal(loaded[key], state[key]), key
    fresh = MODELS.build(dict(type='ResNet18'))
    fresh.init_weights()
    assert not torch.equal(fresh.conv1.weight, state['conv1.weight'])


def make_head(beta=20.0, **kwargs):
    codec = dict(type='GaussianHeatmapCodec', input_size=(32, 32),
                 heatmap_size=(8, 8), sigma=1.0, skeleton='h36m')
    return MODELS.build(dict(type='IntegralHeatmapHead', in_channels=16,
                             codec=codec, beta=beta,
                             deconv_channels=(8, 8, 8), **kwargs))


def test_deconv_head_shapes_and_simplebaseline_layout():
    head = MODELS.build(dict(
        type='HeatmapHead', in_channels=2048,
        codec=dict(type='GaussianHeatmapCodec')))
    deconvs = [m for m in head.deconv
               if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(m.out_channels, m.kernel_size, m.stride, m.bias) for m in
            deconvs] == [(256, (4, 4), (2, 2), None)] * 3
    assert head.final.kernel_size == (1, 1)
    assert head(torch.zeros(1, 2048, 8, 8)).shape == (1, 17, 64, 64)


def test_integral_head_losses_match_hand_computation():
    from pose3d_toolbox.codecs import GaussianHeatmapCodec
    head = make_head()
    feats = torch.randn(2, 16, 1, 1)
    codec = GaussianHeatmapCodec((32, 32), (8, 8), 1.0, skeleton='h36m')
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(2):
        s = PoseDataSample()
        s.set_data(codec.encode(dict(
            keypoints_2d_crop=rng.uniform(4, 28, (17, 2)))))
        samples.append(s)
    losses = head.loss(feats, samples)
    hm = head(feats)
    target = torch.stack([torch.as_tensor(s.heatmaps) for s in samples])
    coords = head.integral(hm)
    goal = torch.stack([torch.as_tensor(s.keypoints_2d_target)
                        for s in samples])
    assert losses['loss_heatmap'].item() == pytest.approx(
        ((hm - target)**2).mean().item(), rel=1e-5)
    assert losses['loss_coord'].item() == pytest.approx(
        ((coords - goal).abs() / 8).mean().item(), rel=1e-5)


def test_image_preprocessor_normalises_with_imagenet_statistics():
    pre = MODELS.build(dict(type='ImageDataPreprocessor'))
    img = torch.full((3, 4, 4), 255, dtype=torch.uint8)
    img[0] = 0
    out = pre(dict(inputs=[img, img], data_samples=None))['inputs']
    assert out.shape == (2, 3, 4, 4)
    np.testing.assert_allclose(out[0, :, 0, 0].numpy(), [
        -123.675 / 58.395, (255 - 116.28) / 57.12, (255 - 103.53) / 57.375],
                               rtol=1e-5)


def test_flip_test_prediction_is_mirror_symmetric():
    torch.manual_seed(0)
    codec = dict(type='GaussianHeatmapCodec', input_size=(32, 32),
                 heatmap_size=(8, 8), sigma=1.0, skeleton='h36m')
    model = MODELS.build(dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='ResNet', depth=18),
        head=dict(type='IntegralHeatmapHead', codec=codec,
                  deconv_channels=(8, 8, 8), beta=5.0),
        test_cfg=dict(flip_test=True)))
    for p in model.head.parameters():  # a non-trivial, asymmetric head
        torch.nn.init.normal_(p, std=0.3)
    model.eval()
    img = torch.randn(1, 3, 32, 32)
    samples = lambda: [PoseDataSample(metainfo=dict(skeleton='h36m'))]  # noqa
    with torch.no_grad():
        a = model(img, samples(), 'predict')[0].pred_keypoints_2d
        b = model(img.flip(-1), samples(), 'predict')[0].pred_keypoints_2d
        model.test_cfg['flip_test'] = False
        c = model(img, samples(), 'predict')[0].pred_keypoints_2d
    from pose3d_toolbox.skeletons import get_skeleton
    perm = get_skeleton('h36m').flip_indices
    mirrored = b[perm].copy()
    mirrored[:, 0] = 31 - mirrored[:, 0]
    np.testing.assert_allclose(a, mirrored, atol=1e-4)
    assert np.abs(a - c).max() > 1e-3  # flip test did change the result
