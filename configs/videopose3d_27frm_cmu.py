# VideoPose3D on the embedded CMU mocap data, 27 frames, width 256: the
# baseline of configs/anatomy3d_27frm_cmu.py (same receptive field and
# budget).
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/cmu_lifting.py',
          './_base_/models/videopose3d.py']

kernel_sizes = (3, 3, 3)
seq_len = 27  # the product of kernel_sizes (the TCN checks it)
channels = 256
max_epochs = 2
model = dict(backbone=dict(kernel_sizes=kernel_sizes, channels=channels),
             head=dict(in_channels=channels))
dataset = dict(seq_len=seq_len, rig='h36m', step=2,
               visibility=False,  # the lifter does not read visibility
               pipeline={{_base_.pipeline}})
train_dataloader = dict(dataset=dataset)
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(logger=dict(interval=100))
auto_scale_lr = dict(base_batch_size=256)
