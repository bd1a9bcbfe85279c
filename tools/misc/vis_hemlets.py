"""Save one HEMlets sample as a PNG: the crop with its 2D skeleton, the
triplet maps (ground truth above prediction, part by part) and the 3D
skeleton (ground truth and prediction) from two views
(:func:`~pose3d_toolbox.visualization.draw_hemlets`); the 2D skeleton on
the crop is the ground truth's.

``python tools/misc/vis_hemlets.py CONFIG [CHECKPOINT] [--index I]
[--split test|val|train] [--out PNG] [--cfg-options ...]``

Without a checkpoint the model keeps its published initialisation (an
untrained picture, e.g. to check the targets). The sample goes through the
split's pipeline with ``GenerateTarget`` given both of the head's codecs,
so the ground-truth triplets and part states come from the same
``HEMletsCodec`` as training's; the prediction is the model's
(``test_cfg``'s flip test included). The 3D prediction is drawn with its
root moved onto the ground truth's (the views compare poses; the root
depth's error is MRPE's business).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402

from pose3d_toolbox.apis.inference import init_model  # noqa: E402
from pose3d_toolbox.codecs.heatmap import heatmap_to_input  # noqa: E402
from pose3d_toolbox.apis.runner import (add_cfg_options_arg,  # noqa: E402
                                        apply_cfg_options)
from pose3d_toolbox.registry import DATASETS  # noqa: E402
from pose3d_toolbox.visualization import draw_hemlets  # noqa: E402

SPLITS = ('train', 'val', 'test')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Save a HEMlets sample (GT beside prediction) as PNG')
    parser.add_argument('config', help='a HEMlets config file')
    parser.add_argument('checkpoint', nargs='?',
                        help='weights (default: untrained)')
    parser.add_argument('--index', type=int, default=0,
                        help='sample index in the split\'s dataset')
    parser.add_argument('--split', default='test', choices=SPLITS)
    parser.add_argument('--out', default='hemlets.png', help='PNG path')
    add_cfg_options_arg(parser)
    return parser.parse_args(argv)


def with_both_codecs(pipeline, head):
    """The pipeline with ``GenerateTarget`` encoding the head's HEMlets and
    3D codecs (an evaluation pipeline encodes only the 3D one)."""
    out = [dict(t) for t in pipeline]
    gen = [i for i, t in enumerate(out) if t['type'] == 'GenerateTarget']
    if not gen:
        raise KeyError("vis_hemlets: the split's pipeline has no "
                       'GenerateTarget; add one before PackPoseInputs')
    out[gen[0]] = dict(type='GenerateTarget',
                       codec=[head['hemlets_codec'], head['codec']])
    return out


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    apply_cfg_options(cfg, args.cfg_options, args.config)
    head = cfg.model.head
    if head.get('type') != 'HEMletsHead':
        raise ValueError(f'vis_hemlets: {args.config} has a '
                         f"{head.get('type')}, not a HEMletsHead")
    model = init_model(cfg, args.checkpoint)
    if args.checkpoint is None:
        model.init_weights()
    model.eval()
    dataset_cfg = cfg[f'{args.split}_dataloader'].dataset.copy()
    dataset_cfg['pipeline'] = with_both_codecs(dataset_cfg['pipeline'], head)
    dataset = DATASETS.build(dataset_cfg)
    if not 0 <= args.index < len(dataset):
        raise IndexError(f'vis_hemlets: --index {args.index} outside the '
                         f'{args.split} set of {len(dataset)} samples')
    item = dataset[args.index]
    batch = pseudo_collate([item])
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        raw = model(data['inputs'], mode='tensor')
        pred = model(**data, mode='predict')[0]
    sample = item['data_samples']
    image = item['inputs'].permute(1, 2, 0).numpy().astype(np.uint8)
    gt3d = np.asarray(sample.gt_keypoints_3d, np.float64).reshape(-1, 3)
    pred3d = np.asarray(pred.pred_keypoints_3d, np.float64).reshape(-1, 3)
    root = model.head.skeleton.root_index
    pred3d = pred3d - pred3d[root] + gt3d[root]
    hem = model.head.hemlets_codec
    kp2d = heatmap_to_input(np.asarray(sample.keypoints_2d_target),
                            hem.input_size, hem.heatmap_size)
    path = draw_hemlets(
        args.out, image, kp2d,
        sample.hemlets_triplets, raw.triplets[0].numpy(), gt3d,
        skeleton=model.head.skeleton, keypoints_3d_pred=pred3d,
        states_gt=sample.part_depth_states,
        states_pred=pred.pred_part_depth_states)
    print(f'saved {path}')
    return path


if __name__ == '__main__':
    main()
