"""Skeleton drawing: bones per side colour, visibility, upright 3D."""
import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgb

from pose3d_toolbox.skeletons import H36M
from pose3d_toolbox.visualization import (SIDE_COLORS, bone_sides,
                                          camera_to_plot, draw_skeleton_2d,
                                          draw_skeleton_3d, joint_side,
                                          new_figure)


def standing_camera_pose():
    """H36M-17 joints of an upright person 5 m in front of a camera, in
    camera coordinates (y down), facing the camera (its left at +x)."""
    from pose3d_toolbox.datasets.synthetic import t_pose
    world = t_pose()  # z up
    pts = np.stack([world[:, 0], -world[:, 2], world[:, 1]], -1)
    return pts + [0, 0.9, 5.0]


def test_sides_from_names():
    assert joint_side('left_knee') == 'left'
    assert joint_side('r_ankle') == 'right'
    assert joint_side('thorax') == 'centre'
    sides = bone_sides('h36m')
    assert len(sides) == 16
    assert sides.count('left') == sides.count('right') == 6


def test_draw_2d_on_axes_lines_and_colours():
    kp3d = standing_camera_pose()
    kp2d = kp3d[:, :2] / kp3d[:, 2:] * 1000 + 500
    vis = np.ones(17)
    vis[H36M.index('left_wrist')] = 0.1
    fig = new_figure()
    ax = fig.add_subplot()
    assert draw_skeleton_2d(ax, kp2d, 'h36m', visibility=vis) is ax
    assert len(ax.lines) == 16
    for line, side, (c, p) in zip(ax.lines, bone_sides(H36M), H36M.bones):
        assert to_hex(line.get_color()) == SIDE_COLORS[side]
        np.testing.assert_allclose(line.get_xydata(), kp2d[[p, c]])
    dashed = [i for i, line in enumerate(ax.lines)
              if line.get_linestyle() == '--']
    wrist = H36M.index('left_wrist')
    assert dashed == [i for i, (c, p) in enumerate(H36M.bones)
                      if wrist in (c, p)]
    assert len(ax.collections) == 2  # visible and hidden joints
    assert ax.yaxis_inverted()  # pixel y points down
    fig.canvas.draw()


def test_draw_2d_on_image_returns_a_new_image():
    img = np.zeros((120, 100, 3), np.uint8)
    kp = np.tile([50.0, 60.0], (17, 1))
    kp[H36M.index('right_ankle')] = (30, 110)   # a long right shin
    kp[H36M.index('left_ankle')] = (70, 110)
    out = draw_skeleton_2d(img, kp, H36M)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert not img.any()  # the input is left alone
    mid_r = out[85, 40].astype(float) / 255  # on the right shin
    mid_l = out[85, 60].astype(float) / 255
    assert np.abs(mid_r - to_rgb(SIDE_COLORS['right'])).max() < 0.2
    assert np.abs(mid_l - to_rgb(SIDE_COLORS['left'])).max() < 0.2
    assert not out[5, 5].any()  # far from the skeleton: untouched


def test_draw_3d_upright_equal_axes():
    kp3d = standing_camera_pose()
    fig = new_figure()
    ax = fig.add_subplot(projection='3d')
    assert draw_skeleton_3d(ax, kp3d, 'h36m') is ax
    assert len(ax.lines) == 16
    for line, side in zip(ax.lines, bone_sides('h36m')):
        assert to_hex(line.get_color()) == SIDE_COLORS[side]
    plot = camera_to_plot(kp3d)
    head, ankle = H36M.index('head'), H36M.index('left_ankle')
    assert plot[head, 2] > plot[ankle, 2] + 1.3  # the head is up
    np.testing.assert_allclose(plot[:, 1], kp3d[:, 2])  # depth axis
    spans = [np.ptp(lim) for lim in (ax.get_xlim(), ax.get_ylim(),
                                     ax.get_zlim())]
    np.testing.assert_allclose(spans, spans[0])
    # the (x, z, -y) map is a rotation: no mirror, left stays left
    assert np.linalg.det(camera_to_plot(np.eye(3))) == pytest.approx(1)
    fig.canvas.draw()


def test_figure_saves(tmp_path):
    kp3d = standing_camera_pose()
    fig = new_figure((8, 4))
    draw_skeleton_2d(fig.add_subplot(1, 2, 1), kp3d[:, :2] * 100, 'h36m')
    draw_skeleton_3d(fig.add_subplot(1, 2, 2, projection='3d'), kp3d[None],
                     'h36m')
    fig.savefig(tmp_path / 'skeleton.png')
    assert (tmp_path / 'skeleton.png').stat().st_size > 1000


def test_bad_inputs():
    fig = new_figure()
    with pytest.raises(TypeError, match='3D axes'):
        draw_skeleton_3d(fig.add_subplot(), np.zeros((17, 3)), 'h36m')
    with pytest.raises(ValueError, match='17'):
        draw_skeleton_2d(fig.add_subplot(), np.zeros((16, 2)), 'h36m')
    with pytest.raises(ValueError, match='visibility'):
        draw_skeleton_2d(fig.add_subplot(), np.zeros((17, 2)), 'h36m',
                         visibility=np.ones(3))
