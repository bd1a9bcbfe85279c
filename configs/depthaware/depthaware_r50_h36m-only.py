# Depth-aware heatmaps on Human3.6M alone (no MPII: the "3D/" rows of
# Table 4): configs/depthaware_r50_h36m.py with every batch drawn from
# Human3.6M S1, S5, S6, S7, S8.
_base_ = ['../depthaware_r50_h36m.py']

train_dataloader = dict(
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    dataset=dict(_delete_=True, **_base_.h36m_train))
