# AbsPoseLifter (Chang et al.): normalisation layer (principal point,
# location m, scale sigma), the 4096-wide pre-activated residual network,
# canonical root depth + root-relative pose, the canonical loss (Eq. 7).
num_keypoints = 17
width = 4096
pose_weight = 1000.0  # lambda of Eq. 7 (published 10^3; see AbsPoseLoss)

codec = dict(type='AbsPoseCodec', skeleton='h36m', depth='canonical',
             f0=1000.0)
model = dict(
    type='PoseLifter',
    backbone=dict(
        type='ResidualMLP', width=width, num_blocks=2, dropout=0.5,
        preact=True,
        input_layer=dict(type='AbsPoseNormalization', use_location=True,
                         use_scale=True)),
    head=dict(
        type='AbsPoseHead', in_channels=width, codec=codec,
        loss=dict(type='AbsPoseLoss', pose_weight=pose_weight)),
    test_cfg=dict(flip_test=True),
    init_cfg=dict(type='Normal', layer='Linear', std=0.001))
train_pipeline = [dict(type='RandomFlipLifting', prob=0.5),
                  dict(type='GenerateTarget', codec=codec),
                  dict(type='PackPoseInputs')]
test_pipeline = [dict(type='GenerateTarget', codec=codec),
                 dict(type='PackPoseInputs')]
evaluator = [dict(type='PoseErrorMetric', modes=('mpjpe', 'p-mpjpe')),
             dict(type='MRPEMetric')]

val_cfg = dict()
test_cfg = dict()
