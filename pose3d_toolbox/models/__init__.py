from . import backbones, data_preprocessors, heads, losses, pose_estimators  # noqa: F401,E501
from . import flows  # noqa: F401
from . import necks  # noqa: F401
