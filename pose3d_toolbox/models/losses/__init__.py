from .regression import L1Loss, MPJPELoss, MSELoss

__all__ = ['L1Loss', 'MPJPELoss', 'MSELoss']
