"""3D pose pictures, GIF/MP4 sequences and the registered visualiser."""
import imageio.v2 as imageio
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgb
from test_vis_skeleton import standing_camera_pose

from pose3d_toolbox.registry import VISUALIZERS
from pose3d_toolbox.structures import PoseDataSample
from pose3d_toolbox.visualization import (GT_COLOR, SIDE_COLORS,
                                          Pose3dLocalVisualizer, draw_pose3d,
                                          sample_poses, save_animation,
                                          sequence_bounds)


def colour_mask(image: np.ndarray, colour: str, tol: int = 14):
    """Pixels within ``tol`` (per channel, 0-255) of ``colour``."""
    target = np.array(to_rgb(colour)) * 255
    return (np.abs(image[..., :3].astype(float) - target) <= tol).all(-1)


def camera(w=640, h=480):
    return dict(f=np.array([500., 500.]), c=np.array([w / 2, h / 2]), w=w,
                h=h)


def project(kp3d, cam):
    return kp3d[:, :2] / kp3d[:, 2:] * cam['f'] + cam['c']


def lifting_sample(gt, pred_rel=None, **meta):
    """A lifter's output: root-relative prediction, absolute ground truth,
    the 2D input (as CMUMocapDataset and the lifters produce them)."""
    cam = camera()
    sample = PoseDataSample(metainfo=dict(
        skeleton='h36m', root_index=0, img_path='', camera=cam, **meta))
    sample.gt_keypoints_3d = gt.astype(np.float32)
    sample.gt_keypoints_2d = project(gt, cam).astype(np.float32)
    if pred_rel is not None:
        sample.pred_keypoints_3d = torch.as_tensor(pred_rel)
    return sample


def test_sample_poses_places_a_root_relative_prediction_at_the_gt_root():
    gt = standing_camera_pose()
    rel = gt - gt[0] + 0.01  # root 1 cm off zero: moved to gt's root
    poses = sample_poses(lifting_sample(gt, rel[None]))  # (1, J, 3) too
    assert poses['root_placed']
    np.testing.assert_allclose(poses['pred'], gt, atol=1e-6)
    np.testing.assert_allclose(poses['gt'], gt, atol=1e-6)
    assert poses['keypoints_2d_source'] == 'input'
    assert poses['image_size'] == (640, 480)
    # pred_root set: the prediction is absolute and left where it is.
    s = lifting_sample(gt, gt + [0.5, 0, 0])
    s.pred_root = gt[0] + [0.5, 0, 0]
    s.pred_keypoints_2d = np.zeros((17, 2))
    poses = sample_poses(s)
    assert not poses['root_placed']
    np.testing.assert_allclose(poses['pred'], gt + [0.5, 0, 0], atol=1e-6)
    assert poses['keypoints_2d_source'] == 'prediction'
    with pytest.raises(ValueError, match=r'pred_keypoints_3d: expected '
                       r'shape \(J, 3\)'):
        sample_poses(dict(pred_keypoints_3d=np.zeros((17, 2))))


def test_sequence_bounds_are_plot_coordinates_of_all_frames():
    a = np.array([[0., 1., 5.], [1., -1., 4.]])
    b = np.array([[[-2., 0., 6.]], [[np.nan, 0, 0]]])
    # plot = (x, z, -y)
    np.testing.assert_allclose(sequence_bounds(a, None, b),
                               [[-2., 4., -1.], [1., 6., 1.]])
    with pytest.raises(ValueError, match='no poses'):
        sequence_bounds(None)


def test_picture_has_image_panel_prediction_and_ground_truth(tmp_path):
    gt = standing_camera_pose()
    cam = camera()
    image = np.full((480, 640, 3), (250, 200, 40), np.uint8)  # amber
    img = draw_pose3d(pred=gt + [0.05, 0, 0.1], gt=gt, skeleton='h36m',
                      image=image, keypoints_2d=project(gt, cam),
                      panel_size=3.0, dpi=100)
    assert img.shape == (350, 900, 3) and img.dtype == np.uint8
    third = img.shape[1] // 3
    # the image (amber) in the left panel only; both sides of the
    # prediction and the grey ground truth in each 3D panel
    assert colour_mask(img[:, :third], '#fac828').sum() > 10000
    assert not colour_mask(img[:, third:], '#fac828').any()
    for panel in (img[:300, third:2 * third], img[:300, 2 * third:]):
        for colour in (SIDE_COLORS['left'], SIDE_COLORS['right'],
                       SIDE_COLORS['centre'], GT_COLOR):
            assert colour_mask(panel, colour).sum() > 20, colour
    # without ground truth there is no grey skeleton; without 2D, no panel
    only_pred = draw_pose3d(pred=gt, skeleton='h36m', panel_size=3.0)
    assert only_pred.shape == (350, 600, 3)
    grey = colour_mask(img[:300, third:], GT_COLOR, tol=6).sum()
    assert colour_mask(only_pred[:300], GT_COLOR, tol=6).sum() < grey / 10
    with pytest.raises(ValueError, match='neither a prediction'):
        draw_pose3d(skeleton='h36m')


def test_upright_and_sides_in_the_camera_side_view():
    # Seen from the camera, the picture keeps the image's left and right
    # (x to the right, no mirror): this person's left joints (blue) are at
    # -x, left of the right ones (red); the head (green) is at the top.
    gt = standing_camera_pose()
    assert gt[4:7, 0].max() < 0 < gt[1:4, 0].min()
    img = draw_pose3d(pred=gt, skeleton='h36m', panel_size=4.0,
                      views=(('front', 0.0, -90.0), ))
    left = np.argwhere(colour_mask(img[:400], SIDE_COLORS['left']))
    right = np.argwhere(colour_mask(img[:400], SIDE_COLORS['right']))
    centre = np.argwhere(colour_mask(img[:400], SIDE_COLORS['centre']))
    assert left[:, 1].mean() + 20 < right[:, 1].mean()
    assert centre[:, 0].min() < min(left[:, 0].min(), right[:, 0].min())
    assert left[:, 0].max() > centre[:, 0].max() + 50  # legs below spine


def walking_sequence(frames=6):
    """A person walking 0.3 m to the right per frame."""
    gt = standing_camera_pose()
    return [lifting_sample(gt + [0.3 * t, 0, 0], gt - gt[0],
                           subject='S1', action='walk', frame=t)
            for t in range(frames)]


def blue_column(image):
    return np.argwhere(colour_mask(image, SIDE_COLORS['left']))[:, 1].mean()


def test_gif_and_mp4_keep_one_frame_of_reference(tmp_path):
    samples = walking_sequence(6)
    vis = Pose3dLocalVisualizer.get_instance('test_sequence', panel_size=2.5,
                                             views=(('front', 0, -90), ))
    gif = vis.add_sequence(samples, tmp_path / 'walk.gif', fps=5)
    frames = imageio.mimread(gif)
    assert len(frames) == 6
    # 2D panel (the camera's frame) and one view: 2 panels of 2.5 in
    assert frames[0].shape[:2] == (300, 500)
    # Fixed axes: the skeleton moves right in the 3D panel (x = 250..500)
    # from frame to frame; with axes fitted to each frame it would not.
    cols = [blue_column(f[:250, 250:]) for f in frames]
    assert all(np.diff(cols) > 5), cols
    refit = [blue_column(draw_pose3d(
        pred=s.gt_keypoints_3d, skeleton='h36m', panel_size=2.5,
        views=(('front', 0, -90), ))[:250]) for s in samples[::5]]
    assert abs(refit[1] - refit[0]) < 2
    mp4 = vis.add_sequence(samples, tmp_path / 'walk.mp4', fps=5)
    reader = imageio.get_reader(mp4, format='FFMPEG')
    assert reader.count_frames() == 6
    assert reader.get_meta_data()['size'] == (500, 300)
    assert reader.get_meta_data()['fps'] == 5
    first = reader.get_data(0)
    assert colour_mask(first, SIDE_COLORS['right'], tol=40).sum() > 20
    reader.close()


def test_save_animation_checks_its_input(tmp_path):
    frame = np.zeros((31, 41, 3), np.uint8)
    with pytest.raises(ValueError, match=r'must end in \.gif or \.mp4'):
        save_animation([frame], tmp_path / 'a.avi')
    with pytest.raises(ValueError, match='frames differ in size'):
        save_animation([frame, frame[1:]], tmp_path / 'a.gif')
    # odd sizes are padded for H.264
    path = save_animation([frame] * 3, tmp_path / 'odd.mp4', fps=3)
    reader = imageio.get_reader(path, format='FFMPEG')
    assert reader.get_meta_data()['size'] == (42, 32)
    reader.close()


def test_registered_visualiser_writes_to_its_backend_and_reads_images(
        tmp_path):
    vis = VISUALIZERS.build(dict(
        type='Pose3dLocalVisualizer', name='test_backend', panel_size=2.0,
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path)))
    assert isinstance(vis, Pose3dLocalVisualizer)
    gt = standing_camera_pose()
    sample = lifting_sample(gt, gt - gt[0], subject='S9', frame=3)
    img_path = tmp_path / 'frame.png'
    imageio.imwrite(img_path, np.full((480, 640, 3), (30, 220, 220),
                                      np.uint8))
    sample.set_metainfo(dict(img_path=str(img_path)))
    drawn = vis.add_datasample('s9_3', None, sample, step=3)
    assert drawn.shape == (250, 600, 3)
    written = tmp_path / 'vis_data' / 'vis_image' / 's9_3_3.png'
    np.testing.assert_array_equal(imageio.imread(written)[..., :3], drawn)
    assert colour_mask(drawn[:, :200], '#1edcdc').sum() > 5000  # the image
    sample.set_metainfo(dict(img_path=str(tmp_path / 'missing.png')))
    with pytest.raises(FileNotFoundError, match='missing.png'):
        vis.add_datasample('x', None, sample)
