import pytest

from pose3d_toolbox.registry import DATASETS, KEYPOINT_CODECS, METRICS, MODELS


def test_unknown_type_names_registry_and_close_matches():
    with pytest.raises(KeyError) as err:
        MODELS.build(dict(type='ResidualMPL', in_channels=4))
    msg = str(err.value)
    assert "'model' registry" in msg and 'ResidualMLP' in msg


def test_unknown_codec_and_metric():
    with pytest.raises(KeyError, match='keypoint codec'):
        KEYPOINT_CODECS.build(dict(type='NoSuchCodec'))
    with pytest.raises(KeyError, match="'metric' registry"):
        METRICS.build(dict(type='NoSuchMetric'))


def test_lazy_locations_register_parts():
    assert MODELS.get('PoseLifter') is not None
    assert KEYPOINT_CODECS.get('PoseLiftingCodec') is not None
    assert DATASETS.get('Human3p6mDataset') is not None


def test_mmengine_parts_still_reachable_from_the_child():
    # The children fall back to mmengine's roots (e.g. its Adam wrapper).
    from pose3d_toolbox.registry import OPTIMIZERS
    assert OPTIMIZERS.get('Adam') is not None
