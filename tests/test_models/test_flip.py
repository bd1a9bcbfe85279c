"""The flip-test helpers: hand-computed mirrors, and each its own inverse."""
import numpy as np
import pytest
import torch

from pose3d_toolbox.models.utils import (flip_heatmaps, flip_keypoints,
                                         flip_test)
from pose3d_toolbox.skeletons import H36M

PERM = [0, 2, 1]  # a three-joint skeleton whose joints 1 and 2 swap


def test_flip_keypoints_by_hand():
    kp = torch.tensor([[[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [-4.0, 5.0, 6.0]]])
    np.testing.assert_allclose(
        flip_keypoints(kp, PERM),
        [[[0, 0, 0], [4, 5, 6], [-1, 2, 3]]])
    np.testing.assert_allclose(flip_keypoints(kp[..., :2], PERM),
                               [[[0, 0], [4, 5], [-1, 2]]])


def test_flip_heatmaps_and_volumes_by_hand():
    maps = torch.arange(3 * 2 * 3, dtype=torch.float).view(1, 3, 2, 3)
    flipped = flip_heatmaps(maps, PERM)
    # channel 1 of the result is channel 2 of the input, width reversed
    np.testing.assert_allclose(flipped[0, 1], [[14, 13, 12], [17, 16, 15]])
    np.testing.assert_allclose(flipped[0, 0], [[2, 1, 0], [5, 4, 3]])
    vol = torch.arange(3 * 2 * 2 * 2, dtype=torch.float).view(1, 3, 2, 2, 2)
    fv = flip_heatmaps(vol, PERM)
    # (N, J, D, H, W): depth and height stay, width mirrors
    np.testing.assert_allclose(fv[0, 2, 1, 0], vol[0, 1, 1, 0].flip(-1))
    with pytest.raises(ValueError, match='maps'):
        flip_heatmaps(torch.zeros(3, 4, 4), PERM)


@pytest.mark.parametrize('shape, flip', [
    ((2, 1, 17, 2), flip_keypoints), ((2, 17, 3), flip_keypoints),
    ((2, 17, 6, 6), flip_heatmaps), ((2, 17, 4, 6, 6), flip_heatmaps)])
def test_flip_twice_is_the_identity(shape, flip):
    x = torch.randn(shape)
    perm = H36M.flip_indices
    assert torch.equal(flip(flip(x, perm), perm), x)


def test_flip_test_of_an_equivariant_model_is_its_output():
    def mirror(x):
        return flip_keypoints(x, PERM)

    def model(x):  # mirror-equivariant: model(mirror(x)) = mirror(model(x))
        return 2 * x

    x = torch.randn(4, 3, 2)
    torch.testing.assert_close(flip_test(model, x, mirror, mirror), 2 * x)
    # a model that is not: the mean of the two views
    torch.testing.assert_close(
        flip_test(lambda v: v + 1, x, mirror, mirror),
        (x + 1 + mirror(mirror(x) + 1)) / 2)
