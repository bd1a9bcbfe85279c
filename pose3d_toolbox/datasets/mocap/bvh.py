"""Biovision BVH motion capture (users' own recordings) -> 3D joints.

* :func:`parse_bvh` reads the hierarchy (``OFFSET``, ``CHANNELS``, ``JOINT``,
  ``End Site``) and the motion block.
* :func:`forward_kinematics` gives every joint's global position for all
  frames at once, keyed by BVH joint name, in the file's own frame and unit.
* :func:`bvh_to_h36m17` maps those positions to the 17 Human3.6M joints with
  a user-supplied ``{h36m_joint: bvh_joint}`` dict, in the toolbox's world
  frame.

Conventions (those of the BVH format as commonly written):

* Rotation channels are Euler angles in degrees applied in the order listed,
  about the joint's moving axes: ``Zrotation Xrotation Yrotation`` gives the
  local rotation ``Rz @ Rx @ Ry`` (column vectors).
* A joint's global rotation is ``parent_global @ local``; its position is
  ``parent_position + parent_global @ translation``, where ``translation`` is
  the ``OFFSET``, except that a position channel (``Xposition`` ...) replaces
  the matching offset component (the usual meaning of the root's channels).
* ``End Site`` positions are reported as ``'<parent>/end'``.

World frame: :func:`bvh_to_h36m17` returns the toolbox's world frame,
**Z-up, metres, right-handed**. BVH files are Y-up by convention; with
``up='y'`` points are converted by ``(x, y, z) -> (x, -z, y)`` (a proper
rotation, so left stays left); ``up='z'`` keeps the axes. ``scale`` gives
metres per file unit (0.01 for centimetres, 0.0254 for inches).

Malformed input raises :class:`MocapFormatError` naming the file and line.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from pose3d_toolbox.geometry import euler_to_matrix
from pose3d_toolbox.skeletons import H36M
from .common import MocapFormatError, read_lines, y_up_to_z_up

PathLike = Union[str, Path]

_CHANNELS = {f'{a}{kind}': (kind, a.lower())
             for a in 'XYZ' for kind in ('position', 'rotation')}
END_SITE_SUFFIX = '/end'


@dataclass
class BvhJoint:
    """One joint (or end site) of a BVH hierarchy.

    Attributes:
        name: joint name; end sites are ``'<parent>/end'``.
        parent: index of the parent joint, ``-1`` for a root.
        offset: ``(3,)`` offset from the parent, in file units.
        channels: channel names as written, e.g. ``('Zrotation', ...)``.
        first_channel: column of its first channel in the motion block.
        lineno: line where the joint is declared.
    """
    name: str
    parent: int
    offset: np.ndarray
    channels: Tuple[str, ...]
    first_channel: int
    lineno: int

    @property
    def is_end_site(self) -> bool:
        return self.name.endswith(END_SITE_SUFFIX)


@dataclass
class BvhMotion:
    """A parsed BVH file.

    Attributes:
        path: the file read.
        joints: joints in file order (parents before children).
        frame_time: seconds per frame.
        values: ``(F, C)`` channel values, columns as the joints' channels.
    """
    path: str
    joints: List[BvhJoint]
    frame_time: float
    values: np.ndarray

    @property
    def num_frames(self) -> int:
        return self.values.shape[0]

    @property
    def fps(self) -> float:
        return 1.0 / self.frame_time

    @property
    def joint_names(self) -> List[str]:
        return [j.name for j in self.joints]


def parse_bvh(path: PathLike) -> BvhMotion:
    """Read a BVH file (LF or CRLF line ends).

    Args:
        path: the ``.bvh`` file.

    Returns:
        The :class:`BvhMotion`.

    Raises:
        MocapFormatError: malformed content, naming the file and line.
    """
    path = str(path)
    lines = read_lines(path)

    def err(lineno, message):
        return MocapFormatError(path, lineno, message)

    joints: List[BvhJoint] = []
    names = set()
    stack: List[int] = []  # indices of the joints whose blocks are open
    pending: Optional[BvhJoint] = None  # declared, its "{" not yet seen
    num_channels = 0
    lineno = 0
    started = False
    motion_line = None
    for lineno, raw in enumerate(lines, 1):
        tokens = raw.split()
        if not tokens:
            continue
        key = tokens[0].upper()
        if not started:
            if key != 'HIERARCHY':
                raise err(lineno, f'expected HIERARCHY, got {raw.strip()!r}')
            started = True
            continue
        if key == 'MOTION':
            if stack or pending is not None:
                raise err(lineno, 'MOTION before every joint block is '
                          'closed with "}"')
            motion_line = lineno
            break
        opens = tokens[-1] == '{' and key != '{'
        if opens:
            tokens = tokens[:-1]
        if key in ('ROOT', 'JOINT', 'END'):
            if pending is not None:
                raise err(lineno, f'{pending.name!r} declared on line '
                          f'{pending.lineno} has no "{{"')
            if key == 'ROOT' and stack:
                raise err(lineno, 'ROOT inside another joint\'s block')
            if key != 'ROOT' and not stack:
                raise err(lineno, f'{tokens[0]} outside any ROOT block')
            if key == 'END':
                parent = joints[stack[-1]]
                if parent.is_end_site:
                    raise err(lineno, 'End Site inside an End Site')
                name = parent.name + END_SITE_SUFFIX
            else:
                if len(tokens) < 2:
                    raise err(lineno, f'{tokens[0]} needs a name')
                name = ' '.join(tokens[1:])
                if stack and joints[stack[-1]].is_end_site:
                    raise err(lineno, 'JOINT inside an End Site')
            if name in names:
                raise err(lineno, f'duplicate joint name {name!r}')
            names.add(name)
            pending = BvhJoint(name=name, parent=stack[-1] if stack else -1,
                               offset=None, channels=(),
                               first_channel=num_channels, lineno=lineno)
            if opens:
                joints.append(pending)
                stack.append(len(joints) - 1)
                pending = None
        elif key == '{':
            if pending is None or len(tokens) != 1:
                raise err(lineno, 'unexpected "{"')
            joints.append(pending)
            stack.append(len(joints) - 1)
            pending = None
        elif key == '}':
            if not stack or len(tokens) != 1:
                raise err(lineno, 'unexpected "}"')
            joint = joints[stack.pop()]
            if joint.offset is None:
                raise err(lineno, f'joint {joint.name!r} has no OFFSET')
        elif key in ('OFFSET', 'CHANNELS'):
            if not stack or pending is not None:
                raise err(lineno, f'{tokens[0]} outside a joint block')
            joint = joints[stack[-1]]
            if key == 'OFFSET':
                if len(tokens) != 4:
                    raise err(lineno, 'OFFSET needs 3 numbers')
                try:
                    joint.offset = np.array([float(t) for t in tokens[1:]])
                except ValueError:
                    raise err(lineno, f'OFFSET: not a number in '
                              f'{raw.strip()!r}') from None
            else:
                if joint.is_end_site:
                    raise err(lineno, 'an End Site has no CHANNELS')
                if joint.channels:
                    raise err(lineno, f'second CHANNELS for {joint.name!r}')
                try:
                    count = int(tokens[1])
                except (IndexError, ValueError):
                    raise err(lineno, 'CHANNELS needs a count') from None
                channels = tuple(tokens[2:])
                if len(channels) != count:
                    raise err(lineno, f'CHANNELS says {count} but lists '
                              f'{len(channels)}')
                unknown = [c for c in channels if c not in _CHANNELS]
                if unknown or len(set(channels)) != len(channels):
                    raise err(lineno, f'bad channels {list(channels)}; use '
                              f'distinct ones of {sorted(_CHANNELS)}')
                if joint is not joints[-1]:
                    raise err(lineno, 'CHANNELS after a child joint')
                joint.channels = channels
                joint.first_channel = num_channels
                num_channels += count
        else:
            raise err(lineno, f'unexpected {tokens[0]!r} in HIERARCHY')
    if not started:
        raise err(None, 'empty file (expected HIERARCHY)')
    if motion_line is None:
        raise err(lineno, 'no MOTION section')
    if not joints:
        raise err(motion_line, 'no joints before MOTION')

    # MOTION: "Frames: N", "Frame Time: t", then N rows of channel values
    header = {}
    row = motion_line
    for key in ('frames:', 'frame time:'):
        row += 1
        while row <= len(lines) and not lines[row - 1].strip():
            row += 1
        text = lines[row - 1].strip() if row <= len(lines) else ''
        if not text.lower().startswith(key):
            raise err(row, f'expected "{key} ...", got {text!r}')
        try:
            header[key] = float(text[len(key):])
        except ValueError:
            raise err(row, f'bad number in {text!r}') from None
    num_frames = int(header['frames:'])
    if num_frames != header['frames:'] or num_frames < 0:
        raise err(row - 1, f'frame count {header["frames:"]} is not a '
                  'whole number')
    if header['frame time:'] <= 0:
        raise err(row, f'frame time {header["frame time:"]} must be > 0')
    tokens, row_of = [], []
    for lineno in range(row + 1, len(lines) + 1):
        parts = lines[lineno - 1].split()
        if parts:
            tokens.extend(parts)
            row_of.append((lineno, len(parts)))
    if len(tokens) != num_frames * num_channels:
        bad = next((n for n, c in row_of if c != num_channels), None)
        where = f' (line {bad} has a different count)' if bad else ''
        raise err(bad or row, f'{num_frames} frames x {num_channels} '
                  f'channels need {num_frames * num_channels} values, found '
                  f'{len(tokens)}{where}')
    try:
        values = np.array(tokens, dtype=np.float64)
    except ValueError:
        for lineno, _ in row_of:
            try:
                [float(t) for t in lines[lineno - 1].split()]
            except ValueError:
                raise err(lineno, 'not a number in the motion data') \
                    from None
        raise
    return BvhMotion(path=path, joints=joints,
                     frame_time=header['frame time:'],
                     values=values.reshape(num_frames, num_channels))


def forward_kinematics(motion: BvhMotion) -> Dict[str, np.ndarray]:
    """Global positions of every joint and end site, for all frames.

    Args:
        motion: a parsed :class:`BvhMotion`.

    Returns:
        ``{joint_name: (F, 3)}`` in the file's frame and unit; end sites as
        ``'<parent>/end'``.
    """
    num = motion.num_frames
    rotations, positions = [], {}
    for joint in motion.joints:
        columns = motion.values[:, joint.first_channel:joint.first_channel +
                                len(joint.channels)]
        translation = np.broadcast_to(joint.offset, (num, 3)).copy()
        rot_axes, rot_columns = '', []
        for i, channel in enumerate(joint.channels):
            kind, axis = _CHANNELS[channel]
            if kind == 'position':
                translation[:, 'xyz'.index(axis)] = columns[:, i]
            else:
                rot_axes += axis
                rot_columns.append(i)
        # listed order about moving axes == reversed order about fixed axes
        local = euler_to_matrix(columns[:, rot_columns[::-1]],
                                rot_axes[::-1], degrees=True)
        if joint.parent < 0:
            rotation, position = local, translation
        else:
            parent_rotation = rotations[joint.parent]
            rotation = parent_rotation @ local
            position = positions[motion.joints[joint.parent].name] + (
                parent_rotation @ translation[..., None])[..., 0]
        rotations.append(rotation)
        positions[joint.name] = position
    return positions


JointMap = Mapping[str, Union[str, Sequence[str]]]


def bvh_to_h36m17(positions: Union[BvhMotion, Dict[str, np.ndarray]],
                  joint_map: JointMap, *, scale: float,
                  up: str = 'y') -> np.ndarray:
    """Human3.6M-17 joints from BVH joint positions.

    Args:
        positions: a :class:`BvhMotion` or the output of
            :func:`forward_kinematics`.
        joint_map: ``{h36m_joint_name: bvh_joint_name}`` for all 17 names
            of :data:`pose3d_toolbox.skeletons.H36M`; a value may be a pair
            (or any sequence) of BVH names whose positions are averaged,
            e.g. ``'pelvis': ('LeftUpLeg', 'RightUpLeg')``.
        scale: metres per file unit (0.01 for centimetres).
        up: the file's up axis, ``'y'`` (BVH's convention) or ``'z'``.

    Returns:
        ``(F, 17, 3)`` positions in metres, world frame Z-up.
    """
    if isinstance(positions, BvhMotion):
        positions = forward_kinematics(positions)
    names = H36M.joint_names
    unknown = [k for k in joint_map if k not in names]
    missing = [k for k in names if k not in joint_map]
    if unknown or missing:
        raise KeyError(f'joint_map must name exactly the H36M joints '
                       f'{names}; unknown: {unknown}, missing: {missing}')
    joints = []
    for name in names:
        source = joint_map[name]
        sources = [source] if isinstance(source, str) else list(source)
        absent = [s for s in sources if s not in positions]
        if absent or not sources:
            raise KeyError(f'joint_map[{name!r}] = {source!r}: no BVH joint '
                           f'{absent}; joints: {sorted(positions)}')
        joints.append(np.mean([positions[s] for s in sources], axis=0))
    joints = np.stack(joints, axis=1) * scale
    if up == 'y':
        return y_up_to_z_up(joints)
    if up == 'z':
        return joints
    raise ValueError(f"up must be 'y' or 'z', got {up!r}")
