from __future__ import annotations

from django.db import models

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
    pass


class OrganisationQuerySet(RegionScopedQuerySet):
    pass
