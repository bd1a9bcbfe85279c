"""soft_argmax against analytic expectations, in 2D and 3D."""
import numpy as np
import pytest
import torch

from pose3d_toolbox.models.utils import normalize_maps, soft_argmax


def log_gaussian(grid_shape, centre, sigma):
    """log of an isotropic Gaussian on a grid (axes ordered (D,) H, W;
    centre ordered x, y(, z))."""
    axes = [torch.arange(n, dtype=torch.float64) for n in grid_shape]
    mesh = torch.meshgrid(*axes, indexing='ij')
    d2 = sum((m - c)**2 for m, c in zip(mesh[::-1], centre))
    return -d2 / (2 * sigma**2)


def test_delta_map_returns_its_cell():
    maps = torch.full((2, 3, 5, 7), -1e4, dtype=torch.float64)
    cells = [(1, 2), (6, 4), (0, 0), (3, 3), (6, 0), (2, 4)]
    for k, (x, y) in enumerate(cells):
        maps[k // 3, k % 3, y, x] = 0
    coords, prob = soft_argmax(maps)
    np.testing.assert_allclose(coords.reshape(-1, 2).numpy(), cells,
                               atol=1e-9)
    np.testing.assert_allclose(prob.sum((-1, -2)).numpy(), 1)


def test_two_equal_cells_give_their_midpoint_and_beta_weights_them():
    maps = torch.full((1, 1, 8, 8), -50.0, dtype=torch.float64)
    maps[0, 0, 1, 2] = 0.0
    maps[0, 0, 5, 6] = 0.0
    coords, _ = soft_argmax(maps)
    np.testing.assert_allclose(coords[0, 0].numpy(), [4, 3], atol=1e-9)
    # unequal logits: weights e^a / (e^a + e^b), sharpened by beta
    maps[0, 0, 5, 6] = np.log(3.0)  # weights 1/4 and 3/4
    coords, _ = soft_argmax(maps)
    np.testing.assert_allclose(coords[0, 0].numpy(), [5, 4], atol=1e-9)
    coords, _ = soft_argmax(maps, beta=2.0)  # weights 1/10 and 9/10
    np.testing.assert_allclose(coords[0, 0].numpy(), [5.6, 4.6], atol=1e-9)


@pytest.mark.parametrize('centre', [(10.3, 7.6), (8.0, 12.25)])
def test_gaussian_heatmap_subpixel_centre(centre):
    maps = log_gaussian((20, 24), centre, 1.5)[None, None]  # 5 sigma in
    coords, _ = soft_argmax(maps)
    # exact up to the Gaussian's tails cut by the border (> 5 sigma away)
    np.testing.assert_allclose(coords[0, 0].numpy(), centre, atol=1e-5)


def test_gaussian_volume_subvoxel_centre():
    centre = (8.4, 9.1, 7.7)  # x, y, z; > 5 sigma from every border
    maps = log_gaussian((16, 20, 18), centre, 1.5)[None, None]
    coords, prob = soft_argmax(maps, ndim=3)
    assert coords.shape == (1, 1, 3)
    np.testing.assert_allclose(coords[0, 0].numpy(), centre, atol=1e-5)
    assert torch.allclose(prob.sum((-1, -2, -3)), torch.ones(1, 1,
                                                             dtype=prob.dtype))


def test_relu_normalisation_and_uniform_fallback():
    maps = torch.zeros(1, 2, 3, 3)
    maps[0, 0, 0, 0], maps[0, 0, 2, 2] = 1.0, 3.0   # weights 1/4, 3/4
    maps[0, 1] = -1.0  # all negative: uniform, expectation at the centre
    coords, prob = soft_argmax(maps, normalization='relu')
    np.testing.assert_allclose(coords[0].numpy(), [[1.5, 1.5], [1, 1]],
                               atol=1e-6)
    assert torch.allclose(prob[0, 1], torch.full((3, 3), 1 / 9))


def test_gradient_flows_and_bad_arguments_raise():
    maps = torch.randn(2, 4, 6, 6, requires_grad=True)
    coords, _ = soft_argmax(maps, beta=5.0)
    coords.sum().backward()
    assert torch.isfinite(maps.grad).all() and maps.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='normalization'):
        normalize_maps(maps, 2, normalization='sigmoid')
    with pytest.raises(ValueError, match='ndim'):
        soft_argmax(torch.zeros(4, 4), ndim=3)
