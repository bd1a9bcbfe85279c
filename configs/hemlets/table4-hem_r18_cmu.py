# HEMlets Table 4 "w/ HEMlets": configs/hemlets_r18_cmu.py trained with
# alpha L_HEM + L_3D (no L_2D; the 2D heatmaps still feed the fusion,
# trained only through L_3D).
_base_ = ['../hemlets_r18_cmu.py']

model = dict(head=dict(hemlets_loss=dict(use_hem=True, use_2d=False)))
