"""Every joint's parent of MPI-INF-3DHP and every joint of the COCO / MPII
-> Human3.6M maps, written out by name (hand-checked against the joint
lists in skeletons.py and MMPose's definitions)."""
import numpy as np
import pytest

from pose3d_toolbox.datasets.image_2d import map_joints
from pose3d_toolbox.skeletons import H36M, MPI_INF_3DHP, get_skeleton

MPI_INF_3DHP_PARENT = {
    'head_top': 'head', 'neck': 'spine', 'right_shoulder': 'neck',
    'right_elbow': 'right_shoulder', 'right_wrist': 'right_elbow',
    'left_shoulder': 'neck', 'left_elbow': 'left_shoulder',
    'left_wrist': 'left_elbow', 'right_hip': 'pelvis',
    'right_knee': 'right_hip', 'right_ankle': 'right_knee',
    'left_hip': 'pelvis', 'left_knee': 'left_hip',
    'left_ankle': 'left_knee', 'pelvis': None, 'spine': 'pelvis',
    'head': 'neck'}

# Human3.6M joint -> the source joints whose mean stands in for it
COCO_TO_H36M = {
    'pelvis': ('left_hip', 'right_hip'), 'right_hip': ('right_hip', ),
    'right_knee': ('right_knee', ), 'right_ankle': ('right_ankle', ),
    'left_hip': ('left_hip', ), 'left_knee': ('left_knee', ),
    'left_ankle': ('left_ankle', ), 'spine': (),
    'thorax': ('left_shoulder', 'right_shoulder'), 'neck_nose': ('nose', ),
    'head': (), 'left_shoulder': ('left_shoulder', ),
    'left_elbow': ('left_elbow', ), 'left_wrist': ('left_wrist', ),
    'right_shoulder': ('right_shoulder', ),
    'right_elbow': ('right_elbow', ), 'right_wrist': ('right_wrist', )}
MPII_TO_H36M = {
    'pelvis': ('pelvis', ), 'right_hip': ('right_hip', ),
    'right_knee': ('right_knee', ), 'right_ankle': ('right_ankle', ),
    'left_hip': ('left_hip', ), 'left_knee': ('left_knee', ),
    'left_ankle': ('left_ankle', ), 'spine': (), 'thorax': ('thorax', ),
    'neck_nose': ('upper_neck', ), 'head': ('head_top', ),
    'left_shoulder': ('left_shoulder', ), 'left_elbow': ('left_elbow', ),
    'left_wrist': ('left_wrist', ), 'right_shoulder': ('right_shoulder', ),
    'right_elbow': ('right_elbow', ), 'right_wrist': ('right_wrist', )}


def test_mpi_inf_3dhp_parent_of_every_joint():
    names = MPI_INF_3DHP.joint_names
    assert set(names) == set(MPI_INF_3DHP_PARENT)
    for j, name in enumerate(names):
        p = MPI_INF_3DHP.parents[j]
        got = None if p < 0 else names[p]
        assert got == MPI_INF_3DHP_PARENT[name], name


@pytest.mark.parametrize('source, table', [('coco', COCO_TO_H36M),
                                           ('mpii', MPII_TO_H36M)])
def test_map_to_h36m_of_every_joint(source, table):
    skel = get_skeleton(source)
    stored = skel.extras['to_h36m']
    assert len(stored) == H36M.num_joints
    for j, name in enumerate(H36M.joint_names):
        got = tuple(skel.joint_names[s] for s in stored[j])
        assert sorted(got) == sorted(table[name]), name
    # and through map_joints: source joint i at (i, 10 i), all labelled
    J = skel.num_joints
    kp = np.stack([np.arange(J), 10 * np.arange(J)], 1).astype(np.float32)
    out, ok = map_joints(kp, np.ones(J), source, 'h36m')
    for j, name in enumerate(H36M.joint_names):
        src = [skel.index(n) for n in table[name]]
        assert ok[j] == (1 if src else 0), name
        if src:
            np.testing.assert_allclose(out[j], kp[src].mean(0), err_msg=name)
