# HEMlets quick start: configs/integral3d_r18_cmu.py (the integral baseline
# on the embedded CMU renders, 2 CPU cores) with the HEMlets head
# (_base_/models/hemlets.py): 18-joint 'hemlets' skeleton (ExtendSkeleton
# first in every pipeline), triplets + 2D heatmaps fused into the volume,
# loss alpha (L_HEM + L_2D) + L_3D; scored on the 17 Human3.6M joints.
# Prints MPJPE / PA-MPJPE (mm), MRPE of the bone-length root estimate (mm)
# and the 2D error (image pixels); --cfg-options
# model.head.codec.root_depth=ground_truth tests under the Protocol #1
# convention. Table 4's rows on these renders: configs/hemlets/table4-*.
_base_ = ['./integral3d_r18_cmu.py']

# ---- sizes for 2 CPU cores, in one place (the paper's in brackets) ----
skeleton = 'hemlets'
input_size = (64, 64)  # (W, H) [256 x 256]
heatmap_size = (16, 16)  # (w, h) of the maps and the volume [64 x 64]
depth_bins = 16  # D [64]
sigma = 1.0  # heatmap pixels: the paper's 2 at a 4x smaller map, rounded up
deconv_channels = (128, 128, 128)  # [256, 256, 256]
feature_channels = 256  # [1024]
fusion_channels = 64  # [256]
variant = 'hemlets'  # or '2s', '5s'
alpha = 0.05
use_hem = True  # Table 4 switches
use_2d = True

codec = dict(type='IntegralPose3DCodec', input_size=input_size,
             heatmap_size=heatmap_size, depth_bins=depth_bins,
             depth_range=2.0, root_depth='bone_length_fit',
             bone_lengths='cmu', skeleton=skeleton)
hem_codec = dict(type='HEMletsCodec', variant=variant, input_size=input_size,
                 heatmap_size=heatmap_size, sigma=sigma, skeleton=skeleton)
model = dict(
    skeleton=skeleton,
    head=dict(_delete_=True, type='HEMletsHead', codec=codec,
              hemlets_codec=hem_codec, deconv_channels=deconv_channels,
              feature_channels=feature_channels,
              fusion_channels=fusion_channels,
              hemlets_loss=dict(type='HEMletsLoss', alpha=alpha,
                                use_hem=use_hem, use_2d=use_2d)))
train_pipeline = [
    dict(type='ExtendSkeleton', skeleton=skeleton),
    *_base_.train_pipeline[:-2],
    dict(type='GenerateTarget', codec=[hem_codec, codec]),
    _base_.pack]
val_pipeline = [dict(type='ExtendSkeleton', skeleton=skeleton),
                dict(type='TopdownAffine', input_size=input_size),
                dict(type='GenerateTarget', codec=codec),
                _base_.pack]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='PoseErrorMetric', modes=('mpjpe', 'p-mpjpe'),
         joint_indices=skeleton),
    dict(type='MRPEMetric'),
    dict(type='Keypoint2DMetric', pck_thresholds=(0.05, 0.1),
         joint_indices=skeleton)]
test_evaluator = val_evaluator
