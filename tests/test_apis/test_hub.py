"""Verified downloads and the safe loader, against a local HTTP server."""
import builtins
import hashlib
import io
import os

import pytest
import torch
from mmengine.runner import CheckpointLoader

import pose3d_toolbox.apis  # noqa: F401 (registers the loaders)
from pose3d_toolbox.utils.hub import (ChecksumError, DownloadError,
                                      UnsafeCheckpointError,
                                      download_checkpoint, get_cache_dir,
                                      hash_prefix, load_checkpoint_file)

pytest_plugins = ['http_server']


def checkpoint_bytes(value=1.5):
    buf = io.BytesIO()
    torch.save(dict(state_dict={'w': torch.full((3,), value)},
                    meta=dict(epoch=2)), buf)
    return buf.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def published(server, data, stem='model'):
    """Serve ``data`` as ``/<stem>-<sha[:8]>.pth``; return the URL."""
    return server.add(f'/{stem}-{sha(data)[:8]}.pth', data)


def leftovers(cache):
    return sorted(os.listdir(cache)) if cache.exists() else []


def test_cache_dir_follows_pose3d_home(monkeypatch, tmp_path):
    monkeypatch.setenv('POSE3D_HOME', str(tmp_path))
    assert get_cache_dir() == str(tmp_path / 'checkpoints')
    monkeypatch.delenv('POSE3D_HOME')
    assert get_cache_dir() == os.path.expanduser(
        '~/.cache/pose3d_toolbox/checkpoints')


def test_hash_prefix_in_file_names():
    assert hash_prefix('resnet18-f37072fd.pth') == 'f37072fd'
    assert hash_prefix('res50_coco_256x192-ec54d7f3_20200708.pth') == \
        'ec54d7f3'
    assert hash_prefix('epoch_3.pth') is None
    assert hash_prefix('model-abc.pth') is None  # fewer than 8 digits


def test_download_verifies_and_caches(server, cache):
    data = checkpoint_bytes()
    url = published(server, data)
    path = download_checkpoint(url, progress=False)
    assert open(path, 'rb').read() == data
    assert leftovers(cache) == [os.path.basename(path)]
    assert len(server.requests) == 1
    # cache hit: no request, same file
    assert download_checkpoint(url, progress=False) == path
    assert len(server.requests) == 1
    ckpt = load_checkpoint_file(url)
    assert len(server.requests) == 1
    assert ckpt['state_dict']['w'].tolist() == [1.5, 1.5, 1.5]


def test_full_hash_from_caller(server, cache):
    data = checkpoint_bytes()
    url = server.add('/plain.pth', data)
    assert download_checkpoint(url, sha256=sha(data), progress=True)
    with pytest.raises(ChecksumError, match='no sha256 was given'):
        download_checkpoint(server.add('/other.pth', data), progress=False)
    assert server.requests == ['/plain.pth']  # the unverifiable one: none


def test_tampered_file_is_refused_and_deleted(server, cache):
    good, evil = checkpoint_bytes(1.0), checkpoint_bytes(666.0)
    url = server.add(f'/model-{sha(good)[:8]}.pth', evil)
    with pytest.raises(ChecksumError) as err:
        download_checkpoint(url, progress=False)
    message = str(err.value)
    assert f'model-{sha(good)[:8]}.pth' in message
    assert sha(evil) in message and sha(good)[:8] in message
    assert leftovers(cache) == []
    # a full expected hash is named in full
    with pytest.raises(ChecksumError, match=sha(good)):
        download_checkpoint(url, sha256=sha(good), progress=False)
    assert leftovers(cache) == []


def test_truncated_transfer_is_refused(server, cache):
    data = checkpoint_bytes()
    url = published(server, data)
    server.cut[url[len(server.url):]] = len(data) // 2
    with pytest.raises(DownloadError,
                       match=f'ended after {len(data) // 2} of {len(data)}'):
        download_checkpoint(url, progress=False)
    assert leftovers(cache) == []


@pytest.mark.parametrize('status', [404, 500])
def test_server_error(server, cache, status):
    url = published(server, checkpoint_bytes())
    server.errors[url[len(server.url):]] = status
    with pytest.raises(DownloadError, match=f'answered {status}'):
        download_checkpoint(url, progress=False)
    assert leftovers(cache) == []


def test_tampered_cache_is_downloaded_again(server, cache):
    data = checkpoint_bytes()
    url = published(server, data)
    path = download_checkpoint(url, progress=False)
    with open(path, 'r+b') as f:
        f.write(b'x')
    with pytest.warns(UserWarning, match='differs from the expected'):
        assert download_checkpoint(url, progress=False) == path
    assert open(path, 'rb').read() == data
    assert len(server.requests) == 2


class _Payload:
    """Unpickling this runs ``exec`` and creates the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.exec, (f'open({self.marker!r}, "w").close()',))


def malicious_checkpoint(tmp_path):
    marker = tmp_path / 'pwned'
    buf = io.BytesIO()
    torch.save(dict(state_dict={'w': torch.ones(2)},
                    meta=dict(hook=_Payload(marker))), buf)
    data = buf.getvalue()
    # The payload is live: an unsafe load would run it.
    torch.load(io.BytesIO(data), weights_only=False)
    assert marker.exists()
    marker.unlink()
    return data, marker


def test_malicious_pickle_runs_nothing(tmp_path, server, cache):
    data, marker = malicious_checkpoint(tmp_path)
    local = tmp_path / 'evil.pth'
    local.write_bytes(data)
    with pytest.raises(UnsafeCheckpointError) as err:
        load_checkpoint_file(str(local))
    assert 'pickles exec,' in str(err.value) and str(local) in str(err.value)
    # the same file with a valid hash: downloaded, verified, still refused
    url = published(server, data, stem='evil')
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint_file(url)
    # through mmengine (load_from, init_cfg Pretrained, --resume)
    for source in (str(local), url):
        with pytest.raises(UnsafeCheckpointError):
            CheckpointLoader.load_checkpoint(source)
    assert not marker.exists()


def test_mmengine_http_loads_are_verified(server, cache):
    good = checkpoint_bytes()
    url = server.add(f'/m-{sha(good)[:8]}.pth', checkpoint_bytes(9.0))
    with pytest.raises(ChecksumError):
        CheckpointLoader.load_checkpoint(url)
    server.files[url[len(server.url):]] = good
    ckpt = CheckpointLoader.load_checkpoint(url)
    assert ckpt['state_dict']['w'].tolist() == [1.5, 1.5, 1.5]
