"""Filters shared by the API's FilterSets: they live with the base of every FilterSet
(`roadmap_portal.filtersets`), named here for the modules that import them from the API."""

from __future__ import annotations

from roadmap_portal.filtersets import AllYesNoSelect, IdFilter
from roadmap_portal.params import MAX_ID

__all__ = ["MAX_ID", "AllYesNoSelect", "IdFilter"]
