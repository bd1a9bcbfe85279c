"""AbsPoseLifter's 2D error model: EM recovers the parameters of a known
Gaussian + uniform mixture, the single Gaussian is the moment fit, sampling
reproduces the model, files round-trip and bad files explain themselves."""
import numpy as np
import pytest

from pose3d_toolbox.datasets.error_model import (fit_error_model,
                                                 fit_mixture,
                                                 load_error_model,
                                                 sample_errors,
                                                 save_error_model)
from pose3d_toolbox.datasets.transforms import SynthesizeKeypoints2D


def mixture_samples(rng, n, mu, sigma, gamma, half=50.0):
    inlier = rng.random(n) < gamma
    gauss = mu + sigma * rng.standard_normal((n, 2))
    return np.where(inlier[:, None], gauss, rng.uniform(-half, half, (n, 2)))


def test_em_recovers_known_mixture_parameters():
    rng = np.random.default_rng(0)
    mu, sigma, gamma = np.array([1.5, -2.0]), np.array([3.0, 5.0]), 0.8
    fit = fit_mixture(mixture_samples(rng, 40000, mu, sigma, gamma))
    np.testing.assert_allclose(fit['mu'], mu, atol=0.1)
    np.testing.assert_allclose(fit['sigma'], sigma, rtol=0.03)
    assert abs(fit['gamma'] - gamma) < 0.01
    assert fit['iterations'] < 100  # converged


def test_em_beats_the_single_gaussian_and_never_lowers_the_likelihood():
    rng = np.random.default_rng(1)
    errors = mixture_samples(rng, 5000, np.zeros(2), np.array([2.0, 2.0]),
                             0.7)[:, None]
    gt = np.zeros_like(errors)
    mix = fit_error_model(errors, gt, kind='mixture')
    single = fit_error_model(errors, gt, kind='gaussian')
    # Outliers inflate the single Gaussian (the paper's Fig. 5).
    assert single['sigma'][0, 0] > 5 * mix['sigma'][0, 0]
    np.testing.assert_allclose(single['sigma'][0], errors[:, 0].std(0))
    assert mix['nll'][0] < single['nll'][0]
    nlls = [fit_mixture(errors[:, 0], max_iter=i)['nll'] for i in (1, 2, 5)]
    assert nlls[0] >= nlls[1] >= nlls[2]


def test_sampling_reproduces_the_model():
    model = dict(kind=np.str_('mixture'), area=np.float64(1e4),
                 mu=np.array([[1.0, -1.0], [0.0, 0.0]]),
                 sigma=np.array([[2.0, 3.0], [1.0, 1.0]]),
                 gamma=np.array([0.9, 0.5]))
    draws = sample_errors(model, (20000,), np.random.default_rng(2))
    assert draws.shape == (20000, 2, 2)
    refit = fit_error_model(draws, np.zeros_like(draws))
    np.testing.assert_allclose(refit['mu'], model['mu'], atol=0.1)
    np.testing.assert_allclose(refit['sigma'], model['sigma'], rtol=0.05)
    np.testing.assert_allclose(refit['gamma'], model['gamma'], atol=0.02)
    assert np.abs(draws).max() <= 50 + 6 * 3  # uniform part in [-50, 50]


def test_file_round_trip_and_transform(tmp_path):
    rng = np.random.default_rng(3)
    gt = rng.uniform(0, 1000, (300, 17, 2))
    model = fit_error_model(gt + rng.normal(0, 3, gt.shape), gt)
    path = str(tmp_path / 'mixture.npz')
    save_error_model(path, model)
    loaded = load_error_model(path)
    assert str(loaded['kind']) == 'mixture'
    np.testing.assert_array_equal(loaded['sigma'], model['sigma'])

    kp2d = rng.uniform(0, 1000, (1, 17, 2))
    out = SynthesizeKeypoints2D(path).transform(dict(
        keypoints_2d=kp2d.copy(), keypoints_3d=np.ones((1, 17, 3))))
    moved = np.abs(out['keypoints_2d'] - kp2d)
    assert 0 < moved.mean() < 20
    np.testing.assert_array_equal(out['keypoints_3d'], 1)


def test_bad_files_explain_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match='fit_error_model.py'):
        load_error_model(str(tmp_path / 'missing.npz'))
    np.savez(tmp_path / 'bad.npz', mu=np.zeros((17, 2)))
    with pytest.raises(ValueError, match="lacks .*'gamma'"):
        load_error_model(str(tmp_path / 'bad.npz'))
    path = str(tmp_path / 'm.npz')
    gt = np.zeros((10, 5, 2))
    save_error_model(path, fit_error_model(gt + 1 + np.arange(10)[:, None,
                                                                  None], gt))
    with pytest.raises(ValueError, match='models 5 joints'):
        SynthesizeKeypoints2D(path).transform(
            dict(keypoints_2d=np.zeros((1, 17, 2))))
