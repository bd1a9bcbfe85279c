"""The integral 3D baseline's quick-start config through tools/train.py and
tools/test.py on a few embedded renders: it trains, and the evaluation
prints MPJPE, PA-MPJPE, MRPE and the 2D error, with the root depth from the
bone-length fit or (Protocol #1 convention) from the ground truth."""
import re

from conftest import run_tool

CONFIG = 'configs/integral3d_r18_cmu.py'


def tiny():
    opts = ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
            'default_hooks.logger.interval=1',
            'train_dataloader.dataset.max_samples=16',
            'val_dataloader.dataset.max_samples=8',
            'test_dataloader.dataset.max_samples=8']
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.batch_size=8',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    return ['--cfg-options'] + opts


def metrics(text):
    line = [t for t in text.splitlines() if 'Epoch(test)' in t or
            'Epoch(val)' in t][-1]
    return {k: float(v) for k, v in re.findall(r'([\w@.-]+): ([0-9.]+)',
                                               line)}


def test_train_then_test_with_both_root_depths(tmp_path):
    work = tmp_path / 'work'
    proc = run_tool('tools/train.py', CONFIG, '--work-dir', str(work),
                    *tiny())
    val = metrics(proc.stdout + proc.stderr)
    for key in ('mpjpe', 'p-mpjpe', 'mrpe', 'mrpe_z', 'error_2d_px'):
        assert 0 < val[key] < 1e6, (key, val)
    assert (work / 'epoch_1.pth').is_file()
    fit = metrics(run_tool('tools/test.py', CONFIG, str(work / 'epoch_1.pth'),
                           '--work-dir', str(tmp_path / 't1'),
                           *tiny()).stdout)
    assert fit['mpjpe'] == val['mpjpe']
    gt = run_tool('tools/test.py', CONFIG, str(work / 'epoch_1.pth'),
                  '--work-dir', str(tmp_path / 't2'), *tiny(),
                  'model.head.codec.root_depth=ground_truth')
    gt = metrics(gt.stdout + gt.stderr)
    assert gt['mrpe_z'] == 0  # the root sits at the ground-truth depth
    assert gt['error_2d_px'] == fit['error_2d_px']  # 2D does not change
