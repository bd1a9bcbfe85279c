"""Acclaim ASF/AMC motion capture (the CMU database's format) -> 3D joints.

* :func:`parse_asf` reads a skeleton (``.asf``): units, root, bones with
  ``direction``, ``length``, ``axis`` and ``dof``, and the hierarchy.
* :func:`parse_amc` reads a motion (``.amc``): per frame, each bone's dof
  values. Line ends may be LF or CRLF.
* :func:`forward_kinematics` turns both into every bone's tip position for all
  frames at once (batched rotation matrices, no loop over frames).
* :func:`tips_to_h36m17` / :func:`asf_amc_to_h36m17` map the tips to the
  17-joint Human3.6M skeleton (:data:`pose3d_toolbox.skeletons.H36M`).

Forward kinematics (Acclaim's recipe): a bone's global rotation is
``parent_global @ C @ M @ C^-1``, where ``C`` is the rotation from the bone's
``axis`` angles (``axis 0 0 20 XYZ`` -> ``Rz @ Ry @ Rx``) and ``M`` the
rotation built from the frame's dof values in the order the ``dof`` line lists
them (``dof rx ry rz`` -> ``Rz @ Ry @ Rx``; missing dofs are 0). The bone's tip
is its parent's tip plus ``length * global_rotation @ direction``. The root
sits at ``position + (TX, TY, TZ)``, rotated by its ``RX RY RZ`` values about
the frame given by ``orientation``. Bone tips are the joint positions.

Units: one ASF length unit is ``0.0254 / L`` metres for ``:units length L``
(CMU: ``length 0.45`` -> 0.056444 m); AMC root translations use the same unit.

World frame: everything returned here (unless ``z_up=False``) is in the
toolbox's world frame, **Z-up, metres, right-handed**. ASF/AMC files are
Y-up; points are converted by ``(x, y, z) -> (x, -z, y)``, a proper rotation,
so a subject's left (CMU's ``l*`` bones) stays on its left.

Human3.6M-17 mapping (:data:`H36M17_FROM_ASF`): the pelvis is the midpoint of
the ``lhipjoint`` and ``rhipjoint`` tips (the ASF root sits about 10 cm
higher); hips, knees and ankles are the ``*hipjoint``, ``*femur`` and
``*tibia`` tips; spine ``lowerback``, thorax ``thorax``, neck/nose
``upperneck``, head ``head``; shoulders, elbows and wrists the ``*clavicle``,
``*humerus`` and ``*radius`` tips.

Malformed input raises :class:`MocapFormatError` naming the file and line.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import numpy as np

from pose3d_toolbox.geometry import euler_to_matrix
from pose3d_toolbox.skeletons import H36M
from .common import MocapFormatError, read_lines, y_up_to_z_up

PathLike = Union[str, Path]

#: metres per inch; an ASF length unit is ``INCH / <:units length>``.
INCH = 0.0254

#: H36M-17 joint -> ASF bone whose tip it is (a pair: the midpoint).
H36M17_FROM_ASF: Dict[str, Union[str, Tuple[str, str]]] = {
    'pelvis': ('lhipjoint', 'rhipjoint'),
    'right_hip': 'rhipjoint',
    'right_knee': 'rfemur',
    'right_ankle': 'rtibia',
    'left_hip': 'lhipjoint',
    'left_knee': 'lfemur',
    'left_ankle': 'ltibia',
    'spine': 'lowerback',
    'thorax': 'thorax',
    'neck_nose': 'upperneck',
    'head': 'head',
    'left_shoulder': 'lclavicle',
    'left_elbow': 'lhumerus',
    'left_wrist': 'lradius',
    'right_shoulder': 'rclavicle',
    'right_elbow': 'rhumerus',
    'right_wrist': 'rradius',
}
assert tuple(H36M17_FROM_ASF) == H36M.joint_names

_ROTATION_DOFS = ('rx', 'ry', 'rz')
_ROOT_CHANNELS = ('TX', 'TY', 'TZ', 'RX', 'RY', 'RZ')


@dataclass
class AsfBone:
    """One ASF bone; lengths in ASF units, angles in the file's unit.

    Attributes:
        name: bone name, e.g. ``'lfemur'``.
        direction: ``(3,)`` direction of the bone in the rest pose, in the
            (Y-up) frame of the file.
        length: bone length in ASF length units.
        axis: ``(3,)`` angles of the bone's local frame.
        axis_order: axes of ``axis`` in the order applied, e.g. ``'XYZ'``.
        dof: rotation dofs in the order AMC lines give them, e.g.
            ``('rx', 'rz')``; empty for a rigid bone.
        parent: parent bone, ``'root'`` for children of the root.
        lineno: line of the bone's ``begin`` (for error messages).
    """
    name: str
    direction: np.ndarray
    length: float
    axis: np.ndarray
    axis_order: str
    dof: Tuple[str, ...]
    parent: Optional[str] = None
    lineno: int = 0


@dataclass
class AsfSkeleton:
    """A parsed ``.asf`` file.

    Attributes:
        path: the file read.
        name: the ``:name`` entry.
        length_unit_m: metres per ASF length unit (``0.0254 / length``).
        degrees: whether angles are in degrees (``:units angle deg``).
        root_order: root channels in AMC order, e.g. ``('TX', ..., 'RZ')``.
        root_axis_order: order of ``root_orientation``'s axes, e.g. 'XYZ'.
        root_position: ``(3,)`` root offset in ASF units.
        root_orientation: ``(3,)`` root frame angles.
        bones: name -> :class:`AsfBone`, in file order.
    """
    path: str
    name: str
    length_unit_m: float
    degrees: bool
    root_order: Tuple[str, ...]
    root_axis_order: str
    root_position: np.ndarray
    root_orientation: np.ndarray
    bones: Dict[str, AsfBone] = field(default_factory=dict)

    @property
    def kinematic_order(self) -> List[str]:
        """Bone names ordered so that every parent precedes its children."""
        children: Dict[str, List[str]] = {}
        for bone in self.bones.values():
            children.setdefault(bone.parent, []).append(bone.name)
        order, stack = [], list(reversed(children.get('root', [])))
        while stack:
            name = stack.pop()
            order.append(name)
            stack.extend(reversed(children.get(name, [])))
        return order

    def channel_counts(self) -> Dict[str, int]:
        """Number of AMC values per line: the root's and each moving bone's."""
        counts = {'root': len(self.root_order)}
        counts.update({b.name: len(b.dof) for b in self.bones.values()
                       if b.dof})
        return counts


@dataclass
class AmcMotion:
    """A parsed ``.amc`` file.

    Attributes:
        path: the file read.
        frame_numbers: ``(F,)`` frame numbers as written (consecutive).
        values: bone -> ``(F, n)`` values in the order of its ``dof`` line
            (the root's in ``root_order``); angles in the file's unit,
            translations in ASF length units.
        degrees: ``True`` for ``:DEGREES``, ``False`` for ``:RADIANS``,
            ``None`` when the file does not say (the ASF's unit applies).
    """
    path: str
    frame_numbers: np.ndarray
    values: Dict[str, np.ndarray]
    degrees: Optional[bool] = None

    @property
    def num_frames(self) -> int:
        return len(self.frame_numbers)


def _floats(path, lineno, tokens, count, what):
    if len(tokens) != count:
        raise MocapFormatError(
            path, lineno, f'{what} needs {count} numbers, got '
            f'{len(tokens)}: {" ".join(tokens)!r}')
    try:
        return np.array([float(t) for t in tokens])
    except ValueError:
        raise MocapFormatError(path, lineno, f'{what}: not a number in '
                               f'{" ".join(tokens)!r}') from None


def _axis_order(path, lineno, token):
    order = token.upper()
    if len(order) != 3 or sorted(order) != ['X', 'Y', 'Z']:
        raise MocapFormatError(path, lineno, f'axis order {token!r} is not '
                               'a permutation of XYZ')
    return order


def parse_asf(path: PathLike) -> AsfSkeleton:
    """Read an Acclaim skeleton file.

    Args:
        path: the ``.asf`` file.

    Returns:
        The :class:`AsfSkeleton`, with every bone's parent set.

    Raises:
        MocapFormatError: malformed content, naming the file and line.
    """
    path = str(path)
    lines = read_lines(path)
    section = None
    units = {'length': 1.0, 'angle': 'deg'}
    name = ''
    root = dict(order=_ROOT_CHANNELS, axis='XYZ', position=np.zeros(3),
                orientation=np.zeros(3))
    bones: Dict[str, AsfBone] = {}
    bone: Optional[dict] = None
    last_key = None
    hierarchy_open = hierarchy_seen = False

    def err(lineno, message):
        return MocapFormatError(path, lineno, message)

    for lineno, raw in enumerate(lines, 1):
        tokens = raw.split()
        if not tokens or tokens[0].startswith('#'):
            continue
        key = tokens[0]
        if key.startswith(':'):
            if bone is not None:
                raise err(lineno, f'section {key} inside the bone begun on '
                          f'line {bone["lineno"]} (missing "end")')
            if hierarchy_open:
                raise err(lineno, f'section {key} inside :hierarchy '
                          '(missing "end")')
            section = key.lower()
            if section == ':name':
                name = ' '.join(tokens[1:])
            continue
        if section == ':units':
            if len(tokens) != 2:
                raise err(lineno, f'expected "<unit> <value>", got {raw!r}')
            if key == 'angle':
                if tokens[1].lower() not in ('deg', 'rad'):
                    raise err(lineno, f'angle unit {tokens[1]!r} is '
                              'neither deg nor rad')
                units['angle'] = tokens[1].lower()
            else:
                try:
                    units[key] = float(tokens[1])
                except ValueError:
                    raise err(lineno, f'units: {key} {tokens[1]!r} is not '
                              'a number') from None
                if key == 'length' and units[key] <= 0:
                    raise err(lineno, 'units: length must be > 0')
        elif section == ':root':
            if key == 'order':
                order = tuple(t.upper() for t in tokens[1:])
                bad = [t for t in order if t not in _ROOT_CHANNELS]
                if bad or len(set(order)) != len(order):
                    raise err(lineno, f'root order {tokens[1:]} must list '
                              f'distinct channels from {_ROOT_CHANNELS}')
                root['order'] = order
            elif key == 'axis':
                if len(tokens) != 2:
                    raise err(lineno, f'expected "axis XYZ", got {raw!r}')
                root['axis'] = _axis_order(path, lineno, tokens[1])
            elif key in ('position', 'orientation'):
                root[key] = _floats(path, lineno, tokens[1:], 3,
                                    f'root {key}')
        elif section == ':bonedata':
            if key == 'begin':
                if bone is not None:
                    raise err(lineno, 'bone begun inside the bone begun on '
                              f'line {bone["lineno"]} (missing "end")')
                bone = dict(lineno=lineno, dof=())
                last_key = None
                continue
            if bone is None:
                raise err(lineno, f'{key!r} outside a begin/end bone block')
            if key == 'end':
                missing = [k for k in ('name', 'direction', 'length', 'axis')
                           if k not in bone]
                if missing:
                    raise err(lineno, f'bone begun on line {bone["lineno"]} '
                              f'lacks {", ".join(missing)}')
                if bone['name'] in bones or bone['name'] == 'root':
                    raise err(lineno, f'duplicate bone {bone["name"]!r}')
                bones[bone['name']] = AsfBone(
                    name=bone['name'], direction=bone['direction'],
                    length=bone['length'], axis=bone['axis'],
                    axis_order=bone['axis_order'], dof=bone['dof'],
                    lineno=bone['lineno'])
                bone = None
            elif key == 'name':
                if len(tokens) != 2:
                    raise err(lineno, f'expected "name <bone>", got {raw!r}')
                bone['name'] = tokens[1]
            elif key == 'direction':
                bone['direction'] = _floats(path, lineno, tokens[1:], 3,
                                            'direction')
            elif key == 'length':
                bone['length'] = float(_floats(path, lineno, tokens[1:], 1,
                                               'length')[0])
            elif key == 'axis':
                if len(tokens) != 5:
                    raise err(lineno, 'expected "axis <a> <b> <c> <order>",'
                              f' got {raw!r}')
                bone['axis'] = _floats(path, lineno, tokens[1:4], 3, 'axis')
                bone['axis_order'] = _axis_order(path, lineno, tokens[4])
            elif key == 'dof':
                dof = tuple(t.lower() for t in tokens[1:])
                bad = [t for t in dof if t not in _ROTATION_DOFS]
                if bad:
                    raise err(lineno, f'unsupported dof {bad}; only '
                              f'{_ROTATION_DOFS} are handled')
                if len(set(dof)) != len(dof):
                    raise err(lineno, f'repeated dof in {tokens[1:]}')
                bone['dof'] = dof
            elif key.startswith('(') and last_key == 'limits':
                continue  # continuation of a multi-line "limits"
            last_key = key  # id, limits, bodymass, cofmass: not needed
        elif section == ':hierarchy':
            if key == 'begin':
                hierarchy_open = hierarchy_seen = True
                continue
            if key == 'end':
                hierarchy_open = False
                continue
            if not hierarchy_open:
                raise err(lineno, f'{key!r} outside :hierarchy begin/end')
            if key != 'root' and key not in bones:
                raise err(lineno, f'hierarchy names unknown parent {key!r}')
            for child in tokens[1:]:
                if child not in bones:
                    raise err(lineno, f'hierarchy names unknown bone '
                              f'{child!r}')
                if bones[child].parent is not None:
                    raise err(lineno, f'bone {child!r} given a second '
                              f'parent ({bones[child].parent!r} before)')
                bones[child].parent = key
        # other sections (:version, :documentation, ...) carry no geometry
    end = len(lines)
    if bone is not None:
        raise err(end, f'bone begun on line {bone["lineno"]} has no "end"')
    if not bones:
        raise err(None, 'no bones (:bonedata) found')
    if not hierarchy_seen:
        raise err(None, 'no :hierarchy section found')
    orphans = [b.name for b in bones.values() if b.parent is None]
    if orphans:
        raise err(None, f'bones without a parent in :hierarchy: {orphans}')
    skeleton = AsfSkeleton(
        path=path, name=name, length_unit_m=INCH / units['length'],
        degrees=units['angle'] == 'deg', root_order=root['order'],
        root_axis_order=root['axis'], root_position=root['position'],
        root_orientation=root['orientation'], bones=bones)
    unreachable = set(bones) - set(skeleton.kinematic_order)
    if unreachable:
        raise err(None, f'bones not connected to the root (a cycle in '
                  f':hierarchy): {sorted(unreachable)}')
    return skeleton


def parse_amc(path: PathLike,
              skeleton: Optional[AsfSkeleton] = None) -> AmcMotion:
    """Read an Acclaim motion file (LF or CRLF line ends).

    Args:
        path: the ``.amc`` file.
        skeleton: when given, each line's value count is checked against
            the bone's ``dof`` (the root's against its ``order``) and every
            moving bone must appear in every frame.

    Returns:
        The :class:`AmcMotion`.

    Raises:
        MocapFormatError: malformed content, naming the file and line.
    """
    path = str(path)
    lines = read_lines(path)
    expected = skeleton.channel_counts() if skeleton is not None else None
    degrees = None
    frame_numbers: List[int] = []
    frame_lineno = 0
    rows: Dict[str, list] = {}
    seen: set = set()

    def err(lineno, message):
        return MocapFormatError(path, lineno, message)

    def close_frame():
        if expected is not None or len(frame_numbers) > 1:
            required = expected if expected is not None else rows
            missing = [b for b in required if b not in seen]
            if missing:
                raise err(frame_lineno, f'frame {frame_numbers[-1]} lacks '
                          f'values for {missing}')

    for lineno, raw in enumerate(lines, 1):
        tokens = raw.split()
        if not tokens or tokens[0].startswith('#'):
            continue
        head = tokens[0]
        if head.startswith(':'):
            if frame_numbers:
                raise err(lineno, f'keyword {head} after frame data began')
            if head.upper() == ':DEGREES':
                degrees = True
            elif head.upper() == ':RADIANS':
                degrees = False
            continue
        if len(tokens) == 1:
            try:
                number = int(head)
            except ValueError:
                raise err(lineno, 'expected a frame number or "<bone> '
                          f'<values>", got {raw.strip()!r}') from None
            if frame_numbers:
                close_frame()
                if number != frame_numbers[-1] + 1:
                    raise err(lineno, f'frame {number} follows frame '
                              f'{frame_numbers[-1]}; frames must be '
                              'consecutive')
            frame_numbers.append(number)
            frame_lineno = lineno
            seen = set()
            continue
        if not frame_numbers:
            raise err(lineno, f'values for {head!r} before the first frame '
                      'number')
        if head in seen:
            raise err(lineno, f'{head!r} given twice in frame '
                      f'{frame_numbers[-1]}')
        seen.add(head)
        if expected is not None:
            if head not in expected:
                raise err(lineno, f'bone {head!r} is not a moving bone of '
                          f'{skeleton.path}')
            if len(tokens) - 1 != expected[head]:
                raise err(lineno, f'{head!r} has {len(tokens) - 1} values, '
                          f'its dof needs {expected[head]}')
        try:
            values = [float(t) for t in tokens[1:]]
        except ValueError:
            raise err(lineno, f'{head!r}: not a number in '
                      f'{" ".join(tokens[1:])!r}') from None
        column = rows.get(head)
        if column is None:
            if len(frame_numbers) > 1:
                raise err(lineno, f'bone {head!r} first appears in frame '
                          f'{frame_numbers[-1]}, not in frame 1')
            column = rows[head] = []
        elif len(values) != len(column[0]):
            raise err(lineno, f'{head!r} has {len(values)} values, '
                      f'{len(column[0])} in earlier frames')
        column.append(values)
    if not frame_numbers:
        raise err(None, 'no frames found')
    close_frame()
    values = {}
    for bone, column in rows.items():
        array = np.array(column, dtype=np.float64)
        values[bone] = array.reshape(len(column), -1)
    return AmcMotion(path=path, frame_numbers=np.array(frame_numbers),
                     values=values, degrees=degrees)


def forward_kinematics(skeleton: AsfSkeleton, motion: AmcMotion, *,
                       z_up: bool = True) -> Dict[str, np.ndarray]:
    """Tip positions of the root and every bone, for all frames at once.

    Args:
        skeleton: the subject's :class:`AsfSkeleton`.
        motion: an :class:`AmcMotion` of that skeleton.
        z_up: return the toolbox's Z-up world frame (``(x, -z, y)`` of the
            file's Y-up frame); ``False`` keeps the file's frame.

    Returns:
        ``{'root': (F, 3), bone: (F, 3), ...}`` positions in metres.
    """
    num = motion.num_frames
    degrees = skeleton.degrees if motion.degrees is None else motion.degrees
    unit = skeleton.length_unit_m

    def channels(bone, count):
        if bone not in motion.values:
            raise MocapFormatError(motion.path, None,
                                   f'no values for {bone!r}')
        values = motion.values[bone]
        if values.shape[1] != count:
            raise MocapFormatError(
                motion.path, None, f'{bone!r} has {values.shape[1]} values '
                f'per frame, {skeleton.path} gives it {count}')
        return values

    def frame_rotation(axis_angles, axis_order, dof_axes, dof_values):
        c = euler_to_matrix(axis_angles, axis_order, degrees=skeleton.degrees)
        m = euler_to_matrix(dof_values, dof_axes, degrees=degrees)
        return c @ m @ c.T

    # root: translation + rotation about the frame given by its orientation
    root_values = channels('root', len(skeleton.root_order))
    order = skeleton.root_order
    translation = np.zeros((num, 3))
    for i, axis in enumerate('XYZ'):
        if 'T' + axis in order:
            translation[:, i] = root_values[:, order.index('T' + axis)]
    rot_channels = [i for i, ch in enumerate(order) if ch[0] == 'R']
    rotations = {'root': frame_rotation(
        skeleton.root_orientation, skeleton.root_axis_order,
        ''.join(order[i][1] for i in rot_channels),
        root_values[:, rot_channels])}
    tips = {'root': (skeleton.root_position + translation) * unit}

    for name in skeleton.kinematic_order:
        bone = skeleton.bones[name]
        parent_rotation = rotations[bone.parent]
        if bone.dof:
            local = frame_rotation(bone.axis, bone.axis_order,
                                   ''.join(d[1] for d in bone.dof),
                                   channels(name, len(bone.dof)))
            rotation = parent_rotation @ local
        else:
            rotation = parent_rotation
        rotations[name] = rotation
        offset = (bone.length * unit) * bone.direction
        tips[name] = tips[bone.parent] + rotation @ offset
    if z_up:
        tips = {k: y_up_to_z_up(v) for k, v in tips.items()}
    return tips


def tips_to_h36m17(tips: Dict[str, np.ndarray]) -> np.ndarray:
    """Map ASF bone tips to ``(F, 17, 3)`` Human3.6M joints.

    Args:
        tips: output of :func:`forward_kinematics`.

    Returns:
        ``(F, 17, 3)`` positions in the order of
        :data:`pose3d_toolbox.skeletons.H36M`, same frame and unit as
        ``tips``.
    """
    joints = []
    for source in H36M17_FROM_ASF.values():
        if isinstance(source, tuple):
            joints.append(np.mean([tips[s] for s in source], axis=0))
        else:
            joints.append(tips[source])
    return np.stack(joints, axis=1)


def asf_amc_to_h36m17(skeleton: Union[PathLike, AsfSkeleton],
                      motion: Union[PathLike, AmcMotion]) -> np.ndarray:
    """Human3.6M-17 joints of one take: ``(F, 17, 3)`` metres, world Z-up.

    Args:
        skeleton: the ``.asf`` path or a parsed :class:`AsfSkeleton`.
        motion: the ``.amc`` path or a parsed :class:`AmcMotion`.
    """
    if not isinstance(skeleton, AsfSkeleton):
        skeleton = parse_asf(skeleton)
    if not isinstance(motion, AmcMotion):
        motion = parse_amc(motion, skeleton)
    return tips_to_h36m17(forward_kinematics(skeleton, motion))
