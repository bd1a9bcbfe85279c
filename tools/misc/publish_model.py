"""Turn a training checkpoint into a release file for the model zoo.

    python tools/misc/publish_model.py CKPT OUT_DIR [--fp16] [--name NAME]
        [--config CONFIG]

Keeps the weights and the meta a user needs (config, dataset meta, skeleton,
codec), optionally stores the parameters in float16 (buffers stay float32),
writes ``OUT_DIR/<NAME>-<first 8 hex of sha256>.pth`` and prints its full
sha256 and size for ``model-index.yml``. See
:mod:`pose3d_toolbox.apis.publish`.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from pose3d_toolbox.apis.publish import publish_checkpoint  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='training checkpoint (.pth)')
    parser.add_argument('out_dir', help='directory for the release file')
    parser.add_argument('--fp16', action='store_true',
                        help='store floating parameters in float16')
    parser.add_argument('--name', help='file name stem (default: the '
                        "checkpoint's config name)")
    parser.add_argument('--config', help='carry this config file instead '
                        'of the one the checkpoint was trained with (for a '
                        'checkpoint older than a change of config arguments)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    path, sha256, size = publish_checkpoint(args.checkpoint, args.out_dir,
                                            name=args.name, fp16=args.fp16,
                                            config=args.config)
    print(f'published {path}')
    print(f'sha256: {sha256}')
    print(f'size: {size} bytes ({size / 2**20:.2f} MiB)')
    return path


if __name__ == '__main__':
    main()
