"""Command-line options do what they say, or say why not (issue 19 item 2):
--cfg-options ids, top-level keys and schedules, --amp on CPU, test.py with
a work directory, the distributed scripts' interpreter."""
import argparse
import os
import stat
import subprocess
import sys

import pytest
import torch
from conftest import REPO

from pose3d_toolbox.apis.runner import IdKeepingDictAction


def cfg_options(*pairs):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+',
                        action=IdKeepingDictAction)
    return parser.parse_args(['--cfg-options', *pairs]).cfg_options


def test_cfg_options_keep_ids_as_strings():
    # mmengine's DictAction gave 5 and 501 (int('05_01') == 501).
    opts = cfg_options('a=05', 'b=05_01', 'c=[05,06]', 'd=(1,[05_01,x])',
                       "e='3'", 'f=x_1')
    assert opts == dict(a='05', b='05_01', c=['05', '06'],
                        d=(1, ['05_01', 'x']), e='3', f='x_1')


def test_cfg_options_still_parse_numbers_bools_and_none():
    opts = cfg_options('a=5', 'b=0', 'c=0.5', 'd=1e-3', 'e=true', 'f=None',
                       'g=a,b', 'h=[1,2]')
    assert opts == dict(a=5, b=0, c=0.5, d=1e-3, e=True, f=None,
                        g=['a', 'b'], h=[1, 2])
    assert type(opts['a']) is int and type(opts['c']) is float


def test_help_documents_the_id_rule():
    out = subprocess.run([sys.executable, 'tools/train.py', '--help'],
                         cwd=REPO, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(REPO)))
    text = ' '.join(out.stdout.split())
    assert 'leading zero (05)' in text and '(05_01) stays a string' in text


# --- tools/test.py CHECKPOINT --------------------------------------------

def _checkpoint(path):
    torch.save(dict(state_dict={}, meta={}), path)
    return str(path)


def test_test_tool_takes_a_work_directory(tmp_path):
    sys.path.insert(0, str(REPO / 'tools'))
    try:
        from test import resolve_checkpoint
    finally:
        sys.path.pop(0)
    old = _checkpoint(tmp_path / 'epoch_1.pth')
    new = _checkpoint(tmp_path / 'epoch_2.pth')
    (tmp_path / 'last_checkpoint').write_text(old)
    assert resolve_checkpoint(str(tmp_path)) == old
    (tmp_path / 'last_checkpoint').unlink()
    os.utime(old, (1, 1))
    assert resolve_checkpoint(str(tmp_path)) == new
    assert resolve_checkpoint(new) == new
    with pytest.raises(FileNotFoundError,
                       match='exists: pass it to use its last_checkpoint'):
        resolve_checkpoint(str(tmp_path / 'epoch_3.pth'))
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(FileNotFoundError,
                       match='holds no complete checkpoint.*Train first'):
        resolve_checkpoint(str(empty))
    with pytest.raises(FileNotFoundError,
                       match='Pass a checkpoint file or the work directory'):
        resolve_checkpoint(str(tmp_path / 'nowhere' / 'x.pth'))


def test_test_tool_without_checkpoint_uses_the_training_work_dir(tmp_path):
    work = tmp_path / 'work'
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', 'configs/simplebaseline3d_cmu.py',
         '--work-dir', str(work)], cwd=REPO, capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode != 0
    message = ' '.join(proc.stderr.split())
    assert f'no CHECKPOINT given and no training run in {work}' in message
    assert 'Pass a checkpoint file, a work directory, zoo://NAME' in message
    sys.path.insert(0, str(REPO / 'tools'))
    try:
        from test import default_checkpoint
    finally:
        sys.path.pop(0)
    work.mkdir()
    cfg = argparse.Namespace(work_dir=str(work))
    assert default_checkpoint(cfg, 'c.py') == str(work)


# --- tools/dist_*.sh use $PYTHON -----------------------------------------

@pytest.mark.parametrize('script,args', [
    ('tools/dist_train.sh', ['CFG', '2', '--amp']),
    ('tools/dist_test.sh', ['CFG', 'CKPT', '2'])])
def test_dist_scripts_use_the_python_variable(tmp_path, script, args):
    record = tmp_path / 'called'
    fake = tmp_path / 'fake-python'
    fake.write_text(f'#!/bin/sh\necho "$@" > {record}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PYTHON=str(fake), PATH='/usr/bin:/bin')
    subprocess.run(['bash', script, *args], cwd=REPO, env=env, check=True)
    called = record.read_text().split()
    assert called[:2] == ['-m', 'torch.distributed.run']
    assert '--nproc_per_node=2' in called and called[-1] != 'CFG'
    assert 'pytorch' in called


# --- --amp on CPU --------------------------------------------------------

def test_cpu_amp_wrapper_autocasts_to_bfloat16_and_steps():
    from pose3d_toolbox.engine import CpuBf16OptimWrapper
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    wrapper = CpuBf16OptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=1.0))
    with wrapper.optim_context(model):
        out = model(torch.ones(1, 3))
    assert out.dtype == torch.bfloat16
    before = model.weight.detach().clone()
    wrapper.update_params(out.float().sum())
    # d(sum(w x + b))/dw = x = 1: SGD with lr 1 subtracts exactly 1.
    assert torch.equal(model.weight.detach(), before - 1)
    assert model.weight.dtype == torch.float32



def fixture_loader_options(h36m_root):
    """``--cfg-options`` pointing every dataloader of the Human3.6M config
    at the fixture, one batch per epoch, in the main process."""
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [f'{split}_dataloader.dataset.data_root={h36m_root}',
                 f'{split}_dataloader.batch_size=320',
                 f'{split}_dataloader.num_workers=0',
                 f'{split}_dataloader.persistent_workers=False']
    return opts


def test_train_with_amp_on_cpu(h36m_root, tmp_path):
    from conftest import run_tool
    opts = ['train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
            *fixture_loader_options(h36m_root)]
    # Before: AssertionError ``AmpOptimizerWrapper`` is only available
    # training on gpu, npu, mlu or musa.
    proc = run_tool('tools/train.py', 'configs/simplebaseline3d_h36m.py',
                    '--work-dir', str(tmp_path), '--amp', '--no-validate',
                    '--cfg-options', *opts)
    log = proc.stdout + proc.stderr
    assert 'bfloat16 autocast on CPU' in log
    assert 'Epoch(train) [1][2/2]' in log
    assert (tmp_path / 'epoch_1.pth').is_file()


# --- --cfg-options: top-level variables and the epoch schedule ----------

def load(config, *options):
    from pose3d_toolbox.apis.runner import add_common_args, load_config
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    add_common_args(parser)
    args = ['--cfg-options', *options] if options else []
    return load_config(parser.parse_args([config, *args]))


CMU = 'configs/simplebaseline3d_cmu.py'
H36M = 'configs/simplebaseline3d_h36m.py'


def test_top_level_variable_is_refused_with_the_keys_to_set():
    # Before: accepted and ignored (the run trained 3 epochs).
    with pytest.raises(SystemExit, match="'max_epochs' is a top-level "
                       'variable.*changes nothing.*train_cfg.max_epochs=.*'
                       'follow train_cfg.max_epochs'):
        load(CMU, 'max_epochs=1')
    with pytest.raises(SystemExit, match='data_root.*Set the keys that use '
                       'it instead: test_dataloader.dataset.data_root=... '
                       'train_dataloader.dataset.data_root=... '
                       r'val_dataloader.dataset.data_root=...\.$'):
        load(H36M, 'data_root=/elsewhere')
    with pytest.raises(SystemExit, match="'dataset' is a top-level.*"
                       'train_dataloader.dataset.seq_len=...'):
        load(CMU, 'dataset.seq_len=5')


def test_unknown_top_level_key_is_refused_with_close_names():
    with pytest.raises(SystemExit, match="has no 'train_cgf'.*Keys named "
                       "'max_epochs': train_cfg.max_epochs. Did you mean "
                       'train_cfg?'):
        load(CMU, 'train_cgf.max_epochs=1')


def test_runtime_keys_still_override():
    cfg = load(CMU, 'load_from=x.pth', 'train_dataloader.batch_size=7',
               'train_dataloader.dataset.subjects=[05,06]')
    assert cfg.load_from == 'x.pth' and cfg.train_dataloader.batch_size == 7
    assert cfg.train_dataloader.dataset.subjects == ['05', '06']


def test_shortened_max_epochs_carries_the_cosine_schedule():
    untouched = load(CMU)
    assert (untouched.param_scheduler[0].T_max,
            untouched.param_scheduler[0].end,
            untouched.train_cfg.val_interval) == (8, 8, 8)
    # Before: T_max and end stayed 8 and val_interval 8 (no validation).
    cfg = load(CMU, 'train_cfg.max_epochs=1')
    assert cfg.train_cfg.max_epochs == 1
    assert (cfg.param_scheduler[0].T_max, cfg.param_scheduler[0].end,
            cfg.train_cfg.val_interval) == (1, 1, 1)
    # Keys the user set themselves are kept.
    cfg = load(CMU, 'train_cfg.max_epochs=2', 'param_scheduler.0.T_max=5')
    assert (cfg.param_scheduler[0].T_max, cfg.param_scheduler[0].end) == (
        5, 2)
    # val_interval=10 of a 200-epoch config is not its max_epochs: kept.
    cfg = load(H36M, 'train_cfg.max_epochs=1')
    assert cfg.train_cfg.val_interval == 10


def test_shortened_max_epochs_moves_multistep_milestones():
    # Before: milestones=[8] of 10 epochs stayed 8 in a 5-epoch run, so the
    # rate never dropped.
    cfg = load('configs/integral2d_r18_cmu.py', 'train_cfg.max_epochs=5')
    assert list(cfg.param_scheduler[0].milestones) == [4]
    cfg = load('configs/abslifter_h36m.py', 'train_cfg.max_epochs=30')
    assert list(cfg.param_scheduler[0].milestones) == [20]  # 200 of 300
    cfg = load('configs/integral2d_r18_cmu.py', 'train_cfg.max_epochs=5',
               'param_scheduler.0.milestones=[2]')
    assert list(cfg.param_scheduler[0].milestones) == [2]


@pytest.mark.parametrize('tool', ['tools/misc/browse_dataset.py',
                                  'tools/analysis/eval_2d_baselines.py',
                                  'tools/analysis/benchmark_image_throughput.py'])
def test_every_tool_with_cfg_options_keeps_ids_and_refuses_top_level(tool):
    proc = subprocess.run(
        [sys.executable, tool, CMU, '--cfg-options', 'max_epochs=1'],
        cwd=REPO, capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode != 0
    assert "'max_epochs' is a top-level variable" in proc.stderr


# Every tool and demo that takes --cfg-options, with the positional
# arguments its parser needs.
CFG_OPTION_TOOLS = {
    'tools/train.py': ['c.py'],
    'tools/test.py': ['c.py'],
    'tools/misc/browse_dataset.py': ['c.py'],
    'tools/misc/vis_hemlets.py': ['c.py'],
    'tools/analysis/benchmark_abslifter.py': [],
    'tools/analysis/benchmark_anatomy3d.py': [],
    'tools/analysis/benchmark_elepose.py': [],
    'tools/analysis/benchmark_image_ablation.py': [],
    'tools/analysis/benchmark_image_throughput.py': ['c.py'],
    'tools/analysis/benchmark_threads.py': ['c.py'],
    'tools/analysis/eval_2d_baselines.py': ['c.py'],
}


def _takes_cfg_options(path):
    text = path.read_text()
    return any(word in text for word in (
        "add_argument('--cfg-options'", 'add_cfg_options_arg(',
        'add_common_args(', 'DictAction'))


def test_every_tool_parses_cfg_options_with_the_shared_action():
    # benchmark_threads.py used mmengine's DictAction._parse_iterable, so
    # its runs got subject 5 and take 501.
    found = sorted(str(p.relative_to(REPO)) for folder in ('tools', 'demo')
                   for p in (REPO / folder).rglob('*.py')
                   if _takes_cfg_options(p))
    assert found == sorted(CFG_OPTION_TOOLS), (
        'a tool takes --cfg-options: add it to CFG_OPTION_TOOLS')
    import importlib.util
    for tool, positionals in CFG_OPTION_TOOLS.items():
        source = (REPO / tool).read_text()
        assert 'DictAction' not in source, (
            f'{tool}: use pose3d_toolbox.apis.runner.add_cfg_options_arg')
        spec = importlib.util.spec_from_file_location(
            'cfg_options_' + tool.replace('/', '_')[:-3], REPO / tool)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        args = module.parse_args(
            [*positionals, '--cfg-options', 'x=05', 'y=05_01'])
        assert args.cfg_options == dict(x='05', y='05_01'), tool


# --- the environment log names the real backend and device ---------------

def test_two_process_cpu_log_names_gloo_and_cpu(h36m_root, tmp_path):
    import socket

    from conftest import run_tool
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    opts = ['train_cfg.max_epochs=1', *fixture_loader_options(h36m_root)]
    proc = run_tool('tools/dist_train.sh', 'configs/simplebaseline3d_h36m.py',
                    '2', '--work-dir', str(tmp_path), '--no-validate',
                    '--cfg-options', *opts,
                    env=dict(PORT=str(port), PYTHON=sys.executable))
    log = proc.stdout + proc.stderr
    # Before: "backend='nccl'" and "GPU number: 2".
    assert "dist_cfg: {'backend': 'gloo'}" in log  # runtime environment
    assert 'nccl' not in log and 'GPU number' not in log
    assert 'Distributed backend: gloo' in log
    assert 'Device: cpu' in log and 'World size (processes): 2' in log
    assert (tmp_path / 'epoch_1.pth').is_file()
