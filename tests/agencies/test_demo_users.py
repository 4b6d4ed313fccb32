"""`create_demo_users` (`make run`): one user per role, each able to log in with the
password it prints, and idempotent."""

import pytest
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.core.management import call_command
from django.urls import reverse

from agencies.demo import DEMO_USERS
from agencies.models import User


@pytest.mark.django_db
def test_every_demo_user_logs_in_with_the_printed_password(seeded, client, capsys):
    call_command("create_demo_users")
    printed = capsys.readouterr().out
    call_command("create_demo_users")  # a second run resets, and creates nobody twice
    assert User.objects.filter(username__in=[d.username for d in DEMO_USERS]).count() == len(
        DEMO_USERS
    )
    for demo in DEMO_USERS:
        assert f"{demo.username:<10} {demo.password:<16}" in printed
        user = User.objects.get(username=demo.username)
        assert user.check_password(demo.password)
        # stored as set_password stores it: the configured hasher
        assert identify_hasher(user.password).algorithm == get_hasher().algorithm
        assert user.role == demo.role
        assert (user.region.code if user.region else None) == demo.region_code
        assert (user.agency.code if user.agency else None) == demo.agency_code
        # through the login form, as a person would
        response = client.post(
            reverse("login"), {"username": demo.username, "password": demo.password}
        )
        assert response.status_code == 302, demo.username
        assert client.session.get("_auth_user_id") == str(user.pk)
        client.logout()
    hashes = list(User.objects.filter(username__in=["coord66", "coord50"]).values_list("password"))
    assert len(set(hashes)) == 2
