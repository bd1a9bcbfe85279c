"""One-Euro and Savitzky-Golay smoothing against hand-computed values."""
import math

import numpy as np
import pytest

from pose3d_toolbox.utils.smoothing import (one_euro_filter, savgol_smooth,
                                            smooth_sequence)


def test_one_euro_returns_a_constant_input():
    x = np.full((50, 17, 3), 2.5)
    np.testing.assert_array_equal(one_euro_filter(x, beta=0.7), x)


def test_one_euro_step_by_hand():
    # beta = 0: a first-order low-pass with alpha = 1 / (1 + tau / te),
    # tau = 1 / (2 pi * 1 Hz), te = 1 / 30 s
    alpha = 1 / (1 + (1 / (2 * math.pi)) * 30)
    assert alpha == pytest.approx(0.173171, abs=1e-6)
    out = one_euro_filter(np.array([0.0, 1.0, 1.0]), fps=30, min_cutoff=1.0)
    np.testing.assert_allclose(out, [0, alpha, alpha + alpha * (1 - alpha)])
    # a speed term raises the cutoff: less lag after the step
    fast = one_euro_filter(np.array([0.0, 1.0, 1.0]), fps=30, beta=1.0)
    assert fast[1] > out[1]


def test_savgol_preserves_a_polynomial_of_its_order():
    t = np.arange(40.0)
    quad = np.stack([0.5 * t**2 - 3 * t + 1, -t**2 + 2], -1)
    np.testing.assert_allclose(savgol_smooth(quad, 7, 2), quad, atol=1e-8)
    cubic = t**3
    assert np.abs(savgol_smooth(cubic, 7, 2) - cubic).max() > 1


def test_savgol_reduces_noise_and_handles_short_sequences():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(200, 3))
    assert savgol_smooth(noise, 9, 2).std() < 0.7 * noise.std()
    short = np.arange(4.0)[:, None] ** 2
    # window 9 does not fit 4 frames: window 3, order 2 fits them exactly
    np.testing.assert_allclose(savgol_smooth(short, 9, 2), short, atol=1e-12)


def test_smooth_sequence_dispatch_and_errors():
    x = np.random.default_rng(1).normal(size=(30, 2))
    np.testing.assert_allclose(
        smooth_sequence(x, dict(type='savgol', window=5, polyorder=2)),
        savgol_smooth(x, 5, 2))
    np.testing.assert_allclose(
        smooth_sequence(x, dict(type='one_euro', min_cutoff=2.0), fps=60),
        one_euro_filter(x, fps=60, min_cutoff=2.0))
    np.testing.assert_array_equal(smooth_sequence(x, None), x)
    with pytest.raises(ValueError, match="unknown type 'kalman'; choose "
                       'from one_euro, savgol'):
        smooth_sequence(x, dict(type='kalman'))
    with pytest.raises(ValueError, match='window must be an odd'):
        savgol_smooth(x, 4, 2)
    with pytest.raises(ValueError, match='min_cutoff must be > 0'):
        one_euro_filter(x, min_cutoff=0)
