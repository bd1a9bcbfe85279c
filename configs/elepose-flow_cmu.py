# ElePose stage 1 on the embedded CMU mocap data (2 CPU cores, minutes):
# the published flow, fewer epochs. Train on the fixed Human3.6M-like rig,
# like the quick start; training reads the 2D poses only.
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/cmu_lifting.py',
          './_base_/models/elepose.py']

max_epochs = 10
# mean root-to-head distance (px) of the training 2D poses on this rig
# (codecs.mean_head_distance; tests/test_models/test_elepose.py checks it)
codec = dict(type='ElePoseCodec', skeleton='h36m', head_distance=108.05)
model = dict(codec=codec)
# the sizes of stage 2 (configs/elepose_cmu.py) sit here with the flow's
lifter = dict(width=256)
pipeline = [dict(type='GenerateTarget', codec=codec),
            dict(type='PackPoseInputs')]
dataset = dict(seq_len=1, pipeline=pipeline, visibility=False)
train_dataloader = dict(dataset=dict(rig='h36m', **dataset))
val_dataloader = dict(dataset=dataset)
test_dataloader = val_dataloader
val_evaluator = {{_base_.flow_evaluator}}
test_evaluator = val_evaluator
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='MultiStepLR', milestones=[max_epochs - 2],
                        gamma=0.1, by_epoch=True)]
default_hooks = dict(logger=dict(interval=100))
