# Anatomy3D on the embedded CMU mocap data, 27 frames, trained on CPU in
# minutes: direction network width 256, and, since the length network runs
# on l frames per sample (the bulk of the CPU time), l = 16 random frames and
# width 128 there. The occlusion-based visibility scores of the data play
# the 2D detector's confidence (ScoreAtt). Compare with
# configs/videopose3d_27frm_cmu.py (same receptive field and budget).
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/cmu_lifting.py',
          './_base_/models/anatomy3d.py']

kernel_sizes = (3, 3, 3)
seq_len = 27  # the product of kernel_sizes (the TCN checks it)
channels = 256
length_channels = 128
num_random_frames = 16
max_epochs = 2
model = dict(
    direction_net=dict(kernel_sizes=kernel_sizes, channels=channels),
    length_net=dict(num_blocks=len(kernel_sizes) - 1,
                    channels=length_channels))
dataset = dict(seq_len=seq_len, rig='h36m', step=2,
               num_random_frames=num_random_frames)
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.train_pipeline}}, **dataset))
val_dataloader = dict(
    dataset=dict(pipeline={{_base_.val_pipeline}}, **dataset))
test_dataloader = val_dataloader
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(logger=dict(interval=100))
auto_scale_lr = dict(base_batch_size=256)
