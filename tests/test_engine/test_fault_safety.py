"""Kill-safe writes, strict checkpoint loading and the random state of an
exact resume, tested in process (the tools' end-to-end runs are in
tests/test_tools/test_faults.py)."""
import json
import os
import random
from collections import deque

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub

from pose3d_toolbox.engine import (ResumableSampler, SafeCheckpointHook,
                                   SeededSampleDataset, get_rng_state,
                                   load_model_checkpoint, preserved_rng,
                                   set_rng_state, trained_with)
from pose3d_toolbox.utils.atomic import atomic_write, remove_stale_tmp_files


# --- atomic writes ---------------------------------------------------------

def test_atomic_write_replaces_whole_or_not_at_all(tmp_path):
    path = tmp_path / 'meta.json'
    path.write_text('{"old": 1}')
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(str(path)) as fh:
            fh.write('{"new": ')
            raise KeyboardInterrupt  # killed half-way through the write
    assert json.loads(path.read_text()) == {'old': 1}
    assert os.listdir(tmp_path) == ['meta.json']
    with atomic_write(str(path)) as fh:
        json.dump({'new': 2}, fh)
    assert json.loads(path.read_text()) == {'new': 2}
    assert os.listdir(tmp_path) == ['meta.json']


def test_stale_tmp_files_are_removed_and_nothing_else(tmp_path):
    for name in ('.iter_3.pth.tmp123', '.last_checkpoint.tmp9', 'iter_2.pth',
                 'last_checkpoint', 'notes.tmp'):
        (tmp_path / name).write_text('x')
    removed = remove_stale_tmp_files(str(tmp_path))
    assert sorted(os.path.basename(p) for p in removed) == [
        '.iter_3.pth.tmp123', '.last_checkpoint.tmp9']
    assert sorted(os.listdir(tmp_path)) == ['iter_2.pth', 'last_checkpoint',
                                            'notes.tmp']


def test_render_cache_meta_is_written_atomically(tmp_path, monkeypatch):
    """A kill while ``meta.json`` is written leaves no ``meta.json`` (the
    cache then counts as incomplete and is rebuilt), never a cut one."""
    from pose3d_toolbox.datasets.synthetic import render

    def killed(obj, fh):
        fh.write('{"num_samples": ')
        raise KeyboardInterrupt

    monkeypatch.setattr(render.json, 'dump', killed)
    with pytest.raises(KeyboardInterrupt):
        render.RenderCache(str(tmp_path / 'cache'), num_samples=2,
                           out_size=(8, 8))
    assert not (tmp_path / 'cache' / 'meta.json').exists()
    assert not list((tmp_path / 'cache').glob('.*tmp*'))


# --- the checkpoint hook's order --------------------------------------------

class _Backend:
    def join_path(self, *parts):
        return os.path.join(*parts)

    def isfile(self, path):
        return os.path.isfile(path)

    def isdir(self, path):
        return os.path.isdir(path)

    def remove(self, path):
        os.remove(path)


class _Runner:
    """The parts of a Runner the checkpoint hook uses; ``save_checkpoint``
    writes a file, or is 'killed' (raises) when ``kill`` is set."""

    def __init__(self, work_dir):
        self.work_dir = str(work_dir)
        self.message_hub = MessageHub.get_instance('fault_safety_test')
        self.kill = False

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        if self.kill:
            raise KeyboardInterrupt('killed during the write')
        torch.save({'w': torch.ones(2)}, os.path.join(out_dir, filename))


def test_checkpoint_hook_deletes_the_old_checkpoint_only_after_the_new(
        tmp_path):
    """max_keep_ckpts=1 and a kill during the write of iter_2: iter_1 and
    ``last_checkpoint`` pointing at it survive. (mmengine's hook deleted
    iter_1 before writing iter_2, leaving no checkpoint.)"""
    hook = SafeCheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=1)
    hook.out_dir, hook.file_backend = str(tmp_path), _Backend()
    hook.keep_ckpt_ids = deque([], 1)
    runner = _Runner(tmp_path)
    hook._save_checkpoint_with_step(runner, 1, dict(epoch=0, iter=1))
    runner.kill = True
    with pytest.raises(KeyboardInterrupt):
        hook._save_checkpoint_with_step(runner, 2, dict(epoch=0, iter=2))
    assert (tmp_path / 'iter_1.pth').is_file()
    assert (tmp_path / 'last_checkpoint').read_text() == str(
        tmp_path / 'iter_1.pth')
    runner.kill = False
    hook._save_checkpoint_with_step(runner, 3, dict(epoch=0, iter=3))
    assert sorted(os.listdir(tmp_path)) == ['iter_3.pth', 'last_checkpoint']


# --- strict loading ---------------------------------------------------------

class _Lifter(torch.nn.Module):
    def __init__(self, width):
        super().__init__()
        self.backbone = torch.nn.Linear(34, width)
        self.head = torch.nn.Linear(width, 51)


def _save(path, model, **meta):
    torch.save(dict(meta=meta, state_dict=model.state_dict()), path)


def test_strict_load_names_keys_and_the_training_config(tmp_path):
    other = torch.nn.Sequential(torch.nn.Conv1d(34, 8, 3))
    ckpt = tmp_path / 'other.pth'
    _save(ckpt, other, experiment_name='videopose3d_81frm_h36m_20260101_'
          '120000', cfg="model = dict(\n    type='VideoPose3D',\n)\n")
    model = _Lifter(16)
    with pytest.raises(RuntimeError) as err:
        load_model_checkpoint(model, str(ckpt))
    msg = str(err.value)
    assert 'other.pth' in msg and '_Lifter' in msg
    assert '4 missing keys: backbone.weight, backbone.bias, head.weight, ' \
        'head.bias' in msg
    assert '2 unexpected keys: 0.weight, 0.bias' in msg
    assert '"videopose3d_81frm_h36m" (model VideoPose3D)' in msg
    assert '--non-strict' in msg


def test_strict_load_reports_shapes_and_non_strict_loads_what_fits(
        tmp_path):
    ckpt = tmp_path / 'wide.pth'
    wide = _Lifter(32)
    _save(ckpt, wide)
    model = _Lifter(16)
    with pytest.raises(RuntimeError, match='3 keys with another shape: '
                       r'backbone.weight: checkpoint \(32, 34\) != model '
                       r'\(16, 34\).*records no training config'):
        load_model_checkpoint(model, str(ckpt))
    same = _Lifter(16)
    _save(ckpt, same)
    load_model_checkpoint(model, str(ckpt))  # a fitting one loads
    for k, v in model.state_dict().items():
        assert torch.equal(v, same.state_dict()[k])
    partial = {'backbone.weight': torch.zeros(16, 34)}
    torch.save(dict(state_dict=partial), ckpt)
    load_model_checkpoint(model, str(ckpt), strict=False)
    assert torch.equal(model.backbone.weight, torch.zeros(16, 34))
    assert torch.equal(model.head.weight, same.head.weight)


def test_trained_with_reads_meta_without_running_it():
    assert trained_with({}) is None
    assert trained_with(dict(meta=dict(
        experiment_name='simplebaseline3d_cmu_20261202_101010'))) == \
        '"simplebaseline3d_cmu"'


# --- random state ---------------------------------------------------------

def _draw():
    return (random.random(), float(np.random.rand()),
            float(torch.rand(())))


def test_rng_state_round_trips_through_a_checkpoint(tmp_path):
    random.seed(1)
    np.random.seed(1)
    torch.manual_seed(1)
    _draw()
    torch.save(dict(rng=get_rng_state()), tmp_path / 'c.pth')
    expected = _draw()
    _draw()
    set_rng_state(torch.load(tmp_path / 'c.pth')['rng'])
    assert _draw() == expected


def test_preserved_rng_leaves_the_stream_alone():
    torch.manual_seed(3)
    np.random.seed(3)
    random.seed(3)
    state = get_rng_state()
    with preserved_rng():
        _draw()
    after = _draw()
    set_rng_state(state)
    assert _draw() == after


class _NoisyDataset(torch.utils.data.Dataset):
    """Each item is a draw of the global generators, as transforms use
    them."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return (i, *_draw())


def test_seeded_samples_depend_on_seed_epoch_index_only():
    ds = SeededSampleDataset(_NoisyDataset())
    first = ds[(2, 0, 7)]
    _draw()  # any global state before
    assert ds[(2, 0, 7)] == first
    assert ds[(2, 1, 7)] != first and ds[(3, 0, 7)][1:] != first[1:]
    assert ds[(2, 0, 8)] != first
    assert ds[4][0] == 4  # a plain index is the inner item, unseeded
    assert len(ds) == 6


def test_resumable_sampler_skips_and_tags_items():
    ds = SeededSampleDataset(_NoisyDataset())
    sampler = ResumableSampler(ds, dict(type='DefaultSampler', shuffle=True),
                               seed=4)
    sampler.set_epoch(1)
    full = list(sampler)
    assert sorted(i for i, _, _ in full) == list(range(6))
    assert {(e, s) for _, e, s in full} == {(1, 4)}
    sampler.skip = 4
    assert list(sampler) == full[4:]
    assert list(sampler) == full  # the skip applies to one epoch only
    sampler.set_seed(5)
    assert [i for i, _, _ in sampler] != [i for i, _, _ in full]


class _Renamed(torch.nn.Module):
    """Renamed ``old`` to ``new`` and maps older checkpoints on load."""

    def __init__(self):
        super().__init__()
        self.new = torch.nn.Linear(2, 2)

    def _load_from_state_dict(self, state_dict, prefix, *args):
        for name in ('weight', 'bias'):
            if prefix + 'old.' + name in state_dict:
                state_dict[prefix + 'new.' + name] = state_dict.pop(
                    prefix + 'old.' + name)
        super()._load_from_state_dict(state_dict, prefix, *args)


def test_strict_load_applies_a_models_key_remapping(tmp_path):
    old = {'old.weight': torch.eye(2), 'old.bias': torch.ones(2)}
    torch.save(dict(state_dict=old), tmp_path / 'old.pth')
    model = _Renamed()
    load_model_checkpoint(model, str(tmp_path / 'old.pth'))
    assert torch.equal(model.new.weight, torch.eye(2))
    assert torch.equal(model.new.bias, torch.ones(2))
