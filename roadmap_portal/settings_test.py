"""Test settings: eager Celery unless a worker is asked for, fast hashing, locmem cache."""

import os

from .settings import *  # noqa: F403
from .settings import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Integration runs (RUN_CELERY_WORKER=1, see .ci/run) keep the real broker; others run eager.
if not os.environ.get("RUN_CELERY_WORKER"):
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_BROKER_URL = "memory://"
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "test-private"), "base_url": "/private/"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-private"
LOGIN_ATTEMPTS_LIMIT = 5
WHITENOISE_AUTOREFRESH = True  # no collectstatic needed for tests
