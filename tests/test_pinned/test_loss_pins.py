"""Regression and bone losses against hand-computed values."""
import pytest
import torch

from pose3d_toolbox.models.losses import (IntegralL1Loss3D, L1Loss, MPJPELoss,
                                          MSELoss)
from pose3d_toolbox.models.losses.bone import (bone_direction_loss,
                                               bone_length_loss,
                                               joint_shift_loss, mpjpe_loss,
                                               one_frame_mpjpe_loss)

# one sample, two joints: errors (3, 4, 0) and (1, -2, 2)
PRED = torch.tensor([[[3.0, 4.0, 0.0], [1.0, -2.0, 2.0]]])
TARGET = torch.zeros(1, 2, 3)


@pytest.mark.parametrize('loss, per_joint', [
    (MSELoss, (25 / 3, 9 / 3)),    # squared error averaged over x, y, z
    (L1Loss, (7 / 3, 5 / 3)),      # absolute error averaged over x, y, z
    (MPJPELoss, (5.0, 3.0)),       # Euclidean distance
])
def test_regression_losses_by_hand(loss, per_joint):
    a, b = per_joint
    assert loss()(PRED, TARGET).item() == pytest.approx((a + b) / 2)
    assert loss(loss_weight=3.0)(PRED, TARGET).item() == pytest.approx(
        3 * (a + b) / 2)
    # weights: a weighted mean over joints (weight 0 drops a joint)
    w = torch.tensor([[1.0, 3.0]])
    assert loss()(PRED, TARGET, w).item() == pytest.approx((a + 3 * b) / 4)
    w = torch.tensor([[0.0, 2.0]])
    assert loss()(PRED, TARGET, w).item() == pytest.approx(b)


def test_bone_losses_by_hand():
    # direction: squared error summed over x, y, z, mean over bones
    pred = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    target = torch.tensor([[[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]])
    assert bone_direction_loss(pred, target).item() == pytest.approx(1.0)
    # length: squared error, mean over bones: (0.2^2 + 0.1^2) / 2
    assert bone_length_loss(torch.tensor([[0.5, 0.3]]),
                            torch.tensor([[0.3, 0.4]])).item() == \
        pytest.approx(0.025)
    # MPJPE and joint shift: mean Euclidean distance (5 and 3)
    assert mpjpe_loss(PRED, TARGET).item() == pytest.approx(4.0)
    assert joint_shift_loss(PRED, TARGET).item() == pytest.approx(4.0)


def test_one_frame_mpjpe_uses_the_drawn_frame_of_each_sample():
    # sample n's frame l has error l + 10 n on joint 0 only (two joints)
    pred = torch.zeros(2, 3, 2, 3)
    for n in range(2):
        for frame in range(3):
            pred[n, frame, 0, 0] = frame + 10 * n
    g = torch.Generator().manual_seed(0)
    pick = torch.randint(3, (2, ), generator=torch.Generator().manual_seed(0))
    expected = sum((pick[n].item() + 10 * n) / 2 for n in range(2)) / 2
    assert one_frame_mpjpe_loss(pred, torch.zeros_like(pred), g).item() == \
        pytest.approx(expected)


def test_integral_l1_loss_3d_by_hand():
    """Sum of |dx| + |dy| + lambda |dz| per joint, mean over weighted
    joints; lambda = 0 (a 2D-only sample) drops z only."""
    pred = torch.cat([PRED, PRED])  # sample 0 with 3D, sample 1 2D-only
    target = torch.zeros(2, 2, 3)
    loss = IntegralL1Loss3D()
    # per joint with z: 7 and 5; without z: 7 and 3
    assert loss(PRED, TARGET).item() == pytest.approx(6.0)
    lam = torch.tensor([1.0, 0.0])
    assert loss(pred, target, None, lam).item() == pytest.approx(
        (7 + 5 + 7 + 3) / 4)
    w = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    assert loss(pred, target, w, lam).item() == pytest.approx(
        (7 + 2 * 3) / 3)
    assert IntegralL1Loss3D(loss_weight=2.0)(PRED, TARGET).item() == \
        pytest.approx(12.0)
