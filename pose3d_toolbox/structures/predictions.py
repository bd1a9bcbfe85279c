"""The one place where predictions are written onto data samples.

Models decode their outputs (through their codec) into a dict of per-batch
arrays keyed by what they are; :func:`write_predictions` stores element
``i`` of each on ``data_samples[i]`` under the documented field name:

==================  ========================  ==============================
decoded key         data-sample field         content
==================  ========================  ==============================
``keypoints_3d``    ``pred_keypoints_3d``     ``(J, 3)`` metres; absolute
                                              when ``pred_root`` is set
``root``            ``pred_root``             ``(3,)`` absolute root, metres
``keypoints_2d``    ``pred_keypoints_2d``     ``(J, 2)`` image pixels
``keypoints_2d_     ``pred_keypoints_2d_      ``(J, 2)`` input-crop pixels
input``             input``
``keypoint_scores`` ``pred_keypoint_scores``  ``(J,)`` confidence
``bone_lengths``    ``pred_bone_lengths``     ``(B,)`` metres (Anatomy3D)
``nll``             ``pred_nll``              float, negative
                                              log-likelihood (ElePose)
``elevation``       ``pred_elevation``        float, radians (ElePose)
``part_depth_       ``pred_part_depth_        ``(K,)`` int, HEMlets' state
states``            states``                  of each part (-S//2..S//2)
``part_depth_       ``pred_part_depth_        ``(K,)`` int, its depth order
order``             order``                   -1/0/+1 (HEMlets Eq. 1)
==================  ========================  ==============================

The metrics read these fields (``pred_keypoints_3d``, ``pred_root``,
``pred_keypoints_2d``, ``pred_nll``).
"""
from typing import Dict, Sequence

#: decoded key -> data-sample field.
PREDICTION_FIELDS = dict(
    keypoints_3d='pred_keypoints_3d', root='pred_root',
    keypoints_2d='pred_keypoints_2d',
    keypoints_2d_input='pred_keypoints_2d_input',
    keypoint_scores='pred_keypoint_scores',
    bone_lengths='pred_bone_lengths', nll='pred_nll',
    elevation='pred_elevation', part_depth_states='pred_part_depth_states',
    part_depth_order='pred_part_depth_order')


def write_predictions(data_samples: Sequence, predictions: Dict) -> Sequence:
    """Set ``pred_*`` fields: ``predictions[key][i]`` on ``data_samples[i]``.

    Args:
        data_samples: the batch's data samples (changed in place).
        predictions: decoded key (see :data:`PREDICTION_FIELDS`) -> an
            array or list with one entry per sample.

    Returns:
        ``data_samples``.
    """
    unknown = sorted(set(predictions) - set(PREDICTION_FIELDS))
    if unknown:
        raise KeyError(f'write_predictions: no data-sample field for '
                       f'{unknown}; add it to PREDICTION_FIELDS in '
                       f'{__name__} (known: {sorted(PREDICTION_FIELDS)})')
    for key, values in predictions.items():
        if len(values) != len(data_samples):
            raise ValueError(f'write_predictions: {len(values)} {key!r} '
                             f'for {len(data_samples)} data samples')
        for sample, value in zip(data_samples, values):
            sample.set_field(value, PREDICTION_FIELDS[key])
    return data_samples
