"""Deleting a user never blanks «who» in a history.

Every journal's user (the measure history, sub-steps, monthly reports, cascades and their
progress, roadmap versions, monitoring uploads and rosters, baselines, index facts and
files, week approvals, acknowledged alerts, admin imports, subscriptions' authors) was
`on_delete=SET_NULL`: deleting the user in the admin left «—» where the history said who.
A user with history is now protected (`on_delete=PROTECT`): the admin's delete page says
why and offers to deactivate the account instead (no 500 from `ProtectedError`); a user
without history is still deleted as before.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import models
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.models import Agency, User
from roadmaps.models import Measure
from roadmaps.services.measures import measure_set_status
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 10, 1)


@pytest.fixture
def site_admin(personas):
    user = personas.admin
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@pytest.fixture
def author(seeded):
    """A ministry employee who changed measure 3.1 of Sverdlovsk."""
    user = make_user(
        "staff",
        agency=Agency.objects.get(code="so-minobr"),
        first_name="Ирина",
        last_name="Петрова",
    )
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1")
    measure_set_status(
        measure=measure,
        status="in_progress",
        actor=user,
        comment="Начали работу",
        expected_version=measure.version,
        today=TODAY,
    )
    return user


def _measure():
    return Measure.objects.get(roadmap__code="sverdlovsk-2025", number="3.1")


def _history_shows_the_author(personas, client) -> None:
    measure = _measure()
    client.force_login(personas.coordinator)
    page = client.get(measure.get_absolute_url()).content.decode()
    assert "Петрова" in page and "Начали работу" in page
    api = APIClient()
    api.force_authenticate(personas.coordinator)
    rows = api.get(f"/api/v1/measures/{measure.pk}/history/").json()["results"]
    entry = next(row for row in rows if row["comment"] == "Начали работу")
    assert entry["actor"] and "Петрова" in entry["actor"]


def test_every_journal_keeps_its_user(seeded):
    """No history row of any app loses its user when the user goes: none is SET_NULL."""
    set_null = [
        f"{rel.related_model._meta.label}.{rel.field.name}"
        for rel in User._meta.related_objects
        if rel.on_delete is models.SET_NULL
    ]
    assert set_null == []


def test_deleting_a_user_with_history_from_the_admin_is_refused_and_offers_deactivation(
    client, personas, site_admin, author
):
    client.force_login(site_admin)
    url = reverse("admin:agencies_user_delete", args=[author.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "нельзя удалить" in html
    assert "история мероприятий: 1" in html  # the journals that name the user, counted
    assert 'value="deactivate_users"' in html and "Деактивировать" in html
    # confirming the deletion anyway (a hand-made POST) deletes nothing and is not a 500
    response = client.post(url, {"post": "yes"})
    assert response.status_code in (200, 403)
    assert User.objects.filter(pk=author.pk).exists()
    _history_shows_the_author(personas, client)


def test_the_admin_bulk_delete_of_users_with_history_is_refused_too(
    client, personas, site_admin, author
):
    client.force_login(site_admin)
    response = client.post(
        reverse("admin:agencies_user_changelist"),
        {"action": "delete_selected", "_selected_action": [author.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert User.objects.filter(pk=author.pk).exists()
    _history_shows_the_author(personas, client)


def test_the_admin_deactivates_instead(client, personas, site_admin, author):
    """The «Деактивировать» button of the delete page posts the changelist action."""
    client.force_login(site_admin)
    response = client.post(
        reverse("admin:agencies_user_changelist"),
        {"action": "deactivate_users", "_selected_action": [author.pk]},
    )
    assert response.status_code == 302
    author.refresh_from_db()
    assert not author.is_active
    assert not ModelBackend().user_can_authenticate(author)  # cannot sign in any more
    _history_shows_the_author(personas, client)


def test_a_user_without_history_is_still_deleted(client, site_admin):
    nobody = make_user("staff", agency=Agency.objects.get(code="so-minobr"))
    client.force_login(site_admin)
    url = reverse("admin:agencies_user_delete", args=[nobody.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=nobody.pk).exists()


def test_deleting_in_code_is_refused_too(author):
    with pytest.raises(ProtectedError):
        author.delete()


def test_the_admin_log_counts_as_history(client, personas, site_admin):
    """Django's admin log is cascaded with its user by Django: an administrator who changed
    something in the admin is not deleted from the admin either."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    editor = make_user("admin")
    LogEntry.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Agency),
        object_id="1",
        object_repr="орган",
        action_flag=CHANGE,
    )
    client.force_login(site_admin)
    url = reverse("admin:agencies_user_delete", args=[editor.pk])
    assert "Деактивировать" in client.get(url).content.decode()
    client.post(url, {"post": "yes"})
    assert User.objects.filter(pk=editor.pk).exists()
    assert LogEntry.objects.filter(user=editor).exists()
