"""Who may see the ranking and import index inputs (pages and API alike)."""

from __future__ import annotations

from agencies import access
from agencies.choices import Role


def can_see_ranking(user) -> bool:
    return access.is_admin(user) or user.role in (Role.ANALYST, Role.COORDINATOR)


def can_import(user) -> bool:
    return access.is_admin(user) or user.role in (Role.ANALYST, Role.COORDINATOR)
