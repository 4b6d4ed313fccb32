"""Settings read the environment; production mode refuses to start without a secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from roadmap_portal.env import database_from_env

BASE = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DB", "DATABASE", "REDIS"))}
    clean.pop("SECRET_KEY", None)
    clean.pop("DEBUG", None)
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "roadmap_portal.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_without_secret_key_is_a_startup_error():
    result = run_manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_in_production_mode():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-for-the-test-0123456789",
        ALLOWED_HOSTS="portal.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_embedded_default_is_sqlite(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "DB"):
        monkeypatch.delenv(name, raising=False)
    config = database_from_env(tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == tmp_path / "db.sqlite3"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://user:p%40ss@db.local:5433/roadmap",
            {
                "NAME": "roadmap",
                "USER": "user",
                "PASSWORD": "p@ss",
                "HOST": "db.local",
                "PORT": "5433",
            },
        ),
        ("postgresql://postgres@127.0.0.1/roadmap_ci", {"NAME": "roadmap_ci", "PORT": ""}),
    ],
)
def test_database_url(monkeypatch, tmp_path, url, expected):
    monkeypatch.setenv("DATABASE_URL", url)
    config = database_from_env(tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    for key, value in expected.items():
        assert config[key] == value


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////tmp/demo.sqlite3", "/tmp/demo.sqlite3"),
        ("sqlite:///var/bench.sqlite3", "BASE/var/bench.sqlite3"),
    ],
)
def test_sqlite_url(monkeypatch, tmp_path, url, expected):
    monkeypatch.setenv("DATABASE_URL", url)
    config = database_from_env(tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert str(config["NAME"]) == expected.replace("BASE", str(tmp_path))


def test_db_parts(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DB", "postgres")
    monkeypatch.setenv("DB_HOST", "pg")
    monkeypatch.setenv("DB_NAME", "portal")
    config = database_from_env(tmp_path)
    assert (config["HOST"], config["NAME"]) == ("pg", "portal")


def test_env_example_lists_every_variable():
    """Every variable the settings read appears in .env.example."""
    import re

    read = set()
    for path in (BASE / "roadmap_portal" / "settings.py", BASE / "roadmap_portal" / "env.py"):
        read |= set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', path.read_text(encoding="utf-8")))
        read |= set(
            re.findall(r'os\.environ\.get\(\s*"([A-Z_]+)"', path.read_text(encoding="utf-8"))
        )
    read -= {"RUN_CELERY_WORKER"}  # test-only switch, see .ci/run
    example = (BASE / ".env.example").read_text(encoding="utf-8")
    missing = sorted(name for name in read if not re.search(rf"^#?\s*{name}=", example, re.M))
    assert not missing, f"not in .env.example: {missing}"


def test_unset_debug_is_off():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(SECRET_KEY="y" * 60, DJANGO_SETTINGS_MODULE="roadmap_portal.settings")
    for name in [k for k in env if k.startswith(("DB", "DATABASE", "REDIS"))]:
        env.pop(name)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print('DEBUG', settings.DEBUG)",
        ],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "DEBUG False", result.stderr


def test_unset_debug_refuses_the_development_secret_key():
    from roadmap_portal.settings import DEV_SECRET_KEY

    result = run_manage("check", SECRET_KEY=DEV_SECRET_KEY)  # DEBUG not set
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    result = run_manage("check")  # nothing set at all
    assert result.returncode != 0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "14"),
        ({"MONITORING_STALE_DAYS": "10"}, "10"),
        ({"ALERT_STALE_DAYS": "9"}, "9"),  # the former name still works
        ({"MONITORING_STALE_DAYS": "10", "ALERT_STALE_DAYS": "9"}, "10"),
    ],
)
def test_monitoring_stale_days_setting(env, expected):
    clean = {k: v for k, v in os.environ.items() if "STALE_DAYS" not in k}
    clean.update(env, DEBUG="true", DJANGO_SETTINGS_MODULE="roadmap_portal.settings")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.MONITORING_STALE_DAYS)",
        ],
        cwd=BASE,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == expected, result.stderr


@pytest.mark.parametrize("value", ["01.01.2025", "2025-02-30", "9999-01-01", "2025"])
def test_a_season_start_that_is_not_a_date_in_the_window_stops_the_start(value):
    """The stale rule of every dashboard and alert counts from it (indicators.staleness): a
    typo would break them all at their first request, so it is refused at start-up."""
    result = run_manage("check", DEBUG="true", MONITORING_SEASON_START=value)
    assert result.returncode != 0
    assert "MONITORING_SEASON_START must be an ISO date" in result.stderr


def test_test_settings_make_their_own_var_folder(tmp_path):
    """A fresh clone has no var/ (it is not in git): the SQLite test database must still open.

    CI once failed on every database test of a clean clone with «unable to open database file».
    """
    var = tmp_path / "fresh-clone-var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB", "DATABASE"))}
    env.update(VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="roadmap_portal.settings_test")
    code = (
        "import django; django.setup();"
        "import sqlite3; from django.conf import settings;"
        "sqlite3.connect(settings.DATABASES['default']['TEST']['NAME']).close()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert var.is_dir()
