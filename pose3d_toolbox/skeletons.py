"""Skeleton definitions: the one place that knows joints, parents and bones.

Every codec, transform, metric and visualizer reads joint facts from here.
Joint order follows ``../shared/docs/methods.md`` (VideoPose3D / MMPose
Human3.6M order). Per-method data (HEMlets parts, ElePose bone priors, ...)
lives in :attr:`Skeleton.extras` so a method adds facts without new classes.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

import numpy as np


@dataclass(frozen=True)
class Skeleton:
    """A kinematic tree of ``J`` joints.

    Args:
        name: key under which :func:`get_skeleton` finds it.
        joint_names: ``J`` names; ``left_*``/``right_*`` (or ``l_``/``r_``)
            prefixes define the left/right swap pairs.
        parents: ``J`` parent indices, ``-1`` for the root.
        extras: per-method facts (e.g. ``hemlets_parts``).
    """
    name: str
    joint_names: Tuple[str, ...]
    parents: Tuple[int, ...]
    extras: Dict[str, object] = field(default_factory=dict)

    def __post_init__(self):
        if len(self.joint_names) != len(self.parents):
            raise ValueError(
                f'skeleton {self.name!r}: {len(self.joint_names)} joint names '
                f'but {len(self.parents)} parents')
        roots = [i for i, p in enumerate(self.parents) if p < 0]
        if len(roots) != 1:
            raise ValueError(f'skeleton {self.name!r} needs exactly one root '
                             f'(parent -1), found {roots}')
        self.kinematic_order  # raises on a cycle

    @property
    def kinematic_order(self) -> List[int]:
        """Joint indices ordered so every parent precedes its children."""
        order, done = [], set()
        while len(order) < self.num_joints:
            ready = [j for j, p in enumerate(self.parents)
                     if j not in done and (p < 0 or p in done)]
            if not ready:
                raise ValueError(f'skeleton {self.name!r}: parents '
                                 f'{self.parents} contain a cycle')
            order += ready
            done.update(ready)
        return order

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def root_index(self) -> int:
        return self.parents.index(-1)

    @property
    def bones(self) -> List[Tuple[int, int]]:
        """``J - 1`` (child, parent) pairs in joint order."""
        return [(c, p) for c, p in enumerate(self.parents) if p >= 0]

    @property
    def flip_pairs(self) -> List[Tuple[int, int]]:
        """(left, right) index pairs swapped by a horizontal flip."""
        index = {n: i for i, n in enumerate(self.joint_names)}
        pairs = []
        for i, n in enumerate(self.joint_names):
            for left, right in (('left_', 'right_'), ('l_', 'r_')):
                if n.startswith(left) and right + n[len(left):] in index:
                    pairs.append((i, index[right + n[len(left):]]))
        return pairs

    @property
    def flip_indices(self) -> np.ndarray:
        """Permutation ``perm`` such that ``flipped = joints[perm]``."""
        perm = np.arange(self.num_joints)
        for a, b in self.flip_pairs:
            perm[a], perm[b] = b, a
        return perm

    def index(self, joint_name: str) -> int:
        try:
            return self.joint_names.index(joint_name)
        except ValueError:
            raise KeyError(f'skeleton {self.name!r} has no joint '
                           f'{joint_name!r}; joints: {self.joint_names}')


H36M_JOINTS = ('pelvis', 'right_hip', 'right_knee', 'right_ankle', 'left_hip',
               'left_knee', 'left_ankle', 'spine', 'thorax', 'neck_nose',
               'head', 'left_shoulder', 'left_elbow', 'left_wrist',
               'right_shoulder', 'right_elbow', 'right_wrist')
H36M_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)

H36M = Skeleton('h36m', H36M_JOINTS, H36M_PARENTS)

# HEMlets: the 17 Human3.6M joints plus joint 17, the shoulder midpoint. Its
# 14 parts follow the decision in methods.md (no public code lists them):
# 8 limb bones, pelvis->hips, pelvis->spine, spine->thorax and the midpoint
# to both shoulders. Each part is (parent, child).
HEMLETS = Skeleton(
    'hemlets', H36M_JOINTS + ('shoulder_mid', ), H36M_PARENTS + (8, ),
    extras=dict(hemlets_parts=(
        (1, 2), (2, 3), (4, 5), (5, 6),          # legs
        (11, 12), (12, 13), (14, 15), (15, 16),  # arms
        (0, 1), (0, 4), (0, 7), (7, 8),          # torso
        (17, 11), (17, 14)),                     # shoulders
        evaluated_joints=tuple(range(17))))

# MPI-INF-3DHP in MMPose's 17-joint order; the root (pelvis) is joint 14.
MPI_INF_3DHP = Skeleton(
    'mpi_inf_3dhp',
    ('head_top', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist',
     'left_shoulder', 'left_elbow', 'left_wrist', 'right_hip', 'right_knee',
     'right_ankle', 'left_hip', 'left_knee', 'left_ankle', 'pelvis', 'spine',
     'head'),
    (16, 15, 1, 2, 3, 1, 5, 6, 14, 8, 9, 14, 11, 12, -1, 14, 1))

SKELETONS = {s.name: s for s in (H36M, HEMLETS, MPI_INF_3DHP)}


def get_skeleton(skeleton) -> Skeleton:
    """Return a :class:`Skeleton` given itself or its name."""
    if isinstance(skeleton, Skeleton):
        return skeleton
    if skeleton not in SKELETONS:
        raise KeyError(f'unknown skeleton {skeleton!r}; known: '
                       f'{sorted(SKELETONS)}')
    return SKELETONS[skeleton]
