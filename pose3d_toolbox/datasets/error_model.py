"""AbsPoseLifter's 2D error model (Chang et al., Sec. 4.2).

Per joint, the error ``e = prediction - ground truth`` (pixels) follows a
mixture of a 2D Gaussian with diagonal covariance (inliers: good and jitter)
and a uniform density ``1 / v`` over a ``sqrt(v) x sqrt(v)`` square centred
on zero (outliers: inversions, swaps, misses), Eq. 8::

    p(e) = gamma N(e; mu, diag(sigma^2)) + (1 - gamma) / v

:func:`fit_error_model` fits it by EM (Algorithm 1), :func:`sample_errors`
draws from it, :func:`save_error_model` / :func:`load_error_model` keep it in
an ``.npz`` file (no pickle).
"""
from typing import Dict

import numpy as np

#: default uniform area, 100 x 100 pixels (errors of outliers in [-50, 50]).
DEFAULT_UNIFORM_AREA = 100.0 * 100.0
KINDS = ('mixture', 'gaussian')


def gaussian_density(errors, mu, sigma):
    """Density of ``N(mu, diag(sigma^2))`` at ``errors`` ``(N, 2)``."""
    z = (errors - mu) / sigma
    return np.exp(-0.5 * (z**2).sum(-1)) / (2 * np.pi * sigma.prod())


def fit_mixture(errors: np.ndarray, area: float = DEFAULT_UNIFORM_AREA,
                gamma0: float = 0.9, max_iter: int = 100,
                tol: float = 1e-8) -> Dict[str, np.ndarray]:
    """Fit Eq. 8 to one joint's errors by EM (Algorithm 1).

    Initialisation as in the paper: a single Gaussian fitted to all errors
    and ``gamma = gamma0``. The E-step uses the correct responsibilities
    (the paper's Algorithm 1 prints ``gamma`` in both numerators)::

        eta_1 = gamma p_1 / ((1 - gamma) p_0 + gamma p_1),  eta_0 = 1 - eta_1

    with ``p_0 = 1 / v`` and ``p_1`` the Gaussian density; the M-step is the
    weighted mean and diagonal variance and ``gamma = mean(eta_1)``. Stops
    when the mean log-likelihood improves by less than ``tol``.

    Args:
        errors: ``(N, 2)`` pixel errors.
        area: ``v``.

    Returns:
        dict ``mu (2,)``, ``sigma (2,)``, ``gamma ()``, ``nll ()`` (mean
        negative log-likelihood, Eq. 9 over ``N``), ``iterations ()``.
    """
    errors = np.asarray(errors, np.float64)
    if errors.ndim != 2 or errors.shape[1] != 2 or len(errors) < 2:
        raise ValueError(f'fit_mixture: errors must be (N >= 2, 2), got '
                         f'{errors.shape}')
    mu, sigma = errors.mean(0), errors.std(0).clip(min=1e-6)
    gamma, p0 = gamma0, 1.0 / area
    previous = -np.inf
    for iteration in range(1, max_iter + 1):  # noqa: B007 (read after)
        p1 = gaussian_density(errors, mu, sigma)
        mixed = gamma * p1 + (1 - gamma) * p0
        loglik = np.log(mixed).mean()
        eta1 = gamma * p1 / mixed
        weight = eta1.sum()
        if weight < 1e-9:  # every sample an outlier: nothing left to fit
            break
        mu = (eta1[:, None] * errors).sum(0) / weight
        sigma = np.sqrt((eta1[:, None] * (errors - mu)**2).sum(0)
                        / weight).clip(min=1e-6)
        gamma = float(eta1.mean())
        if loglik - previous < tol:
            break
        previous = loglik
    mixed = gamma * gaussian_density(errors, mu, sigma) + (1 - gamma) * p0
    return dict(mu=mu, sigma=sigma, gamma=np.float64(gamma),
                nll=np.float64(-np.log(mixed).mean()),
                iterations=np.int64(iteration))


def fit_error_model(pred: np.ndarray, gt: np.ndarray, kind: str = 'mixture',
                    area: float = DEFAULT_UNIFORM_AREA, **kwargs
                    ) -> Dict[str, np.ndarray]:
    """Fit the per-joint error model to predictions and ground truth.

    Args:
        pred, gt: ``(N, J, 2)`` pixels.
        kind: ``'mixture'`` (Eq. 8) or ``'gaussian'`` (a single Gaussian,
            the alternative of the paper's Table 2).
        area: the uniform density's area ``v``.
        **kwargs: passed to :func:`fit_mixture`.

    Returns:
        The model: ``kind``, ``area``, and per joint ``mu (J, 2)``,
        ``sigma (J, 2)``, ``gamma (J,)`` (1 for a single Gaussian),
        ``nll (J,)``.
    """
    if kind not in KINDS:
        raise ValueError(f'fit_error_model: kind must be one of {KINDS}, '
                         f'got {kind!r}')
    pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    if pred.shape != gt.shape or pred.ndim != 3 or pred.shape[-1] != 2:
        raise ValueError(f'fit_error_model: pred {pred.shape} and gt '
                         f'{gt.shape} must both be (N, J, 2)')
    errors = pred - gt
    fits = []
    for j in range(errors.shape[1]):
        if kind == 'mixture':
            fits.append(fit_mixture(errors[:, j], area=area, **kwargs))
        else:
            mu, sigma = errors[:, j].mean(0), errors[:, j].std(0).clip(1e-6)
            nll = -np.log(gaussian_density(errors[:, j], mu, sigma)).mean()
            fits.append(dict(mu=mu, sigma=sigma, gamma=np.float64(1.0),
                             nll=np.float64(nll)))
    model = {key: np.stack([f[key] for f in fits])
             for key in ('mu', 'sigma', 'gamma', 'nll')}
    model.update(kind=np.str_(kind), area=np.float64(area))
    return model


def sample_errors(model: Dict, shape, rng: np.random.Generator
                  ) -> np.ndarray:
    """Draw errors ``(*shape, J, 2)`` from a fitted model: each joint is an
    inlier with probability ``gamma`` (Gaussian), else an outlier (uniform
    over the ``sqrt(v)``-pixel square)."""
    shape = tuple(shape) + model['mu'].shape
    gauss = model['mu'] + model['sigma'] * rng.standard_normal(shape)
    half = np.sqrt(float(model['area'])) / 2
    uniform = rng.uniform(-half, half, shape)
    inlier = rng.random(shape[:-1]) < model['gamma']
    return np.where(inlier[..., None], gauss, uniform)


def save_error_model(path: str, model: Dict) -> None:
    """Write a model from :func:`fit_error_model` to ``path`` (.npz)."""
    np.savez(path, **model)


def load_error_model(path: str) -> Dict[str, np.ndarray]:
    """Read a model written by :func:`save_error_model`, with a clear error
    for a missing or malformed file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            model = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise FileNotFoundError(
            f'error model {path!r} not found: fit one with `python '
            'tools/analysis/fit_error_model.py PREDICTIONS --out '
            f'{path}` (see the AbsPoseLifter section of the README)'
        ) from None
    missing = {'kind', 'area', 'mu', 'sigma', 'gamma'} - set(model)
    if missing:
        raise ValueError(f'error model {path!r} lacks {sorted(missing)}; '
                         'refit it with tools/analysis/fit_error_model.py')
    return model
