"""tools/misc/browse_dataset.py on the lifting config and on an image
dataset config."""
import importlib.util
import textwrap

import numpy as np
from conftest import REPO, run_tool
from matplotlib.image import imread

TOOL = 'tools/misc/browse_dataset.py'


def load_tool():
    spec = importlib.util.spec_from_file_location('browse_dataset',
                                                  REPO / TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pngs(folder):
    files = sorted(folder.glob('*.png'))
    for f in files:
        img = imread(f)
        assert img.ndim == 3 and img.shape[0] > 300 and img.std() > 0.01
    return files


def test_lifting_config(tmp_path):
    out = tmp_path / 'browse'
    proc = run_tool(TOOL, 'configs/simplebaseline3d_cmu.py', '--split',
                    'val', '--num', '3', '--output-dir', str(out),
                    '--cfg-options', 'val_dataloader.dataset.step=20')
    files = pngs(out)
    assert len(files) == 3, proc.stdout
    assert 'CMUMocapDataset' in proc.stdout
    # spread over different takes
    subjects = {f.name.split('_')[2] for f in files}
    assert len(subjects) >= 2, [f.name for f in files]


def test_image_dataset_config(tmp_path):
    cfg = tmp_path / 'tiny_image.py'
    cfg.write_text(textwrap.dedent(f'''
        _base_ = ['{REPO}/configs/_base_/datasets/cmu_image.py']
        default_scope = 'pose3d_toolbox'
        val_dataloader = dict(dataset=dict(
            takes=['02_01', '13_32'], step=20, input_size=(128, 128),
            pipeline=[dict(type='PackPoseInputs', input_key='img')]))
    '''))
    out = tmp_path / 'browse_img'
    proc = run_tool(TOOL, str(cfg), '--split', 'val', '--num', '2',
                    '--output-dir', str(out))
    assert len(pngs(out)) == 2, proc.stdout
    assert 'CMUMocapImageDataset' in proc.stdout


def test_pick_indices_spread_over_videos():
    tool = load_tool()

    class Fake:
        # 6 videos of 10 targets each
        targets = np.stack([np.repeat(np.arange(6), 10),
                            np.tile(np.arange(10), 6)], 1)

        def __len__(self):
            return len(self.targets)

    picks = tool.pick_indices(Fake(), 3)
    videos = Fake.targets[picks, 0]
    assert len(set(videos)) == 3 and videos[0] == 0 and videos[-1] == 5
    frames = Fake.targets[picks, 1]
    assert len(set(frames)) > 1  # not the same moment of every video
    # more pictures than videos: evenly spaced samples
    assert tool.pick_indices(Fake(), 60) == list(range(60))
    assert tool.pick_indices([1, 2, 3], 2) == [0, 2]
    assert tool.pick_indices([], 2) == []


def test_without_pipeline_strips_wrappers():
    tool = load_tool()
    cfg = dict(type='ConcatDataset', datasets=[
        dict(type='A', pipeline=[1]),
        dict(type='RepeatDataset', dataset=dict(type='B', pipeline=[2]))])
    out = tool._without_pipeline(cfg)
    assert out['datasets'][0]['pipeline'] == []
    assert out['datasets'][1]['dataset']['pipeline'] == []
    assert cfg['datasets'][0]['pipeline'] == [1]  # the input is not changed
