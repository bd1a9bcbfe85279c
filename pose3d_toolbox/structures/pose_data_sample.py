"""The data sample that carries one example from dataset to metric."""
from mmengine.structures import BaseDataElement


class PoseDataSample(BaseDataElement):
    """One pose example: targets, camera, identity and predictions.

    Data fields (numpy arrays or tensors; ``J`` joints, metres, camera
    coordinates unless stated):

    - ``gt_keypoints_3d``: ``(J, 3)`` ground-truth 3D pose of the target frame.
    - ``gt_keypoints_2d``: ``(J, 2)`` ground-truth 2D pose in pixels.
    - ``gt_visibility``: ``(J,)`` visibility scores in ``[0, 1]``.
    - ``lifting_target``: the codec's normalised training target.
    - ``pred_keypoints_3d``: ``(J, 3)`` predicted pose. Root-relative unless
      ``pred_root`` is set, in which case it is absolute.
    - ``pred_root``: ``(3,)`` predicted absolute root position.
    - Image models: ``heatmaps`` ``(J, h, w)``, ``keypoints_2d_target``
      ``(J, 2)`` heatmap pixels (the codec's targets); ``keypoints_valid``
      ``(J,)`` labelled joints; ``has_3d`` (False for 2D-only samples, whose
      3D losses are skipped); ``pred_keypoints_2d`` ``(J, 2)`` image
      pixels, ``pred_keypoints_2d_input`` ``(J, 2)`` input-crop pixels,
      ``pred_keypoint_scores`` ``(J,)`` (all ``pred_*`` fields:
      :mod:`pose3d_toolbox.structures.predictions`).

    Meta fields (set once, read-only by convention; :func:`make_data_sample`
    stores references, so a sample's ``camera`` is its video's dict, shared
    with every other sample of the video): ``img_path``,
    ``subject``, ``action``, ``camera_id``, ``camera`` (dict with the keys of
    :data:`pose3d_toolbox.utils.camera.CAMERA_KEYS`), ``frame``,
    ``sample_idx``, ``skeleton`` (name), ``root_index``; image models also
    ``crop_matrix`` (``(2, 3)``, image -> input pixels), ``bbox_center``,
    ``bbox_scale``, ``flipped``, ``input_size``.

    Example:
        >>> import numpy as np
        >>> s = PoseDataSample(metainfo=dict(subject='S9', action='Walking'))
        >>> s.gt_keypoints_3d = np.zeros((17, 3))
        >>> s.subject
        'S9'
    """


def make_data_sample(metainfo: dict, data: dict) -> PoseDataSample:
    """A :class:`PoseDataSample` holding ``metainfo`` and ``data`` by
    reference.

    ``PoseDataSample(metainfo=...)`` deep-copies every meta value (mmengine's
    ``set_metainfo``): for the camera dict of each lifting sample that was
    37 % of the data loader's time. The meta values here are shared,
    read-only data (a video's camera, names, indices), so the sample keeps
    references; write new values instead of changing shared ones in place.
    """
    sample = PoseDataSample.__new__(PoseDataSample)
    fields = vars(sample)
    fields.update(metainfo)
    fields.update(data)
    fields['_metainfo_fields'] = set(metainfo)
    fields['_data_fields'] = set(data)
    return sample
