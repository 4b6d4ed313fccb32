"""Demo users for `make run`: one per role, with known passwords printed on start."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .choices import Role
from .models import Agency, Region, User


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    description: str
    agency_code: str | None = None
    region_code: str | None = None
    all_regions: bool = False
    superuser: bool = False


DEMO_USERS = [
    DemoUser(
        "minobr66",
        "demo-minobr66",
        Role.STAFF,
        "сотрудник Министерства образования Свердловской области",
        agency_code="so-minobr",
    ),
    DemoUser(
        "dip66",
        "demo-dip66",
        Role.STAFF,
        "сотрудник Департамента информационной политики Свердловской области",
        agency_code="so-dip",
    ),
    DemoUser(
        "coord66",
        "demo-coord66",
        Role.COORDINATOR,
        "координатор Свердловской области",
        region_code="66",
    ),
    DemoUser(
        "coord50",
        "demo-coord50",
        Role.COORDINATOR,
        "координатор Московской области",
        region_code="50",
    ),
    DemoUser("analyst", "demo-analyst", Role.ANALYST, "аналитик (все субъекты)", all_regions=True),
    DemoUser("admin", "demo-admin", Role.ADMIN, "администратор", superuser=True),
]


@transaction.atomic
def demo_users_create() -> list[DemoUser]:
    """Creates or resets the demo users (idempotent); returns them with their passwords."""
    # the password hash is most of the time (~0.5 s each on a slow core); hashlib releases
    # the GIL, so the hashes are computed side by side
    with ThreadPoolExecutor(max_workers=4) as pool:
        hashes = list(pool.map(make_password, [demo.password for demo in DEMO_USERS]))
    for demo, hashed in zip(DEMO_USERS, hashes, strict=True):
        user, _created = User.objects.get_or_create(username=demo.username)
        user.role = demo.role
        user.agency = Agency.objects.get(code=demo.agency_code) if demo.agency_code else None
        user.region = Region.objects.get(code=demo.region_code) if demo.region_code else None
        user.all_regions = demo.all_regions
        user.is_superuser = demo.superuser
        user.is_staff = demo.superuser
        user.first_name = demo.description
        user.password = hashed  # make_password: what set_password stores
        user.save()
    return DEMO_USERS
