"""The alert centre: scoping, permission matrix, filters, acknowledgement, navigation."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Region
from alerts.choices import AlertKind, Severity
from alerts.models import Alert, NotificationOptOut
from alerts.services import alerts_sync

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 1)


@pytest.fixture
def alerts(personas):
    for code in ("66", "50"):
        alerts_sync(region=Region.objects.get(code=code), on_date=TODAY)
    overdue = Alert.objects.open().filter(kind=AlertKind.MEASURE_OVERDUE)
    return {
        # 3.1: Ministry of Education alone; 1.6: the Department of information policy alone
        "own": overdue.get(measure__roadmap__code="sverdlovsk-2025", measure__number="3.1"),
        "other_agency": overdue.get(
            measure__roadmap__code="sverdlovsk-2025", measure__number="1.6"
        ),
        "other_region": overdue.get(
            measure__roadmap__code="moscow-oblast-2025", measure__number="1"
        ),
    }


def _ack_url(alert):
    return reverse("alerts:alert-acknowledge", args=[alert.pk])


@pytest.mark.parametrize(
    "persona",
    ["ministry_user", "other_agency_user", "coordinator", "analyst", "admin", "outsider"],
)
def test_list_open_to_every_role(persona_client, alerts, persona):
    response = persona_client(persona).get(reverse("alerts:alert-list"))
    assert response.status_code == 200


def test_list_requires_login(client, seeded):
    response = client.get(reverse("alerts:alert-list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("persona", "target", "code"),
    [
        ("ministry_user", "own", 200),
        ("ministry_user", "other_agency", 200),
        ("ministry_user", "other_region", 404),
        ("other_agency_user", "own", 200),
        ("coordinator", "own", 200),
        ("coordinator", "other_region", 404),
        ("analyst", "own", 200),
        ("analyst", "other_region", 200),
        ("admin", "other_region", 200),
        ("outsider", "own", 404),
        ("outsider", "other_region", 200),
    ],
)
def test_detail_matrix(persona_client, alerts, persona, target, code):
    response = persona_client(persona).get(alerts[target].get_absolute_url())
    assert response.status_code == code


@pytest.mark.parametrize(
    ("persona", "target", "code"),
    [
        ("ministry_user", "own", 302),
        ("ministry_user", "other_agency", 403),  # visible in the region, not its measure
        ("ministry_user", "other_region", 404),
        ("other_agency_user", "own", 403),
        ("other_agency_user", "other_agency", 302),
        ("coordinator", "own", 302),
        ("coordinator", "other_agency", 302),
        ("coordinator", "other_region", 404),
        ("analyst", "own", 403),  # sees everything, acts on nothing
        ("analyst", "other_region", 403),
        ("admin", "own", 302),
        ("admin", "other_region", 302),
        ("outsider", "own", 404),
        ("outsider", "other_region", 302),
    ],
)
def test_acknowledge_matrix(persona_client, personas, alerts, persona, target, code):
    alert = alerts[target]
    response = persona_client(persona).post(_ack_url(alert), {"comment": "Работаем, срок 10.11"})
    assert response.status_code == code
    alert.refresh_from_db()
    if code == 302:
        assert alert.acknowledged_by == getattr(personas, persona)
        assert alert.ack_comment == "Работаем, срок 10.11"
        assert alert.acknowledged_at is not None
        assert alert.resolved_at is None  # acknowledging does not close the cause
    else:
        assert alert.acknowledged_at is None


def test_acknowledge_get_is_405_and_empty_comment_refused(persona_client, alerts):
    client = persona_client("ministry_user")
    assert client.get(_ack_url(alerts["own"])).status_code == 405
    response = client.post(_ack_url(alerts["own"]), {"comment": "  "})
    assert response.status_code == 400
    assert "Напишите комментарий" in response.content.decode()
    alerts["own"].refresh_from_db()
    assert alerts["own"].acknowledged_at is None


def test_acknowledge_needs_csrf(personas, alerts):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.coordinator)
    response = client.post(_ack_url(alerts["own"]), {"comment": "ok"})
    assert response.status_code == 403
    page = client.get(alerts["own"].get_absolute_url())
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    token = page.cookies["csrftoken"].value
    response = client.post(_ack_url(alerts["own"]), {"comment": "ok", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_detail_shows_form_only_to_those_who_may_acknowledge(persona_client, alerts):
    html = persona_client("analyst").get(alerts["own"].get_absolute_url()).content.decode()
    assert "Принять к сведению" not in html
    html = persona_client("ministry_user").get(alerts["own"].get_absolute_url()).content.decode()
    assert "Принять к сведению с комментарием" in html
    days = alerts["own"].days_overdue()  # 3.1 was due 30.09.2025: counted on display
    assert f"{days} дн." in html and "Просрочка" in html


def test_my_alerts_and_my_region(persona_client, personas, alerts):
    client = persona_client("ministry_user")
    response = client.get(reverse("alerts:alert-list"), {"scope": "mine", "state": "open"})
    ids = {a.pk for a in response.context["page"]}
    assert alerts["own"].pk in ids and alerts["other_agency"].pk not in ids
    assert all(a.region.code == "66" for a in response.context["page"])
    counts = response.context["counts"]
    assert 0 < counts["mine"] < counts["region"] == counts["total"]

    response = persona_client("coordinator").get(reverse("alerts:alert-list"), {"scope": "region"})
    regions = {a.region.code for a in response.context["page"]}
    assert regions == {"66"}
    assert response.context["counts"]["mine"] == 0

    response = persona_client("outsider").get(reverse("alerts:alert-list"))
    assert {a.region.code for a in response.context["page"]} == {"50"}
    assert alerts["own"].message not in response.content.decode()


def test_filters_kind_severity_state(persona_client, alerts):
    client = persona_client("analyst")
    response = client.get(
        reverse("alerts:alert-list"),
        {"kind": AlertKind.MEASURE_OVERDUE, "severity": Severity.HIGH, "state": "open"},
    )
    page = list(response.context["page"])
    assert page and all(
        a.kind == AlertKind.MEASURE_OVERDUE and a.severity == Severity.HIGH and a.is_open
        for a in page
    )
    alerts["own"].resolved_at = alerts["own"].opened_at
    alerts["own"].save()
    response = client.get(reverse("alerts:alert-list"), {"state": "closed"})
    assert [a.pk for a in response.context["page"]] == [alerts["own"].pk]
    assert "закрыто" in response.content.decode()
    # the default view shows open alerts only
    response = client.get(reverse("alerts:alert-list"))
    assert alerts["own"].pk not in {a.pk for a in response.context["page"]}


def test_bad_filter_value_is_reported(persona_client, alerts):
    """A filter value that cannot be read is the 400 page naming it, never the whole list
    (roadmap_portal.filtersets, as every list of the portal)."""
    response = persona_client("analyst").get(reverse("alerts:alert-list"), {"kind": "nope"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Параметр «kind»: значение «nope» не принято" in text
    assert AlertKind.MEASURE_OVERDUE.value in text  # what is accepted
    assert 'data-testid="error-page"' in text and 'data-testid="count-total"' not in text


def test_region_filter_out_of_scope_refused(persona_client, alerts):
    moscow = Region.objects.get(code="50")
    response = persona_client("coordinator").get(
        reverse("alerts:alert-list"), {"region": moscow.pk}
    )
    missing = persona_client("coordinator").get(reverse("alerts:alert-list"), {"region": 10**9})
    # the same refusal as an id no region has: the answer does not tell which exist
    assert response.status_code == missing.status_code == 400

    def error_section(answer, pk):
        text = answer.content.decode().replace(str(pk), "X")
        return re.search(r'<section[^>]*data-testid="error-page".*?</section>', text, re.S)[0]

    assert error_section(response, moscow.pk) == error_section(missing, 10**9)


def test_list_queries_do_not_grow(persona_client, alerts, django_assert_max_num_queries):
    client = persona_client("analyst")
    with django_assert_max_num_queries(12) as few:
        response = client.get(reverse("alerts:alert-list"), {"kind": AlertKind.REPORT_MISSING})
    assert len(response.context["page"]) == 3
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("alerts:alert-list"))
    assert len(response.context["page"]) > 30


def test_nav_shows_open_count(persona_client, alerts, django_assert_max_num_queries):
    client = persona_client("coordinator")
    response = client.get(reverse("roadmaps:measure-list"))
    expected = Alert.objects.open().filter(region__code="66").count()
    assert response.context["open_alert_count"] == expected
    assert f'data-testid="nav-alert-count">{expected}<' in response.content.decode()
    html = persona_client("outsider").get(reverse("alerts:alert-list")).content.decode()
    count = Alert.objects.open().filter(region__code="50").count()
    assert f'data-testid="nav-alert-count">{count}<' in html


def test_preferences_opt_out(persona_client, personas):
    client = persona_client("coordinator")
    url = reverse("alerts:preferences")
    response = client.get(url)
    assert response.status_code == 200
    assert "Мероприятие просрочено" in response.content.decode()
    wanted = [k for k in AlertKind.values if k != AlertKind.MEASURE_DUE_SOON]
    response = client.post(url, {"kinds": wanted})
    assert response.status_code == 302
    assert list(
        NotificationOptOut.objects.filter(user=personas.coordinator).values_list("kind", flat=True)
    ) == [AlertKind.MEASURE_DUE_SOON]
    client.post(url, {"kinds": AlertKind.values})
    assert not NotificationOptOut.objects.filter(user=personas.coordinator).exists()
    response = client.post(url, {"kinds": ["bogus"]})
    assert response.status_code == 200
    assert "bogus" in response.content.decode()  # Django's «Выберите корректный вариант»
    assert not NotificationOptOut.objects.filter(user=personas.coordinator).exists()
