"""The train loop's heap freeze: what is alive when training starts is out
of the garbage collector's way while it runs, and back afterwards."""
import gc

import pytest

from pose3d_toolbox.engine.loops import frozen_heap


def test_frozen_heap_freezes_what_is_alive_and_releases_it():
    assert gc.get_freeze_count() == 0
    alive = [dict(i=i) for i in range(1000)]
    with frozen_heap():
        assert gc.get_freeze_count() >= len(alive)
        assert not any(gc.is_tracked(a) and a in gc.get_objects(0)
                       for a in alive[:3])
    assert gc.get_freeze_count() == 0


def test_frozen_heap_releases_on_error():
    with pytest.raises(RuntimeError):
        with frozen_heap():
            raise RuntimeError('a failed epoch')
    assert gc.get_freeze_count() == 0
