"""Throughput of an image model's training on this machine.

For the config's training set and model, measures side by side with and
without the augmentation transforms (``RandomFlip``,
``RandomBBoxTransform``, ``ColorJitter``; the crop itself stays):

- ``pipeline``: data-pipeline samples per second (one process, renders
  cached beforehand, so this is the per-sample transform cost);
- ``train step``: images per second of the training step alone
  (preprocessor, forward, loss, backward, optimizer step) on ready batches;
- ``end to end``: images per second of loading a batch through the pipeline
  and training on it in one process (``num_workers=0``).

Example:
    python tools/analysis/benchmark_image_throughput.py \
        configs/integral2d_r18_cmu.py --batches 6
"""
import argparse
import os.path as osp
import sys
import time

import numpy as np

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from pose3d_toolbox.apis.runner import (add_cfg_options_arg,  # noqa: E402
                                        apply_cfg_options)

AUGMENTATIONS = ('RandomFlip', 'RandomBBoxTransform', 'ColorJitter')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?',
                        default='configs/integral2d_r18_cmu.py')
    parser.add_argument('--batches', type=int, default=6,
                        help='timed batches per measurement')
    parser.add_argument('--batch-size', type=int,
                        help='default: the config\'s train batch size')
    parser.add_argument('--threads', type=int,
                        help='torch threads (default: torch\'s choice)')
    add_cfg_options_arg(parser)
    return parser.parse_args(argv)


def build(cfg, augment):
    from pose3d_toolbox.registry import DATASETS
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    pipeline = [t for t in dataset_cfg['pipeline']
                if augment or t['type'] not in AUGMENTATIONS]
    dataset_cfg['pipeline'] = pipeline
    return DATASETS.build(dataset_cfg)


def time_pipeline(dataset, indices):
    start = time.perf_counter()
    items = [dataset[int(i)] for i in indices]
    return len(items) / (time.perf_counter() - start), items


def train_step(model, optimizer, batch):
    data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from pose3d_toolbox.registry import MODELS
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = Config.fromfile(args.config)
    apply_cfg_options(cfg, args.cfg_options, args.config)
    init_default_scope(cfg.get('default_scope', 'pose3d_toolbox'))
    bs = args.batch_size or cfg.train_dataloader.batch_size
    n = args.batches * bs
    np.random.seed(0)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), 1e-4)
    results = {}
    for augment in (True, False):
        dataset = build(cfg, augment)
        indices = np.random.default_rng(0).choice(len(dataset), n + bs,
                                                  replace=False)
        time_pipeline(dataset, indices)  # warm-up: fills the render cache
        pipe, items = time_pipeline(dataset, indices[:n])
        batches = [pseudo_collate(items[i:i + bs]) for i in range(0, n, bs)]
        train_step(model, optimizer, batches[0])  # warm-up
        start = time.perf_counter()
        for batch in batches:
            train_step(model, optimizer, batch)
        step = n / (time.perf_counter() - start)
        start = time.perf_counter()
        for b in range(args.batches):
            chunk = indices[b * bs:(b + 1) * bs]
            train_step(model, optimizer,
                       pseudo_collate([dataset[int(i)] for i in chunk]))
        end_to_end = n / (time.perf_counter() - start)
        results[augment] = (pipe, step, end_to_end)
    print(f'\nImage training throughput, {osp.basename(args.config)}, batch '
          f'{bs}, {args.batches} batches, torch threads '
          f'{torch.get_num_threads()}')
    print('| measurement            | augmented | no augmentation | ratio |')
    print('|------------------------|-----------|-----------------|-------|')
    names = ('pipeline samples/s', 'train step images/s',
             'end to end images/s')
    for k, name in enumerate(names):
        a, b = results[True][k], results[False][k]
        print(f'| {name:<22} | {a:9.1f} | {b:15.1f} | {a / b:5.2f} |')
    return results


if __name__ == '__main__':
    main()
