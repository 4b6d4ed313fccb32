from .approval import WeekApproval, WeekApprovalEvent
from .index import IndexFact, IndexScore, IndexUpload, MeasureCriterion
from .indicators import Indicator, IndicatorStage, RegionBaseline, RegionTarget
from .methodology import Component, Criterion, MethodologyVersion
from .monitoring import (
    MonitoringRollup,
    MonitoringRoster,
    MonitoringRosterEntry,
    MonitoringRow,
    MonitoringUpload,
)

__all__ = [
    "Component",
    "Criterion",
    "IndexFact",
    "IndexScore",
    "IndexUpload",
    "MeasureCriterion",
    "MethodologyVersion",
    "Indicator",
    "IndicatorStage",
    "MonitoringRollup",
    "MonitoringRoster",
    "MonitoringRosterEntry",
    "MonitoringRow",
    "MonitoringUpload",
    "RegionBaseline",
    "RegionTarget",
    "WeekApproval",
    "WeekApprovalEvent",
]
