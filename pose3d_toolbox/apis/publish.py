"""Turn a training checkpoint into a release file (``tools/misc/
publish_model.py``).

A release keeps the ``state_dict`` and the meta a user needs -- the config
text, the dataset meta, the skeleton name, the codec settings -- and drops
the optimizer, scheduler and message-hub state. Codec constants that live in
the state dict (ElePose's PCA projection, AbsPoseLifter's normalisation)
stay there. With ``fp16`` the floating *parameters* are stored in float16;
every buffer (PCA, running statistics, elevation statistics) stays in
float32, and :func:`pose3d_toolbox.utils.hub.load_checkpoint_file` casts the
halved tensors back (``meta['publish']['float16_keys']``).

The file is written as ``<name>-<first 8 hex of its sha256>.pth``. Its
bytes depend only on the input (no time stamp, torch's fixed archive name),
so publishing the same checkpoint twice gives the same hash.
"""
import hashlib
import io
import os
import os.path as osp
import re
import warnings
from typing import Optional, Tuple

import mmengine
import torch
from mmengine.config import Config, ConfigDict

import pose3d_toolbox
from pose3d_toolbox.utils.atomic import atomic_write
from pose3d_toolbox.utils.hub import load_checkpoint_file

KEPT_META = ('epoch', 'iter', 'seed', 'time', 'experiment_name')


def plain(obj):
    """``ConfigDict`` -> ``dict`` recursively (``weights_only`` loading
    accepts only builtin containers)."""
    if isinstance(obj, (dict, ConfigDict)):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(plain(v) for v in obj)
    return obj


def find_codec(model_cfg) -> Optional[dict]:
    """The first ``codec`` config in the model config (``model.codec`` or
    ``model.head.codec``), or None."""
    if isinstance(model_cfg, dict):
        if isinstance(model_cfg.get('codec'), dict):
            return plain(model_cfg['codec'])
        for value in model_cfg.values():
            found = find_codec(value)
            if found is not None:
                return found
    return None


def default_name(checkpoint: dict, path: str) -> str:
    """The config's name: mmengine's ``experiment_name`` without its time
    stamp, else the checkpoint's directory (``work_dirs/<config>/``)."""
    name = (checkpoint.get('meta') or {}).get('experiment_name')
    if name:
        return re.sub(r'_\d{8}_\d{6}$', '', name)
    return osp.basename(osp.dirname(osp.abspath(path)))


def build_model(cfg: Config) -> torch.nn.Module:
    """Build ``cfg.model`` (no weights loaded); warnings of the build, such
    as ElePose's missing stage-1 file, do not concern publishing."""
    from mmengine.registry import init_default_scope

    from pose3d_toolbox.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'pose3d_toolbox'))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return MODELS.build(cfg.model)


def release_checkpoint(path: str, fp16: bool = False,
                       config: Optional[str] = None) -> dict:
    """The release content of the training checkpoint ``path``.

    ``config``: a config file whose (resolved) text the release carries
    instead of the one the checkpoint was trained with, for a checkpoint
    trained before a change of the config's arguments; its model must hold
    exactly the checkpoint's keys.
    """
    checkpoint = load_checkpoint_file(path)
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise KeyError(f'{path} has no state_dict; is it an mmengine '
                       'training checkpoint?')
    meta = dict(checkpoint.get('meta') or {})
    if config is not None:
        meta['cfg'] = Config.fromfile(config).pretty_text
    if not meta.get('cfg'):
        raise KeyError(f'{path} has no meta["cfg"] (the config text mmengine '
                       'saves); a release must carry its config')
    cfg = Config.fromstring(meta['cfg'], '.py')
    state = dict(checkpoint['state_dict'])
    model = build_model(cfg)
    expected = set(model.state_dict())
    if set(state) != expected:
        raise KeyError(
            f'{path} does not match its own config\'s model: missing '
            f'{sorted(expected - set(state))[:5]}, unexpected '
            f'{sorted(set(state) - expected)[:5]}')
    half = []
    if fp16:
        for key, _ in model.named_parameters():
            if state[key].dtype == torch.float32:
                state[key] = state[key].half()
                half.append(key)
    dataset_meta = meta.get('dataset_meta') or {}
    source = dict(file=osp.basename(path),
                  **{k: meta[k] for k in KEPT_META if k in meta})
    return dict(state_dict=state, meta=dict(
        cfg=meta['cfg'], dataset_meta=dataset_meta,
        skeleton=dataset_meta.get('skeleton', 'h36m'),
        codec=find_codec(cfg.model), source=source,
        publish=dict(fp16=fp16, float16_keys=half,
                     pose3d_toolbox=pose3d_toolbox.__version__,
                     mmengine=mmengine.__version__,
                     torch=torch.__version__.split('+')[0])))


def publish_checkpoint(path: str, out_dir: str, name: Optional[str] = None,
                       fp16: bool = False, config: Optional[str] = None
                       ) -> Tuple[str, str, int]:
    """Write the release of ``path`` into ``out_dir`` as
    ``<name>-<sha256[:8]>.pth``; return ``(file, sha256, size in bytes)``.
    """
    release = release_checkpoint(path, fp16=fp16, config=config)
    if name is None:
        name = default_name(dict(meta=release['meta']['source']), path)
    buffer = io.BytesIO()
    torch.save(release, buffer)
    data = buffer.getvalue()
    sha256 = hashlib.sha256(data).hexdigest()
    os.makedirs(out_dir, exist_ok=True)
    out = osp.join(out_dir, f'{name}-{sha256[:8]}.pth')
    with atomic_write(out, 'wb') as f:
        f.write(data)
    return out, sha256, len(data)
