"""PyTorch vs onnxruntime: parity on real inputs and CPU latency.

    python tools/analysis/benchmark_onnx.py [MODEL ...] [--runs 5]
        [--out-dir work_dirs/onnx] [--threads 1]

Per model (default: every shipped model, and the integral 3D baseline by
config, random weights): export it (:func:`~pose3d_toolbox.apis.
onnx_export.export_onnx`), run the exported graph in PyTorch
(:class:`~pose3d_toolbox.apis.onnx_export.ExportGraph`) and in
onnxruntime on real inputs from the embedded data (lifters: the demo take
02_01 through the inferencer's encoding; image models: the config's CMU
test crops), decode both outputs the same way (the codec), and print

- ``max|d|``: the largest difference of the decoded poses (metres; pixels
  for the 2D model), target <= 1e-4 m;
- the metric of both (MPJPE, root-relative, mm; 2D: mean pixel error)
  and their difference (target < 0.01 mm);
- the median latency of ``--runs`` runs at batch 1 and 256 of both, and
  PyTorch / onnxruntime (> 1: onnxruntime is faster). The batch is the
  number of poses: VideoPose3D's whole-sequence form gets one sequence of
  ``batch + receptive_field - 1`` frames.
"""
import argparse
import os.path as osp
import sys
import time
import warnings

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

DEFAULT_MODELS = ('simplebaseline3d_cmu', 'videopose3d_27frm_cmu',
                  'anatomy3d_27frm_cmu', 'abslifter_cmu', 'elepose_cmu',
                  'integral2d_r18_cmu', 'hemlets_r18s3_cmu',
                  'depthaware_r18s3_cmu', 'configs/integral3d_r18_cmu.py')
BATCHES = (1, 256)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('models', nargs='*', default=list(DEFAULT_MODELS),
                   help='zoo names or configs (default: all shipped)')
    p.add_argument('--runs', type=int, default=5,
                   help='timed runs per latency (median)')
    p.add_argument('--frames', type=int, default=256,
                   help='real inputs for the parity check')
    p.add_argument('--out-dir', default='work_dirs/onnx')
    p.add_argument('--threads', type=int, default=1,
                   help='CPU threads of both runtimes')
    return p.parse_args(argv)


def lifter_inputs(graph, count: int):
    """Real inputs of a lifter: the demo take through the inferencer's
    encoding. Returns ``(inputs, metas, gt (n, J, 3))``; the sequence form
    gets one edge-padded sequence of ``count`` poses."""
    import numpy as np
    from pose3d_toolbox.apis.demo_data import demo_sequence
    from pose3d_toolbox.apis.inferencer import (Pose3DInferencer,
                                                default_camera)
    from pose3d_toolbox.models.heads.base_head import stack_field
    from pose3d_toolbox.utils.lifting_windows import edge_pad_sequence
    seq = demo_sequence(num_frames=count)
    cam = seq['camera']
    camera = default_camera((cam['w'], cam['h']), cam['f'], cam['c'])
    inf = Pose3DInferencer(graph.model)
    kp = seq['keypoints_2d'][:count]
    scores = np.ones(kp.shape[:2])
    if graph.form == 'sequence':
        ds = inf._dataset(kp, scores, camera, seq_len=1, causal=False)
        packed = ds.get_batch(np.arange(len(ds)))
        x = np.stack([p['inputs'][0].numpy() for p in packed])
        x = edge_pad_sequence(x[None], inf.receptive_field,
                              inf.causal)  # as the inferencer pads
        inputs = dict(keypoints_2d=x.astype(np.float32))
    else:
        ds = inf._dataset(kp, scores, camera)
        idx = np.arange(len(ds))
        packed = ds.get_batch(idx) if ds.batch_path else [ds[int(i)]
                                                            for i in idx]
        inputs = dict(keypoints_2d=np.stack(
            [p['inputs'].numpy() for p in packed]).astype(np.float32))
        samples = [p['data_samples'] for p in packed]
        like = packed[0]['inputs'].float()
        for name, key in (('length_input', 'length_input'),
                          ('visibility', 'lifting_visibility')):
            if name in graph.input_names:
                inputs[name] = stack_field(samples, key, like).numpy()
    metas = [p['data_samples'].metainfo for p in packed]
    return inputs, metas, seq['keypoints_3d'][:count]


def image_inputs(graph, count: int):
    """Real crops of the config's test set: ``(inputs, metas, gt)`` with
    gt ``{2: 2D pixels, 3: 3D camera metres}`` of the crops."""
    import numpy as np
    from mmengine.registry import init_default_scope
    from pose3d_toolbox.registry import DATASETS
    init_default_scope('pose3d_toolbox')
    ds = DATASETS.build(graph.model.cfg.test_dataloader.dataset)
    step = max(1, len(ds) // count)
    packed = [ds[i] for i in range(0, step * count, step)][:count]
    x = np.stack([p['inputs'].numpy() for p in packed]).astype(np.float32)
    samples = [p['data_samples'] for p in packed]
    gt = {dim: np.stack([np.asarray(s.get(key)) for s in samples])
          for dim, key in ((2, 'gt_keypoints_2d'), (3, 'gt_keypoints_3d'))
          if key in samples[0]}
    return dict(image=x), [s.metainfo for s in samples], gt


def decode(graph, outputs, metas):
    """Decoded poses ``(n, J, 3|2)`` of the graph's outputs (numpy), the
    same way for both runtimes."""
    import numpy as np
    import torch
    if graph.decode == 'readout_2d':  # the soft-argmax is in the graph
        dec = graph.codec.decode_coords(np.asarray(outputs[0]), metas)
        return np.asarray(dec['keypoints_2d'], np.float64)
    if graph.decode:
        out = np.asarray(outputs[0], np.float64)
        return out.reshape(-1, *out.shape[-2:])
    if graph.kind == 'topdown':
        kind = graph.output_type
        tensors = [torch.from_numpy(np.asarray(o)) for o in outputs]
        raw = kind(*tensors) if kind is not None else tensors[0]
        dec = graph.model.head.decode_outputs(raw, metas)
    else:
        dec = graph.codec.decode(np.asarray(outputs[0]), metas)
    key = 'keypoints_3d' if 'keypoints_3d' in dec else 'keypoints_2d'
    return np.asarray(dec[key], np.float64)


def metric(pred, gt, root_index):
    """MPJPE (mm, root-relative) of 3D, mean pixel error of 2D."""
    import numpy as np
    J = min(pred.shape[1], gt.shape[1])
    pred, gt = pred[:, :J], np.asarray(gt, np.float64)[:, :J]
    if pred.shape[-1] == 2:
        return float(np.linalg.norm(pred - gt[..., :2], axis=-1).mean())
    r = root_index
    return 1000 * float(np.linalg.norm(
        (pred - pred[:, r:r + 1]) - (gt - gt[:, r:r + 1]), axis=-1).mean())


def batch_of(inputs, graph, size):
    """The first ``size`` poses' inputs (the sequence form: frames)."""
    if graph.form == 'sequence':
        rf = graph.model.backbone.receptive_field
        return dict(keypoints_2d=inputs['keypoints_2d'][:, :size + rf - 1])
    return {k: v[:size] for k, v in inputs.items()}


def median_time(fn, inputs, runs: int) -> float:
    """Median seconds of ``fn(inputs)`` over ``runs`` runs (after one
    warm-up run)."""
    import numpy as np
    fn(inputs)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(inputs)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def compare(name, out_dir, frames=256, runs=5, threads=1,
            batches=BATCHES) -> dict:
    """Export ``name`` and measure parity and latency (one table row)."""
    import numpy as np
    import onnxruntime as ort
    import torch
    from pose3d_toolbox.apis.inference import init_model
    from pose3d_toolbox.apis.onnx_export import ExportGraph, export_onnx
    torch.set_num_threads(threads)
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore',
                                message='ElePose: the flow checkpoint')
        model = init_model(name)
    stem = osp.splitext(osp.basename(name))[0]
    info = export_onnx(model, osp.join(out_dir, f'{stem}.onnx'))
    graph = ExportGraph(model, info['form']).eval()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = threads
    sess = ort.InferenceSession(info['path'], opts,
                                providers=['CPUExecutionProvider'])
    get = (image_inputs if graph.kind == 'topdown' else lifter_inputs)
    inputs, metas, gt = get(graph, frames)

    def run_torch(x):
        with torch.no_grad():
            out = graph(*[torch.from_numpy(x[k]) for k in graph.input_names])
        return [o.numpy() for o in out]

    def run_ort(x):
        return sess.run(None, x)

    pred_t = decode(graph, run_torch(inputs), metas)
    pred_o = decode(graph, run_ort(inputs), metas)
    root = model.skeleton.root_index
    if isinstance(gt, dict):  # image models: the 2D or 3D ground truth
        gt = gt[pred_t.shape[-1]]
    row = dict(model=stem, form=info['form'], opset=info['opset'],
               n=len(pred_t), unit='px' if pred_t.shape[-1] == 2 else 'm',
               max_diff=float(np.abs(pred_t - pred_o).max()),
               metric_torch=metric(pred_t, gt, root),
               metric_ort=metric(pred_o, gt, root))
    for b in batches:
        x = batch_of(inputs, graph, b)
        if graph.form != 'sequence' and len(x[graph.input_names[0]]) < b:
            reps = -(-b // len(x[graph.input_names[0]]))
            x = {k: np.concatenate([v] * reps)[:b] for k, v in x.items()}
        row[f'torch_ms_{b}'] = 1000 * median_time(run_torch, x, runs)
        row[f'ort_ms_{b}'] = 1000 * median_time(run_ort, x, runs)
    return row


def format_table(rows, batches=BATCHES) -> str:
    head = ['model', 'form', 'n', 'max|d|', 'metric torch', 'metric ORT',
            'diff']
    for b in batches:
        head += [f'torch ms b{b}', f'ORT ms b{b}', 'ratio']
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for r in rows:
        unit = 'mm' if r['unit'] == 'm' else 'px'
        cells = [r['model'], r['form'], str(r['n']),
                 f'{r["max_diff"]:.1e} {r["unit"]}',
                 f'{r["metric_torch"]:.3f} {unit}',
                 f'{r["metric_ort"]:.3f} {unit}',
                 f'{abs(r["metric_torch"] - r["metric_ort"]):.1e}']
        for b in batches:
            t, o = r[f'torch_ms_{b}'], r[f'ort_ms_{b}']
            cells += [f'{t:.2f}', f'{o:.2f}', f'{t / o:.2f}']
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    rows = []
    for name in args.models:
        rows.append(compare(name, args.out_dir, args.frames, args.runs,
                            args.threads))
        print(f'{name}: done', flush=True)
    print('MPJPE root-relative (mm; 2D: mean px error); max|d| of the '
          f'decoded poses; latency: median of {args.runs} runs, '
          f'{args.threads} CPU thread(s), ratio = PyTorch / onnxruntime')
    print(format_table(rows))
    return rows


if __name__ == '__main__':
    main()
