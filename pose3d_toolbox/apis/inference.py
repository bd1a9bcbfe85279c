"""Build a model ready for inference from a zoo name, config or checkpoint.

Example:
    >>> from pose3d_toolbox.apis import init_model
    >>> model = init_model('simplebaseline3d_cmu')   # zoo name: verified
    >>> model = init_model('configs/simplebaseline3d_cmu.py',
    ...                    'work_dirs/simplebaseline3d_cmu/epoch_3.pth')
    >>> model = init_model('checkpoints/simplebaseline3d_cmu-xxxxxxxx.pth')
"""
import os.path as osp
from typing import Optional, Tuple, Union

import torch
from mmengine.config import Config

from pose3d_toolbox.utils.hub import is_url, load_checkpoint_file
from .model_zoo import get_model_info, resolve_weights

CHECKPOINT_SUFFIXES = ('.pth', '.pt', '.ckpt')


def _is_checkpoint(name: str) -> bool:
    return is_url(name) or name.endswith(CHECKPOINT_SUFFIXES)


def resolve_model(name_or_config: Union[str, Config],
                  checkpoint: Optional[str] = None
                  ) -> Tuple[Optional[Config], Optional[str]]:
    """``(config, checkpoint)`` for :func:`init_model` and the tools.

    - a :class:`Config` or a path ending in ``.py``: that config, with
      ``checkpoint`` as given;
    - a checkpoint (``.pth``/``.pt``/``.ckpt`` path or http(s) URL) and no
      ``checkpoint``: config None (read from the file's ``meta['cfg']``);
    - otherwise a model-zoo name: its config and its verified weights
      (downloaded into the cache if needed) unless ``checkpoint`` is given.
    """
    if isinstance(name_or_config, Config):
        return name_or_config, checkpoint
    if name_or_config.endswith('.py'):
        if not osp.isfile(name_or_config):
            raise FileNotFoundError(f'config {name_or_config} does not exist')
        return Config.fromfile(name_or_config), checkpoint
    if _is_checkpoint(name_or_config) and checkpoint is None:
        return None, name_or_config
    info = get_model_info(name_or_config)
    return Config.fromfile(info.config), checkpoint or resolve_weights(info)


def config_from_checkpoint(checkpoint: dict, source: str) -> Config:
    """The config a checkpoint was trained with (``meta['cfg']``, which
    mmengine and ``tools/misc/publish_model.py`` store as text)."""
    text = (checkpoint.get('meta') or {}).get('cfg')
    if not text:
        raise ValueError(f'{source} carries no config (meta["cfg"]); pass '
                         'the config: init_model(CONFIG, CHECKPOINT)')
    return Config.fromstring(text, '.py')


def init_model(name_or_config: Union[str, Config],
               checkpoint: Optional[str] = None, device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build the model in eval mode and load its weights (strictly).

    Args:
        name_or_config: a model-zoo name (``tools/misc/list_models.py``), a
            config file or :class:`Config`, or a checkpoint file / http(s)
            URL whose ``meta['cfg']`` holds the config.
        checkpoint: a local file or http(s) URL; default: the zoo name's
            published weights, or none (random weights) for a config.
        device: where to put the model.
        cfg_options: overrides merged into the config.

    Every checkpoint goes through
    :func:`pose3d_toolbox.utils.hub.load_checkpoint_file` (verified
    downloads, ``weights_only`` loading). The model gets ``cfg`` and
    ``dataset_meta`` (from the checkpoint) attributes.
    """
    from mmengine.registry import init_default_scope

    from pose3d_toolbox.registry import MODELS
    cfg, source = resolve_model(name_or_config, checkpoint)
    state = None
    if source is not None:
        state = load_checkpoint_file(source, map_location='cpu')
        if cfg is None:
            cfg = config_from_checkpoint(state, source)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'pose3d_toolbox'))
    model = MODELS.build(cfg.model)
    if state is not None:
        weights = state.get('state_dict', state)
        result = model.load_state_dict(weights, strict=False)
        if result.missing_keys or result.unexpected_keys:
            raise KeyError(
                f'{source} does not match the config\'s model: missing '
                f'{result.missing_keys[:5]}, unexpected '
                f'{result.unexpected_keys[:5]} (of {len(result.missing_keys)}'
                f' / {len(result.unexpected_keys)}). Is it a checkpoint of '
                'this config?')
        model.dataset_meta = (state.get('meta') or {}).get('dataset_meta')
    model.cfg = cfg
    return model.to(device).eval()
