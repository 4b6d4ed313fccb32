"""Login: public Russian page; failures limited per account and per address (django-axes,
records in the database); every login, failure, logout and lockout kept and shown to the
administrators, never a password."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

WRONG = "wrong-secret-Пароль-7"


def _post(client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_login_page_is_public_and_russian(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Вход в портал" in response.content.decode()


def test_login_and_landing(client, personas):
    personas.coordinator.set_password("secret-pass-1")
    personas.coordinator.save()
    response = _post(client, personas.coordinator.username, "secret-pass-1")
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_failures_from_one_address_lock_it(client, personas, settings):
    settings.AXES_FAILURE_LIMIT = 3
    username = personas.coordinator.username
    for _ in range(2):
        assert _post(client, username, WRONG).status_code == 200
    response = _post(client, username, WRONG)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Слишком много неудачных попыток" in body
    assert reverse("login") in body  # a way back
    personas.coordinator.set_password("right-pass-9")
    personas.coordinator.save()
    assert _post(client, username, "right-pass-9").status_code == 429
    # the address is locked for other accounts too
    personas.analyst.set_password("right-pass-9")
    personas.analyst.save()
    assert _post(client, personas.analyst.username, "right-pass-9").status_code == 429


def test_25_addresses_times_5_wrong_passwords_lock_the_account(client, personas):
    user = personas.coordinator
    user.set_password("right-pass-9")
    user.save()
    statuses = set()
    for address in range(25):
        for _ in range(5):
            statuses.add(_post(client, user.username, WRONG, ip=f"10.1.0.{address}").status_code)
    assert 429 in statuses
    # the right password from a fresh address: still locked
    response = _post(client, user.username, "right-pass-9", ip="10.2.0.1")
    assert response.status_code == 429
    # the fresh address itself is not locked: another account logs in from it
    personas.analyst.set_password("other-pass-3")
    personas.analyst.save()
    assert (
        _post(client, personas.analyst.username, "other-pass-3", ip="10.2.0.1").status_code == 302
    )


def test_lockout_works_with_the_cache_down(client, personas, settings):
    settings.AXES_FAILURE_LIMIT = 2
    broken = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
        }
    }
    with override_settings(CACHES=broken):
        assert _post(client, personas.coordinator.username, WRONG).status_code == 200
        assert _post(client, personas.coordinator.username, WRONG).status_code == 429


def test_logins_failures_logouts_and_lockouts_are_recorded_without_passwords(
    client, personas, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    user = personas.coordinator
    user.set_password("right-pass-9")
    user.save()
    assert _post(client, user.username, "right-pass-9").status_code == 302
    client.post(reverse("logout"))
    _post(client, personas.analyst.username, WRONG, ip="10.3.0.1")
    _post(client, personas.analyst.username, WRONG, ip="10.3.0.1")

    login = AccessLog.objects.get(username=user.username)
    assert login.logout_time is not None
    failures = AccessFailureLog.objects.filter(username=personas.analyst.username)
    assert failures.count() == 2
    assert failures.filter(locked_out=True).exists()
    for attempt in AccessAttempt.objects.all():
        assert WRONG not in attempt.post_data and "right-pass-9" not in attempt.post_data

    admin = personas.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    for url in ("admin:axes_accesslog_changelist", "admin:axes_accessfailurelog_changelist"):
        page = client.get(reverse(url)).content.decode()
        assert personas.analyst.username in page or user.username in page
        assert WRONG not in page


def test_healthz_is_public(client, db):
    assert client.get("/healthz").content == b"ok"


def test_login_page_is_the_only_open_page(client, seeded):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("roadmaps:measure-list")).status_code == 302


def test_logging_into_ones_own_account_does_not_forgive_failures_on_another(client, personas):
    victim, attacker = personas.coordinator, personas.analyst
    attacker.set_password("own-pass-5")
    attacker.save()
    for _ in range(3):
        for _ in range(4):
            _post(client, victim.username, WRONG, ip="10.4.0.1")
        client.logout()
        _post(client, attacker.username, "own-pass-5", ip="10.4.0.1")
        client.logout()
    victim.set_password("right-pass-9")
    victim.save()
    assert _post(client, victim.username, "right-pass-9", ip="10.5.0.1").status_code == 429


def test_a_successful_login_forgives_the_accounts_own_typos(client, personas):
    user = personas.coordinator
    user.set_password("right-pass-9")
    user.save()
    for _ in range(4):
        _post(client, user.username, WRONG)
    assert _post(client, user.username, "right-pass-9").status_code == 302
    client.logout()
    for _ in range(4):
        assert _post(client, user.username, WRONG).status_code == 200


def test_behind_a_proxy_the_clients_address_counts(client, personas, settings):
    settings.LOGIN_CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(6):  # six clients behind one proxy, one failure each: nobody locked
        response = client.post(
            reverse("login"),
            {"username": f"nobody{n}", "password": WRONG},
            REMOTE_ADDR="192.168.0.1",
            HTTP_X_FORWARDED_FOR=f"1.1.1.1, 10.9.0.{n}",  # the first entry is the client's claim
        )
        assert response.status_code == 200
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        f"10.9.0.{n}" for n in range(6)
    }
