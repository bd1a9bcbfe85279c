"""2D error of an image model's reference points on its test set.

Prints one table row per estimator, all through the config's test data and
its ``Keypoint2DMetric``:

- ``mean pose``: the mean training pose, in input-crop coordinates, placed
  in every test box (the best guess that ignores the pixels);
- ``untrained``: the config's model with its initial weights;
- ``trained``: the model loaded from ``--checkpoint`` (if given).

Example:
    python tools/analysis/eval_2d_baselines.py configs/integral2d_r18_cmu.py \
        --checkpoint work_dirs/integral2d_r18_cmu/epoch_2.pth
"""
import argparse
import os.path as osp
import sys
import tempfile

import numpy as np

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

from pose3d_toolbox.apis.runner import (add_cfg_options_arg,  # noqa: E402
                                        apply_cfg_options)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--checkpoint', help='trained weights to compare')
    parser.add_argument('--train-samples', type=int, default=1000,
                        help='training samples averaged for the mean pose')
    add_cfg_options_arg(parser)
    return parser.parse_args(argv)


def _crop_geometry(info, input_size):
    """Image -> input affine of a sample without augmentation."""
    from pose3d_toolbox.datasets.synthetic import (bbox_from_keypoints,
                                                   crop_matrix)
    if info.get('bbox_center') is None:
        kp = np.asarray(info['keypoints_2d'])[info.get('target_index', 0)]
        info['bbox_center'], info['bbox_scale'] = bbox_from_keypoints(
            kp, 1.25, input_size[0] / input_size[1])
    return crop_matrix(info['bbox_center'], info['bbox_scale'], input_size)


def mean_pose_guess(cfg, num_train):
    """Keypoint2DMetric results of the mean training pose (crop coords)."""
    from mmengine.registry import init_default_scope
    from pose3d_toolbox.registry import DATASETS, METRICS
    init_default_scope('pose3d_toolbox')
    input_size = cfg.model.head.codec.input_size
    train = DATASETS.build(dict(cfg.train_dataloader.dataset, pipeline=[]))
    idx = np.linspace(0, len(train) - 1, min(num_train, len(train)))
    crops = []
    for i in idx.astype(int):
        info = train.get_data_info(int(i))
        M = _crop_geometry(info, input_size)
        kp = np.asarray(info['keypoints_2d'])[info.get('target_index', 0)]
        crops.append(kp @ M[:, :2].T + M[:, 2])
    mean = np.mean(crops, 0)
    test = DATASETS.build(dict(cfg.test_dataloader.dataset, pipeline=[]))
    metric = METRICS.build(cfg.test_evaluator[0])
    samples = []
    for i in range(len(test)):
        info = test.get_data_info(i)
        M = _crop_geometry(info, input_size)
        inv = np.linalg.inv(np.vstack([M, [0, 0, 1]]))[:2]
        t = info.get('target_index', 0)
        samples.append(dict(
            pred_keypoints_2d=mean @ inv[:, :2].T + inv[:, 2],
            gt_keypoints_2d=np.asarray(info['keypoints_2d'])[t],
            keypoints_valid=info.get('keypoints_valid'),
            bbox_scale=info['bbox_scale']))
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def model_results(cfg, checkpoint):
    from pose3d_toolbox.apis.runner import build_runner
    cfg = cfg.copy()
    cfg.load_from, cfg.resume = checkpoint, False
    cfg.log_level = 'WARNING'
    with tempfile.TemporaryDirectory(prefix='eval_2d_') as work_dir:
        cfg.work_dir = work_dir  # logs of this evaluation only
        runner = build_runner(cfg)
        if checkpoint is None:
            runner.model.init_weights()
        return runner.test()


def main(argv=None):
    args = parse_args(argv)
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    apply_cfg_options(cfg, args.cfg_options, args.config)
    rows = [('mean pose', mean_pose_guess(cfg, args.train_samples)),
            ('untrained', model_results(cfg, None))]
    if args.checkpoint:
        rows.append(('trained', model_results(cfg, args.checkpoint)))
    keys = list(rows[0][1])
    print(f'\n2D error on the test set of {osp.basename(args.config)}')
    print(f'| {"estimator":<10} | ' + ' | '.join(f'{k:>11}' for k in keys)
          + ' |')
    print('|' + '-' * 12 + '|' + '|'.join('-' * 13 for _ in keys) + '|')
    for name, res in rows:
        print(f'| {name:<10} | ' + ' | '.join(f'{res[k]:11.2f}' for k in keys)
              + ' |')
    if args.checkpoint:
        base = rows[0][1]['error_2d_px']
        print(f'trained / mean-pose error ratio: '
              f'{rows[-1][1]["error_2d_px"] / base:.3f}; trained / untrained:'
              f' {rows[-1][1]["error_2d_px"] / rows[1][1]["error_2d_px"]:.3f}')
    return rows


if __name__ == '__main__':
    main()
