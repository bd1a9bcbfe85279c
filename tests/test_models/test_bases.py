"""The estimator and head contracts: mode dispatch, target gathering and
the one writer of predictions."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from pose3d_toolbox.models.heads import BaseHead, stack_field
from pose3d_toolbox.models.pose_estimators import BasePoseEstimator
from pose3d_toolbox.registry import MODELS
from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.structures import (PREDICTION_FIELDS, PoseDataSample,
                                       write_predictions)


class Recorder(BasePoseEstimator):
    """Answers each mode with its own name."""

    def loss(self, inputs, data_samples):
        return dict(mode='loss')

    def predict(self, inputs, data_samples):
        return 'predict'

    def _forward(self, inputs, data_samples=None):
        return 'tensor'


def test_forward_dispatches_the_three_modes():
    init_default_scope('pose3d_toolbox')
    model = Recorder(skeleton='h36m')
    x = torch.zeros(1)
    assert model(x, None, 'loss') == dict(mode='loss')
    assert model(x, None, 'predict') == 'predict'
    assert model(x) == 'tensor'  # mmengine's default mode
    with pytest.raises(ValueError, match="Recorder.forward: mode must be "
                       r"one of \('loss', 'predict', 'tensor'\), got 'eval'"):
        model(x, None, 'eval')
    assert model.skeleton is H36M
    assert type(model.data_preprocessor).__name__ == 'PoseDataPreprocessor'


def test_every_estimator_and_head_derives_from_the_bases():
    from pose3d_toolbox import models  # noqa: F401 (registers them)
    for name in ('PoseLifter', 'TopdownPoseEstimator', 'Anatomy3D',
                 'ElePoseFlow', 'ElePose'):
        assert issubclass(MODELS.get(name), BasePoseEstimator), name
    for name in ('RegressionHead3D', 'AbsPoseHead', 'HeatmapHead',
                 'IntegralHeatmapHead', 'Anatomy3DHead',
                 'IntegralVolumetricHead'):
        assert issubclass(MODELS.get(name), BaseHead), name


def test_stack_field_from_samples_and_from_a_stacked_batch():
    samples = [PoseDataSample(), PoseDataSample()]
    samples[0].target = np.array([1.0, 2.0])
    samples[1].target = np.array([3.0, 4.0])
    like = torch.zeros(1, dtype=torch.float32)
    out = stack_field(samples, 'target', like)
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out, [[1, 2], [3, 4]])
    stacked = dict(target=torch.tensor([[5.0]], dtype=torch.float64))
    got = stack_field(stacked, 'target', like)
    assert got.dtype == torch.float32 and float(got) == 5.0
    with pytest.raises(KeyError, match='GenerateTarget'):
        stack_field(samples, 'missing', like)
    with pytest.raises(KeyError, match="no 'missing'"):
        stack_field(stacked, 'missing', like)


def test_write_predictions_names_the_fields():
    samples = [PoseDataSample(), PoseDataSample()]
    kp = np.arange(12.0).reshape(2, 2, 3)
    write_predictions(samples, dict(keypoints_3d=kp, root=kp[:, 0],
                                    nll=[0.5, 1.5]))
    np.testing.assert_array_equal(samples[1].pred_keypoints_3d, kp[1])
    np.testing.assert_array_equal(samples[0].pred_root, [0, 1, 2])
    assert samples[1].pred_nll == 1.5
    assert PREDICTION_FIELDS['keypoint_scores'] == 'pred_keypoint_scores'
    with pytest.raises(KeyError, match='PREDICTION_FIELDS'):
        write_predictions(samples, dict(depth=[1, 2]))
    with pytest.raises(ValueError, match="1 'nll' for 2 data samples"):
        write_predictions(samples, dict(nll=[1.0]))


def test_head_predict_decodes_through_its_codec():
    head = MODELS.build(dict(type='RegressionHead3D', in_channels=2,
                             codec=dict(type='PoseLiftingCodec',
                                        target_scale=2.0)))
    with torch.no_grad():
        head.fc.weight.zero_()
        head.fc.bias.copy_(torch.arange(51.0))
    samples = head.predict(torch.zeros(1, 2), [PoseDataSample()])
    expected = np.arange(51.0).reshape(17, 3) * 2.0
    expected[0] = 0  # root-relative: the codec zeroes the root
    np.testing.assert_allclose(samples[0].pred_keypoints_3d, expected)
    assert head.num_keypoints == 17 and head.skeleton is H36M


def test_the_model_skeleton_reaches_its_head():
    init_default_scope('pose3d_toolbox')
    model = MODELS.build(dict(
        type='PoseLifter', skeleton='mpi_inf_3dhp',
        backbone=dict(type='ResidualMLP', in_channels=34, width=8),
        head=dict(type='AbsPoseHead', in_channels=8,
                  codec=dict(type='AbsPoseCodec'))))
    assert model.head.skeleton.name == 'mpi_inf_3dhp'
    assert model.head.root_index == 14  # MPI-INF-3DHP's pelvis
    x = torch.zeros(1, 1, 17, 2)
    x[0, 0, 2, 0] = 1.0  # right shoulder at x = 1 -> left shoulder at -1
    assert model.flip_input(x)[0, 0, 5, 0] == -1.0
