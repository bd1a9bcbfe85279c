"""3D joint sequences -> BVH animation (Blender, Maya, game engines).

:func:`write_bvh` turns ``(T, J, 3)`` joints (Human3.6M-17 by default,
camera space or the toolbox's Z-up world, metres) into a Biovision BVH file
that :func:`pose3d_toolbox.datasets.mocap.bvh.parse_bvh` reads back (the
conventions are that reader's: ``Zrotation Xrotation Yrotation`` is the
local rotation ``Rz @ Rx @ Ry`` about moving axes; a joint's global
rotation is its parent's times its local one).

The file:

* **Rest pose**: a T-pose facing the viewer (``+Z`` when Y-up, ``-Y`` when
  Z-up), the person's left towards ``+X``, every bone as long as its
  per-sequence median length (:func:`median_bone_lengths`), offsets in
  ``unit``.
* **Hierarchy**: the skeleton's tree. A BVH rotation moves all children of
  a joint together, so a joint with several children (Human3.6M's pelvis
  and thorax) gets one zero-offset *branch joint* per child
  (``Hips_RightUpLeg``, ...), whose rotation aims that child's bone; the
  pelvis (the root) and the thorax carry the body's orientation, a frame
  built from the hips (shoulders) and the spine. Joints without children
  are ``End Site`` s. Every bone therefore has its own rotation and the
  file reproduces the bone-length-normalised input exactly
  (:func:`normalise_bone_lengths`; round trip to rounding, tested to 1 mm).
* **Rotations**: each bone's global rotation is the smallest rotation that
  turns its parent's frame so that the rest direction points along the
  bone (swing, no twist about the bone relative to the parent): the twist
  comes from the neighbouring joint up the chain, and is continuous from
  frame to frame, so limbs do not flip. Euler angles are unwrapped over
  time (no 360-degree jumps).
* **Root translation**: the pelvis position, per frame.

Input frames: ``'camera'`` (x right, y down, z forward) or ``'world'``
(the toolbox's Z-up world). Both are turned into the file's axes by a
proper rotation (no mirror, so left stays left): ``up='y'`` (the format's
convention, the default) or ``up='z'``.
"""
from pathlib import Path
from typing import Dict, List, Optional, Union

import numpy as np
from scipy.spatial.transform import Rotation

from pose3d_toolbox.codecs.bone import bones_to_joints, joints_to_bones
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from pose3d_toolbox.utils.atomic import atomic_write

#: metres per file unit
UNITS = {'m': 1.0, 'cm': 0.01, 'mm': 0.001}
#: input frame -> the file's axes, for up='y' and up='z' (proper rotations)
_TO_FILE = {
    ('camera', 'y'): np.diag([1.0, -1.0, -1.0]),
    ('camera', 'z'): np.array([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]]),
    ('world', 'y'): np.array([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]]),
    ('world', 'z'): np.eye(3),
}
#: BVH names of the Human3.6M joints (the names animation tools retarget)
H36M_BVH_NAMES = dict(
    pelvis='Hips', right_hip='RightUpLeg', right_knee='RightLeg',
    right_ankle='RightFoot', left_hip='LeftUpLeg', left_knee='LeftLeg',
    left_ankle='LeftFoot', spine='Spine', thorax='Spine1', neck_nose='Neck',
    head='Head', left_shoulder='LeftArm', left_elbow='LeftForeArm',
    left_wrist='LeftHand', right_shoulder='RightArm',
    right_elbow='RightForeArm', right_wrist='RightHand')
# joints whose rotation is a body frame: joint -> (right joint, left joint,
# lower joint, upper joint): x from right to left, y from lower to upper
_BODY_FRAMES = dict(pelvis=('right_hip', 'left_hip', 'pelvis', 'spine'),
                    thorax=('right_shoulder', 'left_shoulder', 'spine',
                            'thorax'))
_MIN_BONE = 1e-6  # metres: shorter bones have no direction


def _side(name: str) -> float:
    return 1.0 if name.startswith(('left_', 'l_')) else \
        -1.0 if name.startswith(('right_', 'r_')) else 0.0


def rest_direction(child: str, up: str = 'y') -> np.ndarray:
    """The T-pose direction of the bone ending at joint ``child`` in the
    file's axes: hips and arms sideways (left ``+X``), legs down, the
    spine, neck and head up."""
    upward = np.eye(3)[1 if up == 'y' else 2]
    side = _side(child)
    if side and any(k in child for k in ('hip', 'shoulder', 'elbow', 'wrist',
                                         'hand')):
        return np.array([side, 0.0, 0.0])
    if side:  # knees, ankles, feet
        return -upward
    return upward


def median_bone_lengths(joints: np.ndarray, skeleton) -> np.ndarray:
    """``(B,)`` median over frames of each bone's length (metres)."""
    return np.median(joints_to_bones(joints, skeleton)[1], axis=0)


def normalise_bone_lengths(joints: np.ndarray, skeleton,
                           lengths: Optional[np.ndarray] = None
                           ) -> np.ndarray:
    """Every frame rebuilt from its bone directions with one length per
    bone (default :func:`median_bone_lengths`), the root kept where it is:
    the pose a BVH file with one rest skeleton can hold."""
    directions, _ = joints_to_bones(joints, skeleton)
    if lengths is None:
        lengths = median_bone_lengths(joints, skeleton)
    skel = get_skeleton(skeleton)
    rel = bones_to_joints(directions, np.broadcast_to(
        lengths, directions.shape[:-1]), skel)
    return rel + joints[:, skel.root_index:skel.root_index + 1]


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _body_frame(right, left, lower, upper):
    """``(T, 3, 3)`` rotations whose columns are x (right -> left), y (up,
    orthogonalised) and z = x cross y; identity for the rest pose."""
    x = _unit(left - right)
    y = upper - lower
    y = _unit(y - (y * x).sum(-1, keepdims=True) * x)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


def _swing(parent_rot: np.ndarray, rest_dir: np.ndarray,
           direction: np.ndarray) -> np.ndarray:
    """``R_swing @ parent_rot`` with ``R_swing`` the smallest rotation that
    takes ``parent_rot @ rest_dir`` onto ``direction`` (per frame)."""
    a = parent_rot @ rest_dir
    axis = np.cross(a, direction)
    sin = np.linalg.norm(axis, axis=-1)
    cos = (a * direction).sum(-1)
    angle = np.arctan2(sin, cos)
    # exactly opposite: any axis perpendicular to a (the parent's x or z)
    fallback = np.cross(a, parent_rot[..., :, 0])
    small = np.linalg.norm(fallback, axis=-1) < 1e-6
    fallback[small] = np.cross(a, parent_rot[..., :, 2])[small]
    axis = np.where((sin < 1e-12)[:, None], fallback, axis)
    rotvec = _unit(axis) * angle[:, None]
    return Rotation.from_rotvec(rotvec).as_matrix() @ parent_rot


class _Node:
    """One BVH joint: name, parent node, offset (file axes, metres), the
    skeleton joint it sits at and the bone it aims (child joint or None)."""

    def __init__(self, name, parent, offset, joint, aims=None, end=False,
                 branch=False):
        self.name, self.parent, self.offset = name, parent, offset
        self.joint, self.aims, self.end = joint, aims, end
        self.branch = branch
        self.children: List['_Node'] = []
        if parent is not None:
            parent.children.append(self)


def _build_tree(skel: Skeleton, names: Dict[str, str], lengths, up) -> list:
    """The BVH joints in file order (parents first)."""
    children = {j: [c for c, p in enumerate(skel.parents) if p == j]
                for j in range(skel.num_joints)}
    bone_of = {c: b for b, (c, _) in enumerate(skel.bones)}
    nodes = []

    def add(joint, parent_node, offset):
        name = names[skel.joint_names[joint]]
        kids = children[joint]
        if not kids:
            nodes.append(_Node(name, parent_node, offset, joint, end=True))
            return
        node = _Node(name, parent_node, offset, joint,
                     aims=kids[0] if len(kids) == 1 else None)
        nodes.append(node)
        for kid in kids:
            kid_offset = rest_direction(skel.joint_names[kid], up) * \
                lengths[bone_of[kid]]
            if len(kids) == 1:
                add(kid, node, kid_offset)
            else:
                branch = _Node(f'{name}_{names[skel.joint_names[kid]]}',
                               node, np.zeros(3), joint, aims=kid,
                               branch=True)
                nodes.append(branch)
                add(kid, branch, kid_offset)

    add(skel.root_index, None, np.zeros(3))
    return nodes


def check_joints(joints, skeleton) -> np.ndarray:
    """Refuse what a BVH file cannot hold, naming the frame and joint."""
    skel = get_skeleton(skeleton)
    joints = np.asarray(joints, np.float64)
    if joints.ndim != 3 or joints.shape[1:] != (skel.num_joints, 3):
        raise ValueError(f'BVH export needs (T, {skel.num_joints}, 3) joints '
                         f'of the {skel.name!r} skeleton, got shape '
                         f'{joints.shape}; convert other layouts first')
    if not len(joints):
        raise ValueError('BVH export needs at least one frame, got 0')
    bad = np.argwhere(~np.isfinite(joints).all(-1))
    if bad.size:
        t, j = bad[0]
        raise ValueError(f'BVH export: joint {skel.joint_names[j]!r} of frame '
                         f'{t} is {joints[t, j].tolist()} ({len(bad)} '
                         'non-finite joints in all); fill or drop those '
                         'frames (e.g. interpolate) first')
    lengths = joints_to_bones(joints, skel)[1]
    short = np.argwhere(lengths < _MIN_BONE)
    if short.size:
        t, b = short[0]
        child, parent = skel.bones[b]
        raise ValueError(
            f'BVH export: bone {skel.joint_names[parent]} -> '
            f'{skel.joint_names[child]} has zero length in frame {t} '
            f'({len(short)} zero-length bones in all): a bone needs a '
            'direction; are two joints duplicated?')
    return joints


def _bvh_names(skel: Skeleton, names: Optional[Dict[str, str]]):
    return names or (H36M_BVH_NAMES if skel.name == 'h36m' else
                     {n: n for n in skel.joint_names})


def bvh_joint_map(skeleton='h36m', names: Optional[Dict[str, str]] = None
                  ) -> Dict[str, str]:
    """``{skeleton joint: BVH joint}`` of the files :func:`write_bvh`
    writes (end sites as ``'<parent>/end'``): what reads them back."""
    skel = get_skeleton(skeleton)
    return _joint_map(skel, _build_tree(skel, _bvh_names(skel, names),
                                        np.ones(len(skel.bones)), 'y'))


def _joint_map(skel: Skeleton, nodes) -> Dict[str, str]:
    return {skel.joint_names[n.joint]: f'{n.parent.name}/end' if n.end
            else n.name for n in nodes if not n.branch}


def solve_rotations(joints, skeleton='h36m', frame: str = 'camera',
                    up: str = 'y', names: Optional[Dict[str, str]] = None):
    """Per-frame global rotations of every BVH joint.

    Returns:
        tuple: the BVH joints (file order), ``(T, N, 3, 3)`` global
        rotations, the root positions ``(T, 3)`` and the bone lengths
        ``(B,)``, in the file's axes and metres.
    """
    skel = get_skeleton(skeleton)
    if (frame, up) not in _TO_FILE:
        raise ValueError(f"frame must be 'camera' or 'world' and up 'y' or "
                         f"'z', got frame={frame!r}, up={up!r}")
    joints = check_joints(joints, skel) @ _TO_FILE[frame, up].T
    names = _bvh_names(skel, names)
    lengths = median_bone_lengths(joints, skel)
    nodes = _build_tree(skel, names, lengths, up)
    num = len(joints)
    index = {j: i for i, j in enumerate(skel.joint_names)}
    rots = np.zeros((num, len(nodes), 3, 3))
    for i, node in enumerate(nodes):
        parent_rot = (np.broadcast_to(np.eye(3), (num, 3, 3))
                      if node.parent is None else
                      rots[:, nodes.index(node.parent)])
        joint_name = skel.joint_names[node.joint]
        if node.end:
            rots[:, i] = parent_rot
        elif node.aims is None and joint_name in _BODY_FRAMES:
            rots[:, i] = _body_frame(*(joints[:, index[n]]
                                       for n in _BODY_FRAMES[joint_name]))
        elif node.aims is None:
            rots[:, i] = parent_rot
        else:
            direction = _unit(joints[:, node.aims] - joints[:, node.joint])
            rest = rest_direction(skel.joint_names[node.aims], up)
            rots[:, i] = _swing(parent_rot, rest, direction)
    return nodes, rots, joints[:, skel.root_index], lengths


def _euler(local: np.ndarray, order: str) -> np.ndarray:
    """``(T, 3, 3)`` local rotations -> ``(T, 3)`` degrees in ``order``
    (intrinsic, BVH's channel order), unwrapped over time."""
    angles = Rotation.from_matrix(local).as_euler(order.upper(), degrees=True)
    return np.rad2deg(np.unwrap(np.deg2rad(angles), axis=0))


def write_bvh(path: Union[str, Path], joints, fps: float,
              skeleton='h36m', frame: str = 'camera', up: str = 'y',
              unit: str = 'cm', order: str = 'ZXY',
              names: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """Write ``(T, J, 3)`` joints (metres) as a BVH animation.

    Args:
        path: the ``.bvh`` file (written atomically).
        joints: ``(T, J, 3)`` joints of ``skeleton``, in metres.
        fps: frames per second of the input (``Frame Time = 1 / fps``).
        skeleton: a skeleton name or :class:`Skeleton` (Human3.6M-17).
        frame: ``'camera'`` (x right, y down, z forward) or ``'world'``
            (the toolbox's Z-up world).
        up: the file's up axis, ``'y'`` (BVH's convention) or ``'z'``.
        unit: ``'cm'`` (the usual), ``'m'`` or ``'mm'``.
        order: rotation channel order, ``'ZXY'`` by default.
        names: skeleton joint name -> BVH joint name (default
            :data:`H36M_BVH_NAMES` for Human3.6M, else the joint names).

    Returns:
        ``{skeleton joint name: BVH joint name}`` that reads the joints
        back with :func:`~pose3d_toolbox.datasets.mocap.bvh.bvh_to_h36m17`
        (end sites as ``'<parent>/end'``).

    Raises:
        ValueError: wrong shape, non-finite joints, zero-length bones, an
            unknown unit, order, frame or up axis (naming the value).
    """
    if fps is None or not np.isfinite(fps) or fps <= 0:
        raise ValueError(f'fps must be a positive number, got {fps!r}')
    if unit not in UNITS:
        raise ValueError(f'unit must be one of {sorted(UNITS)}, got {unit!r}')
    if sorted(order.upper()) != ['X', 'Y', 'Z']:
        raise ValueError(f"order must be a permutation of 'XYZ', got "
                         f'{order!r}')
    nodes, rots, root, _ = solve_rotations(joints, skeleton, frame, up, names)
    skel = get_skeleton(skeleton)
    scale = 1.0 / UNITS[unit]
    index_of = {id(n): i for i, n in enumerate(nodes)}
    channels = ' '.join(f'{a}rotation' for a in order.upper())
    lines, columns = ['HIERARCHY'], []

    def emit(node, depth):
        pad = '  ' * depth
        off = ' '.join(f'{v * scale + 0.0:.6f}' for v in node.offset)
        if node.end:
            lines.extend([f'{pad}End Site', f'{pad}{{',
                          f'{pad}  OFFSET {off}', f'{pad}}}'])
            return
        if node.parent is None:
            lines.extend([f'ROOT {node.name}', '{', f'  OFFSET {off}',
                          '  CHANNELS 6 Xposition Yposition Zposition '
                          f'{channels}'])
            columns.append(root * scale)
            parent_rot = np.eye(3)
        else:
            lines.extend([f'{pad}JOINT {node.name}', f'{pad}{{',
                          f'{pad}  OFFSET {off}',
                          f'{pad}  CHANNELS 3 {channels}'])
            parent_rot = rots[:, index_of[id(node.parent)]]
        local = np.swapaxes(parent_rot, -1, -2) @ rots[:, index_of[id(node)]]
        columns.append(_euler(local, order))
        for child in node.children:
            emit(child, depth + 1)
        lines.append(f'{pad}}}')

    emit(nodes[0], 0)
    motion = np.concatenate(columns, axis=1)
    lines.extend(['MOTION', f'Frames: {len(motion)}',
                  f'Frame Time: {1.0 / fps:.8f}'])
    lines.extend(' '.join(f'{v:.6f}' for v in row) for row in motion)
    with atomic_write(str(path)) as f:
        f.write('\n'.join(lines) + '\n')
    return _joint_map(skel, nodes)


def read_bvh_joints(path: Union[str, Path],
                    joint_map: Optional[Dict[str, str]] = None,
                    unit: str = 'cm', up: str = 'y',
                    frame: str = 'camera', skeleton='h36m') -> np.ndarray:
    """Read a file of :func:`write_bvh` back to ``(T, J, 3)`` metres in
    the input's ``frame``, through the project's reader (``joint_map``
    default: :func:`bvh_joint_map`)."""
    from pose3d_toolbox.datasets.mocap.bvh import forward_kinematics, parse_bvh
    skel = get_skeleton(skeleton)
    joint_map = joint_map or bvh_joint_map(skel)
    positions = forward_kinematics(parse_bvh(path))
    joints = np.stack([positions[joint_map[n]] for n in skel.joint_names],
                      axis=1) * UNITS[unit]
    return joints @ _TO_FILE[frame, up]


__all__ = ['write_bvh', 'read_bvh_joints', 'bvh_joint_map', 'solve_rotations',
           'normalise_bone_lengths', 'median_bone_lengths', 'rest_direction',
           'check_joints', 'H36M_BVH_NAMES', 'UNITS']
