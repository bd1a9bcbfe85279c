"""Torch threads and loader workers chosen from the free cores
(``env_cfg.num_threads`` / ``env_cfg.loader_workers``)."""
import pytest
import torch
from mmengine.model import BaseModel
from torch import nn

import pose3d_toolbox.engine.runner as runner_module
from pose3d_toolbox.engine import Pose3dRunner
from pose3d_toolbox.engine.threads import (choose_num_threads,
                                           choose_num_workers, free_cores,
                                           machine_state)


@pytest.mark.parametrize('cpus, load, world, expected', [
    (2, 0.0, 1, 2),    # idle: every core
    (2, 0.4, 1, 2),    # a little background work rounds away
    (2, 1.0, 1, 1),    # one other busy process: one core left
    (2, 9.5, 1, 1),    # oversubscribed: still one
    (16, 3.0, 1, 13),
    (16, 0.0, 4, 4),   # four processes of one run share the cores
])
def test_auto_threads_take_the_free_cores(cpus, load, world, expected):
    threads, why = choose_num_threads('auto', cpus, load,
                                      local_world_size=world)
    assert threads == expected
    assert why.startswith('auto:') and f'load average {load:.2f}' in why


def test_auto_threads_leave_the_cores_kept_for_workers():
    assert choose_num_threads('auto', 16, 0.0, reserved=4)[0] == 12
    assert choose_num_threads('auto', 2, 1.0, reserved=3)[0] == 1


def test_explicit_settings_win():
    assert choose_num_threads('auto', 2, 0.0, omp_env='1') == (
        1, 'auto: OMP_NUM_THREADS=1 is set')
    # a malformed OMP_NUM_THREADS is ignored, the rule applies
    assert choose_num_threads('auto', 2, 0.0, omp_env='x')[0] == 2
    assert choose_num_threads(3, 2, 9.0, omp_env='1') == (
        3, 'env_cfg.num_threads')
    assert choose_num_threads(None, 2, 9.0)[0] is None


@pytest.mark.parametrize('bad', [0, -1, 'fast', True, 1.5])
def test_bad_settings_name_the_key(bad):
    with pytest.raises(ValueError, match='env_cfg.num_threads'):
        choose_num_threads(bad, 2, 0.0)
    with pytest.raises(ValueError, match='env_cfg.loader_workers'):
        choose_num_workers(bad, 2, 2, 0.0)


@pytest.mark.parametrize('configured, cpus, load, expected', [
    (2, 2, 0.0, 0),    # 2 cores: loading stays in the training process
    (1, 2, 1.0, 0),
    (2, 16, 0.0, 2),   # a quarter of 16 cores is 4; no more than configured
    (8, 16, 0.0, 4),
    (8, 16, 8.0, 2),
    (0, 16, 0.0, 0),
])
def test_auto_workers_keep_a_quarter_of_the_free_cores(configured, cpus,
                                                        load, expected):
    assert choose_num_workers('auto', configured, cpus, load)[0] == expected
    assert choose_num_workers(None, configured, cpus, load)[0] == configured


def test_free_cores_and_machine_state():
    assert free_cores(2, 0.6) == 1 and free_cores(2, 0.4) == 2
    assert free_cores(4, -1.0) == 4  # no load average: all cores
    state = machine_state()
    assert state['cpu_count'] >= 1 and state['load'] >= 0
    assert state['local_world_size'] >= 1


class _Toy(BaseModel):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.lin(torch.stack(inputs))
        return dict(loss=out.square().mean()) if mode == 'loss' else out


def _loader():
    return dict(dataset=[dict(inputs=torch.ones(2)) for _ in range(4)],
                sampler=dict(type='DefaultSampler', shuffle=False),
                batch_size=2, num_workers=2, persistent_workers=True)


@pytest.fixture
def keep_torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def _runner(tmp_path, env_cfg, loader=None):
    return Pose3dRunner(
        model=_Toy(), work_dir=str(tmp_path),
        train_dataloader=loader or _loader(),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=None),
        env_cfg=dict(dist_cfg=dict(backend='gloo'), **env_cfg),
        default_scope='pose3d_toolbox')


def test_runner_applies_and_logs_the_choice(tmp_path, monkeypatch,
                                            keep_torch_threads):
    monkeypatch.setattr(runner_module, 'machine_state', lambda: dict(
        cpu_count=2, load=1.0, omp_env=None, local_world_size=1))
    loader = _loader()
    runner = _runner(tmp_path, dict(num_threads='auto',
                                    loader_workers='auto'), loader)
    assert torch.get_num_threads() == 1
    assert runner._train_dataloader['num_workers'] == 0
    assert runner._train_dataloader['persistent_workers'] is False
    assert loader['num_workers'] == 2  # the config's dict is left alone
    runner.train()  # a loader without workers and without persistence
    log = open(runner.logger.log_file).read()
    assert 'torch threads: 1 (auto: 2 cores, load average 1.00 -> 1 free)' \
        in log
    assert 'train loader workers: 0 (auto: 2 configured' in log


def test_runner_honours_an_env_cfg_override(tmp_path, monkeypatch,
                                            keep_torch_threads):
    monkeypatch.setattr(runner_module, 'machine_state', lambda: dict(
        cpu_count=2, load=1.0, omp_env='1', local_world_size=1))
    runner = _runner(tmp_path, dict(num_threads=2, loader_workers=None))
    assert torch.get_num_threads() == 2
    assert runner._train_dataloader['num_workers'] == 2
    assert 'torch threads: 2 (env_cfg.num_threads)' in runner._thread_log


def test_runners_of_one_second_keep_their_own_log_and_config(
        tmp_path, monkeypatch, keep_torch_threads):
    """Two runners of one config built within the same second (mmengine's
    timestamp) each write into their own work directory (CI once failed
    when the second reused the first's deleted visualizer directory)."""
    import shutil
    import time
    monkeypatch.setattr(time, 'time', lambda: 1.8e9)
    first = _runner(tmp_path / 'a', dict(num_threads=1))
    shutil.rmtree(tmp_path / 'a')
    second = _runner(tmp_path / 'b', dict(num_threads=1))
    assert first.timestamp == second.timestamp
    assert second.experiment_name == first.experiment_name + '_2'
    assert second.logger.log_file.startswith(str(tmp_path / 'b'))
    assert second.message_hub is not first.message_hub
    assert str(tmp_path / 'b') in second.visualizer._vis_backends[
        'LocalVisBackend']._save_dir


@pytest.fixture
def keep_denormals():
    yield
    torch.set_flush_denormal(False)


def _denormal_survives():
    return bool(torch.tensor([1e-39], dtype=torch.float32)[0] * 1.0 > 0)


def test_runner_flushes_denormals_unless_told_not_to(tmp_path,
                                                     keep_torch_threads,
                                                     keep_denormals):
    torch.set_flush_denormal(False)
    assert _denormal_survives()
    runner = _runner(tmp_path / 'a', dict(num_threads=1))
    assert not _denormal_survives()
    assert 'denormals flushed to zero: True' in runner._thread_log
    torch.set_flush_denormal(False)
    runner = _runner(tmp_path / 'b', dict(num_threads=1,
                                          flush_denormal=False))
    assert _denormal_survives()
    with pytest.raises(ValueError, match='env_cfg.flush_denormal'):
        _runner(tmp_path / 'c', dict(num_threads=1, flush_denormal='yes'))
