"""3DPCK's threshold boundary, hand-computed: "within" is ``error <=
threshold`` up to :data:`WITHIN_ATOL` (1 nm), no more and no less."""
import numpy as np
import pytest

from pose3d_toolbox.evaluation.functional.pck import (PCK_THRESHOLD,
                                                      WITHIN_ATOL, auc_3d,
                                                      fraction_within, pck_3d)


def test_default_tolerance_is_zero_and_the_boundary_is_inclusive():
    t = 0.15
    # exactly at, 1e-12 under, 1e-12 over the threshold
    assert fraction_within([t], [t])[0] == 1.0
    assert fraction_within([np.nextafter(t, 0)], [t])[0] == 1.0
    assert fraction_within([np.nextafter(t, 1)], [t])[0] == 0.0
    assert fraction_within([t + 1e-12], [t])[0] == 0.0


@pytest.mark.parametrize('error, within', [
    (0.15, True),                      # exactly at the threshold
    (0.15 - 1e-6, True),               # just under
    (0.15 + 0.5 * WITHIN_ATOL, True),  # over by round-off only
    (0.15 + 2 * WITHIN_ATOL, False),   # over by more than the tolerance
    (0.15 + 1e-6, False),              # just over
])
def test_pck_counts_a_joint_at_the_threshold(error, within):
    assert PCK_THRESHOLD == 0.15 and WITHIN_ATOL == 1e-9
    # one joint at the boundary among three clearly inside, one outside
    errors = np.array([[0.0, 0.05, 0.149, error, 0.3]])
    expected = (3 + within) / 5 * 100
    assert pck_3d(errors) == pytest.approx(expected, abs=1e-12)


def test_fraction_within_counts_each_threshold_by_hand():
    errors = [0.0, 0.05, 0.10, 0.10, 0.2]
    # thresholds in any order; 0.10 counts both errors equal to it
    np.testing.assert_allclose(
        fraction_within(errors, [0.10, 0.0, 0.05, 0.3, 0.0999]),
        [4 / 5, 1 / 5, 2 / 5, 1.0, 2 / 5])


def test_auc_of_errors_on_the_grid_by_hand():
    # an error of exactly 75 mm is within 16 of the 31 thresholds
    # (75, 80, ..., 150 mm); 0 mm is within all 31
    np.testing.assert_allclose(auc_3d([0.075]), 16 / 31 * 100)
    np.testing.assert_allclose(auc_3d([0.0, 0.075]), (31 + 16) / 62 * 100)
