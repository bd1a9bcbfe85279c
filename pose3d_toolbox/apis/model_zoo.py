"""The model zoo: ``model-index.yml``, its metafiles, and verified weights.

``model-index.yml`` (repository root) lists per-method metafiles under
``Import:``, as MMPose lays them out; each metafile's ``Models`` entries
carry ``Name``, ``Config``, ``Metadata`` (``Training Data``, ``Epochs``,
...), ``Results`` (``Task``, ``Dataset``, ``Protocol``, ``Metrics``),
``Weights`` (a repository-relative path or an http(s) URL), ``Sha256`` (the
file's full hash, whose first 8 hex digits are in its name), ``Training
Log`` and ``Command`` (what reproduces the metrics from the file).

Environment:
    POSE3D_MODEL_INDEX: another index file (default: the repository's).
    POSE3D_ZOO_URL: a base URL (mirror) from which repository-relative
        ``Weights`` are downloaded, instead of being read from the checkout.
    POSE3D_HOME: the download cache root, see :mod:`pose3d_toolbox.utils.hub`.

Importing this module registers the toolbox's loaders with mmengine's
``CheckpointLoader`` (:func:`register_checkpoint_loaders`), so ``load_from``,
``--resume`` and ``init_cfg=dict(type='Pretrained', checkpoint=...)`` load
local files, http(s) URLs (verified) and ``zoo://NAME`` through
:func:`pose3d_toolbox.utils.hub.load_checkpoint_file`.
"""
import difflib
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import yaml

from pose3d_toolbox.utils.hub import (download_checkpoint, file_name_of,
                                      get_cache_dir, is_url,
                                      load_checkpoint_file, verify_file)

INDEX_ENV = 'POSE3D_MODEL_INDEX'
MIRROR_ENV = 'POSE3D_ZOO_URL'
ZOO_SCHEME = 'zoo://'
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@dataclass
class ModelInfo:
    """One ``Models`` entry of a metafile (paths resolved against
    ``root``, the index's directory)."""
    name: str
    config: str
    weights: str
    sha256: str
    results: List[dict]
    metadata: Dict = field(default_factory=dict)
    training_log: str = ''
    command: str = ''
    collection: str = ''
    metafile: str = ''
    root: str = REPO_ROOT

    @property
    def file_name(self) -> str:
        return (file_name_of(self.weights) if is_url(self.weights)
                else osp.basename(self.weights))

    def source(self) -> str:
        """Where the weights come from: the URL, the mirror's URL
        (``$POSE3D_ZOO_URL/<Weights>``) or the file in the checkout."""
        if is_url(self.weights):
            return self.weights
        mirror = os.environ.get(MIRROR_ENV)
        if mirror:
            return mirror.rstrip('/') + '/' + self.weights.lstrip('/')
        return osp.join(self.root, self.weights)

    def location(self) -> Optional[str]:
        """The local file if present (checkout or cache), else None.
        Presence only; :func:`resolve_weights` verifies."""
        source = self.source()
        if not is_url(source):
            return source if osp.isfile(source) else None
        cached = osp.join(get_cache_dir(), self.file_name)
        return cached if osp.isfile(cached) else None


def index_file() -> str:
    return os.environ.get(INDEX_ENV) or osp.join(REPO_ROOT, 'model-index.yml')


def _read_yaml(path: str) -> dict:
    if not osp.isfile(path):
        raise FileNotFoundError(f'model index {path} does not exist; set '
                                f'{INDEX_ENV} or run from a checkout')
    with open(path) as f:
        return yaml.safe_load(f) or {}


REQUIRED = ('Name', 'Config', 'Results', 'Weights', 'Sha256')


def load_model_index(path: Optional[str] = None) -> Dict[str, ModelInfo]:
    """Read the index and its imported metafiles: ``{name: ModelInfo}``.

    Raises ``ValueError`` naming the metafile and the entry when a required
    key is missing, a hash is not a full sha256, its first 8 digits are not
    in the file name, or a name is used twice.
    """
    path = path or index_file()
    root = osp.dirname(osp.abspath(path))
    models: Dict[str, ModelInfo] = {}
    for rel in _read_yaml(path).get('Import', []):
        metafile = osp.join(root, rel)
        for entry in _read_yaml(metafile).get('Models', []):
            where = f'{metafile}: model {entry.get("Name")!r}'
            missing = [k for k in REQUIRED if k not in entry]
            if missing:
                raise ValueError(f'{where} lacks {", ".join(missing)}')
            info = ModelInfo(
                name=entry['Name'], config=osp.join(root, entry['Config']),
                weights=entry['Weights'], sha256=str(entry['Sha256']).lower(),
                results=entry['Results'], metadata=entry.get('Metadata', {}),
                training_log=entry.get('Training Log', ''),
                command=entry.get('Command', ''),
                collection=entry.get('In Collection', ''),
                metafile=metafile, root=root)
            if len(info.sha256) != 64 or any(
                    c not in '0123456789abcdef' for c in info.sha256):
                raise ValueError(f'{where}: Sha256 must be the full 64-digit '
                                 f'hex hash, got {info.sha256!r}')
            if f'-{info.sha256[:8]}.' not in info.file_name:
                raise ValueError(f'{where}: the file name {info.file_name} '
                                 f'lacks the hash prefix -{info.sha256[:8]}')
            if info.name in models:
                raise ValueError(f'{where}: the name is also used in '
                                 f'{models[info.name].metafile}')
            models[info.name] = info
    return models


def get_model_info(name: str, path: Optional[str] = None) -> ModelInfo:
    """The index entry called ``name``; a typo gets the closest names."""
    models = load_model_index(path)
    if name in models:
        return models[name]
    close = difflib.get_close_matches(name, list(models), n=3, cutoff=0.5)
    hint = f' Did you mean {" or ".join(close)}?' if close else ''
    raise ValueError(
        f'{name!r} is not a model of the zoo ({path or index_file()}).{hint}'
        ' `python tools/misc/list_models.py` lists them; a config (.py) or '
        'checkpoint (.pth, http(s) URL) path works too.')


def resolve_weights(info: ModelInfo, progress: bool = True) -> str:
    """A verified local file of ``info``'s weights: downloaded into the
    cache (once) when they are a URL or ``$POSE3D_ZOO_URL`` is set, else
    the checkout's file, checked against the index's sha256."""
    source = info.source()
    if is_url(source):
        return download_checkpoint(source, sha256=info.sha256,
                                   progress=progress)
    if not osp.isfile(source):
        raise FileNotFoundError(
            f'{info.name}: {source} is not in this checkout; set '
            f'{MIRROR_ENV} to a server holding {info.weights}')
    verify_file(source, info.sha256)
    return source


def find_sha256(url: str) -> Optional[str]:
    """The index hash of the zoo file that ``url`` names, or None."""
    try:
        models = load_model_index()
    except FileNotFoundError:
        return None
    name = file_name_of(url)
    for info in models.values():
        if info.file_name == name:
            return info.sha256
    return None


def config_and_checkpoint(name_or_config: str,
                          checkpoint: Optional[str] = None):
    """``(config file, checkpoint)`` for a tool's ``CONFIG [CHECKPOINT]``
    arguments: a config path passes through; a zoo name gives its config
    and, unless ``checkpoint`` is given, ``zoo://NAME`` (fetched and
    verified when the Runner loads it)."""
    if name_or_config.endswith('.py'):
        return name_or_config, checkpoint
    info = get_model_info(name_or_config)
    return info.config, checkpoint or ZOO_SCHEME + info.name


def _on_rank_zero_first(fetch):
    """Run ``fetch()`` on rank 0, then (after a barrier) on the others, so
    one process downloads and the rest hit the cache."""
    from mmengine.dist import barrier, get_dist_info
    rank, world_size = get_dist_info()
    if rank == 0:
        result = fetch()
    if world_size > 1:
        barrier()
        if rank > 0:
            result = fetch()
    return result


def load_from_safe_local(filename, map_location=None):
    """mmengine scheme ``''``: a local file through the safe loader."""
    return load_checkpoint_file(filename, map_location=map_location)


def load_from_verified_http(filename, map_location=None):
    """mmengine schemes ``http://``/``https://``: verified download (the
    index's hash for zoo files, else the hash prefix in the name)."""
    path = _on_rank_zero_first(lambda: download_checkpoint(
        filename, sha256=find_sha256(filename)))
    return load_checkpoint_file(path, map_location=map_location)


def load_from_model_zoo(filename, map_location=None):
    """mmengine scheme ``zoo://NAME``: a model-zoo checkpoint by name."""
    info = get_model_info(filename[len(ZOO_SCHEME):])
    path = _on_rank_zero_first(lambda: resolve_weights(info))
    return load_checkpoint_file(path, map_location=map_location)


def register_checkpoint_loaders() -> None:
    """Route mmengine's checkpoint loading (``load_from``, ``--resume``,
    ``Pretrained`` init) through the safe loader. Idempotent."""
    from mmengine.runner import CheckpointLoader
    CheckpointLoader.register_scheme('', load_from_safe_local, force=True)
    CheckpointLoader.register_scheme(('http://', 'https://'),
                                     load_from_verified_http, force=True)
    CheckpointLoader.register_scheme(ZOO_SCHEME, load_from_model_zoo,
                                     force=True)


register_checkpoint_loaders()
