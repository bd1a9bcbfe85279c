"""Pictures of test samples: Pose3dVisualizationHook and
``tools/test.py --show-dir``."""
import imageio.v2 as imageio
import numpy as np
import pytest
from conftest import run_tool
from mmengine.visualization import Visualizer

from pose3d_toolbox.registry import HOOKS
from pose3d_toolbox.structures import PoseDataSample


class FakeRunner:
    experiment_name = 'hook_test'

    def __init__(self):
        self.visualizer = Visualizer.get_instance('hook_test_plain')


def samples(n, start=0):
    rng = np.random.default_rng(start)
    out = []
    for i in range(start, start + n):
        s = PoseDataSample(metainfo=dict(skeleton='h36m', subject='S 9',
                                         action='walk/dog', frame=i))
        s.gt_keypoints_3d = rng.normal(size=(17, 3)) * 0.3 + [0, 0, 5]
        s.pred_keypoints_3d = s.gt_keypoints_3d - s.gt_keypoints_3d[0]
        out.append(s)
    return out


def test_hook_draws_every_interval_th_sample_up_to_the_maximum(tmp_path):
    hook = HOOKS.build(dict(type='Pose3dVisualizationHook', enable=True,
                            interval=3, max_samples=3, out_dir=str(tmp_path)))
    runner = FakeRunner()
    hook.before_test_epoch(runner)
    hook.after_val_iter(runner, 0, None, samples(4))  # val is off
    assert hook.written == []
    for b in range(4):  # batches of 4: samples 0..15
        hook.after_test_iter(runner, b, None, samples(4, 4 * b))
    names = sorted(p.name for p in tmp_path.iterdir())
    # samples 0, 3, 6 (9 and 12 are past max_samples); names made safe
    assert names == ['test_000000_S-9_walk-dog_0.png',
                     'test_000003_S-9_walk-dog_3.png',
                     'test_000006_S-9_walk-dog_6.png']
    img = imageio.imread(tmp_path / names[0])
    assert img.shape[:2] == (450, 800)  # two 3D views, no 2D panel
    hook.before_test_epoch(runner)  # a new loop starts counting again
    hook.after_test_iter(runner, 0, None, samples(1))
    assert len(hook.written) == 4
    with pytest.raises(ValueError, match='interval must be >= 1'):
        HOOKS.build(dict(type='Pose3dVisualizationHook', interval=0))


def test_test_tool_show_dir_saves_pictures(tmp_path):
    show = tmp_path / 'show'
    # the zoo's smallest model on every 100th test frame (268 samples);
    # samples 0, 100, 200 are drawn
    proc = run_tool('tools/test.py', 'simplebaseline3d_cmu', '--work-dir',
                    str(tmp_path / 'work'), '--show-dir', str(show),
                    '--show-interval', '100', '--show-max', '5',
                    '--cfg-options', 'test_dataloader.dataset.step=100')
    assert 'mpjpe' in proc.stdout + proc.stderr
    pictures = sorted(show.iterdir())
    assert [p.name.split('_')[:2] for p in pictures] == [
        ['test', '000000'], ['test', '000100'], ['test', '000200']]
    for p in pictures:
        img = imageio.imread(p)[..., :3]
        # the camera's frame with the 2D input, and two 3D views
        assert img.shape == (450, 1200, 3)
        # right-side bones (red) in the 2D panel and in both 3D views
        red = (np.abs(img.astype(int) - [0xe0, 0x30, 0x1e]) < 20).all(-1)
        for panel in (red[:, :400], red[:, 400:800], red[:, 800:]):
            assert panel.sum() > 20, p.name
