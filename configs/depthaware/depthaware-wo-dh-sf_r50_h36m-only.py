# Table 4 "3D/wo DH, SF": neither depth-aware heatmaps nor pyramid pooling,
# trained on Human3.6M alone.
_base_ = ['./depthaware_r50_h36m-only.py']

model = dict(head=dict(depth_aware=False), neck=dict(pyramid_pooling=False))
