"""Write demo 2D keypoint files from the embedded CMU data (no download).

    python demo/make_demo_inputs.py --out-dir work_dirs/demo_inputs

Writes ``cmu_02_01.npz`` (2D, intrinsics and the ground-truth 3D of test
take 02_01 seen by camera 0 of the fixed rig) and ``cmu_02_01_mmpose.json``
(the same 2D in MMPose's ``--save-predictions`` layout), and prints the
commands that lift them (``pose3d_toolbox/apis/demo_data.py``).
``--frames N`` repeats the take back and forth to N frames (timing).
``--images N`` also renders its first N frames as full camera images
(``images/%06d.png``, ``images/bboxes.json`` and ``cmu_<take>.mp4``) for
``demo/images_to_3d.py``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out-dir', default='work_dirs/demo_inputs')
    p.add_argument('--take', default='02_01', help='a test take (02, 13, '
                   '49), e.g. 13_30')
    p.add_argument('--camera', type=int, default=0, help='rig camera 0-3')
    p.add_argument('--frames', type=int, help='repeat to this many frames')
    p.add_argument('--images', type=int, default=0,
                   help='render this many frames as images and a video')
    args = p.parse_args(argv)
    from pose3d_toolbox.apis.demo_data import write_demo_keypoints
    stem = f'cmu_{args.take}' + (f'_{args.frames}' if args.frames else '')
    npz = osp.join(args.out_dir, stem + '.npz')
    js = osp.join(args.out_dir, stem + '_mmpose.json')
    seq = write_demo_keypoints(npz, args.take, args.camera, args.frames)
    write_demo_keypoints(js, args.take, args.camera, args.frames)
    cam = seq['camera']
    f = ' '.join(f'{v:.2f}' for v in cam['f'])
    c = ' '.join(f'{v:.2f}' for v in cam['c'])
    print(f'wrote {npz} and {js} ({len(seq["keypoints_2d"])} frames)')
    print('lift them with:')
    print(f'  python demo/lift_keypoints.py {npz} --model '
          'videopose3d_27frm_cmu --out-dir work_dirs/demo')
    print(f'  python demo/lift_keypoints.py {js} --model '
          f'videopose3d_27frm_cmu --image-size {cam["w"]} {cam["h"]} '
          f'--focal-length {f} --principal-point {c} '
          '--out-dir work_dirs/demo')
    if args.images:
        from pose3d_toolbox.apis.demo_data import write_demo_images
        folder = osp.join(args.out_dir, 'images')
        video = osp.join(args.out_dir, f'cmu_{args.take}.mp4')
        write_demo_images(folder, args.take, args.camera, args.images,
                          video=video)
        print(f'wrote {args.images} rendered frames to {folder} (boxes: '
              f'{folder}/bboxes.json) and {video}; lift them with:')
        for src in (folder, video):
            print(f'  python demo/images_to_3d.py {src} --bboxes '
                  f'{folder}/bboxes.json --focal-length {f} '
                  f'--principal-point {c} --out-dir work_dirs/demo')


if __name__ == '__main__':
    main()
