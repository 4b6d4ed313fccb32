"""Who may see and edit what: the one place row scoping is decided (STYLE R5).

Querysets call these helpers (`Model.objects.visible_to(user)`); views, the API, exports
and tasks use the querysets. Results are cached on the user object for the request.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from django.apps import apps
from django.db.models import Q

from .choices import AgencyKind, Role

if TYPE_CHECKING:
    from .models import User

_SCOPE_ATTR = "_cached_region_scope"
_ACTING_ATTR = "_cached_acting_agencies"


def is_admin(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


def can_use_admin(user) -> bool:
    """The Django admin is the administrators' tool: an active `is_staff` administrator.

    Its model pages are not scoped by region or agency (every row of every region), so an
    `is_staff` coordinator, staff member or analyst with model permissions would see and
    change other regions' rows there. `agencies.admin_site.PortalAdminSite` asks this, and the
    navigation offers the link on the same answer."""
    return bool(user.is_active and user.is_staff and is_admin(user))


def region_scope(user: User) -> frozenset[int] | None:
    """Ids of the regions the user may see; None means every region."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached: frozenset[int] | None | bool = getattr(user, _SCOPE_ATTR, False)
    if cached is not False:
        return cached  # type: ignore[return-value]  # a frozenset or None once cached
    scope: frozenset[int] | None
    if is_admin(user) or user.all_regions:
        scope = None
    else:
        ids = set(user.extra_regions.values_list("id", flat=True))
        if user.home_region_id:
            ids.add(user.home_region_id)
        scope = frozenset(ids)
    setattr(user, _SCOPE_ATTR, scope)
    return scope


def region_q(user: User, lookup: str, *, null_visible: bool = False) -> Q:
    """A filter on `lookup` (a path to a region id) restricted to the user's regions."""
    scope = region_scope(user)
    if scope is None:
        return Q()
    q = Q(**{f"{lookup}__in": scope})
    if null_visible:
        q |= Q(**{f"{lookup}__isnull": True})
    return q


def can_see_region(user: User, region_id: int | None) -> bool:
    scope = region_scope(user)
    return scope is None or region_id in scope


def spans_regions(user: User) -> bool:
    scope = region_scope(user)
    return scope is None or len(scope) > 1


def is_own_region(user: User, region_id: int | None) -> bool:
    """The region a coordinator or staff member works for: their region, or their agency's
    (`User.home_region_id`). The regions they only see (`extra_regions`, `all_regions`) are
    read-only to them: every write of a region's data by a coordinator or staff member asks
    this, never `can_see_region`. Analysts act in every region they see; administrators in
    every region."""
    return bool(
        user.is_authenticated
        and user.is_active
        and region_id is not None
        and region_id == user.home_region_id
    )


def acting_agency_ids(user: User) -> frozenset[int]:
    """Agencies on whose behalf the user may act.

    1. the user's own agency and every agency under it (parent chain);
    2. every collective designation that stands for one of those: a collective of the same
       region whose scope is the agency's kind, or, when it includes subordinates, the kind
       of one of the agency's ancestors.
    """
    if not user.is_authenticated or not user.agency_id:
        return frozenset()
    cached = getattr(user, _ACTING_ATTR, None)
    if cached is not None:
        return cached
    # by name: the models' querysets use this module, so it cannot import them
    Agency = apps.get_model("agencies", "Agency")
    own = user.agency
    assert own is not None  # user.agency_id was checked above
    rows = list(
        Agency.objects.filter(Q(region_id=own.region_id) | Q(region__isnull=True)).values(
            "id", "parent_id", "kind", "region_id", "collective_scope", "includes_subordinates"
        )
    )
    by_id = {row["id"]: row for row in rows}
    children: dict[int | None, list[int]] = defaultdict(list)
    for row in rows:
        children[row["parent_id"]].append(row["id"])

    acting = {own.id}
    stack = [own.id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in acting:
                acting.add(child)
                stack.append(child)

    def kinds_with_ancestors(agency_id: int) -> tuple[str, set[str]]:
        row = by_id[agency_id]
        ancestors: set[str] = set()
        parent = row["parent_id"]
        seen = set()
        while parent and parent in by_id and parent not in seen:
            seen.add(parent)
            ancestors.add(by_id[parent]["kind"])
            parent = by_id[parent]["parent_id"]
        return row["kind"], ancestors

    collectives = [
        row
        for row in rows
        if row["kind"] == AgencyKind.COLLECTIVE and row["region_id"] == own.region_id
    ]
    for agency_id in list(acting):
        if agency_id not in by_id or by_id[agency_id]["kind"] == AgencyKind.COLLECTIVE:
            continue
        kind, ancestors = kinds_with_ancestors(agency_id)
        for collective in collectives:
            scope = collective["collective_scope"]
            if kind == scope or (collective["includes_subordinates"] and scope in ancestors):
                acting.add(collective["id"])
    result = frozenset(acting)
    setattr(user, _ACTING_ATTR, result)
    return result


def can_edit_region_measures(user: User, region_id: int | None) -> bool:
    """Administrators, and coordinators flagged as editors of their own region: not of a
    region they only see (`extra_regions`), as for the roadmap import
    (`can_import_roadmap`). `MeasureQuerySet.editable_by` is the same rule for a queryset."""
    if is_admin(user):
        return True
    return bool(
        user.is_authenticated
        and user.role == Role.COORDINATOR
        and user.can_edit_region
        and is_own_region(user, region_id)
    )


def can_edit_measure(user: User, measure) -> bool:
    """May the user change this measure's status, sub-steps, reports and cascades?

    Administrators always; coordinators flagged `can_edit_region` within their region; staff
    when their agency (or one under it, or a collective standing for it) is responsible.
    Mirrors `MeasureQuerySet.editable_by` for one row, using prefetched responsibilities.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if getattr(measure, "archived_at", None) is not None:
        return False  # dropped from its roadmap: kept with its history, read-only
    region_id = measure.roadmap.region_id
    if not (region_id is None or can_see_region(user, region_id)):
        return False
    if is_admin(user) or can_edit_region_measures(user, region_id):
        return True
    if user.role != Role.STAFF:
        return False
    acting = acting_agency_ids(user)
    return any(r.agency_id in acting for r in measure.responsibilities.all())


def can_edit_measure_part(user: User, part) -> bool:
    """May the user change this responsible body's part of a measure?

    Editors of the whole region (administrators, coordinators flagged `can_edit_region`)
    change every part; staff only the part of their own agency (or of one under it, or of
    a collective designation standing for it that names no listed body).
    """
    if not user.is_authenticated or not user.is_active:
        return False
    measure = part.measure
    if getattr(measure, "archived_at", None) is not None:
        return False
    region_id = measure.roadmap.region_id
    if not (region_id is None or can_see_region(user, region_id)):
        return False
    if is_admin(user) or can_edit_region_measures(user, region_id):
        return True
    return user.role == Role.STAFF and part.agency_id in acting_agency_ids(user)


def can_record_cascade(user: User, cascade, organisation) -> bool:
    """May the user record this organisation's progress on a cascade?

    Editors of the measure record for every organisation of the cascade; staff of a
    municipality (user.municipality) for the organisations of that municipality; staff of an
    organisation (user.organisation) for that organisation only.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if not can_see_region(user, organisation.region_id):
        return False
    if can_edit_measure(user, cascade.measure):
        return True
    if user.organisation_id and user.organisation_id == organisation.id:
        return True
    return bool(user.municipality_id and user.municipality_id == organisation.municipality_id)


def can_record_any_cascade(user: User, cascade) -> bool:
    """Whether the cascade page should offer progress forms to the user at all."""
    if not user.is_authenticated or not user.is_active:
        return False
    return bool(
        can_edit_measure(user, cascade.measure) or user.organisation_id or user.municipality_id
    )


# --- reports, dashboards and the index -----------------------------------------------


def has_reporting_role(user: User) -> bool:
    """Analysts, coordinators and administrators: the roles that read across measures and
    regions (Excel reports, the country overview, the index ranking and its input files),
    each within the regions they see."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (is_admin(user) or user.role in (Role.ANALYST, Role.COORDINATOR))
    )


def can_export(user: User) -> bool:
    """Excel/CSV reports: analysts, coordinators and administrators (within their scope)."""
    return has_reporting_role(user)


def can_see_ranking(user: User) -> bool:
    """The index ranking of the regions (the places count every region)."""
    return has_reporting_role(user)


def can_import_index_inputs(user: User) -> bool:
    """Files «Сведения для индекса внедрения» (each row checked against the user's regions)."""
    return has_reporting_role(user)


def can_see_country(user: User) -> bool:
    """The country overview: analysts and administrators; coordinators of several regions."""
    if not has_reporting_role(user):
        return False
    return user.role != Role.COORDINATOR or spans_regions(user)


def is_verifier(user: User | None) -> bool:
    """Analysts and administrators verify index facts (theirs are verified as they land)."""
    return bool(
        user is not None and user.is_authenticated and (is_admin(user) or user.role == Role.ANALYST)
    )


def can_enter_facts(user: User | None, region_id: int) -> bool:
    """Index facts of a region: its coordinators (`is_own_region`), analysts and
    administrators in scope."""
    if user is None or not user.is_authenticated or not can_see_region(user, region_id):
        return False
    if is_admin(user) or user.role == Role.ANALYST:
        return True
    return user.role == Role.COORDINATOR and is_own_region(user, region_id)


# --- monitoring ---------------------------------------------------------------------


def monitoring_scope(user: User) -> frozenset[int] | None:
    """Regions whose monitoring rows the user may import (None: every region): its staff
    and coordinators their own region (`is_own_region`); analysts every region they see;
    administrators every region (DOMAIN: ministry staff upload exports). A file naming no
    region is judged row by row against it (`indicators.services.uploads`)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if is_admin(user):
        return None
    if user.role == Role.ANALYST:
        return region_scope(user)
    if user.role in (Role.STAFF, Role.COORDINATOR) and user.home_region_id is not None:
        return frozenset({user.home_region_id})
    return frozenset()


def can_upload_monitoring(user: User, region) -> bool:
    """Monitoring exports of a region: whoever has it in their `monitoring_scope`."""
    scope = monitoring_scope(user)
    return scope is None or region.pk in scope


def can_act_on_monitoring_upload(user: User, upload) -> bool:
    """Confirm a dry run, re-run a failed or stuck monitoring upload: whoever may upload for
    its region; a multi-region upload (no region) only administrators."""
    if upload.region is None:
        return is_admin(user)
    return can_upload_monitoring(user, upload.region)


def can_edit_baselines(user: User, region) -> bool:
    """A region's stage 1 baselines: its coordinators (`is_own_region`) and administrators."""
    if is_admin(user):
        return True
    return bool(
        user.is_authenticated and user.role == Role.COORDINATOR and is_own_region(user, region.pk)
    )


def can_edit_roster(user: User, region) -> bool:
    """A region's roster of monitoring organisations (the expected ones of its coverage):
    the same people as its baselines, its coordinators and administrators."""
    return can_edit_baselines(user, region)


# --- alerts -------------------------------------------------------------------------


def can_acknowledge(user: User, alert) -> bool:
    """Administrators; coordinators of the alert's region (`is_own_region`); staff of an
    agency responsible for the alert's measure (or one it acts for). Visibility is
    `Alert.objects.visible_to`."""
    if not user.is_authenticated or not can_see_region(user, alert.region_id):
        return False
    if is_admin(user):
        return True
    if user.role == Role.COORDINATOR:
        return is_own_region(user, alert.region_id)
    if user.role != Role.STAFF or not alert.measure_id:
        return False
    acting = acting_agency_ids(user)
    return alert.measure.responsibilities.filter(agency_id__in=acting).exists()


# --- roadmaps ------------------------------------------------------------------------


def can_see_federal_view(user: User) -> bool:
    """The federal plan with every region's progress: analysts and administrators (each
    within their scope of regions)."""
    return bool(
        user.is_authenticated and user.is_active and (is_admin(user) or user.role == Role.ANALYST)
    )


def can_import_roadmap(user: User, region_id: int | None) -> bool:
    """May the user load the region's roadmap document (a new roadmap or a new version)?

    Administrators, and the coordinators of that region (`is_own_region`).
    """
    if not user.is_authenticated or not user.is_active or region_id is None:
        return False
    if is_admin(user):
        return True
    return user.role == Role.COORDINATOR and is_own_region(user, region_id)


def may_import_roadmaps(user: User) -> bool:
    """Whether to offer the roadmap import at all (the measure list links to it)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_admin(user) or (user.role == Role.COORDINATOR and user.home_region_id is not None)


# --- report subscriptions --------------------------------------------------------------


def can_subscribe_reports(user: User) -> bool:
    """Reports that arrive by themselves: whoever may download them (`can_export`), within
    the regions they see. Asked again at every send: a subscriber who lost the right (or the
    region) gets nothing."""
    return can_export(user)


def can_manage_mailing_lists(user: User) -> bool:
    """Subscriptions of a mailing-list address for a region: administrators only."""
    return bool(is_admin(user) and user.is_active)


def region_reader(region, *, name: str = "") -> User:
    """A reader of exactly one region, never saved: whose scope a mailing-list subscription's
    file is built in (an analyst of that region alone, with no agency)."""
    # by name, like the agencies above: the models' querysets use this module
    reader = apps.get_model("agencies", "User")(
        username=name or f"region-{region.code}",
        first_name=name,
        role=Role.ANALYST,
        is_active=True,
        region=region,
    )
    setattr(reader, _SCOPE_ATTR, frozenset({region.pk}))  # no rows: the scope is the region
    return reader


# --- approval of monitoring weeks and index facts --------------------------------------

APPROVE_WEEK_PERMISSION = "indicators.approve_week"


def can_see_week_approval(user: User, region_id: int | None) -> bool:
    """A region's approval page and history: whoever sees the region (others get a 404)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and region_id is not None
        and can_see_region(user, region_id)
    )


def can_submit_week(user: User, region_id: int | None) -> bool:
    """Submit a week for approval («направить»): the coordinators of the region (their own
    region, `is_own_region`) and administrators."""
    if not can_see_week_approval(user, region_id):
        return False
    return is_admin(user) or (user.role == Role.COORDINATOR and is_own_region(user, region_id))


def has_approval_right(user: User) -> bool:
    """The right to approve: administrators, and ministry staff or analysts granted the
    permission «Может утверждать недели мониторинга» (`indicators.approve_week`, in the admin,
    on the user or on a group). Coordinators submit and never approve, even when granted."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_admin(user):
        return True
    return user.role in (Role.STAFF, Role.ANALYST) and user.has_perm(APPROVE_WEEK_PERMISSION)


def can_approve_week(user: User, region_id: int | None) -> bool:
    """Approve, return or reopen a region's week: the right, within the regions one sees."""
    return can_see_week_approval(user, region_id) and has_approval_right(user)
