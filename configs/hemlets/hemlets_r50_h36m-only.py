# HEMlets on Human3.6M alone (no MPII): configs/hemlets_r50_h36m.py with
# every batch drawn from Human3.6M S1, S5, S6, S7, S8.
_base_ = ['../hemlets_r50_h36m.py']

train_dataloader = dict(
    sampler=dict(_delete_=True, type='DefaultSampler', shuffle=True),
    dataset=dict(_delete_=True, **_base_.h36m_train))
