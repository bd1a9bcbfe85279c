# Table 2, "GT" with location & scale: trained on ground-truth 2D, tested on
# the 2D estimator's predictions for the test images, written row-aligned
# with h36m_test.npz (see "AbsPoseLifter" in README.md). The other Table 2
# rows derive from this config.
_base_ = ['../abslifter_h36m.py']

val_dataloader = dict(dataset=dict(
    keypoint_2d_src='detection',
    keypoint_2d_det_file='annotation_body3d/fps50/h36m_test_det.npy'))
test_dataloader = val_dataloader
