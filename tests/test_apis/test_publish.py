"""tools/misc/publish_model.py: what a release keeps, float16 round trip,
deterministic hash in the file name, and init_model from the file."""
import hashlib
import re

import pytest
import torch
from conftest import run_tool
from mmengine.config import Config

from pose3d_toolbox.apis import init_model
from pose3d_toolbox.apis.publish import build_model, publish_checkpoint

CONFIG = 'configs/simplebaseline3d_cmu.py'


@pytest.fixture(scope='module')
def training_checkpoint(tmp_path_factory):
    """A SimpleBaseline (width 16) checkpoint as mmengine writes one: the
    weights (BatchNorm statistics moved off their defaults), optimizer and
    message-hub state, and meta with the config text."""
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.width = cfg.model.head.in_channels = 16
    torch.manual_seed(0)
    model = build_model(cfg)
    state = model.state_dict()
    for key, value in state.items():
        if key.endswith(('running_mean', 'running_var')):
            value.copy_(torch.rand_like(value) + 0.1)
    optimizer = torch.optim.Adam(model.parameters())
    path = tmp_path_factory.mktemp('train') / 'epoch_3.pth'
    torch.save(dict(
        state_dict=state, optimizer=optimizer.state_dict(),
        message_hub=dict(log_scalars={}), param_schedulers=[],
        meta=dict(cfg=cfg.pretty_text, epoch=3, iter=30, seed=0,
                  experiment_name='tiny_sb_20261202_040000',
                  dataset_meta=dict(skeleton='h36m', num_joints=17))),
        path)
    return path, state


def test_fp16_release(training_checkpoint, tmp_path):
    src, state = training_checkpoint
    proc = run_tool('tools/misc/publish_model.py', str(src), str(tmp_path),
                    '--fp16')
    sha256 = re.search(r'sha256: ([0-9a-f]{64})', proc.stdout).group(1)
    size = int(re.search(r'size: (\d+) bytes', proc.stdout).group(1))
    out = tmp_path / f'tiny_sb-{sha256[:8]}.pth'
    data = out.read_bytes()
    assert hashlib.sha256(data).hexdigest() == sha256 and len(data) == size

    raw = torch.load(out, weights_only=True)
    assert set(raw) == {'state_dict', 'meta'}  # no optimizer, no hub
    meta = raw['meta']
    assert meta['cfg'] == torch.load(src, weights_only=False)['meta']['cfg']
    assert meta['skeleton'] == 'h36m'
    assert meta['codec'] == dict(type='PoseLiftingCodec', skeleton='h36m')
    assert meta['source']['epoch'] == 3
    halved = set(meta['publish']['float16_keys'])
    params = {k for k, _ in build_model(
        Config.fromstring(meta['cfg'], '.py')).named_parameters()}
    assert halved == params
    for key, value in raw['state_dict'].items():
        if key in params:
            assert value.dtype == torch.float16
            assert torch.equal(value, state[key].half())
        else:  # buffers keep their dtype and every bit
            assert value.dtype == state[key].dtype
            assert torch.equal(value, state[key])
    assert any(k.endswith('running_var') for k in raw['state_dict'])

    model = init_model(str(out))  # the config comes from the file
    assert not model.training and model.dataset_meta['num_joints'] == 17
    for key, value in model.state_dict().items():
        assert value.dtype == state[key].dtype
        expected = state[key].half().float() if key in params else state[key]
        assert torch.equal(value, expected), key


def test_fp32_release_is_exact_and_deterministic(training_checkpoint,
                                                 tmp_path):
    src, state = training_checkpoint
    first = publish_checkpoint(str(src), str(tmp_path / 'a'), name='sb')
    second = publish_checkpoint(str(src), str(tmp_path / 'b'), name='sb')
    assert first[1:] == second[1:]
    assert first[0].endswith(f'sb-{first[1][:8]}.pth')
    model = init_model(CONFIG, first[0], cfg_options={
        'model.backbone.width': 16, 'model.head.in_channels': 16})
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_publish_refuses_a_checkpoint_without_config(tmp_path):
    path = tmp_path / 'bare.pth'
    torch.save(dict(state_dict={'w': torch.ones(1)}), path)
    with pytest.raises(KeyError, match=r'meta\["cfg"\]'):
        publish_checkpoint(str(path), str(tmp_path))
