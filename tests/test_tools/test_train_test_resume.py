"""SimpleBaseline through tools/train.py and tools/test.py on fixture files:
train, test with --out, resume (also past a checkpoint cut mid-write), and
a 2-process CPU (gloo) distributed run."""
import pickle
import re
import socket

import pytest
from conftest import run_tool

CONFIG = 'configs/simplebaseline3d_h36m.py'


def tiny(root, epochs=2):
    opts = [f'train_cfg.max_epochs={epochs}', 'train_cfg.val_interval=1',
            'default_hooks.logger.interval=5']
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={root}',
                 f'{split}_dataloader.batch_size=32',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    return ['--cfg-options'] + opts


def metric(text, name):
    found = re.findall(rf'{re.escape(name)}: ([0-9.]+)', text)
    assert found, f'{name} not logged'
    return float(found[-1])


@pytest.fixture(scope='module')
def trained(h36m_root, tmp_path_factory):
    work = tmp_path_factory.mktemp('work')
    proc = run_tool('tools/train.py', CONFIG, '--work-dir', str(work),
                    *tiny(h36m_root))
    return work, proc.stdout + proc.stderr


def test_train_writes_checkpoints_and_validates(trained):
    work, log = trained
    assert (work / 'epoch_2.pth').is_file()
    assert (work / 'last_checkpoint').read_text().strip().endswith(
        'epoch_2.pth')
    assert not list(work.glob('.*tmp*')), 'temporary checkpoint left behind'
    mpjpe = metric(log, 'mpjpe')
    assert 0 < mpjpe < 1e4
    assert metric(log, 'p-mpjpe') <= mpjpe + 1e-6


def test_test_tool_dumps_predictions(trained, h36m_root, tmp_path):
    work, _ = trained
    out = tmp_path / 'preds.pkl'
    proc = run_tool('tools/test.py', CONFIG, str(work / 'epoch_2.pth'),
                    '--work-dir', str(tmp_path), '--out', str(out),
                    *tiny(h36m_root))
    assert metric(proc.stdout + proc.stderr, 'mpjpe') > 0
    preds = pickle.loads(out.read_bytes())
    assert len(preds) > 0
    first = preds[0]
    assert first['pred_keypoints_3d'].shape == (17, 3)
    assert first['subject'] in ('S9', 'S11')


def test_resume_continues_and_skips_a_cut_checkpoint(trained, h36m_root,
                                                     tmp_path):
    work, _ = trained
    # Copy the first epoch, fake a crash while epoch 2 was being written.
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        (tmp_path / name).write_bytes((work / name).read_bytes())
    cut = tmp_path / 'epoch_2.pth'
    cut.write_bytes(cut.read_bytes()[:1000])
    (tmp_path / 'last_checkpoint').write_text(str(cut))
    proc = run_tool('tools/train.py', CONFIG, '--work-dir', str(tmp_path),
                    '--resume', *tiny(h36m_root, epochs=3))
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 1' in log
    assert (tmp_path / 'epoch_3.pth').is_file()


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_process_cpu_distributed_train_and_test(h36m_root, tmp_path):
    proc = run_tool('tools/dist_train.sh', CONFIG, '2', '--work-dir',
                    str(tmp_path), *tiny(h36m_root, epochs=1),
                    env=dict(PORT=str(free_port())))
    log = proc.stdout + proc.stderr
    assert (tmp_path / 'epoch_1.pth').is_file()
    assert 'world_size: 2' in log or 'Distributed launcher: pytorch' in log
    proc = run_tool('tools/dist_test.sh', CONFIG,
                    str(tmp_path / 'epoch_1.pth'), '2', '--work-dir',
                    str(tmp_path / 'test'), *tiny(h36m_root, epochs=1),
                    env=dict(PORT=str(free_port())))
    assert metric(proc.stdout + proc.stderr, 'mpjpe') > 0


def test_distributed_run_releases_its_gloo_group_before_exit(h36m_root,
                                                             tmp_path):
    """The DDP wrapper holds the gloo group; left alive into interpreter
    finalisation it once aborted a rank in CI ("terminate called without an
    active exception"). After ``tools/train.py`` returns, no DDP wrapper
    may be alive and the group must be gone."""
    probe = tmp_path / 'probe.py'
    argv = ['train.py', CONFIG, '--launcher', 'pytorch', '--work-dir',
            str(tmp_path / 'work'), *tiny(h36m_root, epochs=1)]
    probe.write_text(f'''import gc, sys
sys.argv = {argv!r}
sys.path.insert(0, 'tools')
import train
train.main()
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
left = [o for o in gc.get_objects() if isinstance(o, DistributedDataParallel)]
print('initialized', dist.is_initialized(), 'ddp', len(left))
''')
    proc = run_tool(str(probe), env=dict(
        RANK='0', LOCAL_RANK='0', WORLD_SIZE='1', MASTER_ADDR='127.0.0.1',
        MASTER_PORT=str(free_port())))
    assert 'initialized False ddp 0' in proc.stdout
