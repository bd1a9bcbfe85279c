"""Functional metrics against hand-computed values and identities.

Poses are in metres, errors in millimetres (PCK/AUC in percent).
"""
import functools
import warnings

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from pose3d_toolbox.evaluation.functional import (
    AUC_THRESHOLDS, CPS_THRESHOLDS_MM, align_root, auc_3d, cps,
    cps_from_errors, fraction_within, joint_errors, mpjpe, mrpe, n_mpjpe,
    optimal_scale, pa_joint_errors, pa_mpjpe, pck_3d, procrustes_align)


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        yield


def random_poses(n, j=17, seed=0):
    return np.random.default_rng(seed).normal(scale=0.3, size=(n, j, 3))


def similarity(poses, seed=1, mirror=False):
    """Rotate, scale and shift each pose randomly; optionally mirror."""
    n = len(poses)
    rng = np.random.default_rng(seed)
    rot = Rotation.random(n, random_state=seed).as_matrix()
    if mirror:
        poses = poses * np.array([-1.0, 1.0, 1.0])
    scale = rng.uniform(0.5, 3.0, size=n)
    shift = rng.normal(size=(n, 1, 3))
    return scale[:, None, None] * np.einsum('nab,njb->nja', rot, poses) + shift


# --------------------------------------------------------------- MPJPE --
TWO_JOINTS_GT = np.array([[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]])
TWO_JOINTS_PRED = np.array([[[0.0, 0.0, 0.003], [1.0, 0.004, 0.0]]])


def test_mpjpe_hand_computed():
    # 3 mm and 4 mm off -> 3.5 mm, in millimetres from metres.
    np.testing.assert_allclose(mpjpe(TWO_JOINTS_PRED, TWO_JOINTS_GT), [3.5])
    np.testing.assert_allclose(
        joint_errors(TWO_JOINTS_PRED, TWO_JOINTS_GT), [[0.003, 0.004]])


def test_mpjpe_after_root_alignment():
    shifted = TWO_JOINTS_PRED + [0.1, 0.2, 0.3]
    # Root-aligned: joint 1 sits at (1, 0.004, -0.003): 5 mm, root 0 mm.
    err = mpjpe(align_root(shifted, 0), align_root(TWO_JOINTS_GT, 0))
    np.testing.assert_allclose(err, [2.5])


def test_align_root_per_sample_index():
    x = random_poses(3)
    roots = np.array([0, 14, 5])
    out = align_root(x, roots)
    for i, r in enumerate(roots):
        np.testing.assert_allclose(out[i], x[i] - x[i, r])
        assert np.all(out[i, r] == 0)
    with pytest.raises(ValueError, match='root_index'):
        align_root(x, np.array([0, 1]))


def test_mpjpe_mask(no_warnings):
    np.testing.assert_allclose(
        mpjpe(TWO_JOINTS_PRED, TWO_JOINTS_GT, mask=[[1, 0]]), [3.0])
    np.testing.assert_allclose(
        mpjpe(TWO_JOINTS_PRED, TWO_JOINTS_GT, mask=[[0, 1]]), [4.0])
    # No valid joint: NaN, without a division warning.
    assert np.isnan(mpjpe(TWO_JOINTS_PRED, TWO_JOINTS_GT, mask=[[0, 0]]))[0]


def test_mpjpe_accepts_tensors_and_checks_shapes():
    gt = random_poses(4)
    pred = torch.from_numpy(gt + [0.0, 0.0, 0.02]).float()
    np.testing.assert_allclose(mpjpe(pred, gt), 20.0, atol=1e-4)
    with pytest.raises(ValueError, match='same shape'):
        mpjpe(gt[:, :16], gt)


# ------------------------------------------------------------- N-MPJPE --
@pytest.mark.parametrize('scale', ['lstsq', 'norm_ratio'])
def test_n_mpjpe_of_scaled_copy_is_zero(scale):
    gt = align_root(random_poses(8), 0)
    np.testing.assert_allclose(n_mpjpe(0.37 * gt, gt, scale=scale), 0,
                               atol=1e-9)
    np.testing.assert_allclose(optimal_scale(0.37 * gt, gt, scale), 1 / 0.37)


def test_n_mpjpe_lstsq_and_norm_ratio_differ_by_hand():
    gt = np.array([[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]])
    pred = np.array([[[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    # Orthogonal bones: least squares picks s = 0 -> errors 0, 1 m.
    np.testing.assert_allclose(n_mpjpe(pred, gt, 'lstsq'), [500.0])
    # Equal norms: s = 1 -> errors 0, sqrt(2) m.
    np.testing.assert_allclose(n_mpjpe(pred, gt, 'norm_ratio'),
                               [1000 * np.sqrt(2) / 2])
    # s = <p, g> / |p|^2 = 2 / 1.25 = 1.6 -> (1.6, 0.8) vs (2, 0).
    pred2 = np.array([[[0.0, 0.0, 0.0], [1.0, 0.5, 0.0]]])
    np.testing.assert_allclose(n_mpjpe(pred2, 2 * gt, 'lstsq'),
                               [1000 * np.sqrt(0.8) / 2])
    with pytest.raises(ValueError, match='lstsq'):
        n_mpjpe(pred, gt, scale='median')


# ---------------------------------------------------------- Procrustes --
def test_pa_mpjpe_of_similarity_copy_is_zero():
    gt = random_poses(64)
    pred = similarity(gt)
    np.testing.assert_allclose(pa_mpjpe(pred, gt), 0, atol=1e-8)
    aligned, tf = procrustes_align(pred, gt, return_transform=True)
    np.testing.assert_allclose(aligned, gt, atol=1e-10)
    np.testing.assert_allclose(np.linalg.det(tf['rotation']), 1.0)
    rebuilt = (tf['scale'][:, None, None]
               * np.einsum('nab,njb->nja', tf['rotation'], pred)
               + tf['translation'][:, None])
    np.testing.assert_allclose(rebuilt, aligned, atol=1e-12)


def test_pa_mpjpe_excludes_reflections():
    gt = random_poses(64)
    mirrored = similarity(gt, mirror=True)
    err = pa_mpjpe(mirrored, gt)
    assert (err > 10).all()  # a mirror image is not a similar pose
    _, tf = procrustes_align(mirrored, gt, return_transform=True)
    np.testing.assert_allclose(np.linalg.det(tf['rotation']), 1.0)
    # A planar pose's mirror image is a 180-degree turn away: error 0.
    planar = gt.copy()
    planar[..., 2] = 0
    np.testing.assert_allclose(pa_mpjpe(planar * [-1, 1, 1], planar), 0,
                               atol=1e-8)


def test_pa_mpjpe_hand_computed():
    # H = diag(2, 0, 0) -> rotation fixes x, s = 2 / (8/3) = 0.75; errors
    # sqrt(1/8), sqrt(1/8), 0.5 m.
    gt = np.array([[-1.0, 0, 0], [1, 0, 0], [0, 0, 0]])
    pred = np.array([[-1.0, 0, 0], [1, 0, 0], [0, 1, 0]])
    expected = np.array([np.sqrt(1 / 8), np.sqrt(1 / 8), 0.5])
    np.testing.assert_allclose(pa_joint_errors(pred, gt), expected)
    np.testing.assert_allclose(pa_mpjpe(pred, gt), 1000 * expected.mean())
    _, tf = procrustes_align(pred, gt, return_transform=True)
    np.testing.assert_allclose(tf['scale'], 0.75)
    # Two joints are always similar.
    np.testing.assert_allclose(
        pa_mpjpe(TWO_JOINTS_PRED * [1, 5, 2], TWO_JOINTS_GT), 0, atol=1e-9)


def test_pa_mpjpe_matches_kabsch_reference():
    """Independent reference: scipy's proper-rotation Kabsch fit of the
    centred poses, then the least-squares scale."""
    gt = random_poses(20, seed=3)
    pred = random_poses(20, seed=4)
    expected = []
    for p, g in zip(pred, gt):
        p_c, g_c = p - p.mean(0), g - g.mean(0)
        rot, _ = Rotation.align_vectors(g_c, p_c)
        rotated = rot.apply(p_c)
        s = (rotated * g_c).sum() / (p_c**2).sum()
        expected.append(np.linalg.norm(s * rotated - g_c, axis=1).mean())
    np.testing.assert_allclose(pa_mpjpe(pred, gt), 1000 * np.array(expected),
                               rtol=1e-9)


def per_pose_svd_pa_mpjpe(pred, gt):
    """Reference: Umeyama one pose at a time with ``np.linalg.svd`` (mm)."""
    out = []
    for p, g in zip(pred, gt):
        p_c, g_c = p - p.mean(0), g - g.mean(0)
        u, sigma, vt = np.linalg.svd(p_c.T @ g_c)
        d = 1.0 if np.linalg.det(u) * np.linalg.det(vt) >= 0 else -1.0
        rot = u @ np.diag([1.0, 1.0, d]) @ vt
        norm = (p_c**2).sum()
        scale = (sigma[0] + sigma[1] + d * sigma[2]) / norm if norm > 1e-20 \
            else 0.0
        out.append(np.linalg.norm(scale * p_c @ rot - g_c, axis=1).mean())
    return 1000 * np.array(out)


def _pa_cases():
    rng = np.random.default_rng(11)
    gt = random_poses(300, seed=12)
    planar = gt * [1.0, 1.0, 0.0]
    # Spread 2 m along x, 1 m along y and (1 + eps) m along z, mirrored in
    # y: singular values (8, 2, 2 (1 + eps)^2) with det < 0, so the largest
    # quaternion eigenvalue is apart from the next by about 8 eps only.
    axes = np.array([[2.0, 0, 0], [-2, 0, 0], [0, 1, 0], [0, -1, 0],
                     [0, 0, 1], [0, 0, -1]])

    def near_repeated(eps):
        truth = np.broadcast_to(axes * [1.0, 1.0, 1.0 + eps], (300, 6, 3))
        return similarity(truth * [1.0, -1.0, 1.0], seed=14), truth

    return {
        'close': (gt + rng.normal(scale=0.05, size=gt.shape), gt),
        'unrelated': (random_poses(300, seed=13), gt),
        'similarity': (similarity(gt), gt),
        'far_from_origin': (gt + [3.0, -2.0, 6.0]
                            + rng.normal(scale=0.05, size=gt.shape), gt),
        'mirrored': (similarity(gt, mirror=True), gt),
        'coplanar': (planar + rng.normal(scale=0.02, size=gt.shape)
                     * [1.0, 1.0, 0.0], planar),
        'coplanar_mirrored': (planar * [-1.0, 1.0, 1.0], planar),
        'identical': (gt, gt),
        'collinear': (gt[..., :1] * [1.0, 2.0, 3.0], gt),
        'one_point': (np.zeros_like(gt), gt),
        # gap 8e-4 of lambda = 8: the SVD fallback; 0.4: the closed form.
        'nearly_repeated_1e-4': near_repeated(1e-4),
        'nearly_repeated_5e-2': near_repeated(5e-2),
        # exactly repeated: no unique rotation; only the solver test uses it.
        'repeated': near_repeated(0.0),
    }


@pytest.mark.parametrize('case', [c for c in _pa_cases() if c != 'repeated'])
def test_pa_mpjpe_equals_per_pose_svd(case, no_warnings):
    """The closed-form (quaternion) solver gives the per-pose SVD's PA-MPJPE
    to 1e-6 mm, on random poses and on the ones where a closed form is
    fragile (coplanar, mirrored, identical, repeated eigenvalues)."""
    pred, gt = _pa_cases()[case]
    np.testing.assert_allclose(pa_mpjpe(pred, gt),
                               per_pose_svd_pa_mpjpe(pred, gt), rtol=0,
                               atol=1e-6)


def test_closed_form_rotation_matches_svd_and_falls_back():
    """Where the rotation is unique, the quaternion solver's rotation and
    trace equal the SVD's; where it is not (collinear or one-point poses, a
    repeated eigenvalue) or nearly not, the SVD's own answer is returned."""
    from pose3d_toolbox.evaluation.functional.procrustes import (
        closed_form_rotation, svd_rotation)
    cases = _pa_cases()
    for case in ('close', 'unrelated', 'mirrored', 'coplanar_mirrored',
                 'collinear', 'one_point', 'nearly_repeated_1e-4',
                 'nearly_repeated_5e-2', 'repeated'):
        pred, gt = cases[case]
        p_c = pred - pred.mean(1, keepdims=True)
        g_c = gt - gt.mean(1, keepdims=True)
        h = np.matmul(p_c.transpose(0, 2, 1), g_c)
        rot, trace = closed_form_rotation(h)
        ref_rot, ref_trace = svd_rotation(h.copy())
        np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-9,
                                   err_msg=case)
        np.testing.assert_allclose(trace, ref_trace, rtol=1e-9, atol=1e-12,
                                   err_msg=case)
        np.testing.assert_allclose(rot, ref_rot, atol=1e-8, err_msg=case)


def test_procrustes_chunking_single_pose_and_dtypes():
    gt = random_poses(50)
    pred = random_poses(50, seed=9)
    ref = procrustes_align(pred, gt)
    np.testing.assert_allclose(procrustes_align(pred, gt, chunk_size=7), ref)
    np.testing.assert_allclose(procrustes_align(pred[3], gt[3]), ref[3])
    np.testing.assert_allclose(
        pa_mpjpe(pred.astype(np.float32), torch.from_numpy(gt)),
        pa_mpjpe(pred, gt), rtol=1e-5)
    with pytest.raises(ValueError, match='chunk_size'):
        pa_mpjpe(pred, gt, chunk_size=0)


@pytest.mark.parametrize('chunk_size', [1, 7, 49, 50, 51])
def test_procrustes_chunk_boundaries(chunk_size, no_warnings):
    """Every chunk size gives the one-chunk answer, whether the last chunk
    is full or a remainder (whose buffers differ in size from the others)
    and with a non-finite and a one-point pose on either side of a chunk
    boundary."""
    gt = random_poses(50, seed=21)
    pred = gt + np.random.default_rng(22).normal(scale=0.05, size=gt.shape)
    pred[6, 3, 1] = np.nan
    pred[7] = 0.0
    pred[48, 0, 0] = np.inf
    whole = dict(chunk_size=50)
    # Equal to rounding (SIMD lanes split a row differently by length);
    # NaN where the other has NaN.
    close = functools.partial(np.testing.assert_allclose, rtol=1e-12,
                              atol=1e-14)
    close(pa_mpjpe(pred, gt, chunk_size=chunk_size),
          pa_mpjpe(pred, gt, **whole))
    close(pa_joint_errors(pred, gt, chunk_size=chunk_size),
          pa_joint_errors(pred, gt, **whole))
    aligned, tf = procrustes_align(pred, gt, return_transform=True,
                                   chunk_size=chunk_size)
    ref_aligned, ref_tf = procrustes_align(pred, gt, return_transform=True,
                                           **whole)
    close(aligned, ref_aligned)
    for key in ('rotation', 'scale', 'translation'):
        close(tf[key], ref_tf[key])
    finite = np.ones(50, bool)
    finite[[6, 48]] = False
    assert np.isnan(aligned[~finite]).all()
    np.testing.assert_allclose(
        pa_mpjpe(pred[finite], gt[finite], chunk_size=chunk_size),
        per_pose_svd_pa_mpjpe(pred[finite], gt[finite]), rtol=0, atol=1e-6)


def test_unconverged_newton_falls_back_to_svd(monkeypatch):
    """Poses whose Newton iteration has not converged within the step limit
    are solved by the SVD: with the limit cut to two steps, most poses take
    that branch and the answers are still the SVD's."""
    from pose3d_toolbox.evaluation.functional import procrustes
    monkeypatch.setattr(procrustes, '_NEWTON_MAX_ITER', 2)
    monkeypatch.setattr(procrustes, '_NEWTON_MIN_ITER', 1)
    redone = []
    svd = procrustes.svd_rotation

    def counting_svd(h):
        redone.append(len(h))
        return svd(h)

    monkeypatch.setattr(procrustes, 'svd_rotation', counting_svd)
    pred, gt = _pa_cases()['close']
    np.testing.assert_allclose(pa_mpjpe(pred, gt),
                               per_pose_svd_pa_mpjpe(pred, gt), rtol=0,
                               atol=1e-6)
    assert sum(redone) > len(pred) // 2


@pytest.mark.parametrize('case', ['pred_zero', 'gt_zero', 'both_zero',
                                  'pred_point', 'gt_point', 'tiny'])
def test_degenerate_poses_are_finite(case, no_warnings):
    gt = random_poses(4)
    pred = random_poses(4, seed=5)
    if case in ('pred_zero', 'both_zero'):
        pred = np.zeros_like(pred)
    if case in ('gt_zero', 'both_zero'):
        gt = np.zeros_like(gt)
    if case == 'pred_point':
        pred = np.broadcast_to([[[5.0, -2.0, 3.0]]], gt.shape)
    if case == 'gt_point':
        gt = np.broadcast_to([[[1.0, 1.0, 1.0]]], pred.shape)
    if case == 'tiny':
        pred = pred * 1e-30
    aligned = procrustes_align(pred, gt)
    values = [aligned, pa_mpjpe(pred, gt), cps(pred, gt),
              n_mpjpe(pred, gt), n_mpjpe(pred, gt, 'norm_ratio')]
    for v in values:
        assert np.all(np.isfinite(v))
    if case in ('pred_zero', 'pred_point', 'tiny'):
        # Nothing to rotate: the best fit is the ground-truth centroid.
        np.testing.assert_allclose(
            aligned, np.broadcast_to(gt.mean(1, keepdims=True), gt.shape),
            atol=1e-12)


def test_non_finite_input_gives_nan_for_that_pose_only(no_warnings):
    gt = random_poses(3)
    pred = gt.copy()
    pred[1, 4, 0] = np.nan
    pred[2, 0, 1] = np.inf
    err = pa_mpjpe(pred, gt)
    assert err[0] < 1e-8 and np.isnan(err[1:]).all()


# ------------------------------------------------------------------ MRPE --
def test_mrpe_hand_computed():
    gt = np.zeros((2, 3))
    pred = np.array([[0.01, 0.02, -0.02], [0.0, 0.0, 0.1]])
    out = mrpe(pred, gt)
    # |(10, 20, -20)| = 30 mm and |(0, 0, 100)| = 100 mm.
    assert out == pytest.approx(
        dict(mrpe=65.0, mrpe_x=5.0, mrpe_y=10.0, mrpe_z=60.0))
    per_root = mrpe(pred, gt, reduction='none')
    np.testing.assert_allclose(per_root['mrpe'], [30.0, 100.0])
    np.testing.assert_allclose(per_root['mrpe_z'], [20.0, 100.0])


# ------------------------------------------------------------ PCK / AUC --
def test_pck_and_auc_on_known_table():
    errors = np.array([[0.1, 0.15, 0.2, 0.0]])
    assert pck_3d(errors) == pytest.approx(75.0)  # 150 mm is within
    assert pck_3d(errors, threshold=0.12) == pytest.approx(50.0)
    # Thresholds 0, 5, ..., 150 mm: 0 m is within all 31, 0.1 m within 11,
    # 0.15 m within 1, 0.2 m within none.
    assert auc_3d(errors) == pytest.approx(100 * 43 / 124)
    assert auc_3d(np.zeros((5, 17))) == pytest.approx(100.0)
    assert len(AUC_THRESHOLDS) == 31


def test_fraction_within_matches_brute_force():
    rng = np.random.default_rng(0)
    errors = rng.uniform(0, 0.3, size=(200, 17))
    thresholds = rng.permutation(AUC_THRESHOLDS)
    brute = (errors[..., None] <= thresholds).mean((0, 1))
    np.testing.assert_allclose(fraction_within(errors, thresholds), brute)
    assert np.isnan(pck_3d([0.1, np.nan]))


# ------------------------------------------------------------------- CPS --
def test_cps_from_known_max_errors():
    # 0 mm: within all 301; 100.5 mm: within 101..300 (200); 300 mm: 1.
    max_errors = np.array([0.0, 0.1005, 0.3, 0.5])
    assert cps_from_errors(max_errors) == pytest.approx((301 + 200 + 1) / 4)
    assert len(CPS_THRESHOLDS_MM) == 301


def test_cps_on_constructed_poses():
    # Pose 0: a similar copy (CPS 301). Pose 1: the hand-computed PA case
    # scaled by 0.2, max error 0.1 m -> within 100..300 mm (201).
    gt0 = random_poses(1, j=3)[0]
    gt1 = 0.2 * np.array([[-1.0, 0, 0], [1, 0, 0], [0, 0, 0]])
    pred1 = 0.2 * np.array([[-1.0, 0, 0], [1, 0, 0], [0, 1, 0]])
    gt = np.stack([gt0, gt1])
    pred = np.stack([similarity(gt0[None])[0], pred1])
    assert cps(pred, gt) == pytest.approx((301 + 201) / 2)
    assert cps(gt, gt) == pytest.approx(301.0)
