"""The offline HTML viewer: its figure, its file, and what headless
Chromium draws from it."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import imageio.v2 as imageio
import numpy as np
import pytest
from shared_guard import REQUIRE_ENV, required
from test_vis_pose3d import colour_mask, walking_sequence
from test_vis_skeleton import standing_camera_pose

from pose3d_toolbox.visualization import (GT_COLOR, SIDE_COLORS,
                                          Pose3dLocalVisualizer,
                                          save_html_viewer, viewer_figure)


def walk(frames=5):
    gt = standing_camera_pose()
    gt = np.stack([gt + [0.2 * t, 0, 0.1 * t] for t in range(frames)])
    return gt + 0.03, gt


def test_figure_has_a_frame_per_pose_a_slider_and_toggled_groups():
    pred, gt = walk(5)
    fig = viewer_figure(pred, gt, 'h36m', fps=4,
                        frame_names=[f'f{t}' for t in range(5)])
    assert [f.name for f in fig.frames] == ['f0', 'f1', 'f2', 'f3', 'f4']
    steps = fig.layout.sliders[0].steps
    assert [list(s.args[0]) for s in steps] == [['f0'], ['f1'], ['f2'],
                                                ['f3'], ['f4']]
    assert fig.layout.updatemenus[0].buttons[0].label == 'Play'
    assert fig.layout.updatemenus[0].buttons[0].args[1]['frame'][
        'duration'] == 250
    # per frame: prediction left/right/centre and the ground truth; the
    # legend shows one entry per group, clicking it hides the group
    for frame in fig.frames:
        groups = [t.legendgroup for t in frame.data]
        assert groups == ['prediction'] * 3 + ['ground truth']
        assert [t.line.color for t in frame.data] == [
            SIDE_COLORS['left'], SIDE_COLORS['right'], SIDE_COLORS['centre'],
            GT_COLOR]
        assert sum(bool(t.showlegend is not False) for t in frame.data) == 2
    assert fig.layout.legend.itemclick == 'toggle'
    # the last frame's ground-truth bones, in plot coordinates (x, z, -y)
    last = fig.frames[4].data[3]
    xyz = np.stack([np.array(last.x, float), np.array(last.y, float),
                    np.array(last.z, float)], -1)
    assert np.isnan(xyz[2::3]).all()  # a break after every bone (16)
    assert len(xyz) == 16 * 3
    np.testing.assert_allclose(xyz[0], [gt[4, 0, 0], gt[4, 0, 2],
                                        -gt[4, 0, 1]], atol=1e-4)
    # axes fixed over the whole sequence: a cube around every frame
    ranges = [np.array(getattr(fig.layout.scene, a).range) for a in
              ('xaxis', 'yaxis', 'zaxis')]
    assert len({round(r[1] - r[0], 6) for r in ranges}) == 1
    assert ranges[0][0] < min(pred[..., 0].min(), gt[..., 0].min())
    assert ranges[0][1] > max(pred[..., 0].max(), gt[..., 0].max())
    with pytest.raises(ValueError, match='different frame counts'):
        viewer_figure(pred[:3], gt, 'h36m')
    with pytest.raises(ValueError, match=r'\(T, 17, 3\)'):
        viewer_figure(pred[..., :2], None, 'h36m')


def test_html_file_is_self_contained(tmp_path):
    samples = walking_sequence(4)
    vis = Pose3dLocalVisualizer.get_instance('test_html')
    path = vis.add_sequence(samples, tmp_path / 'walk.html')
    html = path.read_text()
    assert len(html) > 3_000_000  # plotly.js embedded
    assert not re.search(r'<script[^>]+src=', html)  # nothing fetched
    assert 'Plotly.addFrames' in html and '"sliders"' in html
    assert html.count('"name":"prediction"') >= 4 * 3
    assert html.count('"name":"ground truth"') >= 4
    frames = re.search(r'Plotly\.addFrames\([^,]+,\s*(\[.*?\])\)', html,
                       re.S)
    assert [f['name'] for f in json.loads(frames.group(1))] == [
        '0', '1', '2', '3']
    with pytest.raises(ValueError, match=r'must end in \.html'):
        save_html_viewer(tmp_path / 'walk.htm.txt', *walk(2))


def chromium_screenshot(html_path, png_path, size=(900, 700)):
    """Open ``html_path`` in headless Chromium and save a screenshot; fail
    (CI) or skip (elsewhere) without Chromium."""
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    if exe is None:
        message = ('chromium is not installed (bash tools/install.sh tests '
                   'installs it: apt-get install -y chromium)')
        if required():
            pytest.fail(f'{message}; {REQUIRE_ENV}=1 (CI) requires it')
        pytest.skip(message)
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [exe, '--headless', '--no-sandbox', '--disable-gpu',
             '--enable-unsafe-swiftshader', '--disable-quic',
             '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync',
             f'--user-data-dir={profile}', f'--screenshot={png_path}',
             f'--window-size={size[0]},{size[1]}',
             f'file://{os.path.abspath(html_path)}'],
            capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and os.path.exists(png_path), proc.stderr
    return imageio.imread(png_path)[..., :3]


def test_chromium_draws_the_skeleton(tmp_path):
    pred, gt = walk(3)
    save_html_viewer(tmp_path / 'both.html', pred, gt, 'h36m')
    shot = chromium_screenshot(tmp_path / 'both.html', tmp_path / 'both.png')
    assert shot.shape == (700, 900, 3)
    # the plot area (left of the legend, above the slider): the right and
    # midline bones of the prediction (the legend swatch is the left side's
    # colour) and the ground truth
    plot = shot[60:560, :780]
    for colour in (SIDE_COLORS['right'], SIDE_COLORS['centre'], GT_COLOR):
        assert colour_mask(plot, colour, tol=30).sum() > 30, colour
    # the slider and Play button are drawn below it
    assert (shot[560:] < 200).any()
    # a person-sized skeleton, not a legend swatch: the right leg and arm
    # span much of the plot's height
    rows = np.argwhere(colour_mask(plot, SIDE_COLORS['right'], tol=30))[:, 0]
    assert rows.max() - rows.min() > 100
