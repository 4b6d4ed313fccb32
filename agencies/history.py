"""A user's history: the journals that say who did something («кто»).

The rule: a history never loses who. Every journal's user foreign key is
`on_delete=PROTECT` (the measure history, sub-steps, monthly reports, cascades and their
progress, roadmap versions, monitoring uploads and rosters, baselines, index facts and
files, week approvals and their events, acknowledged alerts, admin imports, the author of a
subscription), so a user who appears in any of them cannot be deleted: the account is
deactivated instead (`services.user_deactivate`; it cannot sign in, its API tokens stop
working, and every page, API answer and export keeps showing its name). A user without
history is deleted as before. The journals are found from the model graph (every PROTECT
relation to `User`), so a new journal is covered the day its foreign key is declared so
(`tests/agencies/test_user_history_kept.py` fails on a `SET_NULL` one). Django's own
admin log (`LogEntry`, whose user key Django declares CASCADE) counts as history too: the
admin refuses to delete a user who edited anything there.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.admin.models import LogEntry
from django.db import models
from django.db.models.fields.reverse_related import ForeignObjectRel

from .models import User


def history_relations() -> list[ForeignObjectRel]:
    """Every journal's relation to its user: the PROTECT foreign keys to `User`."""
    return [rel for rel in User._meta.related_objects if rel.on_delete is models.PROTECT]


def user_history(users: Iterable[User]) -> list[tuple[str, int]]:
    """(journal's name, rows) of every journal naming one of `users`, the empty ones left
    out: one COUNT per journal, whatever the number of rows (the admin's delete page lists
    these counts instead of every protected row)."""
    ids = [user.pk for user in users]
    found: dict[str, int] = {}
    for rel in history_relations():
        model = rel.field.model  # the journal (the model holding the foreign key)
        count = model._base_manager.filter(**{f"{rel.field.name}__in": ids}).count()
        if count:
            name = str(model._meta.verbose_name_plural)
            found[name] = found.get(name, 0) + count
    logged = LogEntry.objects.filter(user_id__in=ids).count()
    if logged:
        found[str(LogEntry._meta.verbose_name_plural)] = logged
    return sorted(found.items())
