"""Shared fixtures: the seed reference data and one persona per role (healthchecks style)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest
from django.conf import settings

from agencies.choices import Role
from agencies.models import Agency, Region, User
from tests.factories import make_user


@pytest.fixture(autouse=True, scope="session")
def _private_media_cleanup():
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def _seeds_fingerprint() -> str:
    """What the seeded test database depends on: the fixture files, the loader's source and
    the applied migrations. A reused database (make test: --reuse-db) with the same print is
    not loaded again."""
    import hashlib
    import inspect
    from pathlib import Path

    from django.db.migrations.recorder import MigrationRecorder

    from indicators.services import methodology, seeds

    digest = hashlib.sha256()
    for path in sorted(Path(settings.BASE_DIR, "fixtures").rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    for module in (seeds, methodology):
        digest.update(inspect.getsource(module).encode())
    applied = MigrationRecorder.Migration.objects.values_list("app", "name").order_by("app", "name")
    digest.update(repr(list(applied)).encode())
    return digest.hexdigest()


_SEEDS_MARK = "test_seeds_fingerprint"


class _SqliteTemplate:
    """A migrated and seeded SQLite database that xdist workers copy instead of each running
    every migration on a fresh clone (CI): the first worker without a database builds its own
    the ordinary way (all migrations, then the seeds) and saves a copy under a file lock; the
    others wait for the lock and copy it. The template's name carries a fingerprint of the
    migration files and of Django, so a changed migration makes a new one. Only with
    --reuse-db (make test) and without --create-db; a reused worker database is never replaced
    (pytest-django applies new migrations to it as before)."""

    def __init__(self) -> None:
        self.lock = None  # the open lock file while this worker builds the template
        self.path = None

    @staticmethod
    def _fingerprint() -> str:
        import hashlib
        from pathlib import Path

        import django

        digest = hashlib.sha256(django.__version__.encode())
        for path in sorted(Path(settings.BASE_DIR).glob("*/migrations/*.py")):
            digest.update(str(path.relative_to(settings.BASE_DIR)).encode() + path.read_bytes())
        return digest.hexdigest()[:16]

    def before_setup(self, config) -> None:
        import fcntl
        from pathlib import Path

        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.sqlite3":
            return
        if not config.getvalue("reuse_db") or config.getvalue("create_db"):
            return
        target = Path(db.get("TEST", {}).get("NAME") or "")
        if not target.name or target.exists():
            return
        folder = target.parent
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"test-db-template-{self._fingerprint()}.sqlite3"
        lock = (folder / "test-db-template.lock").open("w")
        fcntl.flock(lock, fcntl.LOCK_EX)  # released on close, or when the process ends
        if self.path.exists():
            import shutil

            shutil.copyfile(self.path, target)
            lock.close()
            return
        self.lock = lock  # build it: released in after_setup

    def after_setup(self) -> None:
        import sqlite3

        from django.db import connection

        if self.lock is None:
            return
        try:
            partial = self.path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            connection.ensure_connection()
            copy = sqlite3.connect(partial)
            connection.connection.backup(copy)
            copy.close()
            for old in self.path.parent.glob("test-db-template-*.sqlite3"):
                old.unlink(missing_ok=True)
            partial.rename(self.path)
        finally:
            self.lock.close()
            self.lock = None


_sqlite_template = _SqliteTemplate()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, request):
    """The worker's database name is final here (xdist suffix): copy the template if any."""
    _sqlite_template.before_setup(request.config)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Loads the seed fixtures once into the test database (each test rolls back over it).

    A reused database keeps them: a table outside the models (a flush leaves it alone) holds
    the fingerprint of what was loaded; the seeds are loaded again when it differs or the seed
    rows are missing (a run stopped after a flushing test)."""
    from django.db import connection

    from indicators.services.seeds import seeds_load
    from roadmaps.models import Measure

    with django_db_blocker.unblock():
        try:
            _seeds_load_once(connection, seeds_load, Measure)
        finally:
            _sqlite_template.after_setup()
    global _db_blocker
    _db_blocker = django_db_blocker


_db_blocker = None  # set once the session's test database exists


def _flushes(item) -> bool:
    """Transactional tests (live_server, transactional_db, django_db(transaction=True))
    end with a flush of every table, the seeds included."""
    names = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    return bool(
        names & {"transactional_db", "live_server"} or (marker and marker.kwargs.get("transaction"))
    )


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """After a flushing test (its fixtures torn down), the seeds are loaded back and
    committed, so the tests after it find them as in a fresh database. (The `seeded` fixture
    alone would load them inside each test's rolled-back transaction: again in every test.)"""
    yield
    # the last test has no test after it (and without --reuse-db its database is gone by now)
    if _db_blocker is None or not _flushes(item) or nextitem is None:
        return
    from indicators.services.seeds import seeds_load

    with _db_blocker.unblock():
        if not (Region.objects.filter(code="66").exists() and Agency.objects.exists()):
            seeds_load()


def _seeds_load_once(connection, seeds_load, Measure) -> None:
    fingerprint = _seeds_fingerprint()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {_SEEDS_MARK} (value varchar(64))")
        cursor.execute(f"SELECT value FROM {_SEEDS_MARK}")
        stored = [row[0] for row in cursor.fetchall()]
    present = Region.objects.filter(code="66").exists() and Measure.objects.exists()
    if stored != [fingerprint] or not present:
        seeds_load()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_SEEDS_MARK}")
            cursor.execute(f"INSERT INTO {_SEEDS_MARK} (value) VALUES (%s)", [fingerprint])


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Eager tasks, except in integration tests: those go through the real worker.

    Each test starts with Celery's «may a result be waited for» flag cleared. Celery keeps it
    in one process-wide global, not per thread: an eager task sets it for its run and puts
    back what it found. Two threads running eager tasks at once (the tests of concurrent
    writes) can put back the other's «set», and every later `.get()` in this xdist worker
    then failed with «Never call result.get() within a task!» (a CI failure that depended
    on which tests shared the worker)."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    if "integration" not in request.keywords:
        yield
        return
    from roadmap_portal.celery import app

    # the Django setting (CELERY_ namespace) wins over the plain key: switch both
    app.conf.task_always_eager = False
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = False
    try:
        yield
    finally:
        app.conf.task_always_eager = True
        app.conf["CELERY_TASK_ALWAYS_EAGER"] = True


@pytest.fixture
def seeded(db):
    """The reference fixtures of `load_seeds` (loaded again after a flushing test)."""
    if not Region.objects.filter(code="66").exists() or not Agency.objects.exists():
        from indicators.services.seeds import seeds_load

        seeds_load()


@dataclass
class Personas:
    ministry_user: User  # staff of the Sverdlovsk Ministry of Education
    other_agency_user: User  # staff of another Sverdlovsk agency
    coordinator: User  # coordinator of Sverdlovsk oblast
    analyst: User  # analyst, all regions
    admin: User
    outsider: User  # coordinator of Moscow oblast


@pytest.fixture
def personas(seeded) -> Personas:
    sverdlovsk = Region.objects.get(code="66")
    return Personas(
        ministry_user=make_user(Role.STAFF, agency=Agency.objects.get(code="so-minobr")),
        other_agency_user=make_user(Role.STAFF, agency=Agency.objects.get(code="so-dip")),
        coordinator=make_user(Role.COORDINATOR, region=sverdlovsk),
        analyst=make_user(Role.ANALYST, all_regions=True),
        admin=make_user(Role.ADMIN),
        outsider=make_user(Role.COORDINATOR, region=Region.objects.get(code="50")),
    )


@pytest.fixture
def persona_client(client, personas):
    """`persona_client("coordinator")` logs the client in as that persona."""

    def login(name: str):
        if name == "anonymous":
            return client
        client.force_login(getattr(personas, name))
        return client

    return login


@pytest.hookimpl(hookwrapper=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_heavy_first(config, items):
    """The files that drive Chromium are the longest by far and hold few tests: they are
    handed out first (make test: --no-loadscope-reorder keeps this order; xdist's own puts the
    files with the most tests first, so these came last and one worker ran them alone at the
    end). Runs after every other hook, pytest-django's ordering included."""
    yield
    items.sort(key=lambda item: "browser" not in item.keywords)


def pytest_collection_modifyitems(config, items):
    """Integration tests need the real worker that .ci/run starts (RUN_CELERY_WORKER=1)."""
    import os

    if os.environ.get("RUN_CELERY_WORKER"):
        return
    skip = pytest.mark.skip(
        reason="нужен настоящий Celery worker на Redis и PostgreSQL (RUN_CELERY_WORKER=1, .ci/run)"
    )
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)


def pytest_collection_finish(session):
    """What exists after collection (modules, the app registry, the test items) lives to the
    end: moved out of the garbage collector's generations, so its full collections during
    the run no longer walk it."""
    import gc

    gc.collect()
    gc.freeze()
    # and the young generation is collected every 50,000 allocations instead of 700: a test
    # allocates millions of short-lived objects (ORM rows, query clones) freed by refcount
    gc.set_threshold(50_000, 20, 20)
