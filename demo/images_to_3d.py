"""Images, a folder of images or a video -> 2D (integral2d_r18_cmu) -> 3D.

    python demo/images_to_3d.py work_dirs/demo_inputs/images \\
        --bboxes work_dirs/demo_inputs/images/bboxes.json \\
        --model videopose3d_27frm_cmu --out-dir work_dirs/demo

``demo/lift_keypoints.py`` with ``--pose2d integral2d_r18_cmu`` by default
(every option of it applies). A direct image -> 3D model reads the images
itself, without the 2D estimator:

    python demo/images_to_3d.py work_dirs/demo_inputs/images \\
        --bboxes work_dirs/demo_inputs/images/bboxes.json \\
        --model configs/depthaware_r18_cmu.py --checkpoint EPOCH.pth

Without ``--bboxes`` the whole frame is the person's box, which suits
frames cropped around one person. The shipped 2D
estimator was trained on the capsule-body renders of the embedded data
(``demo/make_demo_inputs.py --images N`` writes such frames), not on
photographs.
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from lift_keypoints import main  # noqa: E402

if __name__ == '__main__':
    main(pose2d='integral2d_r18_cmu')
