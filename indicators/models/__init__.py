from .indicators import Indicator, IndicatorStage, RegionBaseline, RegionTarget

__all__ = ["Indicator", "IndicatorStage", "RegionBaseline", "RegionTarget"]
