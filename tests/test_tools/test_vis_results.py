"""tools/misc/vis_results.py on a small dump of tools/test.py --out."""
import importlib.util
import pickle

import imageio.v2 as imageio
import numpy as np
import pytest
from conftest import REPO

from pose3d_toolbox.datasets.synthetic import t_pose


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'vis_results', REPO / 'tools' / 'misc' / 'vis_results.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dump(path):
    """Results as tools/test.py --out pickles them (dicts): subject S1
    'walk' filmed by camera 'c1' in two takes of 3 and 4 frames, then
    camera 'c2'."""
    world = t_pose()
    pose = np.stack([world[:, 0], -world[:, 2], world[:, 1]], -1) + [0, 0, 5]
    cam = dict(f=np.array([500., 500.]), c=np.array([320., 240.]), w=640,
               h=480)
    results = []
    for camera, frames in (('c1', 3), ('c1', 4), ('c2', 2)):
        for t in range(frames):
            gt = pose + [0.1 * t, 0, 0]
            results.append(dict(
                subject='S1', action='walk', camera_id=camera, frame=t,
                skeleton='h36m', root_index=0, img_path='', camera=cam,
                gt_keypoints_3d=gt,
                gt_keypoints_2d=gt[:, :2] / gt[:, 2:] * 500 + [320, 240],
                pred_keypoints_3d=gt - gt[0] + 0.02))
    with open(path, 'wb') as fh:
        pickle.dump(results, fh)
    return results


def test_videos_split_takes_and_filter(tmp_path):
    tool = load_tool()
    results = dump(tmp_path / 'r.pkl')
    found = tool.videos(results)
    assert {k: [s['frame'] for s in v] for k, v in found.items()} == {
        ('S1', 'walk', 'c1', '1'): [0, 1, 2],
        ('S1', 'walk', 'c1', '2'): [0, 1, 2, 3],
        ('S1', 'walk', 'c2', '1'): [0, 1]}
    assert list(tool.videos(results, camera='c2')) == [
        ('S1', 'walk', 'c2', '1')]


def test_writes_gif_mp4_html_and_pngs_of_one_take(tmp_path):
    tool = load_tool()
    dump(tmp_path / 'r.pkl')
    out = tmp_path / 'vis'
    written = tool.main([str(tmp_path / 'r.pkl'), '--out-dir', str(out),
                         '--camera', 'c1', '--take', '2', '--frames', '1:',
                         '--formats', 'gif', 'mp4', 'html', 'png'])
    name = 'S1_walk_c1_take2'
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f'{name}.gif', f'{name}.mp4', f'{name}.html'] +
        [f'{name}_{t}.png' for t in (1, 2, 3)])
    assert len(written) == 6
    gif = imageio.mimread(out / f'{name}.gif')
    assert len(gif) == 3 and gif[0].shape == (450, 1200, 3)
    reader = imageio.get_reader(out / f'{name}.mp4', format='FFMPEG')
    assert reader.count_frames() == 3
    reader.close()
    html = (out / f'{name}.html').read_text()
    assert '"sliders"' in html and html.count('"name":"ground truth"') >= 3
    with pytest.raises(SystemExit, match='only 2 videos match'):
        tool.main([str(tmp_path / 'r.pkl'), '--out-dir', str(out),
                   '--camera', 'c1', '--take', '3'])
    with pytest.raises(SystemExit, match=r"matches --camera c9; .* there: "
                       r"\[\('S1', 'walk', 'c1'\)"):
        tool.main([str(tmp_path / 'r.pkl'), '--out-dir', str(out),
                   '--camera', 'c9'])
