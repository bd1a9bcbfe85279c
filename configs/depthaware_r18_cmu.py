# Depth-aware heatmaps quick start: configs/integral3d_r18_cmu.py (the
# integral baseline on the embedded CMU renders, 2 CPU cores: same data,
# crops, augmentation, codec, schedule and seed) with the depth-aware model
# (_base_/models/depthaware.py): ResNet-18's four stages -> U-shape neck
# with pyramid pooling -> depth-aware heatmaps + depth + embedding per
# joint, supervised at 2, 4, 8 and 16 px. Prints MPJPE / PA-MPJPE (mm),
# MRPE of the bone-length root estimate (mm) and the 2D error (image
# pixels); --cfg-options model.head.codec.root_depth=ground_truth tests
# under the Protocol #1 convention. Table 4's switches:
# model.head.depth_aware=False (wo DH), model.neck.pyramid_pooling=False
# (wo SF).
_base_ = ['./integral3d_r18_cmu.py']

# ---- sizes for 2 CPU cores, in one place (the paper's in brackets); the
# input (64 x 64 [256]) and heatmaps (16 x 16 [64]) are
# integral3d_r18_cmu.py's, whose codec this config keeps ----
depth = 18  # ResNet depth [50]
neck_channels = 64  # [256]
sigma = 1.0  # heatmap pixels: the paper's 2 at a 4x smaller map, rounded up
depth_aware = True  # DH
pyramid_pooling = True  # SF

model = dict(
    backbone=dict(depth=depth, out_indices=(0, 1, 2, 3)),
    neck=dict(type='UShapeNeck', out_channels=neck_channels,
              pyramid_pooling=pyramid_pooling, bins=(1, 2, 4, 6)),
    head=dict(_delete_=True, type='DepthAwareHead', codec=_base_.codec,
              depth_aware=depth_aware, num_stages=4, sigma=sigma))
