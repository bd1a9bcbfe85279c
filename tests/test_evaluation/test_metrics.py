"""Registered metrics: built from the registry, fed data samples the way
mmengine's Evaluator feeds them, values checked against hand computations."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from pose3d_toolbox.registry import METRICS
from pose3d_toolbox.skeletons import get_skeleton
from pose3d_toolbox.structures import PoseDataSample

RNG = np.random.default_rng(0)


def gt_pose(j=17, seed=0):
    pose = np.random.default_rng(seed).normal(scale=0.3, size=(j, 3))
    return pose + [0.1, 0.2, 4.5]  # absolute, about 4.5 m from the camera


def sample(gt, pred, action='Walking', **extra):
    s = PoseDataSample(metainfo=dict(subject='S9', action=action, **extra))
    s.gt_keypoints_3d = gt
    s.pred_keypoints_3d = pred
    return s.to_dict()  # what mmengine's Evaluator hands to process()


def evaluate(metric, samples, batch_size=2):
    for i in range(0, len(samples), batch_size):
        metric.process({}, samples[i:i + batch_size])
    return metric.evaluate(len(samples))


def test_pose_error_metric_values_and_per_action():
    gt0, gt1, gt2 = gt_pose(seed=0), gt_pose(seed=1), gt_pose(seed=2)
    off = np.zeros((17, 3))
    off[3] = [0.0, 0.0, 0.034]  # one joint 34 mm off: MPJPE 2 mm
    samples = [
        # Absolute prediction shifted by 1 m: root alignment removes it.
        sample(gt0, gt0 + off + 1.0, action='Walking 1'),
        # Root-relative prediction (the usual case), as torch tensors.
        sample(torch.from_numpy(gt1),
               torch.from_numpy(gt1 - gt1[0] + 3 * off).float(),
               action='Walking'),
        sample(gt2, 1.7 * (gt2 - gt2[0]), action='Eating'),
    ]
    metric = METRICS.build(dict(type='PoseErrorMetric', per_action=True))
    out = evaluate(metric, samples)
    assert set(out) == {
        'mpjpe', 'p-mpjpe', 'n-mpjpe', 'mpjpe/Walking', 'p-mpjpe/Walking',
        'n-mpjpe/Walking', 'mpjpe/Eating', 'p-mpjpe/Eating',
        'n-mpjpe/Eating'
    }
    assert out['mpjpe/Walking'] == pytest.approx((2 + 6) / 2, abs=1e-4)
    assert out['p-mpjpe/Eating'] == pytest.approx(0, abs=1e-6)
    assert out['n-mpjpe/Eating'] == pytest.approx(0, abs=1e-6)
    eating = 1000 * 0.7 * np.linalg.norm(gt2 - gt2[0], axis=1).mean()
    assert out['mpjpe/Eating'] == pytest.approx(eating)
    assert out['mpjpe'] == pytest.approx((2 + 6 + eating) / 3, abs=1e-4)
    assert all(isinstance(v, float) for v in out.values())


def test_pose_error_metric_modes_scale_and_errors():
    gt = gt_pose()
    pred = gt.copy()
    pred[1] += [0.05, 0, 0]
    metric = METRICS.build(dict(type='PoseErrorMetric', modes='n-mpjpe',
                                n_mpjpe_scale='norm_ratio'))
    out = evaluate(metric, [sample(gt, pred)])
    assert list(out) == ['n-mpjpe'] and out['n-mpjpe'] > 0
    with pytest.raises(ValueError, match='unknown mode'):
        METRICS.build(dict(type='PoseErrorMetric', modes=('pa-mpjpe', )))
    with pytest.raises(ValueError, match='n_mpjpe_scale'):
        METRICS.build(dict(type='PoseErrorMetric', n_mpjpe_scale='median'))
    with pytest.raises(ValueError, match='no data samples'):
        metric.compute_metrics([])
    with pytest.raises(ValueError, match='shape'):
        metric.process({}, [sample(gt, pred[:16])])


def test_joint_indices_drop_hemlets_extra_joint():
    gt = gt_pose(j=18)
    pred = gt.copy()
    pred[17] += [1.0, 0, 0]  # the shoulder midpoint is never evaluated
    pred[2] += [0.0, 0.017, 0]
    for joint_indices in ('hemlets', list(range(17))):
        metric = METRICS.build(dict(type='PoseErrorMetric', modes='mpjpe',
                                    joint_indices=joint_indices))
        out = evaluate(metric, [sample(gt, pred, skeleton='hemlets')])
        assert out['mpjpe'] == pytest.approx(1.0)
    with pytest.raises(ValueError, match='joint_indices'):
        metric = METRICS.build(
            dict(type='PoseErrorMetric', joint_indices=[0, 20]))
        metric.process({}, [sample(gt, pred)])


def test_root_index_from_sample_or_skeleton():
    gt = gt_pose()
    pred = gt + [0.2, 0, 0]
    pred[14] += [0.0, 0.0, 0.017]  # only joint 14 moves relative to root 0
    metric = METRICS.build(dict(type='PoseErrorMetric', modes='mpjpe'))
    # Root 0: joint 14 is 17 mm off -> 1 mm. Root 14: the other 16 joints
    # are 17 mm off -> 16 mm.
    assert evaluate(metric, [sample(gt, pred)])['mpjpe'] == pytest.approx(1)
    for extra in (dict(root_index=14), dict(skeleton='mpi_inf_3dhp')):
        out = evaluate(metric, [sample(gt, pred, **extra)])
        assert out['mpjpe'] == pytest.approx(16), extra
    # a sample naming neither: the metric's own skeleton (a name or object)
    for skeleton in ('mpi_inf_3dhp', get_skeleton('mpi_inf_3dhp')):
        metric = METRICS.build(dict(type='PoseErrorMetric', modes='mpjpe',
                                    skeleton=skeleton))
        assert evaluate(metric, [sample(gt, pred)])['mpjpe'] == \
            pytest.approx(16)


def test_mrpe_metric():
    gt0, gt1 = gt_pose(seed=0), gt_pose(seed=1)
    s0 = sample(gt0, gt0 - gt0[0])
    s0['pred_root'] = gt0[0] + [0.01, 0.02, -0.02]  # 30 mm
    s1 = sample(gt1, gt1 - gt1[0])
    s1['pred_root'] = torch.tensor(gt1[0] + [0.0, 0.0, 0.1])  # 100 mm
    metric = METRICS.build(dict(type='MRPEMetric'))
    out = evaluate(metric, [s0, s1])
    assert out == pytest.approx(
        dict(mrpe=65.0, mrpe_x=5.0, mrpe_y=10.0, mrpe_z=60.0))
    with pytest.raises(KeyError, match='pred_root'):
        metric.process({}, [sample(gt0, gt0)])
    relative = sample(gt0 - gt0[0], gt0 - gt0[0])
    relative['pred_root'] = gt0[0]
    with pytest.raises(ValueError, match='absolute'):
        metric.process({}, [relative])


@pytest.mark.parametrize('scale,keys', [(None, ('pck', 'auc')),
                                        ('lstsq', ('n-pck', 'n-auc'))])
def test_pck3d_metric(scale, keys):
    gt = gt_pose()
    pred = gt.copy()
    pred[1:5] += [0.0, 0.2, 0.0]  # 4 of 17 joints 200 mm off
    metric = METRICS.build(dict(type='PCK3DMetric', scale=scale))
    out = evaluate(metric, [sample(gt, pred)])
    assert tuple(out) == keys
    if scale is None:
        assert out['pck'] == pytest.approx(100 * 13 / 17)
        assert out['auc'] == pytest.approx(100 * 13 / 17)
    perfect = evaluate(metric, [sample(gt, 2 * (gt - gt[0]))])
    if scale is not None:  # the scale is normalised away
        assert perfect == pytest.approx({'n-pck': 100, 'n-auc': 100})
    with pytest.raises(ValueError, match='metres'):
        METRICS.build(dict(type='PCK3DMetric', threshold=150))


def test_cps_metric():
    gt_a = gt_pose(j=3, seed=0)
    gt_b = 0.2 * np.array([[-1.0, 0, 0], [1, 0, 0], [0, 0, 0]])
    pred_b = 0.2 * np.array([[-1.0, 0, 0], [1, 0, 0], [0, 1, 0]])
    metric = METRICS.build(dict(type='CPSMetric', per_action=True))
    out = evaluate(metric, [sample(gt_a, 3 * gt_a, action='A'),
                            sample(gt_b, pred_b, action='B')])
    # Pose B's largest Procrustes error is 100 mm: within 100..300 (201).
    assert out == pytest.approx({'cps': 251.0, 'cps/A': 301.0,
                                 'cps/B': 201.0})


@pytest.mark.parametrize('cfg', [
    dict(type='PoseErrorMetric', per_action=True),
    dict(type='MRPEMetric', per_action=True),
    dict(type='PCK3DMetric', per_action=True),
    dict(type='CPSMetric', per_action=True),
])
def test_every_metric_through_mmengine_evaluator(cfg):
    """The real path: Evaluator.process converts PoseDataSample to dicts."""
    samples = []
    for i in range(5):
        s = PoseDataSample(metainfo=dict(
            action=('Sitting', 'Posing')[i % 2], root_index=0))
        s.gt_keypoints_3d = gt_pose(seed=i)
        s.pred_keypoints_3d = torch.from_numpy(
            gt_pose(seed=i) + RNG.normal(scale=0.02, size=(17, 3)))
        s.pred_root = torch.from_numpy(gt_pose(seed=i)[0] + 0.05)
        samples.append(s)
    evaluator = Evaluator(METRICS.build(cfg))
    evaluator.process(samples[:3], {})
    evaluator.process(samples[3:], {})
    out = evaluator.evaluate(len(samples))
    assert any(k.endswith('/Sitting') for k in out)
    assert any(k.endswith('/Posing') for k in out)
    assert all(np.isfinite(v) for v in out.values())


def test_registry_finds_metrics_lazily():
    """A fresh interpreter builds every metric without importing
    pose3d_toolbox.evaluation by hand (the registry's lazy location)."""
    code = ('from pose3d_toolbox.registry import METRICS\n'
            "for t in ('PoseErrorMetric', 'MRPEMetric', 'PCK3DMetric', "
            "'CPSMetric'):\n"
            '    METRICS.build(dict(type=t))\n')
    subprocess.run([sys.executable, '-c', code], check=True, timeout=120)
