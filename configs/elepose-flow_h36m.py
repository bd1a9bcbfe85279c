# ElePose stage 1 on Human3.6M with the published settings: flow of 8
# coupling blocks (sub-nets of width 1024) on 26 PCA bases, batch 256, Adam
# 1e-4, weight decay 1e-5, 100 epochs, learning rate / 10 after 10, 20 and
# 30 epochs. Ground-truth 2D poses; training reads 2D only.
_base_ = ['./_base_/default_runtime.py', './_base_/datasets/h36m.py',
          './_base_/models/elepose.py']

max_epochs = 100
dataset = dict(seq_len=1, pipeline={{_base_.pipeline}})
train_dataloader = dict(batch_size=256, dataset=dataset)
val_dataloader = dict(dataset=dict(step=64, **dataset))  # every 64th frame
test_dataloader = val_dataloader
val_evaluator = {{_base_.flow_evaluator}}
test_evaluator = val_evaluator
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
param_scheduler = [dict(type='MultiStepLR', milestones=[10, 20, 30],
                        gamma=0.1, by_epoch=True)]
