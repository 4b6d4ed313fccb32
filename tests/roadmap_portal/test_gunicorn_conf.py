"""gunicorn's settings live in gunicorn.conf.py only: the image, docker-compose.yml and the
load test start gunicorn with it, and its defaults are the ones the load test picked."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"


def _conf(monkeypatch, **env: str) -> dict:
    for name in list(os.environ):
        if name.startswith("GUNICORN_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults_are_sync_one_worker_per_cpu(monkeypatch):
    conf = _conf(monkeypatch)
    assert conf["worker_class"] == "sync"
    assert conf["workers"] == max(2, len(os.sched_getaffinity(0)))
    assert conf["threads"] == 1
    assert conf["bind"] == "0.0.0.0:8000" and conf["timeout"] == 120


@pytest.mark.parametrize(("value", "workers"), [("5", 5), ("", None)])
def test_workers_from_the_environment(monkeypatch, value, workers):
    conf = _conf(monkeypatch, GUNICORN_WORKERS=value)
    assert conf["workers"] == (workers or max(2, len(os.sched_getaffinity(0))))


def test_every_start_command_reads_the_file():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]["command"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    for command in (" ".join(web), cmd):
        assert "gunicorn.conf.py" in command
        # no second copy of the settings on the command line
        assert not any(flag in command for flag in ("--workers", "--timeout", "--bind", "-w "))


def test_the_load_test_defaults_to_the_production_configuration(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    conf = _conf(monkeypatch)
    from bench.load import production_config

    config = production_config()
    assert (config.worker_class, config.workers, config.threads) == (
        conf["worker_class"],
        conf["workers"],
        conf["threads"],
    )
