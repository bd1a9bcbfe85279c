# Table 2, "2D estimate": trained on the 2D estimator's predictions for the
# training images (row-aligned with h36m_train.npz).
_base_ = ['./abslifter_cascade-gt_h36m.py']

train_dataloader = dict(dataset=dict(
    keypoint_2d_src='detection',
    keypoint_2d_det_file='annotation_body3d/fps50/h36m_train_det.npy'))
