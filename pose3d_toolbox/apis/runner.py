"""Build a Runner from a config, the way ``tools/train.py`` does."""
from mmengine.config import Config
from mmengine.runner import Runner


def build_runner(cfg: Config) -> Runner:
    """Build the config's runner (``runner_type``, default ``Pose3dRunner``).

    Importing :mod:`pose3d_toolbox.engine` allow-lists what mmengine
    checkpoints hold, so resuming works with ``weights_only`` loading.
    """
    from pose3d_toolbox.engine import Pose3dRunner  # noqa: F401
    from pose3d_toolbox.registry import RUNNERS
    cfg.setdefault('runner_type', 'Pose3dRunner')
    return RUNNERS.build(cfg)
