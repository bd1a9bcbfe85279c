# AbsPoseLifter on Human3.6M with the published settings: RMSprop 1e-3,
# batch 64, 300 epochs, 1e-4 after 200, horizontal flips, lambda = 10^3,
# ground-truth 2D input (Table 1, "+ Location & scale").
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/h36m.py',
          './_base_/models/abslifter.py']

max_epochs = 300
train_dataloader = dict(
    batch_size=64, dataset=dict(pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = {{_base_.evaluator}}
test_evaluator = val_evaluator
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='RMSprop', lr=1e-3))
param_scheduler = [dict(type='MultiStepLR', milestones=[200], gamma=0.1,
                        by_epoch=True)]
auto_scale_lr = dict(base_batch_size=64)
