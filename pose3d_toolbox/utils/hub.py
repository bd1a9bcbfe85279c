"""Verified checkpoint downloads and the one safe checkpoint loader.

- :func:`download_checkpoint` fetches an http(s) URL into the cache
  directory (:func:`get_cache_dir`: ``$POSE3D_HOME/checkpoints``, by default
  ``~/.cache/pose3d_toolbox/checkpoints``). It streams into a temporary file
  next to the destination, hashes while it writes, and renames the file into
  place only when its sha256 matches the expected one -- the full hash given
  by the caller (the model index), or else the hex prefix in the file name
  (``name-<8+ hex>.pth``, as ``torch.hub`` names files). A cut, tampered or
  unverifiable download raises and is deleted; a verified file already in
  the cache is used without a network request.
- :func:`load_checkpoint_file` is the loader every checkpoint of the
  toolbox goes through: ``torch.load(weights_only=True)`` with the
  allow-list of :func:`pose3d_toolbox.engine.checkpoint.
  allow_checkpoint_globals`, so a pickle that would run code is refused
  before any of it runs. Tensors a published file stored in float16
  (``meta['publish']['float16_keys']``) come back as float32.
"""
import hashlib
import http.client
import os
import os.path as osp
import pickle
import re
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
from typing import Optional

import torch

HOME_ENV = 'POSE3D_HOME'
DEFAULT_HOME = osp.join('~', '.cache', 'pose3d_toolbox')
# ``name-<hex>.pth`` (torch.hub) and ``name-<hex>_<yyyymmdd>.pth`` (OpenMMLab)
HASH_IN_NAME = re.compile(r'-([0-9a-f]{8,64})(?:_\d{8})?\.[A-Za-z0-9]+$')
CHUNK = 1 << 20


class ChecksumError(RuntimeError):
    """A file's sha256 differs from the expected one (or cannot be checked)."""


class DownloadError(RuntimeError):
    """A download failed: server error, unreachable host or a cut transfer."""


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds Python objects outside the allow-list."""


def get_cache_dir() -> str:
    """``$POSE3D_HOME/checkpoints``, or ``~/.cache/pose3d_toolbox/
    checkpoints`` when the variable is unset."""
    home = os.environ.get(HOME_ENV) or DEFAULT_HOME
    return osp.join(osp.expanduser(home), 'checkpoints')


def is_url(name) -> bool:
    return isinstance(name, str) and name.startswith(('http://', 'https://'))


def file_name_of(url: str) -> str:
    """The last path component of ``url`` (no query string)."""
    name = osp.basename(urllib.parse.urlparse(url).path)
    if not name:
        raise ValueError(f'{url}: the URL names no file')
    return name


def hash_prefix(file_name: str) -> Optional[str]:
    """The hex digits after the last ``-`` of ``file_name`` (8 to 64), or
    None; e.g. ``'resnet18-f37072fd.pth'`` -> ``'f37072fd'``."""
    match = HASH_IN_NAME.search(osp.basename(file_name))
    return match.group(1) if match else None


def sha256sum(path: str) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def hash_matches(actual: str, expected: str) -> bool:
    """Whether the full hex ``actual`` equals ``expected`` (full or prefix)."""
    expected = expected.lower()
    return len(expected) >= 8 and actual.lower().startswith(expected)


def verify_file(path: str, expected: str) -> str:
    """Raise :class:`ChecksumError` unless ``path`` hashes to ``expected``
    (a full sha256 or its prefix); return the full hash."""
    actual = sha256sum(path)
    if not hash_matches(actual, expected):
        raise ChecksumError(
            f'{path}: sha256 is {actual}, expected {expected}. The file is '
            'damaged or not the published one; delete it and download it '
            'again.')
    return actual


def _progress_bar(name: str, total: Optional[int]):
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, Progress,
                               TextColumn, TimeRemainingColumn,
                               TransferSpeedColumn)
    bar = Progress(TextColumn('{task.description}'), BarColumn(),
                   DownloadColumn(), TransferSpeedColumn(),
                   TimeRemainingColumn(), console=Console(file=sys.stderr))
    task = bar.add_task(f'Downloading {name}', total=total)
    return bar, task


def _stream(url: str, out, progress: bool, timeout: float) -> str:
    """Copy ``url`` into the open file ``out``; return the hex sha256 of the
    bytes written. Raise :class:`DownloadError` on an HTTP error, an
    unreachable server or fewer bytes than the announced length."""
    digest = hashlib.sha256()
    try:
        response = urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as err:
        raise DownloadError(f'{url}: the server answered {err.code} '
                            f'{err.reason}') from None
    except (urllib.error.URLError, OSError) as err:
        raise DownloadError(f'{url}: cannot connect ({err})') from None
    with response:
        length = response.headers.get('Content-Length')
        total = int(length) if length and length.isdigit() else None
        bar, task = _progress_bar(file_name_of(url), total) if progress \
            else (None, None)
        received = 0
        try:
            if bar is not None:
                bar.start()
            while True:
                try:
                    chunk = response.read(CHUNK)
                except http.client.IncompleteRead as err:
                    received += len(err.partial)
                    chunk = None
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(task, advance=len(chunk))
        except OSError as err:
            raise DownloadError(f'{url}: the transfer broke off after '
                                f'{received} bytes ({err})') from None
        finally:
            if bar is not None:
                bar.stop()
    if total is not None and received != total:
        raise DownloadError(f'{url}: the transfer ended after {received} of '
                            f'{total} bytes')
    return digest.hexdigest()


def download_checkpoint(url: str, sha256: Optional[str] = None,
                        cache_dir: Optional[str] = None,
                        progress: bool = True, timeout: float = 60.0) -> str:
    """Download ``url`` into the cache once, verified; return its path.

    Args:
        url: an http(s) URL whose last component is the file name.
        sha256: the expected full hash (or a prefix of at least 8 hex
            digits). Default: the hex prefix in the file name; a URL with
            neither is refused, since nothing could vouch for its bytes.
        cache_dir: default :func:`get_cache_dir`.
        progress: show a progress bar on stderr.
        timeout: socket timeout in seconds.

    A cached file that hashes right is returned without a request; one that
    does not is deleted and downloaded again. Raises :class:`DownloadError`
    or :class:`ChecksumError`; in both cases no file is left behind.
    """
    name = file_name_of(url)
    expected = sha256 or hash_prefix(name)
    if not expected:
        raise ChecksumError(
            f'{url}: cannot verify {name}: no sha256 was given and the file '
            'name carries no hash (name-<8 hex digits>.pth, as torch.hub '
            'names files). Pass its sha256, or use a model-zoo name.')
    cache_dir = cache_dir or get_cache_dir()
    os.makedirs(cache_dir, exist_ok=True)
    dst = osp.join(cache_dir, name)
    if osp.isfile(dst):
        actual = sha256sum(dst)
        if hash_matches(actual, expected):
            return dst
        warnings.warn(f'{dst}: cached sha256 {actual} differs from the '
                      f'expected {expected}; deleting it and downloading '
                      f'{url} again', stacklevel=2)
        os.remove(dst)
    fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix='.partial',
                               dir=cache_dir)
    try:
        with os.fdopen(fd, 'wb') as out:
            actual = _stream(url, out, progress, timeout)
            out.flush()
            os.fsync(out.fileno())
        if not hash_matches(actual, expected):
            raise ChecksumError(
                f'{url}: the downloaded {name} has sha256 {actual}, expected '
                f'{expected}; it was deleted and not used. The server holds '
                'a different (tampered or re-published) file.')
        os.replace(tmp, dst)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return dst


def _unsupported_global(err: Exception) -> str:
    match = re.search(r'Unsupported global: GLOBAL ([\w.]+)', str(err))
    return match.group(1) if match else str(err).splitlines()[0]


def load_checkpoint_file(filename: str, map_location='cpu',
                         sha256: Optional[str] = None,
                         progress: bool = True):
    """Load a checkpoint safely: a local path, or an http(s) URL downloaded
    through :func:`download_checkpoint`.

    ``torch.load(weights_only=True)`` with the toolbox's allow-list of what
    mmengine checkpoints legitimately hold; anything else in the pickle (a
    function call, a class outside the list) is refused with
    :class:`UnsafeCheckpointError` and nothing in the file runs. If
    ``sha256`` is given a local file is verified first. Tensors a
    published file stored in float16 are cast back to float32.
    """
    from pose3d_toolbox.engine.checkpoint import allow_checkpoint_globals
    if is_url(filename):
        filename = download_checkpoint(filename, sha256=sha256,
                                       progress=progress)
    else:
        filename = osp.expanduser(filename)
        if not osp.isfile(filename):
            raise FileNotFoundError(f'checkpoint {filename} does not exist')
        if sha256:
            verify_file(filename, sha256)
    allow_checkpoint_globals()
    try:
        checkpoint = torch.load(filename, map_location=map_location,
                                weights_only=True)
    except pickle.UnpicklingError as err:
        raise UnsafeCheckpointError(
            f'{filename}: refused to load: it pickles '
            f'{_unsupported_global(err)}, which is neither a tensor nor '
            'anything an mmengine checkpoint holds, and unpickling it could '
            'run code. Nothing in the file was run. Only load checkpoints '
            'from sources you trust; this toolbox never turns weights_only '
            'off.') from None
    return restore_float32(checkpoint)


def restore_float32(checkpoint):
    """Cast the tensors listed in ``meta['publish']['float16_keys']`` (see
    ``tools/misc/publish_model.py``) back to float32, in place."""
    if not isinstance(checkpoint, dict):
        return checkpoint
    meta = checkpoint.get('meta') or {}
    keys = (meta.get('publish') or {}).get('float16_keys') or ()
    state = checkpoint.get('state_dict', {})
    for key in keys:
        if key in state and state[key].dtype == torch.float16:
            state[key] = state[key].float()
    return checkpoint
