"""pose3d_toolbox.fileio.load_pickle: plain data loads as pickle.load loads
it; anything else is refused, naming the file and the global, before any of
it runs."""
import collections
import os
import pickle

import numpy as np
import pytest
from malicious import malicious_pickle

from pose3d_toolbox.fileio import UnsafePickleError, load_pickle

PLAIN = dict(
    ints=[1, -2, 2**70], floats=(0.5, float('inf')), text='räksmörgås',
    raw=b'\x00\xff', buffer=bytearray(b'ab'), flags={True, None},
    frozen=frozenset({3}), z=1 + 2j, cut=slice(1, 5, 2),
    ordered=collections.OrderedDict(b=1, a=2),
    nested={('S1', '54138969'): dict(R=np.eye(3), f=np.ones((2, 1)))},
    f32=np.arange(6, dtype=np.float32).reshape(2, 3),
    i64=np.array([[1, 2]], np.int64), mask=np.array([True, False]),
    names=np.array(['S1_Seq1_Cam0', 'TS1']), empty=np.zeros((0, 17, 3)),
    fortran=np.asfortranarray(np.arange(6.).reshape(2, 3)),
    scalar32=np.float32(1.5), scalar64=np.int64(7), dtype=np.dtype('<f8'),
    structured=np.zeros(2, dtype=[('x', 'f4'), ('n', 'i2')]))


def assert_same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    else:
        assert a == b


@pytest.mark.parametrize('protocol', range(pickle.HIGHEST_PROTOCOL + 1))
def test_plain_data_loads_as_pickle_loads_it(tmp_path, protocol):
    path = tmp_path / 'plain.pkl'
    path.write_bytes(pickle.dumps(PLAIN, protocol=protocol))
    assert_same(load_pickle(str(path)), pickle.loads(path.read_bytes()))


def test_the_payload_runs_under_pickle_load(tmp_path):
    """The malicious file of these tests is real: plain pickle runs it."""
    marker = tmp_path / 'ran'
    pickle.loads(malicious_pickle(marker))
    assert marker.exists()


@pytest.mark.parametrize('protocol', [0, 2, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize('wrap', [
    lambda p: p,
    lambda p: {('S1', '54138969'): dict(R=np.eye(3), T=p)},
    lambda p: [dict(pred_keypoints_2d=np.zeros((17, 2)), extra=[p])],
    lambda p: np.array([p, 1], dtype=object),
], ids=['bare', 'in-a-camera-dict', 'in-a-dump', 'in-an-object-array'])
def test_code_from_the_file_never_runs(tmp_path, wrap, protocol):
    marker = tmp_path / 'ran'
    path = tmp_path / 'evil.pkl'
    path.write_bytes(malicious_pickle(marker, wrap, protocol))
    with pytest.raises(UnsafePickleError) as e:
        load_pickle(str(path))
    msg = str(e.value)
    assert str(path) in msg
    assert f'{os.system.__module__}.system' in msg  # posix.system
    assert 'malicious' in msg
    assert not marker.exists()


@pytest.mark.parametrize('target', [
    (eval, ('1',)), (getattr, (np.ndarray, 'dump')), (np.load, ('x.npy', )),
    (os.system, ('true', )), (pickle.loads, (b'N.', ))])
def test_globals_beyond_plain_data_are_refused(tmp_path, target):
    class Reduce:
        def __reduce__(self):
            return target
    path = tmp_path / 'x.pkl'
    path.write_bytes(pickle.dumps(Reduce()))
    func = target[0]
    with pytest.raises(UnsafePickleError,
                       match=f'{func.__module__}.{func.__qualname__}'):
        load_pickle(str(path))


class Point:
    """A harmless class: still not plain data."""


def test_an_instance_of_any_other_class_is_refused(tmp_path):
    path = tmp_path / 'obj.pkl'
    path.write_bytes(pickle.dumps(Point()))
    with pytest.raises(UnsafePickleError,
                       match=f'{__name__}.Point'):
        load_pickle(str(path))
