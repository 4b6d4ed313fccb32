"""The subscription pages: the permission matrix per persona, forms, CSRF, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Region
from alerts.models import MaxChannel
from reports.models import ReportSubscription
from reports.subscriptions import services

pytestmark = pytest.mark.django_db

LIST = reverse("reports:subscription-list")
CREATE = reverse("reports:subscription-create")
LIST_CREATE = reverse("reports:mailing-list-create")


def form(**overrides) -> dict:
    return {
        "kind": "roadmap_status", "region": "66", "fmt": "xlsx", "frequency": "weekly",
        "weekday": "0", "hour": "9", "by_email": "on", **overrides,
    }  # fmt: skip


def list_form(**overrides) -> dict:
    return {
        f"list-{k}": v for k, v in {**form(address="office@minobr.example"), **overrides}.items()
    }


@pytest.fixture
def with_email(personas):
    for user in (personas.coordinator, personas.analyst, personas.admin, personas.outsider):
        user.email = f"{user.username}@example.org"
        user.save()
    return personas


def own(user, **fields) -> ReportSubscription:
    values = {
        "kind": "roadmap_status", "fmt": "xlsx", "region": Region.objects.get(code="66"),
        "frequency": "weekly", "weekday": 0, "hour": 9, "by_email": True, **fields,
    }  # fmt: skip
    return services.subscription_create(owner=user, created_by=user, **values)


def mailing_list(admin) -> ReportSubscription:
    return services.subscription_create(
        address="office@minobr.example", created_by=admin, kind="roadmap_status", fmt="xlsx",
        region=Region.objects.get(code="66"), frequency="monthly", day_of_month=31, hour=8,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("analyst", 200),
        ("coordinator", 200),
        ("outsider", 200),
        ("admin", 200),
        ("ministry_user", 403),
        ("other_agency_user", 403),
        ("anonymous", 302),
    ],
)
def test_list_access(persona_client, persona, code):
    assert persona_client(persona).get(LIST).status_code == code


@pytest.mark.parametrize(
    ("persona", "region", "code"),
    [
        ("coordinator", "66", 302),
        ("analyst", "50", 302),
        ("admin", "66", 302),
        ("outsider", "66", 404),  # Sverdlovsk is out of a Moscow coordinator's scope
        ("outsider", "50", 302),
        ("ministry_user", "66", 403),
        ("other_agency_user", "66", 403),
        ("anonymous", "66", 302),
    ],
)
def test_create_access(persona_client, with_email, persona, region, code):
    response = persona_client(persona).post(CREATE, form(region=region))
    assert response.status_code == code
    created = ReportSubscription.objects.filter(region__code=region)
    if code == 302 and persona != "anonymous":
        subscription = created.get()
        assert subscription.owner == getattr(with_email, persona)
        assert subscription.schedule_text == "еженедельно, понедельник, 09:00"
    else:
        assert not created.exists()


@pytest.mark.parametrize(
    ("persona", "code"),
    [("admin", 302), ("analyst", 403), ("coordinator", 403), ("ministry_user", 403)],
)
def test_mailing_list_create_is_for_administrators(persona_client, with_email, persona, code):
    assert persona_client(persona).post(LIST_CREATE, list_form()).status_code == code
    assert ReportSubscription.objects.filter(owner__isnull=True).exists() == (code == 302)


@pytest.mark.parametrize(
    ("persona", "own_code", "other_code", "list_code"),
    [
        ("coordinator", 200, 404, 404),
        ("analyst", 404, 200, 404),
        ("admin", 404, 404, 200),
        ("outsider", 404, 404, 404),
        ("ministry_user", 403, 403, 403),
    ],
)
def test_detail_pause_delete_only_ones_own(
    persona_client, with_email, persona, own_code, other_code, list_code
):
    mine = own(with_email.coordinator)
    theirs = own(with_email.analyst, region=None)
    office = mailing_list(with_email.admin)
    client = persona_client(persona)
    for subscription, code in ((mine, own_code), (theirs, other_code), (office, list_code)):
        detail = reverse("reports:subscription-detail", args=[subscription.pk])
        assert client.get(detail).status_code == code
        pause = reverse("reports:subscription-pause", args=[subscription.pk])
        assert client.get(pause).status_code == 405
        assert client.post(pause, {"paused": "1"}).status_code == (302 if code == 200 else code)
        subscription.refresh_from_db()
        assert subscription.is_paused == (code == 200)
        delete = reverse("reports:subscription-delete", args=[subscription.pk])
        assert client.post(delete).status_code == (302 if code == 200 else code)
        assert ReportSubscription.objects.filter(pk=subscription.pk).exists() == (code != 200)


def test_resume_and_list_page(persona_client, with_email, django_assert_max_num_queries):
    for n in range(5):
        own(with_email.admin, hour=n, region=None if n % 2 else Region.objects.get(code="66"))
    mailing_list(with_email.admin)
    client = persona_client("admin")
    with django_assert_max_num_queries(12):
        html = client.get(LIST).content.decode()
    assert "Рассылки на адреса" in html and "office@minobr.example" in html
    assert "ежемесячно, 31-го числа, 08:00" in html and "(Asia/Yekaterinburg)" in html
    subscription = ReportSubscription.objects.filter(owner=with_email.admin).first()
    pause = reverse("reports:subscription-pause", args=[subscription.pk])
    client.post(pause, {"paused": "1"})
    assert "Возобновить" in client.get(LIST).content.decode()
    before = subscription.active_since
    client.post(pause, {"paused": "0"})
    subscription.refresh_from_db()
    assert not subscription.is_paused and subscription.active_since > before


def test_non_admins_are_not_offered_mailing_lists(persona_client):
    html = persona_client("analyst").get(LIST).content.decode()
    assert "Рассылка на адрес" not in html and 'data-testid="subscription-form"' in html
    assert 'value="50"' in html
    html = persona_client("coordinator").get(LIST).content.decode()
    assert 'value="66"' in html and 'value="50"' not in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (form(kind="indicators", region=""), "region", "Для этого отчёта выберите субъект РФ."),
        (form(kind="indicators", fmt="pdf"), "fmt", "PDF формируется только для отчётов"),
        (form(frequency="monthly", day_of_month=""), "day_of_month", "Выберите число месяца."),
        (form(by_email=""), "by_email", "Выберите, куда присылать отчёт"),
        (form(by_max="on"), "by_max", "У вас не подключён канал MAX"),
        (form(hour="24"), "hour", "Выберите корректный вариант"),
    ],
)
def test_form_errors_in_russian(persona_client, with_email, data, field, message):
    response = persona_client("analyst").post(CREATE, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReportSubscription.objects.exists()


def test_no_email_address_and_max_channel(persona_client, personas, settings):
    client = persona_client("coordinator")  # no e-mail address
    response = client.post(CREATE, form())
    assert response.status_code == 400
    assert "не указан адрес почты" in response.content.decode()
    settings.MAX_BOT_ENABLED, settings.MAX_BOT_API_URL = True, "http://127.0.0.1:9"
    MaxChannel.objects.create(user=personas.coordinator, bot_token="t", chat_id="1", enabled=True)
    assert client.post(CREATE, form(by_email="", by_max="on")).status_code == 302
    subscription = ReportSubscription.objects.get()
    assert subscription.by_max and not subscription.by_email


def test_csrf_is_required(personas, with_email):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.coordinator)
    assert client.post(CREATE, form()).status_code == 403
    assert not ReportSubscription.objects.exists()


@pytest.mark.parametrize(
    ("persona", "subscribe", "lists"),
    [
        ("analyst", True, False),
        ("coordinator", True, False),
        ("admin", True, True),
        ("ministry_user", False, False),
        ("other_agency_user", False, False),
    ],
)
def test_access_predicates(personas, persona, subscribe, lists):
    from agencies import access

    user = getattr(personas, persona)
    assert access.can_subscribe_reports(user) is subscribe
    assert access.can_manage_mailing_lists(user) is lists
    user.is_active = False
    assert not access.can_subscribe_reports(user) and not access.can_manage_mailing_lists(user)


def test_region_reader_sees_its_region_only(seeded):
    from agencies import access
    from roadmaps.models import Measure

    region = Region.objects.get(code="66")
    reader = access.region_reader(region, name="Рассылка office@minobr.example")
    assert reader.pk is None and not access.is_admin(reader)
    assert access.region_scope(reader) == frozenset({region.pk})
    assert access.can_see_region(reader, region.pk)
    assert not access.can_see_region(reader, Region.objects.get(code="50").pk)
    regions = set(
        Measure.objects.visible_to(reader).values_list("roadmap__region__code", flat=True)
    )
    assert regions <= {"66", None}


def test_admin_pages(admin_client, with_email):
    subscription = own(with_email.coordinator)
    services.subscriptions_send(now=subscription.active_since + dt.timedelta(days=8))
    delivery = subscription.deliveries.get()
    for name in ("reportsubscription", "subscriptiondelivery"):
        assert admin_client.get(reverse(f"admin:reports_{name}_changelist")).status_code == 200
    page = admin_client.get(
        reverse("admin:reports_subscriptiondelivery_change", args=[delivery.pk])
    )
    assert page.status_code == 200


def test_the_subscription_form_sent_twice_subscribes_once(persona_client, with_email):
    """A double click on «Подписаться» made two identical subscriptions: the same report
    arrived twice every week. The same active subscription of the same person (or list)
    is created once; a different one (another hour) is its own."""
    client = persona_client("coordinator")
    assert client.post(CREATE, form()).status_code == 302
    assert client.post(CREATE, form()).status_code == 302
    assert ReportSubscription.objects.count() == 1
    client.post(CREATE, form(hour="10"))
    assert ReportSubscription.objects.count() == 2
    admin = persona_client("admin")
    admin.post(LIST_CREATE, list_form())
    admin.post(LIST_CREATE, list_form())
    assert ReportSubscription.objects.filter(owner=None).count() == 1
