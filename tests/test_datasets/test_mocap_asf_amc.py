"""ASF/AMC reading and forward kinematics, checked against facts.

Real takes are read from ``../shared/data/cmu_mocap`` beside the repository
(skipped when absent); small hand-made files check the recipe exactly.
"""
import json

import numpy as np
import pytest
from shared_guard import SHARED, needs_shared_path

from pose3d_toolbox.datasets.mocap import asf_amc
from pose3d_toolbox.datasets.mocap.asf_amc import (
    H36M17_FROM_ASF, asf_amc_to_h36m17, forward_kinematics, parse_amc,
    parse_asf, tips_to_h36m17)
from pose3d_toolbox.datasets.mocap.common import (Y_UP_TO_Z_UP,
                                                  MocapFormatError,
                                                  y_up_to_z_up)
from pose3d_toolbox.skeletons import H36M

CMU = SHARED / 'data' / 'cmu_mocap'
needs_cmu = needs_shared_path(CMU / 'manifest.json', 'the CMU ASF/AMC files')
J = {name: i for i, name in enumerate(H36M.joint_names)}

# a walk (test subject, LF line ends) and a walk of the short subject 105
# (CRLF line ends)
TAKES = ('02_01', '105_02')


def _manifest():
    with open(CMU / 'manifest.json') as f:
        return {e['file']: e for e in json.load(f)}


_cache = {}


def _load(take):
    """(skeleton, motion, tips, h36m joints) of a CMU take, cached."""
    if take not in _cache:
        subject = take.split('_')[0]
        skeleton = parse_asf(CMU / subject / f'{subject}.asf')
        motion = parse_amc(CMU / subject / f'{take}.amc', skeleton)
        tips = forward_kinematics(skeleton, motion)
        _cache[take] = skeleton, motion, tips, tips_to_h36m17(tips)
    return _cache[take]


# ---------------------------------------------------------------- real data
@needs_cmu
def test_parse_asf_units_root_bones_hierarchy():
    skeleton = parse_asf(CMU / '05' / '05.asf')
    assert skeleton.length_unit_m == pytest.approx(0.056444, abs=1e-6)
    assert skeleton.degrees
    assert skeleton.root_order == ('TX', 'TY', 'TZ', 'RX', 'RY', 'RZ')
    assert len(skeleton.bones) == 30
    lfemur = skeleton.bones['lfemur']
    assert lfemur.parent == 'lhipjoint'
    np.testing.assert_allclose(lfemur.direction, [0.34202, -0.939693, 0])
    assert lfemur.length == pytest.approx(6.57749)
    np.testing.assert_allclose(lfemur.axis, [0, 0, 20])
    assert lfemur.axis_order == 'XYZ'
    assert lfemur.dof == ('rx', 'ry', 'rz')
    assert skeleton.bones['ltibia'].dof == ('rx', )
    assert skeleton.bones['lhipjoint'].dof == ()
    assert skeleton.bones['thorax'].parent == 'upperback'
    assert skeleton.bones['lclavicle'].parent == 'thorax'
    order = skeleton.kinematic_order
    for bone in skeleton.bones.values():
        if bone.parent != 'root':
            assert order.index(bone.parent) < order.index(bone.name)


@needs_cmu
@pytest.mark.parametrize('take', TAKES)
def test_frame_counts_match_manifest(take):
    subject = take.split('_')[0]
    _, motion, _, joints = _load(take)
    expected = _manifest()[f'{subject}/{take}.amc']['frames']
    assert motion.num_frames == expected == len(joints)
    np.testing.assert_array_equal(motion.frame_numbers,
                                  np.arange(1, expected + 1))
    assert joints.shape == (expected, 17, 3)
    assert np.isfinite(joints).all()


@needs_cmu
@pytest.mark.parametrize('take', TAKES)
def test_height_at_frame_0(take):
    _, _, tips, joints = _load(take)
    height = joints[0, J['head'], 2] - joints[0, [J['left_ankle'],
                                                  J['right_ankle']], 2].min()
    assert 1.3 < height < 1.7
    # the shared README's range, measured to the lowest bone tip (toes)
    to_floor = tips['head'][0, 2] - min(t[0, 2] for t in tips.values())
    low, high = (1.30, 1.40) if take.startswith('105') else (1.45, 1.68)
    assert low < to_floor < high


@needs_cmu
@pytest.mark.parametrize('take', TAKES)
def test_segment_lengths_plausible_and_rigid(take):
    joints = _load(take)[3]
    limits = dict(thigh=(0.3, 0.55), shin=(0.3, 0.55), upper_arm=(0.2, 0.4))
    for side in ('left', 'right'):
        for segment, (a, b) in dict(
                thigh=('hip', 'knee'), shin=('knee', 'ankle'),
                upper_arm=('shoulder', 'elbow')).items():
            length = np.linalg.norm(
                joints[:, J[f'{side}_{a}']] - joints[:, J[f'{side}_{b}']],
                axis=-1)
            low, high = limits[segment]
            assert low < length.min() and length.max() < high, (side,
                                                                 segment)
            assert length.std() < 1e-9  # bones are rigid


@needs_cmu
@pytest.mark.parametrize('take', TAKES)
def test_world_frame_z_up_floor_at_zero(take):
    joints = _load(take)[3]
    ankles = joints[:, [J['left_ankle'], J['right_ankle']], 2]
    assert 0.02 < ankles.min() < 0.15  # ankles just above the floor
    # upright walking: head above thorax above pelvis above knees
    z = joints[..., 2]
    for upper, lower in (('head', 'thorax'), ('thorax', 'pelvis'),
                         ('pelvis', 'left_knee'), ('pelvis', 'right_knee')):
        assert (z[:, J[upper]] > z[:, J[lower]]).all()


def _horizontal(v):
    v = v.copy()
    v[..., 2] = 0
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@needs_cmu
@pytest.mark.parametrize('take', TAKES)
def test_left_joints_on_subjects_left(take):
    _, _, tips, joints = _load(take)
    up = np.array([0., 0., 1.])
    # facing direction from the feet: ankle -> toes, both feet averaged
    forward = _horizontal(tips['ltoes'] + tips['rtoes'] - tips['ltibia'] -
                          tips['rtibia'])
    left = np.cross(up, forward)  # x forward, y left, z up
    for name in ('hip', 'shoulder'):
        side = joints[:, J[f'left_{name}']] - joints[:, J[f'right_{name}']]
        assert (np.einsum('fi,fi->f', side, left) > 0).all(), name
    # and relative to the walking direction (pelvis velocity)
    velocity = np.gradient(joints[:, J['pelvis']], axis=0)
    moving = np.linalg.norm(velocity[:, :2], axis=-1) > 0.5 / 120
    assert moving.sum() > 100
    left = np.cross(up, _horizontal(velocity[moving]))
    side = joints[moving, J['left_hip']] - joints[moving, J['right_hip']]
    assert (np.einsum('fi,fi->f', side, left) > 0).all()


@needs_cmu
def test_knees_bend_backwards_when_walking():
    _, motion, _, joints = _load('02_01')
    walk = _horizontal(np.gradient(joints[:, J['pelvis']], axis=0))
    for side, bone in (('left', 'ltibia'), ('right', 'rtibia')):
        hip, knee, ankle = (joints[:, J[f'{side}_{j}']]
                            for j in ('hip', 'knee', 'ankle'))
        thigh = (knee - hip) / np.linalg.norm(knee - hip, axis=-1,
                                              keepdims=True)
        shin = ankle - knee
        across = shin - np.einsum('fi,fi->f', shin, thigh)[:, None] * thigh
        bent = motion.values[bone][:, 0] > 30  # knee flexion (rx), degrees
        assert bent.sum() > 20
        assert (np.einsum('fi,fi->f', across, walk)[bent] < 0).all()


@needs_cmu
def test_pelvis_is_hip_midpoint_below_root():
    _, _, tips, joints = _load('02_01')
    np.testing.assert_allclose(joints[:, J['pelvis']],
                               (tips['lhipjoint'] + tips['rhipjoint']) / 2)
    drop = np.linalg.norm(tips['root'] - joints[:, J['pelvis']], axis=-1)
    assert 0.05 < drop.mean() < 0.15  # "the ASF root sits about 10 cm higher"


@needs_cmu
def test_crlf_and_lf_give_the_same_result(tmp_path):
    lf = (CMU / '02' / '02_01.amc').read_bytes()
    assert b'\r' not in lf
    crlf = tmp_path / '02_01.amc'
    crlf.write_bytes(lf.replace(b'\n', b'\r\n'))
    asf = tmp_path / '02.asf'
    asf.write_bytes((CMU / '02' / '02.asf').read_bytes().replace(
        b'\n', b'\r\n'))
    np.testing.assert_array_equal(asf_amc_to_h36m17(asf, crlf),
                                  _load('02_01')[3])


@needs_cmu
def test_z_up_is_a_rotation_of_the_files_y_up():
    skeleton, motion, tips, _ = _load('02_01')
    y_up = forward_kinematics(skeleton, motion, z_up=False)
    for name, z_up in tips.items():
        np.testing.assert_allclose(z_up, y_up_to_z_up(y_up[name]))
        np.testing.assert_allclose(z_up, y_up[name] @ Y_UP_TO_Z_UP.T)
    assert np.linalg.det(Y_UP_TO_Z_UP) == pytest.approx(1.0)
    np.testing.assert_array_equal(y_up_to_z_up(np.array([1., 2., 3.])),
                                  [1., -3., 2.])


# --------------------------------------------------------- hand-made files
TINY_ASF = """\
# a hand-made skeleton: root -> a -> b
:version 1.10
:name tiny
:units
  mass 1.0
  length 1.0
  angle deg
:root
   order TX TY TZ RX RY RZ
   axis XYZ
   position 0 0 0
   orientation 0 0 0
:bonedata
  begin
     id 1
     name a
     direction 1 0 0
     length 10
     axis 0 0 90  XYZ
    dof rx
    limits (-180.0 180.0)
  end
  begin
     id 2
     name b
     direction 0 1 0
     length 5
     axis 0 0 0  XYZ
  end
:hierarchy
  begin
    root a
    a b
  end
"""

TINY_AMC = """\
:FULLY-SPECIFIED
:DEGREES
1
root 1 2 3 0 0 0
a 0
2
root 0 0 0 0 0 0
a 90
"""


def _write(tmp_path, asf=TINY_ASF, amc=TINY_AMC):
    (tmp_path / 'tiny.asf').write_text(asf)
    (tmp_path / 'tiny.amc').write_text(amc)
    return tmp_path / 'tiny.asf', tmp_path / 'tiny.amc'


def test_forward_kinematics_hand_computed(tmp_path):
    asf, amc = _write(tmp_path)
    skeleton = parse_asf(asf)
    assert skeleton.length_unit_m == pytest.approx(0.0254)  # length 1.0
    tips = forward_kinematics(skeleton, parse_amc(amc, skeleton),
                              z_up=False)
    inch = 0.0254
    # frame 1: root at (1, 2, 3) inches, no rotation: a along +x, b along +y
    np.testing.assert_allclose(tips['root'][0], np.array([1, 2, 3]) * inch)
    np.testing.assert_allclose(tips['a'][0], np.array([11, 2, 3]) * inch)
    np.testing.assert_allclose(tips['b'][0], np.array([11, 7, 3]) * inch)
    # frame 2: a turns 90 deg about its local x axis, which the ASF axis
    # (Rz 90) points along the global y axis: C Rx(90) C^-1 = Ry(90), taking
    # +x to -z; b (a rigid child) turns with it, and +y stays +y.
    np.testing.assert_allclose(tips['a'][1], np.array([0, 0, -10]) * inch,
                               atol=1e-12)
    np.testing.assert_allclose(tips['b'][1], np.array([0, 5, -10]) * inch,
                               atol=1e-12)
    # the world frame: (x, y, z) -> (x, -z, y)
    z_up = forward_kinematics(skeleton, parse_amc(amc, skeleton))
    np.testing.assert_allclose(z_up['b'][1], np.array([0, 10, 5]) * inch,
                               atol=1e-12)


def test_radians_flag(tmp_path):
    asf, amc = _write(tmp_path, amc=TINY_AMC.replace(':DEGREES', ':RADIANS')
                      .replace('a 90', f'a {np.pi / 2!r}'))
    skeleton = parse_asf(asf)
    tips = forward_kinematics(skeleton, parse_amc(amc, skeleton), z_up=False)
    np.testing.assert_allclose(tips['a'][1], np.array([0, 0, -10]) * 0.0254,
                               atol=1e-12)


def test_h36m_mapping_covers_the_skeleton():
    assert tuple(H36M17_FROM_ASF) == H36M.joint_names
    assert H36M17_FROM_ASF['pelvis'] == ('lhipjoint', 'rhipjoint')
    assert H36M17_FROM_ASF['left_ankle'] == 'ltibia'
    assert H36M17_FROM_ASF['right_wrist'] == 'rradius'
    frames = 2
    tips = {b: np.full((frames, 3), float(i))
            for i, b in enumerate(sorted({
                s for v in H36M17_FROM_ASF.values()
                for s in ((v, ) if isinstance(v, str) else v)}))}
    joints = tips_to_h36m17(tips)
    assert joints.shape == (frames, 17, 3)
    np.testing.assert_array_equal(joints[:, J['thorax']], tips['thorax'])
    np.testing.assert_array_equal(
        joints[:, J['pelvis']], (tips['lhipjoint'] + tips['rhipjoint']) / 2)


def _line_of(text, marker):
    """1-based number of the first line of ``text`` reading ``marker``."""
    return next(i for i, line in enumerate(text.splitlines(), 1)
                if line.strip() == marker)


@pytest.mark.parametrize('old, new, at, words', [
    ('a 90', 'a 9o', 'a 9o', 'not a number'),
    ('a 90', 'a 90 1', 'a 90 1', 'values'),
    ('2\n', '3\n', '3', 'consecutive'),
    ('a 0\n', '', '1', "frame 1 lacks values for \\['a'\\]"),
    ('a 90', 'c 90', 'c 90', "'c'"),
    ('1\nroot', 'root 0 0 0 0 0 0\n1\nroot', 'root 0 0 0 0 0 0',
     'before the first'),
])
def test_malformed_amc_names_file_and_line(tmp_path, old, new, at, words):
    assert old in TINY_AMC
    text = TINY_AMC.replace(old, new, 1)
    asf, amc = _write(tmp_path, amc=text)
    with pytest.raises(MocapFormatError, match=words) as info:
        parse_amc(amc, parse_asf(asf))
    line = _line_of(text, at)
    assert str(info.value).startswith(f'{amc}:{line}:')
    assert info.value.lineno == line


@pytest.mark.parametrize('old, new, at, words', [
    ('length 10', 'length ten', 'length ten', 'not a number'),
    ('    a b\n', '    a c\n', 'a c', "unknown bone 'c'"),
    ('dof rx', 'dof rx tx', 'dof rx tx', 'unsupported dof'),
    ('axis 0 0 90  XYZ', 'axis 0 0 90  XXY', 'axis 0 0 90  XXY',
     'permutation'),
    ('  end\n  begin\n     id 2', '  begin\n     id 2', 'id 2',
     'missing "end"'),
])
def test_malformed_asf_names_file_and_line(tmp_path, old, new, at, words):
    assert old in TINY_ASF
    text = TINY_ASF.replace(old, new, 1)
    asf, _ = _write(tmp_path, asf=text)
    with pytest.raises(MocapFormatError, match=words) as info:
        parse_asf(asf)
    line = _line_of(text, at) - (at == 'id 2')  # the "begin" above it
    assert str(info.value).startswith(f'{asf}:{line}:')


def test_asf_without_parent_is_an_error(tmp_path):
    asf, _ = _write(tmp_path, asf=TINY_ASF.replace('    a b\n', ''))
    with pytest.raises(MocapFormatError, match="without a parent.*'b'"):
        parse_asf(asf)


def test_module_documents_the_world_frame():
    assert 'Z-up' in asf_amc.__doc__ and '(x, -z, y)' in asf_amc.__doc__
