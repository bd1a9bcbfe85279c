# Table 4 "3D+2D/wo DH, SF": neither depth-aware heatmaps nor pyramid
# pooling, trained on Human3.6M + MPII as configs/depthaware_r50_h36m.py
# (Table 4's "3D+2D/w DH, SF" row).
_base_ = ['../depthaware_r50_h36m.py']

model = dict(head=dict(depth_aware=False), neck=dict(pyramid_pooling=False))
