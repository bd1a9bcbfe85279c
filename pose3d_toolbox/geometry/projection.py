"""The lifters' normalised perspective camera (ElePose, Wandt et al. 2022,
Eq. 2-3): focal length 1, principal point 0, the root-centred pose moved to
depth ``D`` along the optical axis. Torch, differentiable.

Projection with a dataset's real intrinsics is
:func:`pose3d_toolbox.utils.camera.camera_to_pixel`.
"""
import torch


def lift_with_depth(poses_2d: torch.Tensor, depth_offset: torch.Tensor,
                    depth: float = 10.0, min_depth: float = 1.0,
                    root_index: int = 0) -> torch.Tensor:
    """Perspective un-projection (Eq. 2): ``y_j = [u_j w_j, v_j w_j, w_j]``
    with ``w_j = max(d_j + D, min_depth)`` and the root's offset fixed to
    zero; the result is centred on the root.

    Args:
        poses_2d: ``(N, J, 2)`` normalised 2D poses.
        depth_offset: ``(N, J)`` predicted offsets ``d``.
    Returns:
        ``(N, J, 3)`` root-centred 3D poses.
    """
    mask = torch.ones_like(depth_offset)
    mask[:, root_index] = 0
    w = (depth_offset * mask + depth).clamp(min=min_depth)[..., None]
    poses = torch.cat((poses_2d * w, w), dim=-1)
    return poses - poses[:, root_index:root_index + 1]


def perspective_project(poses: torch.Tensor, depth: float = 10.0,
                        min_depth: float = 1e-2) -> torch.Tensor:
    """Eq. 3 after moving a root-centred pose to depth ``D``:
    ``(N, J, 3) -> (N, J, 2)``."""
    z = (poses[..., 2:] + depth).clamp(min=min_depth)
    return poses[..., :2] / z
