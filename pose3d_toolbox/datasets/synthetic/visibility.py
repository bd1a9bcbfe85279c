"""Self-occlusion of H36M-17 joints from a capsule body.

The body is a set of capsules (a segment with a radius), one per limb bone
plus a head sphere, hands and a set of torso capsules: :data:`CAPSULES`. The
same body is rasterised by :mod:`.render`.

A joint is *occluded* in a camera when the ray from the camera centre to the
joint passes through a capsule that is not part of the joint itself, in
front of the joint's own surface. "Part of the joint" means a capsule with
an end that is mainly the joint (weight >= 0.5: the bones meeting at it);
the midline joints (pelvis, spine, thorax) sit inside the torso, so no torso
capsule hides them, and likewise the head's joints and the head (limbs still
do: the near thigh hides the pelvis in a side view). The ray stops
``clearance`` before the joint: the radius of the thinnest capsule at the
joint, i.e. the joint's own surface. Joints behind the camera count as
occluded.

The soft score is a smooth function of the margin ``m`` (metres) by which
the ray dips into the deepest occluder, ``m = radius - distance(ray,
axis)``: ``score = (1 - tanh(m / soft_width)) / 2``. It is 1 for a ray far
from every occluder, 0.5 for a ray grazing one and tends to 0 deep inside;
``occluded`` is exactly ``score < 0.5``.

Example:
    >>> from pose3d_toolbox.datasets.synthetic import h36m_like_rig, t_pose
    >>> vis = joint_visibility(t_pose()[None], h36m_like_rig()[0])
    >>> vis.occluded.shape, vis.score.shape
    ((1, 17), (1, 17))
"""
from dataclasses import dataclass
from typing import NamedTuple, Tuple

import numpy as np

from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.utils.camera import world_to_camera
from .poses import t_pose

#: Body parts; the renderer colours capsules by part.
PARTS = ('torso', 'head', 'left_arm', 'right_arm', 'left_leg', 'right_leg')

# (name, end a, end b, radius in metres for a 1.72 m adult, part).
# An end is a joint name or a {joint: weight} linear combination of joints
# (weights sum to 1): the head sphere's centre, the hands' tips, the torso's
# columns. A capsule is attached to the joints weighing at least
# ``_ATTACH_WEIGHT`` at one of its ends.
#
# The spine bones are modelled as two columns (left and right of the spine,
# belly then chest) so the torso's cross-section is wider than deep; a single
# round capsule as wide as a torso would be as deep as it is wide and would
# hide the far hip and shoulder in three-quarter views.
_HEAD_CENTRE = {'neck_nose': 0.4, 'head': 0.6}


def _columns(side):
    waist = {'pelvis': 0.5, f'{side}_hip': 0.5}
    ribs = {'spine': 1.0, f'{side}_shoulder': 0.45, 'thorax': -0.45}
    chest = {'thorax': 0.2, f'{side}_shoulder': 0.45, 'spine': 0.35}
    return ((f'{side}_belly', waist, ribs, 0.085, 'torso'),
            (f'{side}_chest', ribs, chest, 0.09, 'torso'))


CAPSULES = (
    ('pelvis_right_hip', 'pelvis', 'right_hip', 0.08, 'torso'),
    ('pelvis_left_hip', 'pelvis', 'left_hip', 0.08, 'torso'),
    *_columns('right'), *_columns('left'),
    ('thorax_right_shoulder', 'thorax', 'right_shoulder', 0.06, 'torso'),
    ('thorax_left_shoulder', 'thorax', 'left_shoulder', 0.06, 'torso'),
    ('neck', 'thorax', 'neck_nose', 0.05, 'head'),
    ('head', _HEAD_CENTRE, _HEAD_CENTRE, 0.1, 'head'),
    ('right_thigh', 'right_hip', 'right_knee', 0.07, 'right_leg'),
    ('right_shin', 'right_knee', 'right_ankle', 0.05, 'right_leg'),
    ('left_thigh', 'left_hip', 'left_knee', 0.07, 'left_leg'),
    ('left_shin', 'left_knee', 'left_ankle', 0.05, 'left_leg'),
    ('right_upper_arm', 'right_shoulder', 'right_elbow', 0.045, 'right_arm'),
    ('right_forearm', 'right_elbow', 'right_wrist', 0.037, 'right_arm'),
    ('right_hand', 'right_wrist', {'right_wrist': 1.3, 'right_elbow': -0.3},
     0.035, 'right_arm'),
    ('left_upper_arm', 'left_shoulder', 'left_elbow', 0.045, 'left_arm'),
    ('left_forearm', 'left_elbow', 'left_wrist', 0.037, 'left_arm'),
    ('left_hand', 'left_wrist', {'left_wrist': 1.3, 'left_elbow': -0.3},
     0.035, 'left_arm'),
)
_ATTACH_WEIGHT = 0.5
# Joints inside a part's volume: no capsule of that part hides them.
_INTERIOR = {'pelvis': 'torso', 'spine': 'torso', 'thorax': 'torso',
             'neck_nose': 'head', 'head': 'head'}
# Joint chain whose length measures body size: one leg, spine, neck, head.
# (the two legs count half each)
_SIZE_CHAIN = ((1, 2), (2, 3), (4, 5), (5, 6), (0, 7), (7, 8), (8, 9),
               (9, 10))
_SIZE_WEIGHTS = np.array([.5, .5, .5, .5, 1, 1, 1, 1])


@dataclass(frozen=True)
class CapsuleBody:
    """The capsule table resolved against a skeleton (arrays, not names).

    Attributes:
        names: ``C`` capsule names.
        ends: ``(2, C, J)`` weights; capsule ends are ``ends @ joints``.
        radii: ``(C,)`` radii in metres at ``reference_size``.
        parts: ``(C,)`` index into :data:`PARTS`.
        exempt: ``(J, C)`` True where capsule ``c`` never hides joint ``j``.
        clearance: ``(J,)`` radius of the thinnest capsule at each joint.
        reference_size: :meth:`size` of the person the radii were set for.
    """
    names: Tuple[str, ...]
    ends: np.ndarray
    radii: np.ndarray
    parts: np.ndarray
    exempt: np.ndarray
    clearance: np.ndarray
    reference_size: float

    @classmethod
    def from_table(cls, capsules=CAPSULES, skeleton=H36M):
        J, C = skeleton.num_joints, len(capsules)
        ends = np.zeros((2, C, J))
        for c, capsule in enumerate(capsules):
            for e, end in enumerate(capsule[1:3]):
                end = {end: 1.0} if isinstance(end, str) else end
                for name, weight in end.items():
                    ends[e, c, skeleton.index(name)] = weight
        parts = np.array([PARTS.index(c[4]) for c in capsules])
        radii = np.array([c[3] for c in capsules], np.float64)
        attached = (np.abs(ends) >= _ATTACH_WEIGHT).any(0).T  # (J, C)
        exempt = attached.copy()
        for name, part in _INTERIOR.items():
            exempt[skeleton.index(name)] |= parts == PARTS.index(part)
        clearance = np.where(attached, radii, np.inf).min(1)
        body = cls(tuple(c[0] for c in capsules), ends, radii, parts, exempt,
                   clearance, 1.0)
        reference = float(body.size(t_pose()[None])[0])
        return cls(body.names, ends, radii, parts, exempt, clearance,
                   reference)

    def endpoints(self, joints):
        """``(..., J, 3)`` joints -> two ``(..., C, 3)`` arrays of ends."""
        return self.ends[0] @ joints, self.ends[1] @ joints

    def size(self, joints):
        """``(T, J, 3)`` joints -> ``(T,)`` length of one leg (averaged over
        both) plus spine, neck and head, metres."""
        idx = np.array(_SIZE_CHAIN)
        bones = np.linalg.norm(joints[:, idx[:, 0]] - joints[:, idx[:, 1]],
                               axis=-1)
        return bones @ _SIZE_WEIGHTS

    def radius_scale(self, joints, radius_scale='auto'):
        """Factor for :attr:`radii`: ``'auto'`` scales them with the median
        body size of the ``(T, J, 3)`` sequence (clipped to 0.5..1.5), a
        number is used as is."""
        if radius_scale != 'auto':
            return float(radius_scale)
        size = np.median(self.size(joints)) / self.reference_size
        return float(np.clip(size, 0.5, 1.5))


BODY = CapsuleBody.from_table()


class Visibility(NamedTuple):
    """Per-joint visibility in one camera, arrays of shape ``(T, J)``.

    ``occluded``: bool, hidden behind another body part or behind the
    camera. ``score``: float in ``[0, 1]``, 1 visible, ``score < 0.5`` exactly
    where ``occluded``. ``occluder``: index into the capsule table of the
    deepest occluder, -1 where none.
    """
    occluded: np.ndarray
    score: np.ndarray
    occluder: np.ndarray


def segment_distance(p0, p1, q0, q1, eps=1e-12):
    """Shortest distance between segments ``[p0, p1]`` and ``[q0, q1]``.

    All inputs ``(..., 3)`` and broadcast; a segment may be a point. The
    closest pair minimises over both segment parameters, clamped to
    ``[0, 1]``.
    """
    u, v, w = p1 - p0, q1 - q0, p0 - q0
    a, b, e = (u * u).sum(-1), (u * v).sum(-1), (v * v).sum(-1)
    c, f = (u * w).sum(-1), (v * w).sum(-1)
    safe_a, safe_e = np.maximum(a, eps), np.maximum(e, eps)
    # general case: closest points of the two lines, s clamped (s = 0 for
    # parallel lines), then t clamped and s recomputed for the clamped t
    denom = a * e - b * b
    s = np.where(denom > eps * a * e,
                 np.clip((b * f - c * e) / np.maximum(denom, eps), 0, 1), 0)
    t = (b * s + f) / safe_e
    s = np.where(t < 0, np.clip(-c / safe_a, 0, 1),
                 np.where(t > 1, np.clip((b - c) / safe_a, 0, 1), s))
    t = np.clip(t, 0, 1)
    # degenerate segments: q a point (t = 0), p a point (s = 0)
    s = np.where(e > eps, s, np.clip(-c / safe_a, 0, 1))
    t = np.where(e > eps, t, 0.0)
    t = np.where(a > eps, t, np.where(e > eps, np.clip(f / safe_e, 0, 1),
                                      0.0))
    s = np.where(a > eps, s, 0.0)
    gap = w + s[..., None] * u - t[..., None] * v
    return np.sqrt((gap * gap).sum(-1))


def joint_visibility(keypoints_3d, camera=None, body=BODY,
                     radius_scale='auto', soft_width=0.02):
    """Which joints the capsule body hides from a camera.

    Args:
        keypoints_3d: ``(T, J, 3)`` or ``(J, 3)`` joints in metres: world
            coordinates when ``camera`` is given, camera coordinates (camera
            centre at the origin) otherwise.
        camera: camera dict (``R``, ``T``) or None.
        body: the capsule body, :data:`BODY` by default.
        radius_scale: ``'auto'`` (radii follow the person's size) or a
            factor.
        soft_width: metres of margin over which the score falls from about
            0.88 to 0.12 (see the module docstring).

    Returns:
        :class:`Visibility` with ``(T, J)`` arrays (``(J,)`` for a single
        pose).
    """
    pts = np.asarray(keypoints_3d, np.float64)
    single = pts.ndim == 2
    pts = pts[None] if single else pts
    if pts.shape[-2:] != (body.exempt.shape[0], 3):
        raise ValueError(f'joint_visibility: keypoints_3d has shape '
                         f'{np.shape(keypoints_3d)}, expected (T, '
                         f'{body.exempt.shape[0]}, 3) in the H36M-17 order')
    if camera is not None:
        pts = world_to_camera(pts, camera['R'], camera['T'])
    scale = body.radius_scale(pts, radius_scale)
    a, b = body.endpoints(pts)                               # (T, C, 3)
    dist = np.linalg.norm(pts, axis=-1)                      # (T, J)
    stop = np.clip(1 - body.clearance * scale / np.maximum(dist, 1e-9), 0, 1)
    ray_end = pts * stop[..., None]
    gap = segment_distance(np.zeros(3), ray_end[:, :, None], a[:, None],
                           b[:, None])                        # (T, J, C)
    margin = np.where(body.exempt, -np.inf, body.radii * scale - gap)
    deepest = margin.argmax(-1)
    margin = np.take_along_axis(margin, deepest[..., None], -1)[..., 0]
    score = 0.5 * (1 - np.tanh(margin / soft_width))
    score = np.where(pts[..., 2] > 0, score, 0.0)
    occluded = score < 0.5
    occluder = np.where(occluded & (pts[..., 2] > 0), deepest, -1)
    out = Visibility(occluded, score, occluder)
    return Visibility(*(x[0] for x in out)) if single else out
