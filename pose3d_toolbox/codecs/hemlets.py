"""HEMlets: part-centric heatmap triplets (Zhou et al., ICCV 2019, Sec. 3.1).

For each of the ``K`` body parts ``B_k = (p, c)`` of the skeleton
(:attr:`~pose3d_toolbox.skeletons.Skeleton.parts`, parent first) the target
is a stack of ``S`` heatmaps (Eq. 2, ``S = 3``:
``T_k = Stack[T_k^-1, T_k^0, T_k^+1]``), each holding Gaussian peaks of
height 1 (:func:`~.heatmap.gaussian_heatmaps`, ``sigma`` heatmap pixels) at
the 2D locations of the part's joints; two peaks in one map are combined by
their maximum, so every peak keeps height 1.

Depth state (Eq. 1), camera frame (z forward, so a *smaller* z is
*closer*): ``r(z_p, z_c) = +1`` if ``z_p - z_c > eps_k`` (the child is
closer than the parent), ``-1`` if ``z_p - z_c < -eps_k`` (the child is
farther), else 0, with ``eps_k = 0.5 |B_k|`` (the part's 3D length, Sec.
3.2 "Implementation details"). A difference of exactly ``eps_k`` is 0 (Eq.
1 leaves it open). The depths are those of ``keypoints_3d_crop``
(:class:`~pose3d_toolbox.datasets.transforms.TopdownAffine`), whose z is the
camera z (the crop turns the pose about the optical axis only).

Placement, per ``variant`` (Sec. 3.1 and Sec. 4.3 "Variants of HEMlets"):

- ``'hemlets'`` (``S = 3``): the parent always in the zero map ``T^0``;
  the child in ``T^{r}`` (``T^+1`` when closer, ``T^-1`` when farther,
  ``T^0`` beside the parent when roughly level).
- ``'2s'`` (2s-HEM, ``S = 3``): "the closer/farther joint will appear in
  the positive/negative polarity heatmap"; both in ``T^0`` when ``r = 0``.
  So for ``r = +1`` the child is in ``T^+1`` and the *parent* in
  ``T^-1``; for ``r = -1`` the other way round. The parent is no longer an
  anchor: when both joints project to the same pixel the two maps show the
  same blob and the order cannot be read back (:func:`decode_part_states`
  returns 0 there).
- ``'5s'`` (5s-HEM, ``S = 5``): the parent in the middle map, the child in
  one of five maps by the angle ``theta = asin((z_p - z_c) / |B_k|)`` of
  the part to the image plane (taken as the plane ``z = const`` of the
  camera): ``(-90, -60)``, ``(-60, -30)``, ``(-30, 30)``, ``(30, 60)``,
  ``(60, 90)`` degrees -> states ``-2 .. +2``. ``|theta| > 30 deg`` is
  exactly ``|z_p - z_c| > 0.5 |B_k|``, so the sign of a 5s state is the
  3-state ``r`` of Eq. 1.

All variants use one rule: with fractions ``t_1 < ... < t_m`` of the part
length (``(0.5,)`` for 3 states, ``(sin 30, sin 60)`` for 5), the state is
``#{i: dz > t_i |B|} - #{i: dz < -t_i |B|}`` for ``dz = z_p - z_c``; map
index ``state + m`` (so ``0`` is the most negative map, Eq. 2's order).

Annotation mask ``A`` of Eq. 3 (:data:`HEMLETS_WEIGHT`, ``(K,)``): a part is
supervised when the sample has 3D (its ``has_3d`` is not false and it
carries ``keypoints_3d_crop``) and both its joints have 2D heatmap weight
1 (labelled and inside the heatmap, the ``target_weight`` of
:class:`~.heatmap.GaussianHeatmapCodec`). A 2D-only sample (MPII)
has no depth, so *none* of its triplet maps is known: even the zero map
holds the child iff ``r = 0``, so all three maps of every part are masked
out and such samples train through ``L^2D`` (Eq. 4) and the x, y of
``L^3D`` only, as Sec. 3.2 "Training strategy" describes (HEMlets need
"exact 3D joint coordinates or relative depth ordering").

Decoding (:func:`decode_part_states`): the child is in exactly one map, so
each map is read (bilinearly) at the child's 2D location; where the parent
shares a map the parent's expected share, its own peak value times the
Gaussian fall-off ``exp(-d^2 / 2 sigma^2)`` over the parent-child distance
``d``, is taken off first, since a foreshortened part (``|r| = 1``) puts
the parent's peak next to the child. See the function for the exact rule.
"""
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np

from pose3d_toolbox.registry import KEYPOINT_CODECS
from pose3d_toolbox.skeletons import Skeleton, get_skeleton
from .heatmap import (KEYPOINTS_2D_TARGET, GaussianHeatmapCodec,
                      gaussian_heatmaps, refine_argmax)
from .base import TARGET_WEIGHT

#: ``(K, S, h, w)`` float32 target triplets (Eq. 2), parts in skeleton order.
HEMLETS_TRIPLETS = 'hemlets_triplets'
#: ``(K,)`` float32 annotation mask ``A`` of Eq. 3 (per part).
HEMLETS_WEIGHT = 'hemlets_weight'
#: ``(K,)`` int8 ground-truth depth states of the parts (0 when unknown).
PART_DEPTH_STATES = 'part_depth_states'
#: ``(K,)`` int8 depth order ``r`` of Eq. 1, the sign of the states.
PART_DEPTH_ORDER = 'part_depth_order'

#: variant -> fractions of the part length at which the state changes.
VARIANT_FRACTIONS = {
    'hemlets': (0.5, ),
    '2s': (0.5, ),
    '5s': (float(np.sin(np.deg2rad(30))), float(np.sin(np.deg2rad(60)))),
}


def _check_variant(variant: str) -> Tuple[float, ...]:
    if variant not in VARIANT_FRACTIONS:
        raise ValueError(f'HEMlets variant must be one of '
                         f'{sorted(VARIANT_FRACTIONS)}, got {variant!r}')
    return VARIANT_FRACTIONS[variant]


def num_states(variant: str) -> int:
    """Maps per part ``S``: 3 for ``'hemlets'`` and ``'2s'``, 5 for
    ``'5s'``."""
    return 2 * len(_check_variant(variant)) + 1


def part_depth_states(keypoints_3d, parts: Sequence[Tuple[int, int]],
                      variant: str = 'hemlets') -> np.ndarray:
    """Depth state of every part (Eq. 1; 5s-HEM's angle bins for ``'5s'``).

    Args:
        keypoints_3d: ``(..., J, 3)`` camera-frame joints (z forward).
        parts: ``K`` ``(parent, child)`` joint pairs.
        variant: ``'hemlets'``, ``'2s'`` (both: -1/0/+1 with
            ``eps_k = 0.5 |B_k|``) or ``'5s'`` (-2..+2 at 30 and 60 deg).

    Returns:
        ``(..., K)`` int8 states: positive when the child is closer to the
        camera than the parent (``z_p - z_c > eps_k``), negative when
        farther, 0 within ``eps_k`` (and for a zero-length part).
    """
    fractions = _check_variant(variant)
    kp = np.asarray(keypoints_3d, np.float64)
    idx = np.asarray(parts, np.int64).reshape(-1, 2)
    parent, child = kp[..., idx[:, 0], :], kp[..., idx[:, 1], :]
    dz = parent[..., 2] - child[..., 2]
    length = np.linalg.norm(parent - child, axis=-1)
    state = np.zeros(dz.shape, np.int64)
    for t in fractions:
        state += (dz > t * length).astype(np.int64)
        state -= (dz < -t * length).astype(np.int64)
    return state.astype(np.int8)


def state_map_indices(states, variant: str = 'hemlets'
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """Map index of each part's parent and child (``0 .. S-1``, ``S // 2``
    is the zero map) for ``(..., K)`` states; see the module docstring."""
    states = np.asarray(states, np.int64)
    mid = num_states(variant) // 2
    child = states + mid
    if variant == '2s':
        parent = mid - states
    else:
        parent = np.full_like(states, mid)
    return parent, child


def triplet_heatmaps(keypoints_2d, states, parts: Sequence[Tuple[int, int]],
                     heatmap_size: Sequence[int], sigma: float,
                     variant: str = 'hemlets') -> np.ndarray:
    """The HEMlets of one sample (Eq. 2).

    Args:
        keypoints_2d: ``(J, 2)`` heatmap pixels.
        states: ``(K,)`` part states (:func:`part_depth_states`).
        parts: ``K`` ``(parent, child)`` pairs.
        heatmap_size: ``(w, h)``.
        sigma: Gaussian standard deviation, heatmap pixels.
        variant: see the module docstring.

    Returns:
        ``(K, S, h, w)`` float32: map ``s`` of part ``k`` holds the part's
        joints whose map index (:func:`state_map_indices`) is ``s``, as
        Gaussians of peak 1 combined by their maximum; other maps are 0.
    """
    S = num_states(variant)
    idx = np.asarray(parts, np.int64).reshape(-1, 2)
    states = np.asarray(states, np.int64).reshape(-1)
    if len(states) != len(idx):
        raise ValueError(f'triplet_heatmaps: {len(states)} states for '
                         f'{len(idx)} parts')
    w, h = (int(s) for s in heatmap_size)
    g = gaussian_heatmaps(np.asarray(keypoints_2d, np.float64), (w, h),
                          sigma)
    out = np.zeros((len(idx), S, h, w), np.float32)
    parent_map, child_map = state_map_indices(states, variant)
    k = np.arange(len(idx))
    out[k, parent_map] = g[idx[:, 0]]
    out[k, child_map] = np.maximum(out[k, child_map], g[idx[:, 1]])
    return out


def _read(maps: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Bilinear values of ``(N, K, S, h, w)`` maps at ``(N, K, 2)`` points
    (x, y heatmap pixels, clamped to the map) -> ``(N, K, S)``."""
    N, K, S, h, w = maps.shape
    x = np.clip(points[..., 0], 0, w - 1)
    y = np.clip(points[..., 1], 0, h - 1)
    x0 = np.clip(np.floor(x).astype(np.int64), 0, max(w - 2, 0))
    y0 = np.clip(np.floor(y).astype(np.int64), 0, max(h - 2, 0))
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]
    n, k = np.meshgrid(np.arange(N), np.arange(K), indexing='ij')

    def at(yy, xx):
        return maps[n, k, :, yy, xx]  # (N, K, S)

    return ((1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1))
            + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1)))


def decode_part_states(triplets, keypoints_2d,
                       parts: Sequence[Tuple[int, int]], sigma: float,
                       variant: str = 'hemlets') -> np.ndarray:
    """Depth states from predicted triplets: which map holds the child.

    Let ``T_s(q)`` be map ``s`` of a part read bilinearly at point ``q``,
    ``c`` and ``p`` the child's and parent's 2D locations, ``d = |c - p|``
    and ``g = exp(-d^2 / (2 sigma^2))`` (the parent peak's height at the
    child). Evidence for state ``s``:

    - ``'hemlets'``, ``'5s'`` (parent always in the middle map ``m``):
      ``e_s = T_s(c)`` for ``s != m``, ``e_m = max(T_m(c) - g T_m(p), 0)``
      (the middle map's value at the child less the parent's share);
    - ``'2s'`` (the parent sits in the map opposite the child's):
      ``e_s = T_s(c) + T_{2m - s}(p)``.

    The state is ``argmax_s e_s``, or 0 when the largest evidence is tied
    (no evidence at all, or a 2s-HEM part whose joints share a pixel:
    ``e_{+1} = e_{-1}``). On encoded targets this
    returns the encoded states exactly (tested), for ``'2s'`` except when
    the joints coincide.

    Args:
        triplets: ``(N, K, S, h, w)`` (or ``(K, S, h, w)``) maps.
        keypoints_2d: ``(N, J, 2)`` (or ``(J, 2)``) heatmap pixels of the
            joints, e.g. the 2D heatmaps' maxima.
        parts, sigma, variant: as :func:`triplet_heatmaps`.

    Returns:
        ``(N, K)`` (or ``(K,)``) int8 states, ``-(S // 2) .. S // 2``.
    """
    maps = np.asarray(triplets, np.float64)
    kp = np.asarray(keypoints_2d, np.float64)
    single = maps.ndim == 4
    if single:
        maps, kp = maps[None], kp[None]
    S = num_states(variant)
    idx = np.asarray(parts, np.int64).reshape(-1, 2)
    if maps.ndim != 5 or maps.shape[1:3] != (len(idx), S) or \
            kp.shape[0] != maps.shape[0]:
        raise ValueError(
            f'decode_part_states: expected (N, {len(idx)}, {S}, h, w) '
            f'triplets and (N, J, 2) keypoints for variant {variant!r}, got '
            f'{np.shape(triplets)} and {np.shape(keypoints_2d)}')
    mid = S // 2
    child, parent = kp[:, idx[:, 1]], kp[:, idx[:, 0]]
    at_child, at_parent = _read(maps, child), _read(maps, parent)
    if variant == '2s':
        evidence = at_child + at_parent[..., ::-1]
    else:
        d2 = ((child - parent)**2).sum(-1)
        share = np.exp(-d2 / (2 * float(sigma)**2))
        evidence = at_child.copy()
        evidence[..., mid] = np.maximum(
            at_child[..., mid] - share * at_parent[..., mid], 0)
    # a tie for the largest evidence is no evidence: the middle state
    best = np.argmax(evidence, axis=-1)
    ties = (evidence == evidence.max(-1, keepdims=True)).sum(-1) > 1
    states = np.where(ties, 0, best - mid).astype(np.int8)
    return states[0] if single else states


def ordinal_accuracy(pred_states, gt_states, weight=None
                     ) -> Tuple[np.ndarray, float]:
    """Per-part accuracy of predicted depth order against the ground truth.

    Compares the depth order ``r`` of Eq. 1 (the sign of the states, so
    5s-HEM states are scored on the same -1/0/+1 scale).

    Args:
        pred_states, gt_states: ``(N, K)`` integer states.
        weight: optional ``(N, K)``, 0 for parts without ground truth (e.g.
            :data:`HEMLETS_WEIGHT`).

    Returns:
        ``per_part`` ``(K,)`` accuracy (NaN for a part never weighted) and
        the weighted mean over all parts and samples (NaN if none).
    """
    pred = np.sign(np.asarray(pred_states, np.int64))
    gt = np.sign(np.asarray(gt_states, np.int64))
    if pred.shape != gt.shape or pred.ndim != 2:
        raise ValueError(f'ordinal_accuracy: expected two (N, K) arrays, '
                         f'got {pred.shape} and {gt.shape}')
    w = np.ones(gt.shape) if weight is None else np.asarray(weight,
                                                           np.float64)
    hit = (pred == gt) * w
    with np.errstate(invalid='ignore', divide='ignore'):
        per_part = hit.sum(0) / w.sum(0)
        overall = hit.sum() / w.sum()
    return per_part, float(overall)


def part_flip_indices(skeleton: Union[str, Skeleton]) -> np.ndarray:
    """Permutation ``perm`` of the parts under a horizontal flip:
    ``flipped = triplets[perm]`` (left and right parts swap; depth states
    do not change since a mirror keeps z)."""
    skel = get_skeleton(skeleton)
    parts = [tuple(p) for p in skel.parts]
    joint_perm = skel.flip_indices
    index = {part: k for k, part in enumerate(parts)}
    perm = []
    for p, c in parts:
        mirrored = (int(joint_perm[p]), int(joint_perm[c]))
        if mirrored not in index:
            raise ValueError(f'skeleton {skel.name!r}: part {(p, c)} mirrors '
                             f'to {mirrored}, which is not a part; list both '
                             "sides in extras['hemlets_parts']")
        perm.append(index[mirrored])
    return np.asarray(perm, np.int64)


@KEYPOINT_CODECS.register_module()
class HEMletsCodec(GaussianHeatmapCodec):
    """2D heatmaps (Eq. 4) and HEMlets (Eq. 1-3) of a top-down sample.

    Encode reads ``keypoints_2d_crop`` ``(J, 2)`` input pixels (and
    ``keypoints_valid``) like :class:`GaussianHeatmapCodec`, whose fields it
    writes too (``heatmaps``, ``keypoints_2d_target``, ``target_weight``:
    the ``N`` 2D heatmaps of Eq. 4), and ``keypoints_3d_crop`` ``(J, 3)`` and
    ``has_3d`` for the depth states. It adds:

    - :data:`HEMLETS_TRIPLETS` ``(K, S, h, w)`` float32 (all zero for
      samples without 3D);
    - :data:`HEMLETS_WEIGHT` ``(K,)`` float32, the mask ``A`` of Eq. 3;
    - :data:`PART_DEPTH_STATES` ``(K,)`` int8 (0 without 3D; check the
      weight).

    Decode: the HEMlets branch's output ``(N, K*S + J, h, w)``, channels
    ``[part 0 states -m..m, part 1 ..., then the J 2D heatmaps]`` (the
    layout of :class:`~pose3d_toolbox.models.heads.HEMletsNet`'s
    ``maps``) -> the 2D keypoints of the heatmaps (as
    :class:`GaussianHeatmapCodec`) and, read at them, ``part_depth_states``
    and ``part_depth_order`` ``(N, K)`` (:func:`decode_part_states`).

    Args:
        variant: ``'hemlets'`` (default), ``'2s'`` or ``'5s'`` (Sec. 4.3).
        input_size, heatmap_size, sigma: as :class:`GaussianHeatmapCodec`;
            the triplets use the same ``sigma``.
        skeleton: needs ``parts`` (default ``'hemlets'``: 18 joints, 14
            parts).
    """

    sample_kind = 'topdown_hemlets'
    target_key = HEMLETS_TRIPLETS

    def __init__(self, variant: str = 'hemlets',
                 input_size: Sequence[int] = (256, 256),
                 heatmap_size: Sequence[int] = (64, 64), sigma: float = 2.0,
                 skeleton: Union[str, Skeleton] = 'hemlets'):
        super().__init__(input_size, heatmap_size, sigma, skeleton)
        _check_variant(variant)
        self.variant = variant
        self.parts = self.skeleton.parts
        self.num_parts = len(self.parts)
        self.num_states = num_states(variant)

    @property
    def num_maps(self) -> int:
        """Channels of the HEMlets branch: ``K * S + J``."""
        return self.num_parts * self.num_states + self.num_keypoints

    def encode(self, sample: Dict) -> Dict[str, np.ndarray]:
        kp = sample.get('keypoints_2d_crop')
        if kp is not None and np.shape(kp)[-2] != self.num_keypoints:
            raise ValueError(
                f'{type(self).__name__}: keypoints_2d_crop has '
                f'{np.shape(kp)[-2]} joints but skeleton '
                f'{self.skeleton.name!r} has {self.num_keypoints}; put '
                f"dict(type='ExtendSkeleton', skeleton="
                f"'{self.skeleton.name}') first in the pipeline")
        out = super().encode(sample)
        K = self.num_parts
        kp3d = sample.get('keypoints_3d_crop')
        has_3d = bool(sample.get('has_3d', True)) and kp3d is not None
        if has_3d:
            kp3d = np.asarray(kp3d, np.float64)
            self._check(kp3d, 'keypoints_3d_crop')
            states = part_depth_states(kp3d, self.parts, self.variant)
            triplets = triplet_heatmaps(out[KEYPOINTS_2D_TARGET], states,
                                        self.parts, self.heatmap_size,
                                        self.sigma, self.variant)
            idx = np.asarray(self.parts)
            weight = (out[TARGET_WEIGHT][idx[:, 0]]
                      * out[TARGET_WEIGHT][idx[:, 1]]).astype(np.float32)
        else:
            w, h = self.heatmap_size
            states = np.zeros(K, np.int8)
            triplets = np.zeros((K, self.num_states, h, w), np.float32)
            weight = np.zeros(K, np.float32)
        out.update({HEMLETS_TRIPLETS: triplets, HEMLETS_WEIGHT: weight,
                    PART_DEPTH_STATES: states})
        return out

    def split_maps(self, maps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """``(N, K*S + J, h, w)`` -> triplets ``(N, K, S, h, w)`` and 2D
        heatmaps ``(N, J, h, w)``."""
        maps = np.asarray(maps)
        if maps.ndim != 4 or maps.shape[1] != self.num_maps:
            raise ValueError(
                f'{type(self).__name__}: expected (N, {self.num_maps}, h, w) '
                f'maps ({self.num_parts} parts x {self.num_states} states + '
                f'{self.num_keypoints} heatmaps), got {maps.shape}')
        n = self.num_parts * self.num_states
        triplets = maps[:, :n].reshape(maps.shape[0], self.num_parts,
                                       self.num_states, *maps.shape[2:])
        return triplets, maps[:, n:]

    def decode(self, outputs: np.ndarray, metas: List[Dict]) -> Dict:
        triplets, heatmaps = self.split_maps(outputs)
        coords, scores = refine_argmax(heatmaps)
        out = self.decode_coords(coords, metas)
        out['keypoint_scores'] = scores.astype(np.float32)
        states = decode_part_states(triplets, coords, self.parts, self.sigma,
                                    self.variant)
        out[PART_DEPTH_STATES] = states
        out[PART_DEPTH_ORDER] = np.sign(states).astype(np.int8)
        return out


__all__ = ['HEMLETS_TRIPLETS', 'HEMLETS_WEIGHT', 'PART_DEPTH_STATES',
           'PART_DEPTH_ORDER', 'VARIANT_FRACTIONS', 'HEMletsCodec',
           'num_states', 'part_depth_states', 'state_map_indices',
           'triplet_heatmaps', 'decode_part_states', 'ordinal_accuracy',
           'part_flip_indices']
