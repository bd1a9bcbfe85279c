"""HEMlets through tools/train.py and tools/test.py as a user runs them:
the quick start on a few embedded renders, and the headline config
(Human3.6M + MPII, the paper's settings) on generated files in MMPose's
layout under ``data/`` (shrunk by --cfg-options); without Human3.6M on
disk the headline config names the missing file and the README section."""
import os
import subprocess
import sys

from conftest import REPO, run_tool
from test_integral3d_tools import metrics, tiny

CMU = 'configs/hemlets_r18_cmu.py'
H36M = str(REPO / 'configs' / 'hemlets_r50_h36m.py')


def train_and_test_on_renders(tmp_path, config):
    """Train a CMU quick-start ``config`` for one tiny epoch, check its
    validation (MPJPE, PA-MPJPE, MRPE, 2D error) and that tools/test.py on
    the checkpoint prints the same MPJPE; return the training log."""
    work = tmp_path / 'work'
    proc = run_tool('tools/train.py', config, '--work-dir', str(work),
                    *tiny())
    text = proc.stdout + proc.stderr
    val = metrics(text)
    for key in ('mpjpe', 'p-mpjpe', 'mrpe', 'error_2d_px'):
        assert 0 < val[key] < 1e6, (key, val)
    test = metrics(run_tool('tools/test.py', config,
                            str(work / 'epoch_1.pth'), '--work-dir',
                            str(tmp_path / 'test'), *tiny()).stdout)
    assert test['mpjpe'] == val['mpjpe']
    return text


def test_quick_start_trains_and_tests_on_renders(tmp_path):
    text = train_and_test_on_renders(tmp_path, CMU)
    assert 'loss_hem' in text and 'loss_2d' in text and 'loss_3d' in text


def mixed_loader_options(batch=4):
    """``--cfg-options`` items for the Human3.6M + MPII configs
    (``_base_/datasets/h36m_mpii_image.py``): small batches, no worker
    processes, a log line per iteration."""
    opts = ['default_hooks.logger.interval=1',
            f'train_dataloader.batch_size={batch}',
            f'train_dataloader.sampler.batch_size={batch}',
            'val_dataloader.batch_size=4', 'test_dataloader.batch_size=4']
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    return opts


def make_h36m_mpii_files(root):
    """Human3.6M (npz + cameras.pkl + images) and MPII (json + images)
    written under ``<root>/data/`` where the configs look for them."""
    from fixtures import make_h36m_image_fixture, make_mpii_fixture
    make_h36m_image_fixture(root / 'data' / 'h36m',
                            subjects=('S1', 'S5', 'S9', 'S11'))
    make_mpii_fixture(root / 'data' / 'mpii', people=4)


def h36m_options(iters=2, batch=4):
    """ResNet-18 and narrow branches at the config's 256 x 256, a few
    iterations, no worker processes."""
    opts = ['model.backbone.depth=18', 'model.head.deconv_channels=[16,16,16]',
            'model.head.feature_channels=32', 'model.head.fusion_channels=16',
            f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
            f'default_hooks.checkpoint.interval={iters}']
    return ['--cfg-options'] + opts + mixed_loader_options(batch)


def train_and_test_on_h36m_mpii_files(tmp_path, config, options,
                                      checkpoint):
    """Train ``config`` with ``options`` on Human3.6M and MPII files written
    by :func:`make_h36m_mpii_files` under ``<tmp_path>/data/``, check the
    validation (MPJPE, PA-MPJPE, 2D error; the ground-truth root depth of
    Protocol #1: MRPE-Z 0) and that tools/test.py on ``checkpoint`` (a
    name in the work directory) prints the same MPJPE; return the
    training log."""
    make_h36m_mpii_files(tmp_path)
    work = tmp_path / 'work'
    proc = run_tool(str(REPO / 'tools' / 'train.py'), config, '--work-dir',
                    str(work), *options, cwd=tmp_path)
    text = proc.stdout + proc.stderr
    line = [t for t in text.splitlines() if '(val)' in t][-1]
    assert 'mpjpe' in line and 'p-mpjpe' in line and 'error_2d_px' in line
    assert 'mrpe_z: 0.0000' in line  # Protocol #1: ground-truth root depth
    ckpt = work / checkpoint
    assert ckpt.is_file()
    test = run_tool(str(REPO / 'tools' / 'test.py'), config, str(ckpt),
                    '--work-dir', str(tmp_path / 'test'), *options,
                    cwd=tmp_path)
    out = test.stdout + test.stderr
    assert [t for t in out.splitlines() if 'mpjpe' in t][-1].split(
        'mpjpe: ')[1].split()[0] == line.split('mpjpe: ')[1].split()[0]
    return text


def test_headline_config_trains_on_human36m_and_mpii_files(tmp_path):
    """Human3.6M (npz + cameras.pkl + images) and MPII (json + images)
    written under ``<cwd>/data/`` where the config looks for them."""
    text = train_and_test_on_h36m_mpii_files(tmp_path, H36M, h36m_options(),
                                             'iter_2.pth')
    assert 'Iter(train) [2/2]' in text and 'loss_hem' in text


def test_headline_config_without_human36m_names_file_and_readme(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'train.py'), H36M,
         '--work-dir', str(tmp_path / 'work')], cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1'),
        capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    err = proc.stdout + proc.stderr
    assert 'h36m_train.npz' in err and 'Preparing datasets' in err, \
        err[-3000:]


def test_vis_hemlets_saves_a_png_untrained_and_from_a_checkpoint(tmp_path):
    from matplotlib.image import imread
    opts = ['--cfg-options', 'test_dataloader.dataset.max_samples=4']
    out = tmp_path / 'untrained.png'
    proc = run_tool('tools/misc/vis_hemlets.py', CMU, '--index', '1',
                    '--out', str(out), *opts)
    assert f'saved {out}' in proc.stdout
    assert imread(out).shape[:2] == (900, 1600)  # figsize (16, 9) x 100 dpi
    # a checkpoint of the config (the untrained model's weights, saved)
    import torch
    from pose3d_toolbox.apis.inference import init_model
    model = init_model(str(REPO / CMU))
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict()), tmp_path / 'w.pth')
    run_tool('tools/misc/vis_hemlets.py', CMU, str(tmp_path / 'w.pth'),
             '--out', str(tmp_path / 'ckpt.png'), *opts)
    assert (tmp_path / 'ckpt.png').is_file()


def test_cost_benchmark_prints_both_models_and_the_ratio():
    proc = run_tool('tools/analysis/benchmark_hemlets_cost.py', '--repeats',
                    '1', '--warmup', '0', '--size', '64', '--depth', '18',
                    '--batch-size', '2')
    rows = [[c.strip() for c in line.split('|')[1:-1]]
            for line in proc.stdout.splitlines() if line.startswith('| ')]
    cost = {r[0]: r[1:] for r in rows if len(r) == 6}
    memory = {r[0]: r[1:] for r in rows if len(r) == 4}
    base, hem = (float(cost[k][0]) for k in ('baseline', 'HEMlets'))
    assert hem > base > 11  # ResNet-18 alone has 11.2M parameters
    assert float(cost['ratio'][0]) == round(hem / base, 2)
    assert float(cost['ratio'][1]) == 1.39  # the paper's 47.7 / 34.3
    assert float(cost['ratio'][2]) > 1  # HEMlets: a second branch + fusion
    assert float(cost['ratio'][4]) == 1.56
    for name in ('baseline', 'HEMlets'):
        assert float(cost[name][3]) > 0  # latency, ms
        batch, mib = memory[name][-2:]
        assert int(batch) == 2 and float(mib) > 0
