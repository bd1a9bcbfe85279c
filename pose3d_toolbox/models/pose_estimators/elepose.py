"""ElePose: unsupervised 2D-to-3D lifting (Wandt, Little, Rhodin; CVPR 2022).

Two stages, two estimators, one shared prior module:

1. :class:`ElePoseFlow` fits a projection of the normalised training 2D
   poses (:class:`~pose3d_toolbox.models.flows.PosePCA`, by
   :class:`~pose3d_toolbox.engine.hooks.FitPosePCAHook`) and trains a
   normalizing flow on it by negative log-likelihood.
2. :class:`ElePose` loads that prior (``flow_checkpoint``), freezes it, and
   trains the lifter: a network predicts a depth per joint and the camera
   elevation; the lifted pose is rotated to a virtual camera (undo the
   predicted elevation, a uniform azimuth, an elevation drawn from the
   batch's elevation distribution), projected, and scored by the flow.
   Training reads the 2D input only.

Conventions: 2D inputs are the :class:`~pose3d_toolbox.codecs.ElePoseCodec`
normalisation (root at the origin, divided by the training set's mean
root-to-head distance, times 0.1); 3D poses are
root-centred, in camera axes (x right, y down, z forward), in lifter units
(the codec decodes them to metres). Elevation is a rotation about the camera
x axis, azimuth about its y axis.

The parts live apart: the lifting network is
:class:`~pose3d_toolbox.models.backbones.ElePoseLiftingNet`, the prior
:class:`~pose3d_toolbox.models.flows.FlowPosePrior`, the projection
:mod:`pose3d_toolbox.geometry`; this file holds the virtual cameras and the
two estimators.
"""
import math
import os.path as osp
import warnings
from typing import Dict, List, Optional, Union

import torch
from mmengine.logging import print_log

from pose3d_toolbox.geometry import (axis_rotation, lift_with_depth,
                                     perspective_project, rotate)
from pose3d_toolbox.registry import KEYPOINT_CODECS, MODELS
from pose3d_toolbox.skeletons import Skeleton
from pose3d_toolbox.structures import write_predictions
from ..flows import FlowPosePrior
from ..utils.checkpoint import load_submodule_state, resolve_checkpoint
from .base import BasePoseEstimator

# ------------------------------------------------------- virtual cameras --


def compose_rotations(azimuth: torch.Tensor, tilt: torch.Tensor,
                      elevation: Optional[torch.Tensor] = None
                      ) -> torch.Tensor:
    """``(N,)`` angles -> ``(N, 3, 3)``: ``Rx(-tilt) Ry(azimuth)
    Rx(elevation)`` with a predicted ``elevation`` (Eq. 7), else
    ``Rx(tilt) Ry(azimuth)``."""
    if elevation is None:
        return axis_rotation('x', tilt) @ axis_rotation('y', azimuth)
    return axis_rotation('x', -tilt) @ axis_rotation('y', azimuth) @ \
        axis_rotation('x', elevation)


def camera_angles(num: int, tilt_mean=None, tilt_std=None,
                  fixed_range: float = math.pi / 9, generator=None,
                  device=None):
    """``(num,)`` azimuths uniform in ``[-pi, pi]`` and tilts ``mean + std *
    eps``, ``eps ~ N(0, 1)`` (uniform in ``[-fixed_range, fixed_range]``
    when ``tilt_mean`` is None), drawn in that order."""
    azimuth = (torch.rand(num, generator=generator, device=device) * 2
               - 1) * math.pi
    if tilt_mean is None:
        tilt = (torch.rand(num, generator=generator, device=device) * 2
                - 1) * fixed_range
    else:
        tilt = tilt_mean + tilt_std * torch.randn(
            num, generator=generator, device=device)
    return azimuth, tilt


def virtual_rotations(num: int, elevation: Optional[torch.Tensor] = None,
                      elevation_mean=None, elevation_std=None,
                      fixed_range: float = math.pi / 9, generator=None,
                      device=None) -> torch.Tensor:
    """Random rotations to virtual cameras, ``(num, 3, 3)`` (Eq. 5-7).

    With ``elevation`` ``(num,)`` (the predicted elevations):
    ``R = Rx(-e~) Ry(a) Rx(e)`` -- undo the predicted elevation, a uniform
    azimuth ``a`` in ``[-pi, pi]``, re-tilt by ``e~ = mu + sigma * eps``,
    ``eps ~ N(0, 1)`` (the reparameterisation of Eq. 6, differentiable in
    ``mu``, ``sigma``). ``mu``/``sigma`` default to the batch's mean and
    standard deviation of ``elevation``. The authors' code writes it as
    ``Rx(-mu + sigma eps) Ry(a) Rx(e)``, the same distribution.

    Without ``elevation`` (the ablation, and Chen et al.'s prior):
    ``R = Rx(u) Ry(a)`` with ``u`` uniform in ``[-fixed_range,
    fixed_range]``.
    """
    if elevation is None:
        return compose_rotations(*camera_angles(
            num, fixed_range=fixed_range, generator=generator,
            device=device))
    mu = elevation.mean() if elevation_mean is None else elevation_mean
    sigma = (elevation.std(unbiased=num > 1) if elevation_std is None
             else elevation_std)
    azimuth, tilt = camera_angles(num, mu, sigma, generator=generator,
                                  device=elevation.device)
    return compose_rotations(azimuth, tilt, elevation)


# ----------------------------------------------------------- estimators --


class _ElePoseBase(BasePoseEstimator):
    """What both stages share: the codec, the prior, reading inputs.

    ``inputs`` of every mode: ``(N, 1, J, 2)`` codec inputs (one frame);
    ``'tensor'`` mode returns :meth:`lift`'s root-centred ``(N, J, 3)``.
    """

    def __init__(self, prior: Dict, codec: Dict,
                 skeleton: Union[str, Skeleton] = 'h36m',
                 data_preprocessor: Optional[Dict] = None, init_cfg=None):
        super().__init__(skeleton, data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.codec = KEYPOINT_CODECS.build(codec)
        self.root_index = self.skeleton.root_index
        self.prior = FlowPosePrior(self.skeleton, **prior)

    @staticmethod
    def target_frame(inputs: torch.Tensor) -> torch.Tensor:
        """``(N, 1, J, 2)`` codec inputs -> ``(N, J, 2)``; ElePose lifts
        single frames."""
        if inputs.dim() != 4 or inputs.shape[1] != 1:
            raise ValueError('ElePose lifts single frames: inputs must be '
                             f'(N, 1, J, 2), got {tuple(inputs.shape)}; set '
                             'seq_len=1 in the dataset')
        return inputs[:, 0]

    def _forward(self, inputs, data_samples=None) -> torch.Tensor:
        return self.lift(self.target_frame(inputs))

    def _write(self, data_samples, poses: torch.Tensor,
               **per_sample: torch.Tensor) -> List:
        """Decode ``poses`` and write them, with per-sample numbers (e.g.
        ``nll``), onto the data samples."""
        decoded = self.codec.decode(poses.detach().cpu().numpy(),
                                    [s.metainfo for s in data_samples])
        decoded.update({key: [float(v) for v in values]
                        for key, values in per_sample.items()})
        return write_predictions(data_samples, decoded)


@MODELS.register_module()
class ElePoseFlow(_ElePoseBase):
    """Stage 1: the 2D pose prior, trained by negative log-likelihood.

    ``loss``: ``loss_nll``, the flow's mean NLL of the projected training
    2D poses. The projection must be fitted first (``FitPosePCAHook`` in the
    config); a model used without it fits the projection on its first
    training batch and warns.

    ``predict``: each sample gets ``pred_nll`` (the NLL of its observed 2D
    pose: the held-out likelihood, the number to watch in this stage) and,
    because there is no lifter yet, ``pred_keypoints_3d`` = the *flat* pose,
    the 2D pose lifted at constant depth (all offsets zero) -- the trivial
    reference every lifter must beat, not a prediction of this stage.

    Args:
        prior: :class:`FlowPosePrior` arguments.
        codec: the :class:`~pose3d_toolbox.codecs.ElePoseCodec` config.
        depth: ``D`` of the flat pose.
        skeleton: skeleton name or object (``J``, root).
    """

    def __init__(self, prior: Dict, codec: Dict, depth: float = 10.0,
                 skeleton: Union[str, Skeleton] = 'h36m',
                 data_preprocessor: Optional[Dict] = None, init_cfg=None):
        super().__init__(prior, codec, skeleton, data_preprocessor,
                         init_cfg)
        self.depth = float(depth)

    def lift(self, x):
        return lift_with_depth(x, x.new_zeros(x.shape[:2]), self.depth,
                               root_index=self.root_index)

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        x = self.target_frame(inputs)
        if not self.prior.pca.is_fitted:
            warnings.warn(
                f'ElePoseFlow: the 2D pose projection is not fitted; fitting '
                f'it on this batch of {len(x)} poses. Add '
                "dict(type='FitPosePCAHook') to custom_hooks to fit it on "
                'the whole training set.', stacklevel=2)
            self.prior.pca.fit(x)
        return dict(loss_nll=self.prior.nll(x).mean())

    def predict(self, inputs, data_samples) -> List:
        x = self.target_frame(inputs)
        return self._write(data_samples, self.lift(x),
                           nll=self.prior.nll(x).detach().cpu())


@MODELS.register_module()
class ElePose(_ElePoseBase):
    """Stage 2: the unsupervised lifter with the frozen flow prior.

    Loss (Eq. 13), from the 2D input ``x`` only: lift ``y1``; rotate to a
    virtual camera ``y2 = R y1`` (:func:`virtual_rotations`); project
    ``x2`` (Eq. 3 at depth ``D``); ``L_NF`` = flow NLL of ``x2``;
    lift ``x2`` again to ``y2~``
    (``L_3D = ||y2~ - y2||``); rotate back ``y1~ = R^T y2~``
    (``L_def`` on batch pairs) and project (``L_2D = ||P(y1~) - x||_1``);
    ``L_bone`` on ``y1``. See :class:`~pose3d_toolbox.models.losses.
    ElePoseLoss`.

    Predict: ``pred_keypoints_3d`` (metres through the codec, root-relative;
    metric scale is assumed, see the codec), ``pred_elevation`` (radians,
    None without the branch) and ``pred_nll``: the flow's NLL of the
    prediction averaged over ``num_nll_rotations`` virtual cameras drawn
    from the elevation distribution learnt in training (running mean and
    standard deviation of the predicted elevations, Sec. 4.3).

    The frozen prior: ``flow_checkpoint`` names a stage-1 checkpoint (or its
    work directory: the newest complete checkpoint there). Its ``prior.*``
    weights -- flow and projection -- are loaded with ``weights_only``
    ``torch.load``, frozen (``requires_grad=False``) and saved again in this
    model's checkpoints, so testing needs only the stage-2 checkpoint. If the
    file is missing (or ``flow_checkpoint`` is None) the model still builds,
    with a *randomly initialised* flow and an unfitted projection, and warns
    -- that is what unit tests and ``tools/test.py`` with a stage-2
    checkpoint need; the first training step then stops with an error that
    names the file and the fix, so no lifter is ever trained against an
    untrained prior.

    Args:
        lifter: :class:`ElePoseLiftingNet` config.
        prior: :class:`FlowPosePrior` arguments (must match stage 1).
        codec: :class:`~pose3d_toolbox.codecs.ElePoseCodec` config.
        loss: :class:`~pose3d_toolbox.models.losses.ElePoseLoss` config.
        flow_checkpoint: stage-1 checkpoint file or work directory.
        depth, min_depth: ``D`` and the depth clip of Eq. 2.
        fixed_elevation_range: elevation prior without the branch.
        elevation_momentum: momentum of the running elevation statistics.
        num_nll_rotations: virtual cameras per prediction for ``pred_nll``.
        nll_seed: seed of those cameras (a fixed seed per batch makes
            ``pred_nll`` reproducible).
        skeleton: skeleton name or object (``J``, root), also the
            lifter's.
    """

    def __init__(self, lifter: Dict, prior: Dict, codec: Dict,
                 loss: Dict = dict(type='ElePoseLoss'),
                 flow_checkpoint: Optional[str] = None,
                 depth: float = 10.0, min_depth: float = 1.0,
                 fixed_elevation_range: float = math.pi / 9,
                 elevation_momentum: float = 0.01,
                 num_nll_rotations: int = 100, nll_seed: int = 0,
                 skeleton: Union[str, Skeleton] = 'h36m',
                 data_preprocessor: Optional[Dict] = None, init_cfg=None):
        super().__init__(prior, codec, skeleton, data_preprocessor,
                         init_cfg)
        self.lifter = MODELS.build(dict(lifter, skeleton=self.skeleton))
        self.loss_module = MODELS.build(loss)
        self.depth, self.min_depth = float(depth), float(min_depth)
        self.fixed_elevation_range = float(fixed_elevation_range)
        self.elevation_momentum = float(elevation_momentum)
        self.num_nll_rotations, self.nll_seed = num_nll_rotations, nll_seed
        self.register_buffer('elevation_mean', torch.zeros(()))
        self.register_buffer('elevation_std', torch.zeros(()))
        self.register_buffer('elevation_batches',
                             torch.zeros((), dtype=torch.long))
        self.register_buffer('flow_ready', torch.zeros((), dtype=torch.bool))
        self.prior.requires_grad_(False)
        self.flow_checkpoint = flow_checkpoint
        self._missing_flow = None
        if flow_checkpoint is None:
            self._missing_flow = ('ElePose: flow_checkpoint is None, so the '
                                  'frozen flow is randomly initialised.')
        else:
            found = resolve_checkpoint(flow_checkpoint)
            if found is None:
                self._missing_flow = (
                    f'ElePose: the flow checkpoint {flow_checkpoint!r} does '
                    'not exist (a stage-1 .pth file, or a work directory '
                    'holding one), so the frozen flow is randomly '
                    'initialised.')
            else:
                self.load_flow(found)
        if self._missing_flow:
            warnings.warn(self._missing_flow + ' ' + self._fix(),
                          stacklevel=2)

    def _fix(self) -> str:
        path = (self.flow_checkpoint or '').rstrip('/')
        if path.endswith('.pth'):
            path = osp.dirname(path)
        name = osp.basename(path)
        command = (f'`python tools/train.py configs/{name}.py` (writes '
                   f'work_dirs/{name}/)' if name.startswith('elepose-flow')
                   else 'the matching `python tools/train.py '
                   'configs/elepose-flow_*.py`')
        return (f'Train the flow first with {command}, or point the lifter '
                'at a stage-1 checkpoint: `--cfg-options '
                'model.flow_checkpoint=PATH` (a .pth file or a work '
                'directory).')

    def load_flow(self, path: str) -> None:
        """Load ``prior.*`` from a stage-1 checkpoint and mark it ready."""
        prior = load_submodule_state(path, 'prior.')
        if not prior:
            raise KeyError(f'ElePose: {path} holds no prior.* weights; is it '
                           'a checkpoint of an ElePoseFlow (stage 1) config?')
        try:
            self.prior.load_state_dict(prior, strict=True)
        except RuntimeError as err:
            raise RuntimeError(
                f'ElePose: the flow in {path} does not match model.prior of '
                'this config (num_bases, flow widths and blocks must equal '
                f'those of the stage-1 config): {err}') from None
        if not self.prior.pca.is_fitted:
            raise ValueError(f'ElePose: the projection in {path} was never '
                             'fitted; train stage 1 with FitPosePCAHook')
        self.flow_ready.fill_(True)
        print_log(f'ElePose: loaded the frozen flow prior from {path}',
                  logger='current')

    def train_step(self, data, optim_wrapper):
        if not bool(self.flow_ready):
            raise FileNotFoundError(
                (self._missing_flow or 'ElePose: no trained flow loaded.')
                + ' Training the lifter against it would be meaningless. '
                + self._fix())
        return super().train_step(data, optim_wrapper)

    # ------------------------------------------------------------------ --
    def lift(self, x):
        """``(N, J, 2)`` -> root-centred ``(N, J, 3)`` lifter units."""
        return self._lift(x)[0]

    def _lift(self, x):
        depth, elevation = self.lifter(x)
        return lift_with_depth(x, depth, self.depth, self.min_depth,
                               self.root_index), elevation

    def _track_elevation(self, elevation):
        mean, std = elevation.detach().mean(), elevation.detach().std()
        if int(self.elevation_batches) == 0:
            self.elevation_mean.copy_(mean)
            self.elevation_std.copy_(std)
        else:
            m = self.elevation_momentum
            self.elevation_mean.mul_(1 - m).add_(m * mean)
            self.elevation_std.mul_(1 - m).add_(m * std)
        self.elevation_batches += 1

    def loss(self, inputs, data_samples) -> Dict[str, torch.Tensor]:
        x = self.target_frame(inputs)
        poses, elevation = self._lift(x)
        if elevation is not None and self.training:
            self._track_elevation(elevation)
        rot = virtual_rotations(len(x), elevation,
                                fixed_range=self.fixed_elevation_range,
                                device=x.device)
        poses_rot = rotate(poses, rot)
        x_rot = perspective_project(poses_rot, self.depth)
        nll = self.prior.nll(x_rot)
        poses_rot_rec = self.lift(x_rot)
        poses_rec = rotate(poses_rot_rec, rot.transpose(1, 2))
        x_rec = perspective_project(poses_rec, self.depth)
        return self.loss_module(nll, poses, poses_rot, poses_rot_rec,
                                poses_rec, x_rec, x)

    @torch.no_grad()
    def rotation_nll(self, poses, elevation,
                     num_rotations: Optional[int] = None,
                     max_chunk: Optional[int] = None) -> torch.Tensor:
        """Mean flow NLL of ``(N, J, 3)`` poses over ``num_rotations``
        virtual cameras, drawn as in training with the running elevation
        statistics: ``-> (N,)``. The same ``num_rotations`` draws (seeded by
        ``nll_seed``) serve every pose, so a pose's NLL does not depend on
        the batch it comes in.

        The flow sees at most ``max_chunk`` (pose, camera) rows per call;
        ``None``: 4096 on CPU, 65536 on a GPU. On CPU, 65536 rows made
        every sub-network activation a fresh 256 MB allocation (page
        faults, cache misses): the test of ``configs/elepose_cmu.py`` (100
        cameras per pose, one thread) took 86 s with 65536 rows, 63 s with
        2048, and 26 s with 4096 once the sub-networks' ReLU ran in place
        (``AffineCouplingBlock``: one activation fewer to allocate).
        """
        k = num_rotations or self.num_nll_rotations
        azimuth, tilt = self.nll_cameras(elevation is not None, k,
                                         poses.device)
        if max_chunk is None:
            max_chunk = 65536 if poses.is_cuda else 4096
        n = len(poses)
        per_poses = max(1, min(n, max_chunk))
        per_cameras = max(1, max_chunk // per_poses)
        total = poses.new_zeros(n)
        for p in range(0, n, per_poses):
            part = slice(p, p + per_poses)
            elev = None if elevation is None else elevation[part]
            for c in range(0, k, per_cameras):
                total[part] += self.rotated_nll(
                    poses[part], elev, azimuth[c:c + per_cameras],
                    tilt[c:c + per_cameras])
        return total / k

    def nll_cameras(self, learnt: bool, num: Optional[int] = None,
                    device=None):
        """The virtual cameras of :meth:`rotation_nll`: ``num`` (default
        ``num_nll_rotations``) azimuths and tilts ``(num,)``, drawn by
        :func:`camera_angles` from a generator seeded with ``nll_seed``,
        the tilts from the running elevation statistics when the lifter
        predicts elevations (``learnt``)."""
        gen = torch.Generator(device=device).manual_seed(self.nll_seed)
        return camera_angles(
            num or self.num_nll_rotations,
            self.elevation_mean if learnt else None, self.elevation_std,
            self.fixed_elevation_range, gen, device)

    def rotated_nll(self, poses, elevation, azimuth, tilt) -> torch.Tensor:
        """The flow NLL of ``(N, J, 3)`` poses seen by each virtual camera
        ``(azimuth, tilt)`` ``(r,)`` (Eq. 5-7, with the predicted
        ``elevation`` ``(N,)`` or None), summed over the cameras: ``(N,)``.
        Written with broadcasting only, no Python sizes of the batch, so
        that an exported graph keeps a dynamic batch."""
        r = len(azimuth)
        zero = poses[:, 0, 0] * 0  # (N,)
        rot = compose_rotations(
            (azimuth[:, None] + zero).reshape(-1),
            (tilt[:, None] + zero).reshape(-1),
            None if elevation is None else
            (elevation + 0 * azimuth[:, None]).reshape(-1))
        x = poses.expand(r, *poses.shape).reshape(-1, *poses.shape[1:])
        x_rot = perspective_project(rotate(x, rot), self.depth)
        return self.prior.nll(x_rot).view(r, -1).sum(0)

    def predict(self, inputs, data_samples) -> List:
        poses, elevation = self._lift(self.target_frame(inputs))
        per_sample = dict(nll=self.rotation_nll(poses, elevation).cpu())
        if elevation is not None:
            per_sample['elevation'] = elevation.detach().cpu()
        return self._write(data_samples, poses, **per_sample)
