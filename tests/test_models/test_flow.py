"""Normalizing flow and PCA projection of ElePose's 2D pose prior."""
import numpy as np
import pytest
import torch

from pose3d_toolbox.models.flows import (AffineCouplingBlock, NormalizingFlow,
                                         PosePCA, fit_pca, gaussian_nll,
                                         random_orthogonal, soft_clamp)


def make_flow(dim, blocks=3, seed=0):
    torch.manual_seed(seed)
    flow = NormalizingFlow(dim, num_blocks=blocks, hidden=16, seed=seed)
    # non-trivial global affine parts, so every term of the log-det counts
    for block in flow.blocks:
        block.log_scale.data.normal_(0, 0.3)
        block.shift.data.normal_(0, 0.3)
    return flow.double()


@pytest.mark.parametrize('dim', [2, 3, 5, 8])
def test_inverse_of_forward_is_identity(dim):
    flow = make_flow(dim)
    x = torch.randn(64, dim, dtype=torch.double) * 3
    z, _ = flow(x)
    assert (z - x).abs().max() > 0.1  # the flow does something
    np.testing.assert_allclose(flow.inverse(z).detach(), x, atol=1e-6)
    np.testing.assert_allclose(flow(flow.inverse(x))[0].detach(), x,
                               atol=1e-6)


@pytest.mark.parametrize('dim', [2, 3, 6])
def test_log_det_equals_autograd_jacobian(dim):
    flow = make_flow(dim, seed=dim)
    x = torch.randn(4, dim, dtype=torch.double)
    log_det = flow(x)[1].detach()
    for i in range(len(x)):
        jac = torch.autograd.functional.jacobian(
            lambda v: flow(v[None])[0][0], x[i])
        sign, logabs = torch.linalg.slogdet(jac)
        assert abs(float(logabs) - float(log_det[i])) < 1e-5
        assert float(sign) != 0


def test_soft_clamp_bounds_and_slope():
    a = torch.tensor([-1e6, -1.0, 0.0, 1.0, 1e6])
    s = soft_clamp(a, clamp=2.0, slope=0.1)
    np.testing.assert_allclose(s, [-2.0, -2 * np.tanh(0.1), 0.0,
                                   2 * np.tanh(0.1), 2.0], rtol=1e-6)


def test_random_orthogonal_is_orthogonal_and_seeded():
    w = random_orthogonal(7, seed=3).double()
    np.testing.assert_allclose(w @ w.T, np.eye(7), atol=1e-6)
    assert torch.equal(random_orthogonal(7, 3), random_orthogonal(7, 3))
    assert not torch.equal(random_orthogonal(7, 3), random_orthogonal(7, 4))


def test_nll_of_an_affine_block_by_hand():
    block = AffineCouplingBlock(4, hidden=8)
    torch.nn.init.zeros_(block.subnet[-1].weight)
    torch.nn.init.zeros_(block.subnet[-1].bias)  # s = t = 0
    block.log_scale.data = torch.tensor([0.1, -0.2, 0.3, 0.0])
    block.shift.data = torch.tensor([1.0, 0.0, -1.0, 0.5])
    block.permutation = torch.eye(4)
    x = torch.tensor([[0.5, -1.0, 2.0, 0.0]])
    z, log_det = block(x)
    expect_z = x * block.log_scale.exp() + block.shift
    np.testing.assert_allclose(z.detach(), expect_z.detach(), rtol=1e-6)
    np.testing.assert_allclose(log_det.detach(), [0.2], rtol=1e-6)
    nll = gaussian_nll(z, log_det)
    np.testing.assert_allclose(
        nll.detach(), 0.5 * (expect_z**2).sum().item() - 0.2, rtol=1e-6)


def test_flow_learns_a_gaussian_density():
    """150 NLL steps on a correlated 2D Gaussian approach its
    entropy-based NLL (0.5 * log det(Sigma) + d/2, constant dropped)."""
    torch.manual_seed(0)
    cov = torch.tensor([[2.0, 1.2], [1.2, 1.0]])
    data = torch.randn(512, 2) @ torch.linalg.cholesky(cov).T
    flow = NormalizingFlow(2, num_blocks=2, hidden=16)
    opt = torch.optim.Adam(flow.parameters(), lr=2e-2)
    for _ in range(150):
        opt.zero_grad()
        loss = flow.nll(data).mean()
        loss.backward()
        opt.step()
    best = 0.5 * torch.logdet(cov).item() + 1.0
    assert flow.nll(data).mean().item() < best + 0.05


def test_pca_spans_the_data_subspace_and_whitens():
    rng = np.random.default_rng(0)
    j, k = 5, 3
    basis = np.linalg.qr(rng.standard_normal((2 * j, 2 * j)))[0]
    basis = basis[:, :k]
    basis[0:2] = 0  # the root's coordinates stay zero
    coef = rng.standard_normal((500, k)) * [3.0, 2.0, 1.0]
    poses = (coef @ basis.T + 0.001 * rng.standard_normal((500, 2 * j)))
    poses[:, 0:2] = 0
    mean, found, scale, kept = fit_pca(poses.reshape(500, j, 2), k,
                                       whiten=True)
    assert kept > 0.999
    assert found.shape == (2 * j, k)
    np.testing.assert_allclose(found.T @ found, np.eye(k), atol=1e-9)
    # the found basis spans the true one (projection keeps it)
    proj = found @ found.T
    q = np.linalg.qr(basis)[0]
    np.testing.assert_allclose(proj @ q, q, atol=1e-3)
    pca = PosePCA(j, k, whiten=True)
    pca.fit(torch.as_tensor(poses.reshape(500, j, 2)))
    assert pca.is_fitted
    out = pca(torch.as_tensor(poses, dtype=torch.float32).view(500, j, 2))
    np.testing.assert_allclose(out.std(0, unbiased=False), np.ones(k),
                               rtol=1e-4)
    np.testing.assert_allclose(out.mean(0), np.zeros(k), atol=1e-5)


def test_no_pca_keeps_the_non_root_coordinates():
    rng = np.random.default_rng(1)
    poses = rng.standard_normal((50, 4, 2)) * [2.0, 0.5]
    poses[:, 1] = 0  # root 1
    mean, basis, scale, kept = fit_pca(poses, None, root_index=1)
    assert basis.shape == (8, 6)
    assert kept == pytest.approx(1.0)
    kept_coords = np.flatnonzero(basis.sum(1))
    np.testing.assert_array_equal(kept_coords, [0, 1, 4, 5, 6, 7])
    with pytest.raises(ValueError, match='num_bases'):
        fit_pca(poses, 7, root_index=1)


def test_pca_is_saved_in_the_state_dict():
    pca = PosePCA(4, 3)
    pca.fit(torch.randn(40, 4, 2))
    state = pca.state_dict()
    assert {'mean', 'basis', 'scale', 'fitted'} <= set(state)
    other = PosePCA(4, 3)
    assert not other.is_fitted
    other.load_state_dict(state)
    assert other.is_fitted
    x = torch.randn(5, 4, 2)
    assert torch.equal(other(x), pca(x))
