# ElePose stage 2 on the embedded CMU mocap data: a narrower lifter, a few
# epochs at a higher learning rate (1e-3), the bone prior of the CMU
# skeleton (pose3d_toolbox/skeletons.py).
# Evaluated on the test subjects 02, 13, 49 with the 3D ground truth, which
# training never reads. Run stage 1 first:
#   python tools/train.py configs/elepose-flow_cmu.py
#   python tools/train.py configs/elepose_cmu.py
_base_ = ['./elepose-flow_cmu.py']

max_epochs = 5
model = dict(
    _delete_=True,
    type='ElePose',
    lifter={{_base_.lifter}},
    prior={{_base_.model.prior}},  # must equal stage 1's
    codec={{_base_.model.codec}},
    loss=dict(type='ElePoseLoss', bone_prior='cmu'),
    flow_checkpoint='work_dirs/elepose-flow_cmu')  # newest checkpoint there
custom_hooks = []  # the projection comes with the flow
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=1e-5))
param_scheduler = [dict(type='ExponentialLR', gamma=0.95, by_epoch=True)]
val_evaluator = {{_base_.lifter_evaluator}}
test_evaluator = val_evaluator
