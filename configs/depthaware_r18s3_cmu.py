# Depth-aware heatmaps quick start at the model zoo's size:
# configs/depthaware_r18_cmu.py with ResNet-18's first three stages (the
# U-shape neck and its pyramid pooling start at stride 16), a 48-channel
# neck and the head supervised at 4, 8 and 16 px: 2.9 of its 11.6 M
# parameters, so that its float16 checkpoint fits the zoo's 80 MB budget.
_base_ = ['./depthaware_r18_cmu.py']

num_stages = 3  # ResNet stages built and head stages supervised [4]
neck_channels = 48  # [256]
model = dict(backbone=dict(num_stages=num_stages, out_indices=(0, 1, 2)),
             neck=dict(out_channels=neck_channels),
             head=dict(num_stages=num_stages))
