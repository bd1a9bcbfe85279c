import io
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from pose3d_toolbox.engine import (allow_checkpoint_globals,
                                   find_latest_checkpoint,
                                   is_complete_checkpoint)

allow_checkpoint_globals()


def roundtrip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf)  # weights_only=True, torch's default


def test_mmengine_training_state_loads_with_weights_only():
    hub = MessageHub.get_instance('ckpt_test')
    for i in range(5):
        hub.update_scalar('train/loss', np.float64(1.0 / (i + 1)))
    hub.update_info('keep_ckpt_ids', [1, 2])
    state = roundtrip(dict(message_hub=hub.state_dict(),
                           meta=dict(epoch=np.int64(3), seed=0),
                           arr=np.arange(4.0)))
    buf = state['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    assert buf.mean() == pytest.approx(np.mean(1.0 / np.arange(1, 6)))
    np.testing.assert_array_equal(state['arr'], np.arange(4.0))


class _Attack:
    def __init__(self, target, name):
        self.target, self.name = target, name

    def __reduce__(self):
        return (getattr, (self.target, self.name))


@pytest.mark.parametrize('target,name', [(HistoryBuffer, '__init__'),
                                         (np.ndarray, 'tofile')])
def test_getattr_is_limited_to_history_buffer_statistics(target, name):
    with pytest.raises(pickle.UnpicklingError):
        roundtrip(dict(x=_Attack(target, name)))


class _System:
    def __reduce__(self):
        return (os.system, ('echo pwned',))


def test_arbitrary_callables_stay_refused():
    with pytest.raises(pickle.UnpicklingError):
        roundtrip(_System())


def test_latest_checkpoint_skips_cut_files(tmp_path):
    good, cut = tmp_path / 'epoch_1.pth', tmp_path / 'epoch_2.pth'
    torch.save({'w': torch.ones(3)}, good)
    torch.save({'w': torch.ones(300)}, cut)
    cut.write_bytes(cut.read_bytes()[:200])
    os.utime(cut)  # newest by mtime
    (tmp_path / 'last_checkpoint').write_text(str(cut))
    assert is_complete_checkpoint(str(good))
    assert not is_complete_checkpoint(str(cut))
    assert find_latest_checkpoint(str(tmp_path)) == str(good)
    (tmp_path / 'last_checkpoint').write_text('')
    assert find_latest_checkpoint(str(tmp_path)) == str(good)
    assert find_latest_checkpoint(str(tmp_path / 'missing')) is None
