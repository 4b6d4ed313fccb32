"""`VersionedSelect`: a model field's options listed once per data version.

The analyst's measure filters list ~2,900 options (regions, roadmaps, sections, bodies): a
model instance and a label each, on every page view, even with the page cache on (a third
of the page). Their (value, label) pairs are the same for everyone with the same scope until
reference data change, and every write to reference data moves the national data version
(`agencies.dataversion`: seeds, the admin, roadmap imports, the admin's imports), so they
are cached under that version and the options' query, which carries the user's scope.
"""

from __future__ import annotations

import hashlib

from django.utils.translation import get_language

from roadmap_portal.widgets import FastSelect

from . import dataversion


class VersionedSelect(FastSelect):
    def option_pairs(self) -> list[tuple[str, str]]:
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None or dataversion.cache_seconds() <= 0:
            return super().option_pairs()
        query = hashlib.sha256(str(queryset.query).encode()).hexdigest()[:24]
        field = getattr(self.choices, "field", None)  # a ModelChoiceIterator's field
        empty = str(getattr(field, "empty_label", ""))
        empty_key = hashlib.sha256(empty.encode()).hexdigest()[:8]
        return dataversion.cached(
            lambda: f"choices:{dataversion.national_token()}:{get_language()}:{query}:{empty_key}",
            super().option_pairs,
        )
