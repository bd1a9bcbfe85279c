# Table 4 "3D/wo DH": configs/depthaware_r50_h36m.py without the
# depth-aware heatmaps (Fig. 4's baseline head: plain heatmaps + depth),
# trained on Human3.6M alone (no MPII).
_base_ = ['./depthaware_r50_h36m-only.py']

model = dict(head=dict(depth_aware=False))
