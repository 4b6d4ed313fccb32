"""The portal's management commands: one base, and no system checks before each run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core import checks
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from agencies.commands import PortalCommand

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


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["66", "066", " 66 "])
def test_a_region_option_is_read_as_files_write_it(code):
    assert PortalCommand.region_option(code).code == "66"


@pytest.mark.django_db
def test_an_unknown_region_option_is_one_russian_message():
    with pytest.raises(CommandError, match="Субъект с кодом «ZZ» не найден."):
        PortalCommand.region_option("ZZ")


@pytest.mark.parametrize("value", ["06.10.2025", "2025-10-06", "06.10.25"])
def test_a_date_option_is_read_as_files_write_it(value):
    assert PortalCommand.date_option(value) == dt.date(2025, 10, 6)


@pytest.mark.parametrize("value", ["31.09.2025", "2025-13-01", "завтра", ""])
def test_a_wrong_date_option_is_one_russian_message(value):
    with pytest.raises(CommandError, match="нужен формат ДД.ММ.ГГГГ или ГГГГ-ММ-ДД"):
        PortalCommand.date_option(value)


@pytest.mark.django_db
def test_recompute_index_takes_a_region_as_files_write_it(capsys):
    """Before, `recompute_index --region 066` said there was no such region."""
    call_command("recompute_index", "--region", "066", "--date", "01.10.2025")
    # Sverdlovsk has neither a fact nor a monitoring week here: no index to store
    assert "Пересчитано субъектов: 0; без данных (индекс не рассчитан): 1;" in (
        capsys.readouterr().out
    )
