"""`import_monitoring` exit codes and summaries."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from indicators.models import MonitoringRow
from tests.indicators.conftest import csv_bytes, row


def test_import_prints_summary(seeded, tmp_path, capsys):
    path = tmp_path / "week.csv"
    path.write_bytes(csv_bytes([row("ORG1"), row("ORG2")]))
    call_command("import_monitoring", str(path), "--region", "66")
    out = capsys.readouterr().out
    assert "Строк прочитано: 2, создано: 2, обновлено: 0, без изменений: 0, пропущено: 0" in out
    call_command("import_monitoring", str(path), "--region", "66")
    assert "уже загружен" in capsys.readouterr().out
    assert MonitoringRow.objects.count() == 2


def test_dry_run_writes_nothing(seeded, tmp_path, capsys):
    path = tmp_path / "week.csv"
    path.write_bytes(csv_bytes([row("ORG1")]))
    call_command("import_monitoring", str(path), "--dry-run")
    assert "создано: 1" in capsys.readouterr().out
    assert not MonitoringRow.objects.exists()


def test_refused_file_raises_command_error_with_reasons(seeded, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row("ORG1"), row("ORG2", region="50")]))
    with pytest.raises(CommandError) as info:
        call_command("import_monitoring", str(path), "--region", "66")
    assert "Строка 3, столбец «Код региона»" in str(info.value)
    assert not MonitoringRow.objects.exists()


def test_user_scope_applies(seeded, tmp_path, personas):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row("ORG2", region="50")]))
    with pytest.raises(CommandError, match="вне области загрузки"):
        call_command("import_monitoring", str(path), "--user", personas.coordinator.username)


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory, django_db_setup, django_db_blocker):
    """A throwaway SQLite database for running the real command line: a copy of the migrated
    and seeded test database when that is SQLite (saves a migrate in a subprocess), else
    made by `migrate` and `load_seeds`."""
    from django.conf import settings
    from django.db import connection

    base = tmp_path_factory.mktemp("cli")
    env = {
        "DB_SQLITE_PATH": str(base / "db.sqlite3"),
        "VAR_DIR": str(base / "var"),
        "PATH": "/usr/bin:/bin",
        "DEBUG": "true",  # the development secret key is accepted only then
    }
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    if connection.vendor == "sqlite":
        import sqlite3

        with django_db_blocker.unblock():
            from agencies.models import Region
            from indicators.services.seeds import seeds_load

            if not Region.objects.filter(code="66").exists():
                seeds_load()  # an earlier transactional test flushed the shared database
            connection.ensure_connection()
            target = sqlite3.connect(env["DB_SQLITE_PATH"])
            connection.connection.backup(target)
            target.close()
        return env, manage, base
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=settings.BASE_DIR)
    subprocess.run(
        [*manage, "load_seeds"], env=env, check=True, capture_output=True, cwd=settings.BASE_DIR
    )
    return env, manage, base


@pytest.mark.parametrize(
    ("args", "code"),
    [(["--region", "66"], 0), (["--region", "50"], 1), (["--region", "zz"], 1)],
)
def test_exit_codes_without_traceback(cli_env, args, code):
    env, manage, base = cli_env
    path = base / f"week-{code}-{args[1]}.csv"
    path.write_bytes(csv_bytes([row(f"CLI{args[1]}")]))
    result = subprocess.run(
        [*manage, "import_monitoring", str(path), *args], env=env, capture_output=True, text=True
    )
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    if code:
        assert result.stderr.strip()
    else:
        assert "создано: 1" in result.stdout
