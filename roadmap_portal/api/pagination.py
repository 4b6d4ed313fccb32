"""A page count that a national list does not pay again until its data change.

DRF's page-number pagination counts every row the caller may see at each request: for the
weekly rollups of the whole country (~100,000 rows at full scale) that is the one part of
`GET /api/v1/indicator-values/` whose cost grows with the data. `VersionedCountPagination`
keeps that count in the page cache (`agencies.dataversion.cached`) under

- the count query itself (its SQL and parameters): the caller's scope and filters are in it,
  so two callers share a count only when they count exactly the same rows, and
- the national data version, which every write to the rollups bumps at commit
  (`indicators.services.rollups`; admin edits bump everything),

so a count is never served after a write that changes it. Use it only for a list whose
every write bumps the national data version; the rest keep DRF's exact count.
"""

from __future__ import annotations

import hashlib

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

from agencies import dataversion


class _VersionedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        rows: QuerySet = self.object_list  # type: ignore[assignment]

        def key() -> str:
            sql, params = rows.query.sql_with_params()
            query = hashlib.sha256(f"{rows.db}|{sql}|{params!r}".encode()).hexdigest()
            return f"api-count:{query}:{dataversion.national_token()}"

        return dataversion.cached(key, rows.count)


class VersionedCountPagination(PageNumberPagination):
    django_paginator_class = _VersionedCountPaginator
