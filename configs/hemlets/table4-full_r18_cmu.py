# HEMlets Table 4 "Full": alpha (L_HEM + L_2D) + L_3D, i.e.
# configs/hemlets_r18_cmu.py, named here beside the other rows.
_base_ = ['../hemlets_r18_cmu.py']

model = dict(head=dict(hemlets_loss=dict(use_hem=True, use_2d=True)))
