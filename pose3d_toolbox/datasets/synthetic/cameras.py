"""Camera rigs for synthetic data, as camera dicts of the toolbox's format.

A camera dict holds ``R`` (3x3), ``T`` (3x1, the camera centre in world
coordinates, metres), ``c``, ``f`` (2x1, pixels), ``k`` (3x1), ``p`` (2x1),
``w``, ``h``; ``X_cam = (X_world - T^T) @ R`` with OpenCV camera axes (x
right, y down, z forward), see :mod:`pose3d_toolbox.utils.camera`. So the
columns of ``R`` are the camera's x, y and z axes written in world
coordinates. The world is Z-up, in metres.

Example:
    >>> import numpy as np
    >>> from pose3d_toolbox.utils import world_to_pixel
    >>> cams = h36m_like_rig()
    >>> uv = world_to_pixel(np.array([0., 0., 0.95]), cams[0])  # ~ (512, 515)
"""
import numpy as np

from pose3d_toolbox.geometry import axis_rotation, look_at

# The four Human3.6M cameras' published intrinsics (ids as in the dataset's
# metadata; values as distributed with the dataset and reused by
# VideoPose3D/MMPose). ``k`` radial, ``p`` tangential distortion.
H36M_INTRINSICS = (
    dict(id='54138969', w=1000, h=1002,
         f=(1145.0494384765625, 1143.7811279296875),
         c=(512.54150390625, 515.4514770507812),
         k=(-0.20709891617298126, 0.24777518212795258,
            -0.0030751503072679043),
         p=(-0.0009756988729350269, -0.00142447161488235)),
    dict(id='55011271', w=1000, h=1000,
         f=(1149.6756591796875, 1147.5916748046875),
         c=(508.8486328125, 508.0649108886719),
         k=(-0.1942136287689209, 0.2404085397720337, 0.006819975562393665),
         p=(-0.0016190266469493508, -0.0027408944442868233)),
    dict(id='58860488', w=1000, h=1000,
         f=(1149.1407470703125, 1148.7989501953125),
         c=(519.8158569335938, 501.40264892578125),
         k=(-0.2083381861448288, 0.25548800826072693,
            -0.0024604974314570427),
         p=(0.0014843869721516967, -0.0007599993259645998)),
    dict(id='60457274', w=1000, h=1002,
         f=(1145.5113525390625, 1144.77392578125),
         c=(514.9682006835938, 501.88201904296875),
         k=(-0.198384091258049, 0.21832367777824402, -0.008947807364165783),
         p=(-0.0005872055771760643, -0.0018133620033040643)),
)

#: Height (metres) the rigs aim at: the pelvis of a standing adult.
DEFAULT_TARGET_HEIGHT = 0.95


def make_camera(position, target, f, c, w, h, k=(0.0, 0.0, 0.0),
                p=(0.0, 0.0), up=(0.0, 0.0, 1.0), roll=0.0, **extra):
    """A camera dict at ``position`` looking at ``target``.

    Args:
        roll: rotation of the camera about its viewing axis, degrees
            (positive turns its x axis towards its y axis).
        extra: further keys copied into the dict (e.g. ``id``).
    """
    R = look_at(position, target, up)
    if roll:  # rotate the camera's x/y axes about its z axis
        R = R @ axis_rotation('z', np.deg2rad(roll))
    cam = dict(R=R, T=np.asarray(position, np.float64).reshape(3, 1),
               c=np.asarray(c, np.float64).reshape(2, 1),
               f=np.asarray(f, np.float64).reshape(2, 1),
               k=np.asarray(k, np.float64).reshape(3, 1),
               p=np.asarray(p, np.float64).reshape(2, 1), w=int(w), h=int(h))
    cam.update(extra)
    return cam


def _orbit(target, azimuth, elevation, distance):
    """Camera position ``distance`` from ``target`` at ``azimuth`` (degrees,
    counter-clockwise from world +X) and ``elevation`` (degrees above the
    horizontal)."""
    az, el = np.deg2rad(azimuth), np.deg2rad(elevation)
    return np.asarray(target, np.float64) + distance * np.array(
        [np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])


def h36m_like_rig(center_xy=(0.0, 0.0), azimuths=(45.0, 135.0, 225.0, 315.0),
                  distance=5.0, height=1.6,
                  target_height=DEFAULT_TARGET_HEIGHT, distortion=False):
    """Four cameras around a subject, placed like the Human3.6M studio.

    Each camera stands ``distance`` metres (horizontally) from
    ``center_xy`` at ``height`` metres (chest height), looks at
    ``(center_xy, target_height)`` (so a standing subject's pelvis lands on
    the principal point and the camera pitches slightly down) and carries
    the published intrinsics of one Human3.6M camera, in the dataset's order.

    Args:
        center_xy: the subject's position on the floor.
        azimuths: the cameras' directions seen from the subject, degrees
            counter-clockwise from world +X.
        distance: horizontal distance, a scalar or one per camera.
        height: camera height, a scalar or one per camera.
        target_height: height of the point every camera looks at.
        distortion: copy Human3.6M's published ``k``/``p``; otherwise they
            are zero (the renderer is a pinhole camera).

    Returns:
        A list of ``len(azimuths)`` (at most 4) camera dicts; each also has
        ``id`` (the Human3.6M camera id).
    """
    if len(azimuths) > len(H36M_INTRINSICS):
        raise ValueError(f'h36m_like_rig: {len(azimuths)} azimuths given but '
                         f'only {len(H36M_INTRINSICS)} Human3.6M cameras')
    n = len(azimuths)
    distance = np.broadcast_to(np.asarray(distance, np.float64), (n, ))
    height = np.broadcast_to(np.asarray(height, np.float64), (n, ))
    target = np.array([center_xy[0], center_xy[1], target_height], np.float64)
    cams = []
    for az, dist, z, intr in zip(azimuths, distance, height,
                                 H36M_INTRINSICS):
        a = np.deg2rad(az)
        position = np.array([target[0] + dist * np.cos(a),
                             target[1] + dist * np.sin(a), z])
        intr = dict(intr)
        if not distortion:
            intr.update(k=(0.0, 0.0, 0.0), p=(0.0, 0.0))
        cams.append(make_camera(position, target, **intr))
    return cams


def random_rig(rng, num_cameras=4, focal_range=(900.0, 1600.0),
               distance_range=(3.5, 7.0), elevation_range=(-5.0, 35.0),
               azimuth_range=(0.0, 360.0), principal_point_jitter=20.0,
               image_size=(1000, 1000), target=(0.0, 0.0,
                                                 DEFAULT_TARGET_HEIGHT),
               target_jitter=0.0, roll_range=(0.0, 0.0)):
    """Random cameras orbiting ``target``, all ranges uniform.

    Args:
        rng: ``np.random.Generator``.
        num_cameras: number of cameras.
        focal_range: focal length in pixels (``fx = fy``).
        distance_range: distance from the aimed-at point, metres.
        elevation_range: angle of the camera above the horizontal plane
            through the aimed-at point, degrees.
        azimuth_range: direction of the camera seen from the aimed-at point,
            degrees counter-clockwise from world +X.
        principal_point_jitter: the principal point is the image centre plus
            a uniform offset of at most this many pixels per axis.
        image_size: ``(w, h)`` in pixels.
        target: the point the cameras orbit and look at.
        target_jitter: each camera aims at ``target`` plus a uniform offset
            of at most this many metres per axis (off-centre subjects).
        roll_range: image roll, degrees.

    Returns:
        A list of camera dicts; each also records ``azimuth``, ``elevation``
        and ``distance`` as drawn.
    """
    w, h = image_size
    target = np.asarray(target, np.float64)
    cams = []
    for _ in range(num_cameras):
        az = rng.uniform(*azimuth_range)
        el = rng.uniform(*elevation_range)
        dist = rng.uniform(*distance_range)
        focal = rng.uniform(*focal_range)
        c = (np.array([w, h], np.float64) - 1) / 2 + rng.uniform(
            -principal_point_jitter, principal_point_jitter, 2)
        aim = target + rng.uniform(-target_jitter, target_jitter, 3)
        cams.append(make_camera(_orbit(target, az, el, dist), aim,
                                f=(focal, focal), c=c, w=w, h=h,
                                roll=rng.uniform(*roll_range), azimuth=az,
                                elevation=el, distance=dist))
    return cams
