"""List the model zoo: name, task, headline metrics, file size, and whether
the weights are here (in the checkout or the download cache).

    python tools/misc/list_models.py [--index model-index.yml]

Names are what ``init_model(NAME)`` and ``zoo://NAME`` take; the protocol
of each metric is in the model's metafile (see ``model-index.yml``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from pose3d_toolbox.apis.model_zoo import load_model_index  # noqa: E402
from pose3d_toolbox.utils.hub import get_cache_dir, is_url  # noqa: E402


def status(info) -> str:
    """'in checkout', 'cached' or 'not downloaded' (presence only; loading
    verifies the sha256)."""
    where = info.location()
    if where is None:
        return 'not downloaded'
    return 'cached' if is_url(info.source()) else 'in checkout'


def rows(models):
    for info in models.values():
        result = info.results[0]
        metrics = ', '.join(f'{k} {v}' for k, v in result['Metrics'].items())
        where = info.location()
        size = f'{osp.getsize(where) / 2**20:.1f} MiB' if where else '-'
        yield (info.name, result['Task'], metrics, size, status(info))


def main(argv=None):
    parser = argparse.ArgumentParser(description='List the model zoo')
    parser.add_argument('--index', help='model-index.yml (default: the '
                        "repository's, or $POSE3D_MODEL_INDEX)")
    args = parser.parse_args(argv)
    models = load_model_index(args.index)
    header = ('name', 'task', 'metrics (first result)', 'size', 'weights')
    table = [header] + list(rows(models))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print('  '.join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    print(f'\n{len(models)} models; download cache: {get_cache_dir()} '
          '(set POSE3D_HOME to move it)')


if __name__ == '__main__':
    main()
