from .indicators import Indicator, IndicatorStage, RegionBaseline, RegionTarget
from .monitoring import MonitoringRollup, MonitoringRow, MonitoringUpload

__all__ = [
    "Indicator",
    "IndicatorStage",
    "MonitoringRollup",
    "MonitoringRow",
    "MonitoringUpload",
    "RegionBaseline",
    "RegionTarget",
]
