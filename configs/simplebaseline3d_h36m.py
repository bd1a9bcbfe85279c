# SimpleBaseline on Human3.6M with the published settings: Adam 1e-3 with
# exponential decay 0.96 per 100k steps, batch 64, 200 epochs, max-norm 1,
# dropout 0.5, ground-truth 2D input.
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/h36m.py',
          './_base_/models/simplebaseline3d.py']

max_epochs = 200
train_dataloader = dict(
    batch_size=64,
    dataset=dict(seq_len={{_base_.seq_len}}, pipeline={{_base_.pipeline}}))
val_dataloader = dict(
    dataset=dict(seq_len={{_base_.seq_len}}, pipeline={{_base_.pipeline}}))
test_dataloader = val_dataloader
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
auto_scale_lr = dict(base_batch_size=64)
