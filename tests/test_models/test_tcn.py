"""VideoPose3D's TCN: the strided (matmul) and dilated forms agree, causal
residuals, receptive field, errors."""
import pytest
import torch
import torch.nn.functional as F

from pose3d_toolbox.models.backbones.tcn import TCN, strided_conv
from pose3d_toolbox.registry import MODELS


def randomise_bn(model):
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm1d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) - .5)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + .5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + .5)
            m.bias.data.copy_(torch.rand(m.num_features, generator=g) - .5)
    return model


def test_strided_conv_is_conv1d_with_stride():
    torch.manual_seed(0)
    x = torch.randn(2, 12, 5)
    w = torch.randn(7, 5, 3)
    ref = F.conv1d(x.transpose(1, 2), w, stride=3).transpose(1, 2)
    torch.testing.assert_close(strided_conv(x, w), ref)
    with pytest.raises(ValueError, match='width-3'):
        strided_conv(torch.randn(2, 10, 5), w)


@pytest.mark.parametrize('causal', [False, True])
def test_strided_and_dilated_forms_share_weights_and_agree(causal):
    torch.manual_seed(0)
    model = randomise_bn(TCN(34, 32, (3, 3, 3), causal=causal)).eval()
    assert model.receptive_field == 27
    x = torch.randn(2, 40, 17, 2)
    dense = model.forward_sequence(x)
    assert dense.shape == (2, 40 - 27 + 1, 32)
    single = torch.stack([model(x[:, i:i + 27]) for i in range(14)], 1)
    torch.testing.assert_close(dense, single, atol=1e-5, rtol=1e-5)


def test_residual_is_the_centre_or_last_frame_of_each_window():
    torch.manual_seed(0)
    x = torch.randn(1, 9, 4)
    for causal, pick in ((False, 1), (True, 2)):
        model = TCN(4, 4, (3, 3), causal=causal).eval()
        block = model.blocks[0]  # width 3, dilation 3
        # strided: windows {0,1,2}, {3,4,5}, {6,7,8}
        torch.testing.assert_close(block.residual(x, dense=False),
                                   x[:, [pick, pick + 3, pick + 6]])
        # dilated: output i reads frames i, i + 3, i + 6 (3 outputs)
        torch.testing.assert_close(block.residual(x, dense=True),
                                   x[:, 3 * pick:3 * pick + 3])


def test_output_depends_on_every_frame_of_the_window_only():
    torch.manual_seed(0)
    model = randomise_bn(TCN(4, 8, (3, 3), dropout=0)).eval()
    x = torch.randn(1, 12, 4)
    out = model.forward_sequence(x)  # 4 outputs, windows [i, i + 9)
    for frame in range(12):
        y = x.clone()
        y[:, frame] += 1
        changed = (model.forward_sequence(y) - out).abs().amax(-1)[0] > 1e-6
        expected = [i <= frame < i + 9 for i in range(4)]
        assert changed.tolist() == expected


def test_registered_and_trains_every_parameter():
    model = MODELS.build(dict(type='TCN', in_channels=34, channels=16,
                              kernel_sizes=(3, 3)))
    model.train()
    out = model(torch.randn(4, 9, 17, 2))
    assert out.shape == (4, 16)
    out.square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.parameters())


def test_clear_errors():
    model = TCN(34, 8, (3, 3))
    with pytest.raises(ValueError, match='seq_len to 9'):
        model(torch.randn(2, 10, 17, 2))
    with pytest.raises(ValueError, match='in_channels'):
        model(torch.randn(2, 9, 16, 2))
    with pytest.raises(ValueError, match='odd'):
        TCN(34, 8, (2, 3))
