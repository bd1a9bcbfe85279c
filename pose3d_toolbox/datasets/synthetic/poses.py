"""Procedural H36M-17 poses in the world frame (Z up, metres).

Plausible, not captured: enough for unit tests, benchmarks and smoke runs of
the synthetic renderer without the mocap data. Every pose is built from a few
joint angles on a body with Human3.6M-like bone lengths, stands on the
ground (lowest ankle at :data:`ANKLE_HEIGHT`) and faces ``yaw`` degrees
counter-clockwise from the world +Y axis.

Example:
    >>> import numpy as np
    >>> pose = t_pose()                      # (17, 3), facing +Y
    >>> poses = random_poses(np.random.default_rng(0), 8)   # (8, 17, 3)
"""
import numpy as np

from pose3d_toolbox.geometry import axis_angle_rotate
from pose3d_toolbox.skeletons import H36M

#: Height of the ankle joints above the floor when standing (metres).
ANKLE_HEIGHT = 0.08
#: Stature the bone lengths below belong to (metres).
REFERENCE_HEIGHT = 1.72
# Bone lengths of a 1.72 m person, close to the Human3.6M subjects' means.
_LENGTHS = dict(hip=0.13, thigh=0.45, shin=0.44, lower_spine=0.23,
                upper_spine=0.25, neck=0.115, head=0.115, clavicle=0.15,
                upper_arm=0.28, forearm=0.25)

_J = {name: i for i, name in enumerate(H36M.joint_names)}


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def make_poses(yaw=0.0, height=REFERENCE_HEIGHT, position=(0.0, 0.0),
               hip_flexion=(0.0, 0.0), hip_abduction=(5.0, 5.0),
               knee_flexion=(0.0, 0.0), arm_elevation=(-80.0, -80.0),
               arm_swing=(0.0, 0.0), elbow_flexion=(10.0, 10.0),
               elbow_twist=(0.0, 0.0), torso_lean=0.0, torso_side=0.0,
               torso_twist=0.0, head_pitch=0.0):
    """Build ``N`` poses from joint angles (degrees), vectorised.

    Every argument broadcasts to ``(N,)``; the paired ones are ``(left,
    right)`` and broadcast to ``(N, 2)``. Positive ``hip_flexion`` swings the
    thigh forward, ``knee_flexion`` folds the shin backward,
    ``arm_elevation`` is the upper arm's angle above the horizontal (-90
    hangs down, 0 is a T-pose), ``arm_swing`` turns it from sideways (0)
    towards the front (90), ``elbow_flexion`` folds the forearm forward,
    ``torso_lean`` bends the upper body forward, ``torso_side`` tilts it
    towards the person's right, ``torso_twist`` turns it to the left and
    ``head_pitch`` nods the head forward.

    Returns:
        ``(N, 17, 3)`` world joints in H36M order (``N`` = 1 for scalars).
    """
    pair = [np.asarray(a, np.float64)
            for a in (hip_flexion, hip_abduction, knee_flexion,
                      arm_elevation, arm_swing, elbow_flexion, elbow_twist)]
    single = [np.asarray(a, np.float64)
              for a in (yaw, height, torso_lean, torso_side, torso_twist,
                        head_pitch)]
    pos = np.asarray(position, np.float64)
    rows = [np.broadcast_shapes(a.shape, (2, ))[:-1] for a in pair + [pos]]
    n = int(np.prod(np.broadcast_shapes(*rows,
                                        *(a.shape for a in single))))
    hip_fl, hip_ab, knee_fl, arm_el, arm_sw, elb_fl, elb_tw = [
        np.broadcast_to(np.deg2rad(a), (n, 2)) for a in pair]
    pos = np.broadcast_to(pos, (n, 2))
    yaw, height, lean, side, twist, head_pitch = [
        np.broadcast_to(a, (n, )) for a in single]
    lean, side, twist, head_pitch = map(np.deg2rad,
                                        (lean, side, twist, head_pitch))
    size = height / REFERENCE_HEIGHT
    L = {k: v * size[:, None] for k, v in _LENGTHS.items()}

    # Body frame: F forward, S the person's left, U up.
    F = np.tile([0.0, 1.0, 0.0], (n, 1))
    S = np.tile([-1.0, 0.0, 0.0], (n, 1))
    U = np.tile([0.0, 0.0, 1.0], (n, 1))
    joints = np.zeros((n, 17, 3))

    for k, sign, hip, knee, ankle in ((0, 1.0, 'left_hip', 'left_knee',
                                       'left_ankle'),
                                      (1, -1.0, 'right_hip', 'right_knee',
                                       'right_ankle')):
        out = sign * S
        fl, kn = hip_fl[:, k, None], knee_fl[:, k, None]
        thigh = -U * np.cos(fl) + F * np.sin(fl)
        shin = -U * np.cos(fl - kn) + F * np.sin(fl - kn)
        # abduct the whole leg outwards about the forward axis
        thigh = axis_angle_rotate(thigh, F, sign * hip_ab[:, k])
        shin = axis_angle_rotate(shin, F, sign * hip_ab[:, k])
        joints[:, _J[hip]] = L['hip'] * _unit(out - 0.2 * U)
        joints[:, _J[knee]] = joints[:, _J[hip]] + L['thigh'] * thigh
        joints[:, _J[ankle]] = joints[:, _J[knee]] + L['shin'] * shin

    # Upper body: built upright, then leaned, tilted sideways and twisted
    # about the pelvis.
    up = np.zeros((n, 17, 3))
    up[:, _J['spine']] = L['lower_spine'] * _unit(U - 0.05 * F)
    up[:, _J['thorax']] = up[:, _J['spine']] + L['upper_spine'] * _unit(
        U + 0.05 * F)
    thorax = up[:, _J['thorax']]
    # rotating about the left axis S turns up towards forward
    head_dir = axis_angle_rotate(_unit(U + 0.45 * F), S, head_pitch)
    up[:, _J['neck_nose']] = thorax + L['neck'] * head_dir
    up[:, _J['head']] = up[:, _J['neck_nose']] + L['head'] * axis_angle_rotate(
        _unit(U - 0.3 * F), S, head_pitch)
    for k, sign, sho, elb, wri in ((0, 1.0, 'left_shoulder', 'left_elbow',
                                    'left_wrist'),
                                   (1, -1.0, 'right_shoulder', 'right_elbow',
                                    'right_wrist')):
        out = sign * S
        el, sw = arm_el[:, k, None], arm_sw[:, k, None]
        upper = np.cos(el) * (np.cos(sw) * out + np.sin(sw) * F) + np.sin(
            el) * U
        # the elbow folds the forearm towards the front of the upper arm,
        # turned about the upper arm by the twist angle
        w1 = F - (F * upper).sum(-1, keepdims=True) * upper
        w1 = np.where(np.linalg.norm(w1, axis=-1, keepdims=True) < 1e-3, U,
                      w1)
        w1 = _unit(w1 - (w1 * upper).sum(-1, keepdims=True) * upper)
        w = axis_angle_rotate(w1, upper, elb_tw[:, k])
        fold = elb_fl[:, k, None]
        fore = np.cos(fold) * upper + np.sin(fold) * w
        up[:, _J[sho]] = thorax + L['clavicle'] * _unit(out - 0.15 * U)
        up[:, _J[elb]] = up[:, _J[sho]] + L['upper_arm'] * upper
        up[:, _J[wri]] = up[:, _J[elb]] + L['forearm'] * fore
    upper_idx = [_J[n_] for n_ in ('spine', 'thorax', 'neck_nose', 'head',
                                   'left_shoulder', 'left_elbow',
                                   'left_wrist', 'right_shoulder',
                                   'right_elbow', 'right_wrist')]
    for axis, angle in ((S, lean), (F, side), (U, twist)):
        for j in upper_idx:
            up[:, j] = axis_angle_rotate(up[:, j], axis, angle)
    joints[:, upper_idx] = up[:, upper_idx]

    # face the yaw direction, stand on the floor, move to the position
    yaw_rad = np.deg2rad(yaw)
    flat = joints.reshape(-1, 3)
    joints = axis_angle_rotate(flat, np.repeat(U, 17, 0),
                               np.repeat(yaw_rad, 17)).reshape(n, 17, 3)
    ankles = joints[:, [_J['left_ankle'], _J['right_ankle']], 2].min(1)
    joints[..., 2] += (ANKLE_HEIGHT * size - ankles)[:, None]
    joints[..., :2] += pos[:, None]
    return joints


def t_pose(yaw=0.0, height=REFERENCE_HEIGHT, position=(0.0, 0.0)):
    """``(17, 3)`` T-pose: arms horizontal and straight, legs straight."""
    return make_poses(yaw, height, position, hip_abduction=4.0,
                      arm_elevation=0.0, elbow_flexion=0.0)[0]


def standing_pose(yaw=0.0, height=REFERENCE_HEIGHT, position=(0.0, 0.0)):
    """``(17, 3)`` relaxed standing pose, arms hanging slightly away from the
    body."""
    return make_poses(yaw, height, position, arm_elevation=-70.0,
                      elbow_flexion=15.0)[0]


def walking_poses(phase, yaw=0.0, height=REFERENCE_HEIGHT,
                  position=(0.0, 0.0)):
    """``(N, 17, 3)`` walking cycle at ``(N,)`` phases (radians); the arms
    swing against the legs."""
    phase = np.atleast_1d(np.asarray(phase, np.float64))
    swing = np.stack([np.sin(phase), -np.sin(phase)], -1)
    knee = 5 + 35 * np.clip(np.stack([np.cos(phase), -np.cos(phase)], -1),
                            0, None)
    return make_poses(yaw, height, position, hip_flexion=25 * swing,
                      hip_abduction=3.0, knee_flexion=knee,
                      arm_elevation=-75.0 + 8 * np.abs(swing),
                      arm_swing=-70 * swing, elbow_flexion=20 + 15 * np.abs(
                          swing), torso_lean=4.0)


def random_poses(rng, num, height_range=(1.3, 1.9), yaw_range=(0.0, 360.0),
                 position_range=0.0):
    """``(num, 17, 3)`` random but anatomically plausible poses.

    Joint angles are drawn around everyday postures (standing, walking,
    reaching, crouching) with clipped normal distributions, so extreme
    angles occur but rarely.

    Args:
        rng: ``np.random.Generator``.
        num: number of poses.
        height_range: stature in metres, uniform.
        yaw_range: facing direction in degrees, uniform.
        position_range: the root's x and y are uniform in
            ``[-position_range, position_range]`` metres.
    """
    def normal(mean, std, low, high, shape=(num, 2)):
        return np.clip(rng.normal(mean, std, shape), low, high)

    u = rng.uniform
    hip = normal(10, 25, -35, 100)
    # a knee bends more when its hip does (crouching, stepping)
    knee = np.clip(np.abs(rng.normal(0, 25, (num, 2))) + 0.6 * np.clip(
        hip, 0, None), 0, 140)
    return make_poses(
        yaw=u(*yaw_range, num), height=u(*height_range, num),
        position=u(-position_range, position_range, (num, 2)),
        hip_flexion=hip, hip_abduction=normal(8, 10, -5, 45),
        knee_flexion=knee, arm_elevation=normal(-45, 40, -90, 85),
        arm_swing=normal(30, 45, -45, 120), elbow_flexion=normal(
            35, 40, 0, 150), elbow_twist=normal(0, 35, -80, 80),
        torso_lean=normal(8, 12, -15, 60, num), torso_side=normal(
            0, 6, -20, 20, num), torso_twist=normal(0, 12, -40, 40, num),
        head_pitch=normal(5, 12, -30, 40, num))
