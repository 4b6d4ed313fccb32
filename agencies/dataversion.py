"""The data version: what keeps cached page data from ever outliving a write.

The region dashboard, the country overview and the index ranking are cached (Redis, the
`default` cache) under keys that carry a *data version*: a random token per region
(scope ``r<id>``) and one for the country (scope ``all``), stored in the database
(`agencies.models.DataVersion`), so a Redis flush or eviction can only cost a miss, never
serve old figures. Every write that changes those pages calls `bump`:

- `bump(region_ids=[...])`: those regions and the country (a region's figures are also in
  the ranking and the overview);
- `bump(everything=True)`: every region and the country (methodology, stage targets,
  reference data, admin edits: each `LogEntry` saved, and the admin's bulk delete, which logs
  in bulk, through `agencies.admin.delete_selected`); and every `migrate`, run at each
  deployment (`bump_after_migrate`): a new release may compute the figures otherwise.

A bump inside a transaction is applied when it commits (`transaction.on_commit`, one
UPDATE per transaction whatever the number of calls, no row lock held during the transaction, so
concurrent imports and status changes never wait on one another); a rolled-back write
bumps nothing. Outside a transaction it is applied at once. A reader that read a token
before the commit may still store data under it afterwards, but no one reads that key
again: the next request reads the new token.

Cached values are per region or national data only: whoever reads them applies the
user's scope afterwards (never cache one user's view for another).

Besides the data, the values depend on the dates in their keys and on a few settings
(`JUDGING_SETTINGS`: which week is complete, when data are stale, the trend's window).
The cache outlives the processes, so a deploy that changes one of them would read values
judged by the old one: every key carries their fingerprint (`cached`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction

from .models import DataVersion

T = TypeVar("T")
NATIONAL = "all"

# The settings the cached values are judged by (read where they are used: indicators.coverage,
# indicators.staleness, reports.dashboards.trend). A setting read by a cached computation
# belongs here: the season's start decides when a region without any week goes stale.
JUDGING_SETTINGS = (
    "MONITORING_MIN_COVERAGE",
    "MONITORING_STALE_DAYS",
    "MONITORING_SEASON_START",
    "ALERT_TREND_WEEKS",
)


def region_scope(region_id: int) -> str:
    return f"r{region_id}"


def _new_token() -> str:
    return secrets.token_hex(8)


def cache_seconds() -> int:
    """How long cached page data live at most (`PAGE_CACHE_SECONDS`; 0 = no cache)."""
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0))


def tokens(scopes: Iterable[str]) -> dict[str, str]:
    """The current token of each scope, in one query; a scope never bumped gets its row
    (and a fresh token) here, so data cached before it existed can never match."""
    wanted = sorted(set(scopes))
    found = dict(DataVersion.objects.filter(scope__in=wanted).values_list("scope", "token"))
    missing = [s for s in wanted if s not in found]
    if missing:
        try:
            with transaction.atomic():
                DataVersion.objects.bulk_create(
                    [DataVersion(scope=s, token=_new_token()) for s in missing],
                    ignore_conflicts=True,
                )
        except IntegrityError:  # pragma: no cover - raced with another first reader
            pass
        found = dict(DataVersion.objects.filter(scope__in=wanted).values_list("scope", "token"))
    return found


def region_token(region_id: int) -> str:
    return tokens([region_scope(region_id)])[region_scope(region_id)]


def national_token() -> str:
    return tokens([NATIONAL])[NATIONAL]


def _apply(region_ids: set[int], everything: bool) -> None:
    token = _new_token()
    if everything:
        DataVersion.objects.update(token=token)
        scopes = [NATIONAL]
    else:
        scopes = [NATIONAL, *(region_scope(i) for i in sorted(region_ids))]
        DataVersion.objects.filter(scope__in=scopes).update(token=token)
    # scopes without a row yet: created with the new token (a reader creates them too)
    DataVersion.objects.bulk_create(
        [DataVersion(scope=s, token=token) for s in scopes], ignore_conflicts=True
    )


class _Batch:
    """The bumps of one transaction: every bump registers `apply` at commit; the first call
    applies them all, the others do nothing (one UPDATE a transaction)."""

    def __init__(self) -> None:
        self.region_ids: set[int] = set()
        self.everything = False
        self.applied = False

    def apply(self) -> None:
        if not self.applied:
            self.applied = True
            _apply(self.region_ids, self.everything)


def bump(*, region_ids: Iterable[int | None] = (), everything: bool = False) -> None:
    """The figures of these regions (and so the country's) changed; `everything`: all of
    them. Applied after the current transaction commits, or now outside one."""
    ids = {i for i in region_ids if i is not None}
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _apply(ids, everything)
        return
    batch = getattr(connection, "_dataversion_batch", None)
    if batch is None or batch.applied:
        batch = _Batch()
        connection._dataversion_batch = batch
    batch.region_ids |= ids
    batch.everything = batch.everything or everything
    # registered each time: a savepoint rolled back drops only its own registrations
    transaction.on_commit(batch.apply)


def bump_after_admin_edit(sender, instance, created: bool, **kwargs) -> None:
    """`post_save` of `django.contrib.admin.models.LogEntry`: the admin changed something."""
    if created:
        bump(everything=True)


def bump_after_migrate(sender, using: str = "default", apps: Any = None, **kwargs) -> None:
    """`post_migrate` of this app: every deployment runs `migrate`, and a release may
    compute the cached figures differently, so every data version moves (one UPDATE; the
    cached data of the previous release are never read again). The historical model:
    nothing to move when the run unapplied the table."""
    try:
        model = apps.get_model("agencies", "DataVersion") if apps is not None else DataVersion
    except LookupError:
        return
    model.objects.using(using).update(token=_new_token())


def settings_fingerprint() -> str:
    """What `JUDGING_SETTINGS` are in this process, in a few characters."""
    values = repr([(name, getattr(settings, name, None)) for name in JUDGING_SETTINGS])
    return hashlib.blake2b(values.encode(), digest_size=4).hexdigest()


def cached(key: Callable[[], str], compute: Callable[[], T]) -> T:
    """`compute()` cached under `key()` for `cache_seconds()`; with the cache off neither
    the key (its version reads) nor the cache is touched. The key must carry the data
    version(s) and the dates the value depends on; the settings it is judged by are added
    here; the value must not depend on the user."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute()
    full_key = f"pages:{settings_fingerprint()}:{key()}"
    value: Any = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, seconds)
    return value
