"""BVH export: the project's reader gives the bone-length-normalised input
back (CMU takes, prediction-like sequences, random poses), the file follows
the format's conventions, rotations do not flip, bad input is refused."""
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from pose3d_toolbox.apis.bvh_export import (median_bone_lengths,
                                            normalise_bone_lengths,
                                            read_bvh_joints, solve_rotations,
                                            write_bvh)
from pose3d_toolbox.codecs.bone import joints_to_bones
from pose3d_toolbox.datasets.mocap.bvh import bvh_to_h36m17, parse_bvh
from pose3d_toolbox.datasets.mocap.cmu import load_cmu_mocap

REPO = Path(__file__).resolve().parents[2]
TOL = 1e-3  # metres


@pytest.fixture(scope='module')
def takes():
    return {t['take']: t for t in load_cmu_mocap()}


def round_trip(tmp_path, joints, **kwargs):
    path = tmp_path / 'out.bvh'
    joint_map = write_bvh(path, joints, fps=30, **kwargs)
    keep = {k: kwargs[k] for k in ('unit', 'up', 'frame') if k in kwargs}
    back = read_bvh_joints(path, joint_map, **keep)
    return back, normalise_bone_lengths(np.asarray(joints, float), 'h36m')


@pytest.mark.parametrize('take', ['02_01', '02_03', '05_06', '105_45'])
@pytest.mark.parametrize('frame, up, unit', [('world', 'y', 'cm'),
                                             ('world', 'z', 'm'),
                                             ('camera', 'y', 'mm')])
def test_cmu_takes_round_trip_within_1mm(tmp_path, takes, take, frame, up,
                                         unit):
    joints = takes[take]['keypoints_3d'].astype(np.float64)
    if frame == 'camera':  # the world seen by a camera 4 m in front
        joints = joints @ np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])
        joints = joints + [0, 0, 4.0]
    back, ref = round_trip(tmp_path, joints, frame=frame, up=up, unit=unit)
    assert np.abs(back - ref).max() < TOL


def test_the_reader_gives_the_world_back(tmp_path, takes):
    """bvh_to_h36m17 with the returned joint map (Y-up file, cm) is the
    toolbox's Z-up world of the input."""
    joints = takes['02_01']['keypoints_3d'].astype(np.float64)
    path = tmp_path / 'walk.bvh'
    joint_map = write_bvh(path, joints, fps=30, frame='world')
    motion = parse_bvh(path)
    world = bvh_to_h36m17(motion, joint_map, scale=0.01, up='y')
    assert np.abs(world - normalise_bone_lengths(joints, 'h36m')).max() < TOL
    assert motion.frame_time == pytest.approx(1 / 30)


def test_prediction_like_sequence(tmp_path, takes):
    """Predictions change their bone lengths from frame to frame: the file
    holds the median lengths and every bone direction."""
    rng = np.random.default_rng(0)
    gt = takes['02_02']['keypoints_3d'].astype(np.float64)
    pred = gt + rng.normal(0, 0.02, gt.shape)
    back, ref = round_trip(tmp_path, pred, frame='world')
    assert np.abs(back - ref).max() < TOL
    lengths = joints_to_bones(back, 'h36m')[1]
    assert np.allclose(lengths, median_bone_lengths(pred, 'h36m'), atol=1e-5)
    directions = joints_to_bones(back, 'h36m')[0]
    assert np.abs(directions - joints_to_bones(pred, 'h36m')[0]).max() < 1e-4


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), frames=st.integers(1, 4),
       noise=st.floats(0.0, 0.06), up=st.sampled_from('yz'))
def test_random_plausible_poses_round_trip(tmp_path_factory, seed, frames,
                                           noise, up):
    rng = np.random.default_rng(seed)
    take = load_cmu_mocap(subjects=['09'])[0]['keypoints_3d']
    base = take[rng.integers(len(take), size=frames)].astype(np.float64)
    rot = Rotation.random(random_state=seed).as_matrix()
    joints = (base - base[:, :1]) @ rot.T + rng.normal(0, noise, base.shape)
    joints = joints + rng.uniform(-3, 3, 3)
    back, ref = round_trip(tmp_path_factory.mktemp('bvh'), joints,
                           frame='camera', up=up)
    assert np.abs(back - ref).max() < TOL


def test_file_layout(tmp_path, takes):
    joints = takes['02_01']['keypoints_3d'].astype(np.float64)
    path = tmp_path / 'walk.bvh'
    write_bvh(path, joints, fps=120, frame='world', up='y', unit='cm')
    text = path.read_text()
    assert 'Frame Time: 0.00833333' in text
    assert 'CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation ' \
        'Yrotation' in text
    motion = parse_bvh(path)
    assert motion.num_frames == len(joints)
    names = motion.joint_names
    for name in ('Hips', 'LeftUpLeg', 'RightArm', 'LeftForeArm', 'Spine1',
                 'Neck', 'RightLeg/end', 'LeftForeArm/end'):
        assert name in names
    offsets = {j.name: j.offset for j in motion.joints}
    # T-pose rest, Y-up, cm: legs down, left arm towards +x, head up
    assert offsets['LeftLeg'][1] < -30 and offsets['LeftForeArm'][0] > 15
    assert offsets['RightForeArm'][0] < -15 and offsets['Spine'][1] > 10
    # Z-up and metres
    write_bvh(path, joints, fps=120, frame='world', up='z', unit='m')
    offsets = {j.name: j.offset for j in parse_bvh(path).joints}
    assert -0.6 < offsets['LeftLeg'][2] < -0.3


def test_limbs_do_not_flip_on_walks(takes):
    """Every joint's rotation turns by at most a few degrees more than its
    bone between frames (a flip would add up to 180 degrees)."""
    for take in ('02_01', '02_02', '09_12'):
        joints = takes[take]['keypoints_3d'].astype(np.float64)
        _, rots, _, _ = solve_rotations(joints, frame='world')
        step = np.swapaxes(rots[:-1], -1, -2) @ rots[1:]
        angle = np.degrees(Rotation.from_matrix(
            step.reshape(-1, 3, 3)).magnitude())
        assert angle.max() < 20, take


def test_an_arm_raised_overhead_turns_smoothly(tmp_path):
    """A left arm swung from hanging down, through the side, to overhead:
    the shoulder's rotation follows the arm one step at a time."""
    take = load_cmu_mocap(subjects=['09'])[0]['keypoints_3d'][0]
    frames = []
    for a in np.linspace(-80, 170, 60):  # degrees from the horizontal
        pose = take.astype(np.float64).copy()
        shoulder = pose[11]
        upper = np.linalg.norm(pose[12] - pose[11])
        fore = np.linalg.norm(pose[13] - pose[12])
        side = 1.0 if pose[11, 0] > pose[14, 0] else -1.0
        d = np.array([side * np.cos(np.radians(a)), 0,
                      np.sin(np.radians(a))])
        pose[12] = shoulder + upper * d
        pose[13] = pose[12] + fore * d
        frames.append(pose)
    joints = np.stack(frames)
    nodes, rots, _, _ = solve_rotations(joints, frame='world')
    arm = [n.name for n in nodes].index('LeftArm')
    step = np.swapaxes(rots[:-1, arm], -1, -2) @ rots[1:, arm]
    angle = np.degrees(Rotation.from_matrix(step).magnitude())
    assert angle.max() < 2 * 250 / 59
    back, ref = round_trip(tmp_path, joints, frame='world')
    assert np.abs(back - ref).max() < TOL


@pytest.mark.parametrize('change, message', [
    (lambda j: j[:, :16], r'\(T, 17, 3\).*got shape \(5, 16, 3\)'),
    (lambda j: np.where(np.arange(17)[None, :, None] == 13, np.nan, j),
     "joint 'left_wrist' of frame 0 is"),
    (lambda j: np.concatenate([j[:, :2], j[:, 1:2], j[:, 3:]], 1),
     'right_hip -> right_knee has zero length in frame 0'),
    (lambda j: j[:0], 'at least one frame'),
])
def test_bad_input_is_refused_with_the_reason(tmp_path, takes, change,
                                              message):
    joints = takes['02_01']['keypoints_3d'][:5].astype(np.float64)
    with pytest.raises(ValueError, match=message):
        write_bvh(tmp_path / 'x.bvh', change(joints), fps=30)
    assert not (tmp_path / 'x.bvh').exists()


@pytest.mark.parametrize('kwargs, message', [
    (dict(fps=0), 'fps must be a positive'), (dict(unit='inch'), 'unit'),
    (dict(order='ZZY'), 'order'), (dict(frame='image'), 'frame must be'),
])
def test_bad_options_are_named(tmp_path, takes, kwargs, message):
    joints = takes['02_01']['keypoints_3d'][:5].astype(np.float64)
    with pytest.raises(ValueError, match=message):
        write_bvh(tmp_path / 'x.bvh', joints, **dict(dict(fps=30), **kwargs))


def test_export_bvh_tool(tmp_path, capsys, takes):
    sys.path.insert(0, str(REPO / 'tools' / 'misc'))
    import export_bvh
    out = export_bvh.main(['--cmu-take', '02_01', '--out',
                           str(tmp_path / 'walk.bvh'), '--check-png',
                           str(tmp_path / 'walk.png')])
    assert out['frames'] == 86 and out['max_error_mm'] < 1.0
    assert (tmp_path / 'walk.png').stat().st_size > 10_000
    assert 'largest distance' in capsys.readouterr().out
    preds = tmp_path / 'preds.npz'
    np.savez(preds, pred_keypoints_3d=takes['02_02']['keypoints_3d'],
             other=np.zeros(3))
    with pytest.raises(SystemExit, match='--fps'):
        export_bvh.main([str(preds), '--out', str(tmp_path / 'p.bvh')])
    with pytest.raises(SystemExit, match='choose one with --key'):
        export_bvh.main([str(preds), '--out', str(tmp_path / 'p.bvh'),
                         '--fps', '30'])
    out = export_bvh.main([str(preds), '--key', 'pred_keypoints_3d',
                           '--out', str(tmp_path / 'p.bvh'), '--fps', '30',
                           '--frame', 'world', '--up', 'z'])
    assert out['max_error_mm'] < 1.0


def test_export_bvh_tool_draws_a_written_file(tmp_path, takes):
    sys.path.insert(0, str(REPO / 'tools' / 'misc'))
    import export_bvh
    joints = takes['02_01']['keypoints_3d'][:10].astype(np.float64)
    write_bvh(tmp_path / 'w.bvh', joints, fps=30, frame='world')
    out = export_bvh.main(['--read', str(tmp_path / 'w.bvh'), '--frame',
                           'world', '--check-png', str(tmp_path / 'w.png')])
    assert out['frames'] == 10
    assert (tmp_path / 'w.png').stat().st_size > 10_000
    with pytest.raises(SystemExit, match='--check-png'):
        export_bvh.main(['--read', str(tmp_path / 'w.bvh')])
