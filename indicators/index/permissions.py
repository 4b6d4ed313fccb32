"""Who may see the ranking, import index inputs, enter and verify facts (pages and API)."""

from __future__ import annotations

from agencies import access
from agencies.choices import Role


def can_see_ranking(user) -> bool:
    return access.is_admin(user) or user.role in (Role.ANALYST, Role.COORDINATOR)


def can_import(user) -> bool:
    return access.is_admin(user) or user.role in (Role.ANALYST, Role.COORDINATOR)


def is_verifier(user) -> bool:
    """Analysts and administrators verify facts (theirs are verified as they land)."""
    return bool(
        user and user.is_authenticated and (access.is_admin(user) or user.role == Role.ANALYST)
    )


def can_enter_facts(user, region_id: int) -> bool:
    """Coordinators of the region, analysts and administrators within their scope."""
    if not (user and user.is_authenticated) or not access.can_see_region(user, region_id):
        return False
    return access.is_admin(user) or user.role in (Role.COORDINATOR, Role.ANALYST)
