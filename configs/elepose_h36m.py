# ElePose stage 2 on Human3.6M with the published settings: the lifter
# (width 1024, 3 residual blocks per path, elevation branch) trained against
# the frozen flow of stage 1 with L_NF + 50 L_bone + L_3D + L_def + L_2D,
# batch 256, Adam 2e-4, weight decay 1e-5, learning rate x 0.95 per epoch,
# 100 epochs; evaluated on every 64th test frame. Run stage 1 first:
#   python tools/train.py configs/elepose-flow_h36m.py
#   python tools/train.py configs/elepose_h36m.py
_base_ = ['./elepose-flow_h36m.py']

model = dict(
    _delete_=True,
    type='ElePose',
    lifter={{_base_.lifter}},
    prior={{_base_.model.prior}},  # must equal stage 1's
    codec={{_base_.model.codec}},
    loss=dict(type='ElePoseLoss', bone_prior='h36m'),
    flow_checkpoint='work_dirs/elepose-flow_h36m')  # newest checkpoint there
custom_hooks = []  # the projection comes with the flow
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-4, weight_decay=1e-5))
param_scheduler = [dict(type='ExponentialLR', gamma=0.95, by_epoch=True)]
val_evaluator = {{_base_.lifter_evaluator}}
test_evaluator = val_evaluator
