# Anatomy3D on Human3.6M, 81 frames, published settings (Table 1 and 4):
# batch 1024 (plus 1024 augmented), l = 50 random frames, Adam 1e-3.
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/h36m.py',
          './_base_/models/anatomy3d.py']

max_epochs = 80
dataset = dict(seq_len={{_base_.seq_len}}, causal={{_base_.causal}},
               num_random_frames={{_base_.num_random_frames}})
train_dataloader = dict(
    batch_size=1024,
    dataset=dict(pipeline={{_base_.train_pipeline}}, **dataset))
val_dataloader = dict(
    dataset=dict(pipeline={{_base_.val_pipeline}}, **dataset))
test_dataloader = val_dataloader
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
auto_scale_lr = dict(base_batch_size=1024)
