"""The portal's management commands: one base, and no system checks before each run."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core import checks
from django.core.management import get_commands, load_command_class

from roadmap_portal.commands import PortalCommand

OUR_APPS = {"agencies", "alerts", "indicators", "reports", "roadmaps"}


def _our_commands() -> list[tuple[str, str]]:
    return sorted(
        (app, name)
        for name, app in get_commands().items()
        if app.rsplit(".", 1)[-1] in OUR_APPS and apps.is_installed(app)
    )


def _as_manage_py_runs(app: str, name: str, *argv: str) -> None:
    """`manage.py NAME ARGV`: the command line's defaults (run_from_argv, which would also
    close the test's database connection)."""
    command = load_command_class(app, name)
    options = vars(command.create_parser("manage.py", name).parse_args(list(argv)))
    command.execute(**options)


def test_every_command_of_the_portal_is_a_portal_command():
    commands = _our_commands()
    assert len(commands) >= 15, commands
    for app, name in commands:
        assert isinstance(load_command_class(app, name), PortalCommand), name


@pytest.mark.django_db
def test_a_data_command_does_not_run_the_system_checks(monkeypatch):
    ran = []
    monkeypatch.setattr(checks, "run_checks", lambda *a, **kw: ran.append(1) or [])
    _as_manage_py_runs("reports", "exports_cleanup", "-v", "0")
    assert ran == []
    # migrate (every deployment, `make run`) still runs them
    _as_manage_py_runs("django.core", "migrate", "-v", "0", "--noinput")
    assert ran
