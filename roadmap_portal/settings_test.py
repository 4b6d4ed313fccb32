"""Test settings: eager Celery unless a worker is asked for, fast hashing, locmem cache."""

import os

# DEBUG is off unless set, and then a real SECRET_KEY is required: tests get one of their own
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)

from .env import env_bool
from .settings import *  # noqa: F403
from .settings import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run eagerly in tests; tests marked `integration` switch to the real broker and worker
# that .ci/run starts (tests/conftest.py), so the broker comes from the environment if set.
# The workers that integration tests start themselves (tests/processes.py) set it false, so a
# task's follow-up tasks go to their own queues as in production.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The page cache is off by default in tests: a test's writes run in a transaction that never
# commits, so the data-version bumps (applied at commit) never happen there. The cache's own
# tests (tests/reports/test_page_cache.py) turn it on and run the commit callbacks.
PAGE_CACHE_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# pytest-xdist runs several processes at once: each gets its own private-file folder (removed
# at the end of its session by tests/conftest.py), so one worker never deletes another's files.
TEST_PRIVATE_DIR = VAR_DIR / f"test-private-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {
        "BACKEND": "roadmap_portal.storage.PrivateStorage",
        "OPTIONS": {"location": str(TEST_PRIVATE_DIR), "base_url": "/private/"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = TEST_PRIVATE_DIR
LOGIN_ATTEMPTS_LIMIT = 5
WHITENOISE_AUTOREFRESH = True  # no collectstatic needed for tests
# the test client speaks plain HTTP: the HTTPS-only settings of DEBUG-off would redirect it
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# SQLite tests keep their database in a file per xdist worker, so that `--reuse-db` (make test)
# skips the migrations of an unchanged schema; PostgreSQL takes DB_TEST_NAME (see .ci/run).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # pytest-django appends the xdist worker id (test-db.sqlite3_gw0, ...); var/ is not in git,
    # so a fresh clone has no such folder until the first test run makes it
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
    # a test database is thrown away after a crash: no fsync on commit (transactional tests,
    # flushes, migrations of a fresh clone); WAL as in production
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        **DATABASES["default"]["OPTIONS"],  # noqa: F405
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;",
    }
