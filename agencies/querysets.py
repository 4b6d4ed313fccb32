from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Length

from . import access


class RegionScopedQuerySet(models.QuerySet):
    """Rows that belong to a region; `visible_to` keeps those in the user's scope.

    The model names the path to its region id in `region_field`; rows without a region are
    visible to everyone when the model sets `region_null_visible` (a federal plan, a
    partner serving many regions).
    """

    def visible_to(self, user):
        field = getattr(self.model, "region_field", "region_id")
        null_visible = getattr(self.model, "region_null_visible", False)
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.region_q(user, field, null_visible=null_visible))

    def for_region(self, region):
        field = getattr(self.model, "region_field", "region_id")
        return self.filter(**{field: getattr(region, "pk", region)})


class AgencyQuerySet(RegionScopedQuerySet):
    def one_per_body(self):
        """Each body once: collective designations printed differently but standing for the
        same bodies (same region, scope and subordinates) are kept once (the shortest text).
        """
        shorter = (
            self.model._default_manager.filter(
                kind="collective",
                region_id=OuterRef("region_id"),
                collective_scope=OuterRef("collective_scope"),
                includes_subordinates=OuterRef("includes_subordinates"),
            )
            .annotate(length=Length("name"))
            .filter(
                Q(length__lt=OuterRef("name_length"))
                | Q(length=OuterRef("name_length"), pk__lt=OuterRef("pk"))
            )
        )
        return self.annotate(name_length=Length("name")).exclude(
            Q(kind="collective") & Exists(shorter)
        )

    def same_body_as(self, agency):
        """The agency and every designation of the same body (see `one_per_body`)."""
        if agency.kind != "collective":
            return self.filter(pk=agency.pk)
        return self.filter(
            kind="collective",
            region_id=agency.region_id,
            collective_scope=agency.collective_scope,
            includes_subordinates=agency.includes_subordinates,
        )


class OrganisationQuerySet(RegionScopedQuerySet):
    pass
