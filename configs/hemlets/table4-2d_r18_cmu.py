# HEMlets Table 4 "w/ 2D heatmaps": configs/hemlets_r18_cmu.py trained with
# alpha L_2D + L_3D (no L_HEM; the triplet maps still feed the fusion,
# trained only through L_3D).
_base_ = ['../hemlets_r18_cmu.py']

model = dict(head=dict(hemlets_loss=dict(use_hem=False, use_2d=True)))
