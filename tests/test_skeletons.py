import numpy as np
import pytest

from pose3d_toolbox.skeletons import (H36M, HEMLETS, MPI_INF_3DHP, Skeleton,
                                      get_skeleton)


def test_h36m_matches_methods_md():
    assert H36M.num_joints == 17
    assert list(H36M.parents) == [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12,
                                  8, 14, 15]
    assert sorted(H36M.flip_pairs) == [(4, 1), (5, 2), (6, 3), (11, 14),
                                       (12, 15), (13, 16)]
    assert len(H36M.bones) == 16 and H36M.root_index == 0


def test_flip_indices_is_an_involution():
    for sk in (H36M, HEMLETS, MPI_INF_3DHP):
        perm = sk.flip_indices
        np.testing.assert_array_equal(perm[perm], np.arange(sk.num_joints))
        for a, b in sk.flip_pairs:
            assert sk.joint_names[a].replace('left', 'right') == \
                sk.joint_names[b]


def test_hemlets_has_18_joints_and_14_parts():
    assert HEMLETS.num_joints == 18
    parts = HEMLETS.parts
    assert len(parts) == 14 and len(set(parts)) == 14
    assert all(0 <= p < 18 and 0 <= c < 18 for p, c in parts)
    assert (17, 11) in parts and (17, 14) in parts  # the shoulder midpoint
    assert HEMLETS.evaluated_joints == tuple(range(17))
    assert H36M.evaluated_joints == tuple(range(17))
    with pytest.raises(KeyError, match="'h36m' defines no body parts"):
        _ = H36M.parts


def test_head_index_is_the_head_joint():
    assert H36M.head_index == 10 and HEMLETS.head_index == 10
    assert MPI_INF_3DHP.head_index == 16
    assert MPI_INF_3DHP.joint_names[MPI_INF_3DHP.head_index] == 'head'


def test_mpi_inf_3dhp_root_and_order():
    assert MPI_INF_3DHP.root_index == 14
    order = MPI_INF_3DHP.kinematic_order
    pos = {j: i for i, j in enumerate(order)}
    for c, p in MPI_INF_3DHP.bones:
        assert pos[p] < pos[c]


def test_bad_skeletons_raise():
    with pytest.raises(ValueError, match='root'):
        Skeleton('x', ('a', 'b'), (-1, -1))
    with pytest.raises(ValueError, match='cycle'):
        Skeleton('x', ('a', 'b', 'c'), (-1, 2, 1))
    with pytest.raises(KeyError, match='known'):
        get_skeleton('nope')
    assert get_skeleton('h36m') is H36M
    assert get_skeleton(HEMLETS) is HEMLETS
