"""Depth-aware heatmaps through tools/train.py and tools/test.py as a user
runs them: the quick start on a few embedded renders, and the headline
config (Human3.6M + MPII, the paper's settings) on generated files in
MMPose's layout under ``data/`` (shrunk by --cfg-options)."""
from conftest import REPO, run_tool
from test_hemlets_tools import (mixed_loader_options,
                                train_and_test_on_h36m_mpii_files,
                                train_and_test_on_renders)

CMU = 'configs/depthaware_r18_cmu.py'
H36M = str(REPO / 'configs' / 'depthaware_r50_h36m.py')


def test_quick_start_trains_and_tests_on_renders(tmp_path):
    text = train_and_test_on_renders(tmp_path, CMU)
    for key in ('loss_heatmap', 'loss_depth', 'loss_embedding'):
        assert key in text


def h36m_options(batch=4):
    """ResNet-18 and a 16-channel neck at the config's 256 x 256, one
    epoch (the fixture's 6 Human3.6M frames, 2 per batch: 3 iterations)."""
    return ['--cfg-options', 'model.backbone.depth=18',
            'model.neck.out_channels=16', 'train_cfg.max_epochs=1',
            'train_cfg.val_interval=1'] + mixed_loader_options(batch)


def test_headline_config_trains_on_human36m_and_mpii_files(tmp_path):
    text = train_and_test_on_h36m_mpii_files(tmp_path, H36M, h36m_options(),
                                             'epoch_1.pth')
    assert 'Epoch(train) [1][3/3]' in text and 'loss_embedding' in text


def test_live_tensor_bytes_by_hand():
    """conv -> y (4 MiB); relu(y) * 2 holds y, relu(y) and the product
    (12 MiB) at once; after ``del y`` only the product (and a scalar)."""
    import sys

    import torch
    sys.path.insert(0, str(REPO / 'tools' / 'analysis'))
    from benchmark_head_cost import live_tensor_bytes
    conv = torch.nn.Conv2d(8, 64, 3, padding=1)
    x = torch.randn(1, 8, 128, 128)
    with torch.no_grad(), live_tensor_bytes() as counter:
        y = conv(x)
        z = torch.relu(y) * 2
        del y
        v = z.view(-1)  # a view: no new storage
        s = v.sum()
    mib = 64 * 128 * 128 * 4
    assert counter.peak == 3 * mib
    assert counter.live == mib + s.untyped_storage().nbytes()


def test_head_cost_benchmark_prints_the_three_heads():
    proc = run_tool('tools/analysis/benchmark_head_cost.py', '--repeats',
                    '1', '--warmup', '0', '--size', '64', '--depth', '18')
    rows = {r[0]: [float(c) for c in r[1:]] for r in (
        [c.strip() for c in line.split('|')[1:-1]]
        for line in proc.stdout.splitlines() if line.startswith('| '))
        if r[0] != 'head'}
    # 16 x 16 maps at 64 px: + 2 numbers (depth-aware), x 64 bins (volume)
    assert rows['depth-aware'][0] == 16 * 16 + 2
    assert rows['integral 64^3'][0] == 16 * 16 * 64
    assert rows['HEMlets'][0] > rows['integral 64^3'][0]
    for per_joint, out_mib, peak, gmacs, ms in rows.values():
        assert out_mib == round(per_joint * 18 * 4 / 2**20, 2)
        assert peak >= out_mib and gmacs > 0 and ms > 0
    # the volume's last 1x1 convolution alone: 16 x 16 pixels x 256
    # channels x 18 joints x 64 bins
    assert rows['integral 64^3'][3] > 16 * 16 * 256 * 18 * 64 / 1e9
