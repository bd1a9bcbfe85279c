"""Faults tried as a user would meet them (issue 16): a checkpoint of
another model, kills at random moments, interrupted and resumed runs, a
rank that dies, a parent killed under its data-loader workers. Each test
names what the user saw before the fix."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO, run_tool

import pose3d_toolbox.engine  # noqa: F401  (checkpoint allow-list)

CODEC = "dict(type='PoseLiftingCodec', skeleton='h36m')"


def tiny_config(path, root, *, width=64, batch=32, workers=0, epochs=2,
                norm=True, dropout=0.5, ckpt='dict()', extra=''):
    """SimpleBaseline on the H36M fixture (640 training samples) with
    random flips and random frames in the training pipeline, so that the
    data path draws from the global generators."""
    path.write_text(f'''
_base_ = ['{REPO}/configs/simplebaseline3d_h36m.py']
model = dict(backbone=dict(width={width}, norm={norm}, dropout={dropout}),
             head=dict(in_channels={width}))
train_dataloader = dict(
    batch_size={batch}, num_workers={workers},
    persistent_workers={workers > 0},
    dataset=dict(data_root='{root}', num_random_frames=2, pipeline=[
        dict(type='RandomFlipLifting'),
        dict(type='GenerateTarget', codec={CODEC}),
        dict(type='PackPoseInputs')]))
val_dataloader = dict(batch_size=32, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root='{root}'))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={epochs}, val_interval=1)
default_hooks = dict(logger=dict(interval=1), checkpoint={ckpt})
{extra}
''')
    return str(path)


def run_fails(*args, timeout=300, env=None):
    """Run a tool that must fail; return its output."""
    cmd = [sys.executable, *args] if args[0].endswith('.py') else list(args)
    full_env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    full_env.update(env or {})
    proc = subprocess.run(cmd, cwd=REPO, env=full_env, timeout=timeout,
                          capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f'{" ".join(cmd)} exited 0:\n{out[-3000:]}'
    return out


def val_lines(log):
    """The printed final validation line of each epoch."""
    return re.findall(r'Epoch\(val\) \[\d+\]\[\d+/\d+\]\s+(mpjpe: .*?)'
                      r'\s+data_time', log)


def train_lines(log):
    return re.findall(r'Epoch\(train\)\s+\[(\d+)\]\[\s*(\d+)/(\d+)\]', log)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# --- strict loading ----------------------------------------------------------

@pytest.fixture(scope='module')
def other_model_checkpoint(tmp_path_factory):
    """A VideoPose3D checkpoint, as mmengine writes its meta."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from pose3d_toolbox.registry import MODELS
    cfg = Config.fromfile(str(REPO / 'configs/videopose3d_81frm_h36m.py'))
    init_default_scope('pose3d_toolbox')
    model = MODELS.build(cfg.model)
    path = tmp_path_factory.mktemp('other') / 'epoch_80.pth'
    torch.save(dict(meta=dict(
        experiment_name='videopose3d_81frm_h36m_20261201_101500',
        cfg=cfg.pretty_text), state_dict=model.state_dict()), path)
    return str(path)


def test_test_tool_refuses_another_models_checkpoint(
        h36m_root, tmp_path, other_model_checkpoint):
    """Before: MPJPE of a half-random network printed, exit 0."""
    config = tiny_config(tmp_path / 'sb.py', h36m_root)
    out = run_fails('tools/test.py', config, other_model_checkpoint,
                    '--work-dir', str(tmp_path / 'test'))
    assert 'does not fit the model PoseLifter' in out
    assert re.search(r'\d+ missing keys: backbone\.', out)
    assert 'trained with the config "videopose3d_81frm_h36m" (model ' \
        'PoseLifter, backbone TCN)' in out
    assert 'mpjpe:' not in out
    proc = run_tool('tools/test.py', config, other_model_checkpoint,
                    '--work-dir', str(tmp_path / 'test'), '--non-strict')
    assert 'mpjpe:' in proc.stdout + proc.stderr


def test_load_from_is_strict(h36m_root, tmp_path, other_model_checkpoint):
    """Before: training started from the non-matching weights, exit 0."""
    config = tiny_config(tmp_path / 'sb.py', h36m_root)
    out = run_fails('tools/train.py', config, '--work-dir', str(tmp_path),
                    '--cfg-options', f'load_from={other_model_checkpoint}')
    assert 'does not fit the model PoseLifter' in out
    assert 'Epoch(train)' not in out


# --- resume errors -----------------------------------------------------------

def test_resume_of_a_missing_or_cut_checkpoint_is_an_error(h36m_root,
                                                           tmp_path):
    """Before: both trained from scratch and exited 0."""
    config = tiny_config(tmp_path / 'sb.py', h36m_root)
    out = run_fails('tools/train.py', config, '--work-dir', str(tmp_path),
                    '--resume', str(tmp_path / 'epoch_9.pth'))
    assert 'epoch_9.pth: the checkpoint does not exist' in out
    torch.save({'w': torch.ones(300)}, tmp_path / 'epoch_1.pth')
    cut = tmp_path / 'epoch_1.pth'
    cut.write_bytes(cut.read_bytes()[:200])
    out = run_fails('tools/train.py', config, '--work-dir', str(tmp_path),
                    '--resume')
    assert 'holds checkpoint files (epoch_1.pth) but none is complete' in out
    assert 'Epoch(train)' not in out


# --- kills -------------------------------------------------------------------

KILLS = 10


def test_sigkill_at_random_points_loses_no_progress(h36m_root, tmp_path):
    """10 SIGKILLs, half of them during checkpoint writes, with a
    checkpoint every iteration and ``max_keep_ckpts=1``: after each kill
    ``last_checkpoint`` names a complete checkpoint, ``--resume`` continues
    from it, and the final weights equal an uninterrupted run's.

    Before: mmengine deleted the only checkpoint before writing the next,
    so a kill during the write left none and ``--resume`` trained from
    scratch; a resumed run replayed its epoch with other random draws."""
    config = tiny_config(
        tmp_path / 'kill.py', h36m_root, width=128, batch=64, epochs=3,
        ckpt='dict(by_epoch=False, interval=1, max_keep_ckpts=1)')
    work, ref = tmp_path / 'work', tmp_path / 'ref'
    proc = run_tool('tests/test_tools/sigkill_driver.py', config, str(work),
                    str(ref), str(KILLS), '0', '--no-validate')
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report['reference_exit'] == 0 and report['final_exit'] == 0
    kills = report['kills']
    assert len(kills) == KILLS
    assert sum(k['in_write'] for k in kills) >= 3, kills
    for k in kills:
        assert k['complete'], f'no complete checkpoint after a kill: {k}'
        assert k['resumed_iter'] == k['iter'], k
    assert [k['iter'] for k in kills] == sorted(k['iter'] for k in kills)
    final = torch.load(work / 'iter_30.pth')
    expected = torch.load(ref / 'iter_30.pth')
    assert final['meta']['iter'] == 30
    for key, value in expected['state_dict'].items():
        assert torch.equal(final['state_dict'][key], value), key
    assert not list(work.glob('.*.tmp*')), 'temporary files left behind'


# --- exact resume ------------------------------------------------------------

def test_mid_epoch_resume_is_exact(h36m_root, tmp_path):
    """A run resumed from a checkpoint written after iteration 7 of 20
    continues at iteration 8 of epoch 1 and ends with the uninterrupted
    run's metrics, to the printed digit (one data-loader worker, random
    flips, random frames and dropout).

    Before: it replayed epoch 1 from its first batch (40 iterations
    instead of 33, then a negative ETA) with other random draws, and ended
    at 370.07 mm where the uninterrupted run ended at 391.40."""
    config = tiny_config(
        tmp_path / 'sb.py', h36m_root, workers=1,
        ckpt='dict(by_epoch=False, interval=7, max_keep_ckpts=-1)')
    whole = run_tool('tools/train.py', config, '--work-dir',
                     str(tmp_path / 'whole'))
    whole_log = whole.stdout + whole.stderr
    resumed = run_tool('tools/train.py', config, '--work-dir',
                       str(tmp_path / 'resumed'), '--resume',
                       str(tmp_path / 'whole' / 'iter_7.pth'))
    log = resumed.stdout + resumed.stderr
    steps = train_lines(log)
    assert steps[0] == ('1', '8', '20')
    assert len(steps) == 40 - 7
    assert 'eta: -' not in log
    assert len(val_lines(whole_log)) == 2
    assert val_lines(log) == val_lines(whole_log)


def test_resume_with_another_number_of_processes_is_refused(h36m_root,
                                                            tmp_path):
    """A 2-process checkpoint resumed in 1 process stops with the reason.

    Before: it continued with the 2-process iteration count under the
    1-process schedule (reaching the schedule's end early, a wrong ETA)."""
    config = tiny_config(tmp_path / 'sb.py', h36m_root, batch=16, epochs=1)
    run_tool('tools/dist_train.sh', config, '2', '--work-dir', str(tmp_path),
             '--no-validate', env=dict(PORT=str(free_port())))
    out = run_fails('tools/train.py', config, '--work-dir', str(tmp_path),
                    '--resume', '--cfg-options', 'train_cfg.max_epochs=2')
    assert 'written by a run with 2 process(es) x batch 16 (20 iterations ' \
        'per epoch), this run has 1 x 16 (40)' in out
    assert 'Epoch(train)' not in out


def test_two_process_run_equals_its_one_process_twin(h36m_root, tmp_path):
    """2 processes x batch 16 and 1 process x batch 32 see the same
    samples per step, augmented the same way (per-sample seeds), so with a
    model without batch-coupled layers (no BatchNorm) or per-process
    random draws (no dropout) they reach the same metrics.

    Before: each process drew its own flips and random frames, so the
    twins ended apart."""
    kw = dict(epochs=1, norm=False, dropout=0.0)
    one = run_tool('tools/train.py', tiny_config(
        tmp_path / 'one.py', h36m_root, batch=32, **kw), '--work-dir',
        str(tmp_path / 'one'))
    two = run_tool('tools/dist_train.sh', tiny_config(
        tmp_path / 'two.py', h36m_root, batch=16, **kw), '2', '--work-dir',
        str(tmp_path / 'two'), env=dict(PORT=str(free_port())))

    def mpjpe(proc):
        found = val_lines(proc.stdout + proc.stderr)
        assert found, 'no validation printed'
        return float(re.match(r'mpjpe: ([0-9.]+)', found[-1]).group(1))
    assert mpjpe(two) == pytest.approx(mpjpe(one), abs=2e-3)


# --- distributed failure -----------------------------------------------------

@pytest.mark.parametrize('sig', ['SIGSTOP', 'SIGKILL'])
def test_a_dead_rank_ends_the_other_within_the_timeout(h36m_root, tmp_path,
                                                       sig):
    """Two single-process 'nodes'; rank 1 is frozen (a machine gone
    without closing its connections) or killed during training; rank 0
    must exit non-zero within ``env_cfg.dist_cfg.timeout`` (20 s) plus
    its shut-down.

    Before: the timeout was ignored (gloo's default is 30 minutes), so a
    frozen peer left rank 0 waiting."""
    timeout = 20
    config = tiny_config(tmp_path / 'sb.py', h36m_root, batch=16, epochs=50)
    port = str(free_port())
    procs, logs = [], []
    for rank in (0, 1):
        logs.append(open(tmp_path / f'rank{rank}.log', 'w'))
        env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1',
                   RANK=str(rank), LOCAL_RANK='0', WORLD_SIZE='2',
                   MASTER_ADDR='127.0.0.1', MASTER_PORT=port)
        procs.append(subprocess.Popen(
            [sys.executable, 'tools/train.py', config, '--launcher',
             'pytorch', '--no-validate', '--work-dir', str(tmp_path / 'w'),
             '--cfg-options', f'env_cfg.dist_cfg.timeout={timeout}'],
            cwd=REPO, env=env, stdout=logs[-1], stderr=subprocess.STDOUT))
    try:
        start = time.time()
        while not train_lines((tmp_path / 'rank0.log').read_text())[2:]:
            assert procs[0].poll() is None, (tmp_path / 'rank0.log'
                                             ).read_text()[-3000:]
            assert time.time() - start < 120, 'training did not start'
            time.sleep(0.2)
        os.kill(procs[1].pid, getattr(signal, sig))
        struck = time.time()
        try:
            code = procs[0].wait(timeout=timeout + 40)
        except subprocess.TimeoutExpired:
            pytest.fail(f'rank 0 still running {timeout + 40} s after rank '
                        f'1 got {sig}')
        assert code != 0
        assert time.time() - struck < timeout + 40
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for log in logs:
            log.close()


SLOW_WORKERS = '''
import os, sys, time
import torch
from pose3d_toolbox.engine import Pose3dRunner


class Slow(torch.utils.data.Dataset):
    def __len__(self):
        return 100

    def __getitem__(self, i):
        if i > 0:
            time.sleep(60)  # a long render: the worker is busy
        return i


loader = Pose3dRunner.build_dataloader(dict(
    dataset=Slow(), batch_size=1, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False)), seed=0)
it = iter(loader)
next(it)
print(' '.join(str(w.pid) for w in it._workers), flush=True)
time.sleep(600)
'''


def alive(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split(') ')[1][0] != 'Z'
    except FileNotFoundError:
        return False


def test_data_workers_die_with_their_parent(tmp_path):
    """SIGKILL the training process while its workers are busy: the
    workers are gone within 3 s. Before: they kept working (here for a
    minute, with a slow sample; torch's watchdog only looks between
    samples)."""
    script = tmp_path / 'parent.py'
    script.write_text(SLOW_WORKERS)
    parent = subprocess.Popen(
        [sys.executable, str(script)], cwd=REPO, stdout=subprocess.PIPE,
        text=True, env=dict(os.environ, PYTHONPATH=str(REPO),
                            OMP_NUM_THREADS='1'))
    workers = []
    try:
        workers = [int(p) for p in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(alive(p) for p in workers)
        parent.kill()
        parent.wait()
        deadline = time.time() + 3
        while any(alive(p) for p in workers) and time.time() < deadline:
            time.sleep(0.05)
        left = [p for p in workers if alive(p)]
        assert not left, f'workers {left} outlived their parent'
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
