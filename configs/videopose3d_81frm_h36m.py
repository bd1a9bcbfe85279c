# VideoPose3D on Human3.6M, 81 frames: the Baseline of Anatomy3D's Table 4
# (published settings: batch 1024, 80 epochs, Adam/amsgrad 1e-3, 0.95 decay).
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/h36m.py',
          './_base_/models/videopose3d.py']

max_epochs = 80
dataset = dict(seq_len={{_base_.seq_len}}, pipeline={{_base_.pipeline}})
train_dataloader = dict(batch_size=1024, dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
auto_scale_lr = dict(base_batch_size=1024)
