"""Table 1 of depth-aware heatmaps (Chen et al., BMVC 2020), measured: the
output size and the cost of the part after the backbone, side by side for
the depth-aware model, the integral volumetric head (64^3) and HEMlets.

The three models at the paper's sizes (``configs/_base_/models/
depthaware.py``, ``integral3d.py``, ``hemlets.py``; the integral and
HEMlets ones as ``benchmark_hemlets_cost.py`` builds them), all on the
18-joint ``'hemlets'`` skeleton, the same ResNet and the same input
(batch 1, 256 x 256 by default). The *head* is everything after the
backbone: the U-shape neck + :class:`DepthAwareHead` (the neck replaces
the others' deconvolutions), :class:`IntegralVolumetricHead`,
:class:`HEMletsHead`. For each, in eval mode without gradients on the CPU:

- output numbers per joint: the numel of the head's raw output divided by
  the joints (4098 = 64 x 64 + 2 for the depth-aware head, Table 1;
  64^3 = 262144 for the volume; HEMlets adds its triplets and 2D heatmaps
  to its volume);
- the output's size (MiB, float32) for the batch;
- peak activation memory: the largest total size of the tensors the
  head's forward holds alive at once (its activations and outputs; not the
  parameters or the backbone's features), counted op by op by
  :class:`LiveTensorBytes` (exact for tensors and independent of the
  allocator, which the resident set size is not; scratch buffers a
  library allocates inside one operator, e.g. a convolution's, are not
  tensors and are not counted);
- GMACs: the multiply-accumulates of the head's (transposed)
  convolutions and linear layers
  (:func:`benchmark_hemlets_cost.conv_macs`);
- forward time: median over ``--repeats`` after ``--warmup`` untimed runs,
  ``--threads`` torch threads (1 by default).

Example:
    python tools/analysis/benchmark_head_cost.py --repeats 5
"""
import argparse
import os.path as osp
import sys
import time
import weakref

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..', '..'))

import numpy as np  # noqa: E402

from benchmark_hemlets_cost import MODELS_DIR, conv_macs, r50_models  # noqa: E402,E501

NAMES = ('depth-aware', 'integral 64^3', 'HEMlets')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed forward passes (median reported)')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads')
    parser.add_argument('--size', type=int, default=256,
                        help='input width and height (paper: 256)')
    parser.add_argument('--depth', type=int, default=50,
                        help='ResNet depth (paper: 50)')
    return parser.parse_args(argv)


def model_configs(depth: int, size: int):
    """name -> model config: the depth-aware model and
    :func:`benchmark_hemlets_cost.r50_models`' two, on one skeleton, one
    backbone and one input size (the maps at size / 4, the volumes 64
    bins)."""
    from mmengine.config import Config
    models = r50_models(depth)
    da = Config.fromfile(osp.join(MODELS_DIR, 'depthaware.py')).model
    da.skeleton = 'hemlets'
    da.backbone.depth = depth
    codecs = [da.head.codec, models['baseline'].head.codec,
              models['HEMlets'].head.codec,
              models['HEMlets'].head.hemlets_codec]
    for codec in codecs:
        codec.skeleton = 'hemlets'
        codec.input_size = (size, size)
        codec.heatmap_size = (size // 4, size // 4)
    return dict(zip(NAMES, (da, models['baseline'], models['HEMlets'])))


def build(cfg, size):
    """(model in eval mode, its head: a module of the backbone's features
    (the neck and the head), random features of the backbone's shapes for
    a batch of 1 at ``size``)."""
    import torch
    from pose3d_toolbox.registry import MODELS

    class Head(torch.nn.Module):
        """The part after the backbone; ``mode`` as the estimators'."""

        def __init__(self, model):
            super().__init__()
            self.neck, self.head = model.neck, model.head

        def forward(self, x, mode='tensor'):
            return self.head(self.neck(x) if self.neck is not None else x)

    torch.manual_seed(0)
    model = MODELS.build(cfg).eval()
    backbone = model.backbone
    feats = tuple(torch.randn(1, backbone.out_channels[i], size // 2**(i + 2),
                              size // 2**(i + 2))
                  for i in backbone.out_indices)
    feats = feats[0] if len(feats) == 1 else feats
    return model, Head(model), feats


def output_numel(output) -> int:
    import torch
    if torch.is_tensor(output):
        return output.numel()
    return sum(t.numel() for t in output)


def live_tensor_bytes():
    """A ``TorchDispatchMode`` that counts the bytes of the tensors created
    under it while they are alive (``.live``) and their maximum
    (``.peak``): each operator's outputs are added once per storage and
    subtracted when the last tensor on that storage is freed."""
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils._pytree import tree_flatten

    class LiveTensorBytes(TorchDispatchMode):

        def __init__(self):
            super().__init__()
            self.live = self.peak = 0
            self.storages = {}  # data pointer -> [tensors alive, bytes]

        def _release(self, key):
            entry = self.storages[key]
            entry[0] -= 1
            if entry[0] == 0:
                self.live -= self.storages.pop(key)[1]

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            import torch
            out = func(*args, **(kwargs or {}))
            for t in tree_flatten(out)[0]:
                if not isinstance(t, torch.Tensor):
                    continue
                storage = t.untyped_storage()
                key = storage.data_ptr()
                if key in self.storages:
                    self.storages[key][0] += 1
                else:
                    self.storages[key] = [1, storage.nbytes()]
                    self.live += storage.nbytes()
                    self.peak = max(self.peak, self.live)
                weakref.finalize(t, self._release, key)
            return out

    return LiveTensorBytes()


def head_cost(cfg, size, repeats, warmup):
    """(output numbers per joint, output MiB, peak activations MiB, GMACs,
    median forward ms)."""
    import torch
    model, head, feats = build(cfg, size)
    with torch.no_grad(), live_tensor_bytes() as counter:
        out = head(feats)
    numel = output_numel(out)
    del out
    gmacs = conv_macs(head, feats) / 1e9
    times = []
    with torch.no_grad():
        for i in range(warmup + repeats):
            start = time.perf_counter()
            head(feats)
            if i >= warmup:
                times.append(time.perf_counter() - start)
    return (numel / model.head.num_keypoints, numel * 4 / 2**20,
            counter.peak / 2**20, gmacs, 1e3 * float(np.median(times)))


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.registry import init_default_scope
    torch.set_num_threads(args.threads)
    init_default_scope('pose3d_toolbox')
    cost = {name: head_cost(cfg, args.size, args.repeats, args.warmup)
            for name, cfg in model_configs(args.depth, args.size).items()}
    print(f'\nHeads after the same ResNet-{args.depth} features, batch 1, '
          f'{args.size}x{args.size} input, 18 joints, eval, no gradient, '
          f'CPU, torch threads {torch.get_num_threads()}, median of '
          f'{args.repeats}')
    print('| head          | numbers / joint | output (MiB) | '
          'peak activations (MiB) | GMACs | forward (ms) |')
    print('|---------------|-----------------|--------------|'
          '------------------------|-------|--------------|')
    for name, (per_joint, mib, peak, gmacs, ms) in cost.items():
        print(f'| {name:<13} | {per_joint:15.0f} | {mib:12.2f} | '
              f'{peak:22.1f} | {gmacs:5.2f} | {ms:12.1f} |')
    return cost


if __name__ == '__main__':
    main()
