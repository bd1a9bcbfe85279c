"""BVH reading and forward kinematics against hand-computed positions."""
import numpy as np
import pytest

from pose3d_toolbox.datasets.mocap import bvh
from pose3d_toolbox.datasets.mocap.bvh import (bvh_to_h36m17,
                                               forward_kinematics, parse_bvh)
from pose3d_toolbox.datasets.mocap.common import MocapFormatError
from pose3d_toolbox.skeletons import H36M

# A three-joint chain A -> B -> C plus C's end site.
CHAIN = """\
HIERARCHY
ROOT A
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT B
  {
    OFFSET 10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT C
    {
      OFFSET 0 5 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 0 2
      }
    }
  }
}
MOTION
Frames: 4
Frame Time: 0.0333333
1 2 3 0 0 0 0 0 0 0 0 0
0 0 0 90 0 0 0 0 0 0 0 0
0 0 0 90 90 0 0 0 0 0 0 0
0 0 0 0 0 0 90 0 0 0 90 0
"""

# Worked by hand; Rz(90): x -> y, y -> -x; Rx(90): y -> z, z -> -y.
EXPECTED = {
    # frame 0: translation only
    0: dict(A=(1, 2, 3), B=(11, 2, 3), C=(11, 7, 3), E=(11, 7, 5)),
    # frame 1: root Rz(90) turns the whole chain
    1: dict(A=(0, 0, 0), B=(0, 10, 0), C=(-5, 10, 0), E=(-5, 10, 2)),
    # frame 2: root "Zrotation Xrotation" = Rz(90) @ Rx(90):
    #   C - B = Rz Rx (0, 5, 0) = Rz (0, 0, 5) = (0, 0, 5)
    #   E - C = Rz Rx (0, 0, 2) = Rz (0, -2, 0) = (2, 0, 0)
    2: dict(A=(0, 0, 0), B=(0, 10, 0), C=(0, 10, 5), E=(2, 10, 5)),
    # frame 3: B turns Rz(90), C adds Rx(90):
    #   C - B = Rz (0, 5, 0) = (-5, 0, 0)
    #   E - C = Rz Rx (0, 0, 2) = (2, 0, 0)
    3: dict(A=(0, 0, 0), B=(10, 0, 0), C=(5, 0, 0), E=(7, 0, 0)),
}


@pytest.fixture
def chain_file(tmp_path):
    path = tmp_path / 'chain.bvh'
    path.write_text(CHAIN)
    return path


def test_parse_hierarchy_and_motion(chain_file):
    motion = parse_bvh(chain_file)
    assert motion.joint_names == ['A', 'B', 'C', 'C/end']
    assert [j.parent for j in motion.joints] == [-1, 0, 1, 2]
    assert [j.first_channel for j in motion.joints[:3]] == [0, 6, 9]
    assert motion.joints[1].channels == ('Zrotation', 'Xrotation',
                                         'Yrotation')
    np.testing.assert_array_equal(motion.joints[3].offset, [0, 0, 2])
    assert motion.joints[3].is_end_site
    assert motion.num_frames == 4 and motion.values.shape == (4, 12)
    assert motion.fps == pytest.approx(30, abs=1e-3)


def test_forward_kinematics_hand_computed(chain_file):
    positions = forward_kinematics(parse_bvh(chain_file))
    assert set(positions) == {'A', 'B', 'C', 'C/end'}
    for frame, joints in EXPECTED.items():
        for name, expected in joints.items():
            key = 'C/end' if name == 'E' else name
            np.testing.assert_allclose(positions[key][frame], expected,
                                       atol=1e-9, err_msg=f'{key} {frame}')


def test_channel_order_matters(tmp_path):
    """Listing Xrotation before Zrotation composes Rx @ Rz instead."""
    swapped = CHAIN.replace(
        'CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation',
        'CHANNELS 6 Xposition Yposition Zposition Xrotation Zrotation')
    path = tmp_path / 'swapped.bvh'
    path.write_text(swapped)
    positions = forward_kinematics(parse_bvh(path))
    # frame 2 now reads X=90, Z=90: Rx(90) @ Rz(90)
    #   B - A = Rx Rz (10, 0, 0) = Rx (0, 10, 0) = (0, 0, 10)
    #   C - B = Rx Rz (0, 5, 0) = Rx (-5, 0, 0) = (-5, 0, 0)
    np.testing.assert_allclose(positions['B'][2], (0, 0, 10), atol=1e-9)
    np.testing.assert_allclose(positions['C'][2], (-5, 0, 10), atol=1e-9)


def test_crlf_line_ends(tmp_path):
    path = tmp_path / 'crlf.bvh'
    path.write_bytes(CHAIN.replace('\n', '\r\n').encode())
    positions = forward_kinematics(parse_bvh(path))
    np.testing.assert_allclose(positions['C/end'][1], (-5, 10, 2),
                               atol=1e-9)


def _joint_map():
    """Every H36M joint mapped onto the chain; pelvis averages A and B."""
    joint_map = {name: 'C' for name in H36M.joint_names}
    joint_map.update(pelvis=('A', 'B'), head='C/end', right_hip='B')
    return joint_map


def test_bvh_to_h36m17_units_and_world_frame(chain_file):
    joints = bvh_to_h36m17(parse_bvh(chain_file), _joint_map(), scale=0.01)
    assert joints.shape == (4, 17, 3)
    pelvis = H36M.index('pelvis')
    # frame 0: pelvis = mean of A (1, 2, 3) and B (11, 2, 3) = (6, 2, 3) cm
    # in Y-up -> (x, -z, y) Z-up metres
    np.testing.assert_allclose(joints[0, pelvis], (0.06, -0.03, 0.02))
    np.testing.assert_allclose(joints[0, H36M.index('head')],
                               (0.11, -0.05, 0.07))
    np.testing.assert_allclose(joints[0, H36M.index('right_hip')],
                               (0.11, -0.03, 0.02))
    z_up = bvh_to_h36m17(forward_kinematics(parse_bvh(chain_file)),
                         _joint_map(), scale=1.0, up='z')
    np.testing.assert_allclose(z_up[0, pelvis], (6, 2, 3))


def test_bvh_to_h36m17_errors(chain_file):
    motion = parse_bvh(chain_file)
    joint_map = _joint_map()
    del joint_map['left_wrist']
    with pytest.raises(KeyError, match="missing: \\['left_wrist'\\]"):
        bvh_to_h36m17(motion, joint_map, scale=1.0)
    joint_map = dict(_joint_map(), nose='A')
    with pytest.raises(KeyError, match="unknown: \\['nose'\\]"):
        bvh_to_h36m17(motion, joint_map, scale=1.0)
    joint_map = dict(_joint_map(), spine='Spine1')
    with pytest.raises(KeyError, match="Spine1"):
        bvh_to_h36m17(motion, joint_map, scale=1.0)
    with pytest.raises(ValueError, match='up must be'):
        bvh_to_h36m17(motion, _joint_map(), scale=1.0, up='x')
    with pytest.raises(TypeError):
        bvh_to_h36m17(motion, _joint_map())  # scale is required


def _line_of(text, marker):
    return next(i for i, line in enumerate(text.splitlines(), 1)
                if line.strip() == marker)


@pytest.mark.parametrize('old, new, at, words', [
    ('0 0 0 90 0 0 0 0 0 0 0 0', '0 0 0 90 0 0 0 0 0 0 0 x',
     '0 0 0 90 0 0 0 0 0 0 0 x', 'not a number'),
    ('0 0 0 90 0 0 0 0 0 0 0 0', '0 0 0 90 0 0 0 0 0 0 0',
     '0 0 0 90 0 0 0 0 0 0 0', 'need 48 values, found 47'),
    ('OFFSET 10 0 0', 'OFFSET 10 0', 'OFFSET 10 0', 'OFFSET needs 3'),
    ('CHANNELS 3 Zrotation Xrotation Yrotation',
     'CHANNELS 3 Zrotation Xrotation Wrotation',
     'CHANNELS 3 Zrotation Xrotation Wrotation', 'bad channels'),
    ('CHANNELS 3 Zrotation Xrotation Yrotation',
     'CHANNELS 2 Zrotation Xrotation Yrotation',
     'CHANNELS 2 Zrotation Xrotation Yrotation', 'says 2 but lists 3'),
    ('Frame Time: 0.0333333', 'Frame Time: fast', 'Frame Time: fast',
     'bad number'),
    ('        OFFSET 0 0 2\n      }\n', '        OFFSET 0 0 2\n', 'MOTION',
     'closed'),
])
def test_malformed_bvh_names_file_and_line(tmp_path, old, new, at, words):
    assert old in CHAIN
    text = CHAIN.replace(old, new, 1)
    path = tmp_path / 'bad.bvh'
    path.write_text(text)
    with pytest.raises(MocapFormatError, match=words) as info:
        parse_bvh(path)
    assert str(info.value).startswith(f'{path}:{_line_of(text, at)}:')


def test_module_documents_the_world_frame():
    assert 'Z-up' in bvh.__doc__ and '(x, -z, y)' in bvh.__doc__
