from .formatting import GenerateTarget, PackPoseInputs

__all__ = ['GenerateTarget', 'PackPoseInputs']
