import pytest
import torch.nn as nn
from mmengine import registry as mmengine_registry
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from pose3d_toolbox.registry import DATASETS, KEYPOINT_CODECS, METRICS, MODELS


def test_unknown_type_names_registry_and_close_matches():
    with pytest.raises(KeyError) as err:
        MODELS.build(dict(type='ResidualMPL', in_channels=4))
    msg = str(err.value)
    assert 'not registered in MODELS' in msg and 'ResidualMLP' in msg
    assert '@MODELS.register_module()' in msg


def test_unknown_codec_and_metric():
    with pytest.raises(KeyError, match='KEYPOINT_CODECS'):
        KEYPOINT_CODECS.build(dict(type='NoSuchCodec'))
    # Nothing is close: the registered names are listed instead.
    with pytest.raises(KeyError, match='in METRICS.*Registered names: .*'
                       r'CPSMetric, .*PoseErrorMetric'):
        METRICS.build(dict(type='Zzz'))


# What the Runner builds goes through mmengine's root registries in the
# toolbox's scope; each typo must name the toolbox registry and the fix.
ROOT_TYPOS = [
    ('MODELS', dict(type='PoseLiftr'), 'PoseLifter'),
    ('DATASETS', dict(type='CMUMocapDatset'), 'CMUMocapDataset'),
    ('TRANSFORMS', dict(type='RandomFlipLiftng'), 'RandomFlipLifting'),
    ('METRICS', dict(type='PoseErrorMetrik'), 'PoseErrorMetric'),
    ('PARAM_SCHEDULERS', dict(type='CosineAnnealingLr'),
     'CosineAnnealingLR'),
    ('HOOKS', dict(type='SafeCheckpointHok'), 'SafeCheckpointHook'),
    ('LOOPS', dict(type='ExactResumeEpochLop'), 'ExactResumeEpochLoop'),
    ('VISUALIZERS', dict(type='Visualiser'), 'Visualizer'),
    ('OPTIM_WRAPPERS', dict(type='OptimWraper'), 'OptimWrapper'),
    ('RUNNERS', dict(runner_type='Pose3dRuner'), 'Pose3dRunner'),
]


@pytest.mark.parametrize('name,cfg,close', ROOT_TYPOS,
                         ids=[t[0] for t in ROOT_TYPOS])
def test_root_registry_typo_names_toolbox_registry(name, cfg, close):
    root = getattr(mmengine_registry, name)
    with DefaultScope.overwrite_default_scope('pose3d_toolbox'), \
            pytest.raises(KeyError) as err:
        root.build(cfg)
    msg = str(err.value)
    assert f'is not registered in {name} ' in msg
    assert 'Closest registered names: ' in msg and close in msg
    assert f'@{name}.register_module()' in msg


def test_optimizer_typo_is_a_key_error_with_close_names():
    # mmengine: TypeError: None is not a callable object.
    with DefaultScope.overwrite_default_scope('pose3d_toolbox'), \
            pytest.raises(KeyError, match="type='Adma' is not registered in "
                          'OPTIMIZERS.*Closest registered names: .*Adam'):
        build_optim_wrapper(nn.Linear(2, 2),
                            dict(optimizer=dict(type='Adma', lr=0.1)))


def test_misspelt_argument_names_the_type_and_close_arguments():
    # Before: TypeError: EpochBasedTrainLoop.__init__() got an unexpected
    # keyword argument 'max_epochz' (the --cfg-options key
    # train_cfg.max_epochz=1), naming neither the fix nor the arguments.
    from pose3d_toolbox.registry import UnknownArgumentError
    with pytest.raises(UnknownArgumentError, match="ResidualMLP "
                       r"\(type='ResidualMLP' in MODELS\) takes no argument "
                       "'num_blockz'.*Did you mean num_blocks\\? It takes: "
                       'in_channels, width, num_blocks'):
        MODELS.build(dict(type='ResidualMLP', in_channels=34, num_blockz=2))
    with DefaultScope.overwrite_default_scope('pose3d_toolbox'), \
            pytest.raises(UnknownArgumentError, match="Adam .*'lrr'.*Did "
                          'you mean lr\\?.*in --cfg-options'):
        build_optim_wrapper(nn.Linear(2, 2),
                            dict(optimizer=dict(type='Adam', lrr=0.1)))
    # a TypeError of the class itself, not a key of its config, is kept
    with pytest.raises(TypeError) as err:
        MODELS.build(dict(type='ResidualMLP', in_channels='x'))
    assert not isinstance(err.value, UnknownArgumentError)


def test_codec_typo_names_close_codec():
    with pytest.raises(KeyError, match='Closest registered names: '
                       'PoseLiftingCodec'):
        KEYPOINT_CODECS.build(dict(type='PoseLiftingCodex'))


def test_known_types_still_build_through_the_roots():
    with DefaultScope.overwrite_default_scope('pose3d_toolbox'):
        wrapper = build_optim_wrapper(
            nn.Linear(2, 2), dict(optimizer=dict(type='Adam', lr=0.1)))
    assert type(wrapper.optimizer).__name__ == 'Adam'


def test_lazy_locations_register_parts():
    assert MODELS.get('PoseLifter') is not None
    assert KEYPOINT_CODECS.get('PoseLiftingCodec') is not None
    assert DATASETS.get('Human3p6mDataset') is not None


def test_mmengine_parts_still_reachable_from_the_child():
    # The children fall back to mmengine's roots (e.g. its Adam wrapper).
    from pose3d_toolbox.registry import OPTIMIZERS
    assert OPTIMIZERS.get('Adam') is not None
