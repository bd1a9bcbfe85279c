# Anatomy-aware 3D (Chen et al., IEEE TCSVT 2021): bone directions from d
# consecutive frames, bone lengths from l frames drawn at random from the
# whole video, joints from both. Published settings, 81 frames. The switches
# of Table 4 are marked; the VideoPose3D Baseline is videopose3d.py.
kernel_sizes = (3, 3, 3, 3)  # d = 81 frames
seq_len = 81  # the product of kernel_sizes (the TCN checks it)
num_random_frames = 50  # l, at training and test time
channels = 1024
dropout = 0.25
causal = False

codec = dict(type='BoneCodec', skeleton='h36m')
model = dict(
    type='Anatomy3D',
    direction_net=dict(
        type='BoneDirectionNet', channels=channels,
        kernel_sizes=kernel_sizes, dropout=dropout, causal=causal,
        num_stages=2,               # LSC (1 = the Baseline TCN)
        score_fusion='attention'),  # ScoreAtt ('concat' = Fusion, None)
    length_net=dict(
        type='BoneLengthNet', channels=channels,
        num_blocks=len(kernel_sizes) - 1, dropout=dropout,
        mpjpe_loss=True,            # ML
        bone_attention=True,        # BoneAtt
        gamma=10.0),
    head=dict(
        type='Anatomy3DHead', codec=codec,
        final='fc',                 # 'fk': exact forward kinematics
        joint_shift_loss=True,      # JSL
        # the paper (Sec. 4.2): the final FC layers are "trained together
        # with the whole network", end to end (False: the authors' code,
        # which detaches their inputs); augmented_joints_loss=True: L_J also
        # on the augmented frames (the authors' code)
        pose_loss_trains_directions=True, augmented_joints_loss=False,
        loss_weights=dict(direction=0.015, length=0.05, joints=1.0,
                          joint_shift=0.1)),
    length_augmentation=True)       # AUG (needs the transform below)

# PackPoseInputs' 'bone' keys: the bone codec's targets (BONE_DATA_KEYS)
val_pipeline = [dict(type='GenerateTarget', codec=codec),
                dict(type='PackPoseInputs', preset='bone')]
train_pipeline = [dict(type='RandomBoneLengthAugmentation', codec=codec,
                       scale=0.3)] + val_pipeline

val_cfg = dict()
test_cfg = dict()
# Adam 1e-3 decayed 0.95 per epoch (the authors' code); batch 1024.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='ExponentialLR', gamma=0.95, by_epoch=True)]
