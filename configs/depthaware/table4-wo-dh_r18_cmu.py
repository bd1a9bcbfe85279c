# Table 4 "wo DH" on the embedded CMU renders: configs/depthaware_r18_cmu.py
# (the "w/ DH, SF" row; same data, sizes, updates and seed) with Fig. 4's
# baseline head (plain heatmaps + depth, no embedding).
_base_ = ['../depthaware_r18_cmu.py']

model = dict(head=dict(depth_aware=False))
