"""Lift a 2D keypoint file to camera-space 3D poses and write them as JSON.

    python demo/lift_keypoints.py INPUT --model videopose3d_27frm_cmu \\
        --out-dir work_dirs/demo

INPUT: an MMPose prediction JSON (its inferencer's pred_out_dir file or
folder, ``--save-predictions`` of its demos), a COCO keypoint JSON, or a
``.npy``/``.npz`` array (``pose3d_toolbox/apis/keypoint_io.py``); or an
image, a folder of images or a video with ``--pose2d integral2d_r18_cmu``
(and ``--bboxes FILE`` person boxes, else the whole frame; see
``demo/images_to_3d.py``), or with a direct image -> 3D model as
``--model CONFIG --checkpoint FILE`` (configs/integral3d_r18_cmu.py,
hemlets_r18_cmu.py, depthaware_r18_cmu.py) and no ``--pose2d``; with
``--backend onnxruntime --onnx FILE`` the exported lifter runs in
onnxruntime, and images / videos go through ``--pose2d-onnx FILE`` (the
exported 2D estimator) without PyTorch. Writes
``OUT_DIR/<INPUT name>_3d.json`` (schema: README.md, "Inference") and,
per tracked person, pictures of the result (``--vis``: an animated GIF
and the interactive HTML viewer by default, MP4 and per-frame PNGs on
request; at most ``--vis-max-frames`` frames, evenly spaced), with
``--bvh`` one BVH animation per tracked person
(``OUT_DIR/<INPUT name>_track<id>.bvh``), and prints
the frames, the time and the frames per second.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def smoothing_cfg(args):
    if args.smooth == 'one_euro':
        return dict(type='one_euro', min_cutoff=args.min_cutoff,
                    beta=args.beta, d_cutoff=args.d_cutoff)
    if args.smooth == 'savgol':
        return dict(type='savgol', window=args.window,
                    polyorder=args.polyorder)
    if args.smooth == 'none':
        return {}  # explicitly off, whatever the config says
    return None


def parse_args(argv=None, pose2d=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('input', help='keypoint file or folder; images / video '
                   'with --pose2d')
    p.add_argument('--pose2d', help='2D estimator for images and videos '
                   '(zoo name, config or checkpoint; default: '
                   f'{pose2d or "none"}; a direct image -> 3D --model, e.g. '
                   'configs/integral3d_r18_cmu.py, needs none)')
    p.add_argument('--bboxes', help='JSON: per frame a list of [x1, y1, '
                   'x2, y2] person boxes (default: the whole frame)')
    p.add_argument('--model', help='model-zoo name, config (.py) or '
                   'checkpoint (.pth) of a lifter or of a direct image -> '
                   '3D model (reads images without --pose2d); default '
                   'videopose3d_27frm_cmu, or with --onnx the name the file '
                   'was exported from')
    p.add_argument('--checkpoint', help='weights for a config')
    p.add_argument('--out-dir', default='work_dirs/lift_keypoints')
    p.add_argument('--layout', choices=('coco', 'h36m'),
                   help='joint order of the input (default: the file\'s)')
    p.add_argument('--image-size', nargs=2, type=int, metavar=('W', 'H'))
    p.add_argument('--focal-length', nargs='+', type=float,
                   metavar='F', help='fx [fy] pixels (default max(W, H))')
    p.add_argument('--principal-point', nargs=2, type=float,
                   metavar=('CX', 'CY'), help='(default: image centre)')
    p.add_argument('--fps', type=float, help='frame rate (default: the '
                   'file\'s or 30)')
    p.add_argument('--smooth', choices=('none', 'one_euro', 'savgol'),
                   help='default: the config\'s inference_cfg.smoothing, '
                   'else none')
    p.add_argument('--min-cutoff', type=float, default=1.0,
                   help='One-Euro cutoff at rest, Hz')
    p.add_argument('--beta', type=float, default=0.0,
                   help='One-Euro speed coefficient')
    p.add_argument('--d-cutoff', type=float, default=1.0,
                   help='One-Euro cutoff of the speed, Hz')
    p.add_argument('--window', type=int, default=9,
                   help='Savitzky-Golay window, frames (odd)')
    p.add_argument('--polyorder', type=int, default=2,
                   help='Savitzky-Golay polynomial order')
    p.add_argument('--causal', action='store_true',
                   help='online use: refuse a model not trained causal')
    p.add_argument('--nan', choices=('error', 'interpolate'),
                   default='error', help='NaN keypoints')
    p.add_argument('--short', choices=('pad', 'error'), default='pad',
                   help='tracks shorter than the receptive field')
    p.add_argument('--iou-thr', type=float,
                   help='tracking: least box IoU that continues a track '
                   '(default: inference_cfg.iou_threshold, else 0.3)')
    p.add_argument('--vis', nargs='*', default=['gif', 'html'],
                   choices=('gif', 'mp4', 'html', 'png'),
                   help='pictures per person (none: --vis without a value)')
    p.add_argument('--vis-max-frames', type=int, default=60,
                   help='frames drawn per picture, evenly spaced')
    p.add_argument('--bvh', action='store_true',
                   help='also write one BVH animation per track '
                   '(OUT_DIR/<INPUT name>_track<id>.bvh, Y-up, cm)')
    p.add_argument('--backend', choices=('pytorch', 'onnxruntime'),
                   default='pytorch', help='where the lifter runs '
                   '(onnxruntime: exported on the fly, or --onnx FILE)')
    p.add_argument('--onnx', help='the lifter\'s exported file '
                   '(tools/deployment/pytorch2onnx.py), --backend '
                   'onnxruntime; keypoint inputs, and images / video with '
                   '--pose2d-onnx, then lift without PyTorch '
                   '(pose3d_toolbox/apis/onnx_lifter.py; --vis needs it)')
    p.add_argument('--pose2d-onnx', help='the 2D estimator\'s exported '
                   'file (pytorch2onnx.py integral2d_r18_cmu --out FILE), '
                   'run in onnxruntime for images and videos instead of '
                   '--pose2d')
    p.add_argument('--batch-size', type=int, default=1024)
    p.add_argument('--device', default='cpu')
    p.add_argument('--no-progress', action='store_true')
    return p.parse_args(argv)


def main(argv=None, pose2d=None):
    args = parse_args(argv, pose2d)
    camera = {}
    if args.focal_length:
        if len(args.focal_length) not in (1, 2):
            raise SystemExit('--focal-length takes fx or fx fy')
        camera['f'] = (args.focal_length * 2)[:2]
    if args.principal_point:
        camera['c'] = args.principal_point
    settings = dict(
        batch_size=args.batch_size, smoothing=smoothing_cfg(args),
        causal=True if args.causal else None, iou_threshold=args.iou_thr,
        nan_policy=args.nan,
        min_frames='warn' if args.short == 'pad' else 'error')
    if args.backend == 'onnxruntime' and args.onnx and args.pose2d is None \
            and (pose2d is None or args.pose2d_onnx):
        # keypoints (or images with --pose2d-onnx) and an exported file:
        # the torch-free path
        from pose3d_toolbox.apis.onnx_lifter import OnnxLifter
        result = OnnxLifter(args.onnx, model_name=args.model,
                            pose2d_onnx_file=args.pose2d_onnx, **settings)(
            args.input, layout=args.layout, camera=camera,
            image_size=args.image_size, fps=args.fps,
            progress=not args.no_progress, bboxes=args.bboxes)
        people = sum(len(f['instances']) for f in result.frames)
    else:
        from pose3d_toolbox.apis import Pose3DInferencer
        inferencer = Pose3DInferencer(
            args.model or 'videopose3d_27frm_cmu', args.checkpoint,
            device=args.device, backend=args.backend, onnx_file=args.onnx,
            pose2d_onnx_file=args.pose2d_onnx, **settings)
        if args.pose2d or (pose2d and not inferencer.image_3d
                           and not args.pose2d_onnx):
            # the default 2D estimator serves lifters only
            inferencer.use_pose2d(args.pose2d or pose2d, device=args.device)
        result = inferencer(args.input, layout=args.layout, camera=camera,
                            image_size=args.image_size, fps=args.fps,
                            progress=not args.no_progress, bboxes=args.bboxes)
        people = sum(len(f.instances) for f in result.frames)
    name = osp.splitext(osp.basename(osp.normpath(args.input)))[0]
    out = result.dump(osp.join(args.out_dir, f'{name}_3d.json'))
    meta = result.meta
    print(f'\n{meta["num_frames"]} frames, {people} poses, '
          f'{len(meta["tracks"])} track(s) in {meta["seconds"]:.3f} s: '
          f'{meta["frames_per_second"]:.1f} frames/s ({meta["model"]})')
    print(f'camera ({meta["camera"]["source"]}): f {meta["camera"]["f"]}, '
          f'c {meta["camera"]["c"]}, image {meta["camera"]["w"]} x '
          f'{meta["camera"]["h"]}')
    print(f'wrote {out}')
    if args.bvh:
        for tid, bvh in result.save_bvh(args.out_dir,
                                        f'{name}_track').items():
            err = bvh_round_trip_mm(result, tid, bvh)
            print(f'wrote {bvh["path"]} (track {tid}; read back by the '
                  f'BVH reader: {err:.1e} mm from the bone-length-'
                  'normalised prediction at most)')
    for path in write_pictures(result, args.out_dir, name, args.vis,
                               args.vis_max_frames):
        print(f'wrote {path}')
    return result


def bvh_round_trip_mm(result, track_id, bvh) -> float:
    """Largest distance (mm) between the BVH file read back by the
    project's reader and the track with its bone lengths normalised."""
    import numpy as np
    from pose3d_toolbox.apis.bvh_export import (normalise_bone_lengths,
                                                read_bvh_joints)
    back = read_bvh_joints(bvh['path'], bvh['joint_map'])
    ref = normalise_bone_lengths(
        result.track(track_id)['keypoints_3d'].astype(np.float64), 'h36m')
    return float(np.linalg.norm(back - ref, axis=-1).max() * 1000)


def _frame_images(samples):
    """RGB frames of samples read from a video (``img_path`` ``VIDEO#k``),
    decoded in one pass with the inferencer's reader; ``None`` when the
    samples come from image files or keypoints."""
    paths = [s.img_path or '' for s in samples]
    if not any('#' in p for p in paths):
        return None
    from pose3d_toolbox.apis.image_io import read_frames
    video = paths[0].rsplit('#', 1)[0]
    wanted, frames = set(paths), {}
    for _, name, image in read_frames(video):
        if name in wanted:
            frames[name] = image
            if len(frames) == len(wanted):
                break
    missing = [p for p in paths if p not in frames]
    if missing:
        raise SystemExit(f'{video}: cannot read frame {missing[0]} back for '
                         'the pictures')
    return [frames[p] for p in paths]


def write_pictures(result, out_dir, name, formats, max_frames):
    """Per track: ``formats`` pictures of at most ``max_frames`` evenly
    spaced frames (prediction only: inference has no ground truth)."""
    if not formats:
        return []
    from pose3d_toolbox.apis.inferencer import InferenceResult
    from pose3d_toolbox.apis.lifting_core import LiftResult
    from pose3d_toolbox.skeletons import get_skeleton
    from pose3d_toolbox.visualization import Pose3dLocalVisualizer
    if isinstance(result, LiftResult):  # the torch-free path's arrays
        result = InferenceResult.from_arrays(
            result, get_skeleton(result.meta['skeleton']['name']))
    vis = Pose3dLocalVisualizer.get_instance('lift_keypoints_demo')
    fps = result.meta.get('fps') or 30.0
    written = []
    for track in result.meta['tracks']:
        tid = int(track)
        samples = [s for f in result.frames for s in f.instances
                   if s.track_id == tid]
        step = max(1, -(-len(samples) // max(1, max_frames)))
        samples = samples[::step]
        images = _frame_images(samples)
        stem = osp.join(out_dir, f'{name}_track{tid}')
        paths = vis.save_sequence(
            samples, stem, formats, images=images, fps=fps / step,
            frame_labels=[f'{i * step:06d}' for i in range(len(samples))])
        pngs = sum(p.endswith('.png') for p in paths)
        for path in paths:  # the PNGs as one line, where they come
            if not path.endswith('.png'):
                written.append(path)
            elif pngs:
                written.append(f'{stem}_*.png ({pngs} frames)')
                pngs = 0
    return written


if __name__ == '__main__':
    os.environ.setdefault('OMP_NUM_THREADS', '2')
    main()
