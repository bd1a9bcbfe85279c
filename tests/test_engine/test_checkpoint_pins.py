"""Checkpoint engine pins: the newest complete file wins, a file with
flipped bytes (same length, not truncated) is refused, and a crash while a
checkpoint is written never leaves a partial file under the real name."""
import os

import pytest
import torch

from pose3d_toolbox.engine import (find_latest_checkpoint,
                                   is_complete_checkpoint)
from pose3d_toolbox.utils.atomic import commit_tmp_file
from pose3d_toolbox.engine.runner import Pose3dRunner


def save(path, mtime, n=100):
    torch.save({'w': torch.arange(float(n))}, path)
    os.utime(path, (mtime, mtime))
    return str(path)


def test_newest_complete_checkpoint_by_mtime_not_by_name(tmp_path):
    # names sort the other way round from the modification times
    old = save(tmp_path / 'epoch_9.pth', 1_000_000)
    new = save(tmp_path / 'epoch_10.pth', 2_000_000)
    mid = save(tmp_path / 'best.pth', 1_500_000)
    assert find_latest_checkpoint(str(tmp_path)) == new
    os.utime(mid, (3_000_000, 3_000_000))
    assert find_latest_checkpoint(str(tmp_path)) == mid
    # a file that is not a .pth is never a candidate
    (tmp_path / 'zzz.log').write_text('x')
    os.utime(tmp_path / 'zzz.log', (4_000_000, 4_000_000))
    assert find_latest_checkpoint(str(tmp_path)) == mid
    # a valid last_checkpoint pointer wins over modification times
    (tmp_path / 'last_checkpoint').write_text(old + '\n')
    assert find_latest_checkpoint(str(tmp_path)) == old


def flip_bytes(path, offset, count=8):
    data = bytearray(path.read_bytes())
    for i in range(offset, offset + count):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_corrupted_not_truncated_checkpoint_is_refused(tmp_path):
    good = save(tmp_path / 'epoch_1.pth', 1_000_000, n=1000)
    bad_path = tmp_path / 'epoch_2.pth'
    save(bad_path, 2_000_000, n=1000)
    size = bad_path.stat().st_size
    raw = bad_path.read_bytes()
    # flip bytes inside the tensor data (the middle of the 4 kB payload)
    offset = raw.index(torch.arange(1000.0).numpy().tobytes()[:16]) + 2000
    flip_bytes(bad_path, offset)
    os.utime(bad_path, (2_000_000, 2_000_000))
    assert bad_path.stat().st_size == size  # same length: not truncated
    assert is_complete_checkpoint(good)
    assert not is_complete_checkpoint(str(bad_path))
    assert find_latest_checkpoint(str(tmp_path)) == good
    (tmp_path / 'last_checkpoint').write_text(str(bad_path))
    assert find_latest_checkpoint(str(tmp_path)) == good


def test_commit_tmp_file_swaps_in_the_whole_file(tmp_path):
    target = tmp_path / 'epoch_1.pth'
    target.write_bytes(b'old')
    tmp = tmp_path / '.epoch_1.pth.tmp1'
    tmp.write_bytes(b'new contents')
    commit_tmp_file(str(tmp), str(target))
    assert target.read_bytes() == b'new contents'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['epoch_1.pth']


class _Crash(RuntimeError):
    pass


def test_a_crash_mid_write_leaves_the_old_checkpoint(tmp_path, monkeypatch):
    """Pose3dRunner.save_checkpoint writes through a temporary name: a
    writer that dies half-way leaves ``epoch_1.pth`` as it was (and never a
    partial file under the real name); a writer that finishes puts the
    whole file under the real name and no temporary file stays."""
    from mmengine.runner import Runner
    final = tmp_path / 'epoch_1.pth'
    final.write_bytes(b'previous complete checkpoint')
    names = []

    def dying_writer(self, out_dir, filename, *args, **kwargs):
        names.append(filename)
        with open(os.path.join(out_dir, filename), 'wb') as f:
            f.write(b'half a checkp')
        raise _Crash

    runner = object.__new__(Pose3dRunner)  # save_checkpoint needs no state
    monkeypatch.setattr(Runner, 'save_checkpoint', dying_writer)
    with pytest.raises(_Crash):
        runner.save_checkpoint(str(tmp_path), 'epoch_1.pth')
    assert names[0] != 'epoch_1.pth'
    assert final.read_bytes() == b'previous complete checkpoint'

    def writer(self, out_dir, filename, *args, **kwargs):
        with open(os.path.join(out_dir, filename), 'wb') as f:
            f.write(b'new complete checkpoint')

    monkeypatch.setattr(Runner, 'save_checkpoint', writer)
    for p in tmp_path.iterdir():
        if p != final:
            p.unlink()
    runner.save_checkpoint(str(tmp_path), 'epoch_1.pth')
    assert final.read_bytes() == b'new complete checkpoint'
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_1.pth']
