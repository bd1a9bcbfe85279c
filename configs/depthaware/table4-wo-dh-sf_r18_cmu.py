# Table 4 "wo DH, SF" on the embedded CMU renders:
# configs/depthaware_r18_cmu.py with neither the depth-aware heatmaps nor
# the pyramid pooling.
_base_ = ['../depthaware_r18_cmu.py']

model = dict(head=dict(depth_aware=False), neck=dict(pyramid_pooling=False))
