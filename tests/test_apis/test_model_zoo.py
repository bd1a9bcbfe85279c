"""The shipped model zoo as a user meets it: model-index.yml against the
files and model-zoo.md, a name fetched from a local server, verified and
loaded, and tools/test.py reproducing each index entry's subset metrics
from the published file."""
import os.path as osp
import re
from pathlib import Path

import pytest
import torch
from conftest import run_tool

from pose3d_toolbox.apis import (config_and_checkpoint, init_model,
                                 load_model_index)
from pose3d_toolbox.utils.hub import ChecksumError, sha256sum

pytest_plugins = ['http_server']

REPO = Path(__file__).resolve().parents[2]
MODELS = load_model_index()
MAX_TOTAL_MB = 80
LINK = re.compile(r'checkpoints/([\w.-]+\.pth)')


def test_index_entries_point_at_verified_files():
    assert MODELS, 'model-index.yml lists no model'
    total = 0
    for info in MODELS.values():
        assert osp.isfile(info.config), info.config
        path = REPO / info.weights
        assert sha256sum(str(path)) == info.sha256, info.name
        total += path.stat().st_size
        assert info.weights in info.command and \
            osp.relpath(info.config, REPO) in info.command
        assert (REPO / info.training_log).is_file(), info.training_log
        for result in info.results:
            assert {'Task', 'Dataset', 'Protocol', 'Metrics'} <= set(result)
            assert result['Metrics']
    assert total < MAX_TOTAL_MB * 2**20


def table_rows(text):
    """``(header cells, row cells)`` of every markdown table row."""
    header = None
    for line in text.splitlines():
        if not line.startswith('|'):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if all(set(c) <= set('-: ') for c in cells):
            continue
        if header is None:
            header = cells
            continue
        yield header, cells


def numbers(cells):
    """The numeric cells (``**64.2**``, ``6.5 / 6.2 / 446.4``) as floats."""
    for cell in cells:
        parts = cell.replace('*', '').split(' / ')
        try:
            yield from (float(p) for p in parts)
        except ValueError:
            continue


def index_numbers(info):
    found = {float(v) for r in info.results for v in r['Metrics'].values()}
    found |= {float(v) for v in info.metadata.values()
              if isinstance(v, (int, float))}
    return found


def test_model_zoo_md_agrees_with_the_index():
    rows = list(table_rows((REPO / 'model-zoo.md').read_text()))
    by_file = {info.file_name: info for info in MODELS.values()}
    for info in MODELS.values():
        linked = [set(numbers(cells)) for _, cells in rows
                  if any(info.file_name in c for c in cells)]
        assert linked, f'model-zoo.md has no row linking {info.weights}'
        for result in info.results:
            wanted = {float(v) for v in result['Metrics'].values()}
            assert any(wanted <= row for row in linked), (
                f'{info.name}: no model-zoo.md row shows {wanted} '
                f'({result["Dataset"]})')
    for header, cells in rows:
        files = [m for c in cells for m in LINK.findall(c)]
        if 'checkpoint' in header:
            cell = cells[header.index('checkpoint')]
            assert files or 'no checkpoint' in cell, (
                f'model-zoo.md row {cells[:2]}: the checkpoint cell must '
                'link a file or say "no checkpoint"')
        for name in files:
            assert name in by_file, f'model-zoo.md links {name}, not indexed'
            extra = set(numbers(cells)) - index_numbers(by_file[name])
            assert not extra, (f'model-zoo.md row of {name} shows {extra}, '
                               'which model-index.yml does not hold')


def smallest():
    return min(MODELS.values(),
               key=lambda info: (REPO / info.weights).stat().st_size)


def test_name_fetched_from_a_server_verified_and_loaded(server, cache,
                                                        monkeypatch):
    info = smallest()
    data = (REPO / info.weights).read_bytes()
    path = '/mirror/' + info.weights
    server.add(path, data)
    monkeypatch.setenv('POSE3D_ZOO_URL', server.url + '/mirror')
    reference = torch.load(REPO / info.weights, weights_only=True)
    for source in (info.name, server.url + path):
        model = init_model(source)
        assert server.requests == [path]  # the second one hits the cache
        assert (cache / info.file_name).read_bytes() == data
        for key, value in model.state_dict().items():
            assert torch.equal(value, reference['state_dict'][key].float()
                               if value.is_floating_point()
                               else reference['state_dict'][key]), key
    (cache / info.file_name).unlink()
    init_model(server.url + path)  # by URL: hash prefix in the file name
    assert server.requests == [path, path]
    listing = run_tool('tools/misc/list_models.py', env=dict(
        POSE3D_ZOO_URL=server.url + '/mirror',
        POSE3D_HOME=str(cache.parent))).stdout
    for other in MODELS.values():
        status = 'cached' if other is info else 'not downloaded'
        assert re.search(rf'^{re.escape(other.name)}\s.*{status}$', listing,
                         re.M), listing
    # the server's copy is tampered with: refused, nothing kept
    (cache / info.file_name).unlink()
    server.files[path] = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(ChecksumError, match=info.sha256):
        init_model(info.name)
    assert list(cache.iterdir()) == []


def test_tool_arguments_and_typos():
    name = next(iter(MODELS))
    assert config_and_checkpoint(name) == (MODELS[name].config,
                                           f'zoo://{name}')
    assert config_and_checkpoint('a.py', 'b.pth') == ('a.py', 'b.pth')
    with pytest.raises(ValueError, match=f'Did you mean {name}'):
        init_model(name[:-1])


def metric(text, key):
    found = re.findall(rf'(?:^|\s){re.escape(key)}: (-?[0-9.]+)', text)
    assert found, f'{key} not printed'
    return float(found[-1])


@pytest.mark.parametrize('name', sorted(MODELS))
def test_published_file_reproduces_its_subset_metrics(name, tmp_path):
    info = MODELS[name]
    subset = info.results[-1]
    assert 'Test Options' in subset, f'{name}: no subset check in the index'
    # The smallest model goes by its zoo name alone (config and verified
    # file from the index), the others by config and published file.
    args = ([name] if name == smallest().name else
            [osp.relpath(info.config, REPO), info.weights])
    proc = run_tool('tools/test.py', *args, '--work-dir', str(tmp_path),
                    '--cfg-options', *subset['Test Options'].split())
    log = proc.stdout + proc.stderr
    for key, value in subset['Metrics'].items():
        printed = metric(log, key)
        assert printed == pytest.approx(value, abs=0.05 + 1e-9), key
