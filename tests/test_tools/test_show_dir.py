"""Pictures of test samples: Pose3dVisualizationHook and
``tools/test.py --show-dir``."""
import imageio.v2 as imageio
import numpy as np
import pytest
import torch
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


def test_hook_draws_an_image_models_input_crop(tmp_path):
    # A rendered sample has no img_path: its packed input crop (3, H, W)
    # uint8 RGB and pred_keypoints_2d_input are drawn in the 2D panel.
    hook = HOOKS.build(dict(type='Pose3dVisualizationHook', enable=True,
                            interval=1, out_dir=str(tmp_path)))
    sample = samples(1)[0]
    sample.set_metainfo(dict(img_path=''))
    sample.pred_keypoints_2d_input = np.random.default_rng(0).uniform(
        8, 56, (17, 2))
    crop = torch.zeros(3, 64, 64, dtype=torch.uint8)
    crop[0], crop[2] = 255, 255  # magenta
    hook.after_test_iter(FakeRunner(), 0, dict(inputs=[crop]), [sample])
    img = imageio.imread(hook.written[0])[..., :3]
    assert img.shape == (450, 1200, 3)  # crop panel + two 3D views
    magenta = (np.abs(img.astype(int) - [255, 0, 255]) < 10).all(-1)
    assert magenta[:, :400].sum() > 50000 and not magenta[:, 400:].any()
    # a lifter's input (float keypoints) is no image: no 2D panel
    lifted = samples(1, 1)
    lifted[0].pred_keypoints_2d_input = np.zeros((17, 2))
    hook.after_test_iter(FakeRunner(), 1,
                         dict(inputs=[torch.zeros(1, 17, 2)]), lifted)
    assert imageio.imread(hook.written[1]).shape[:2] == (450, 800)
