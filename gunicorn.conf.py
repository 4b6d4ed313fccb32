"""gunicorn settings of the web service (Dockerfile, docker-compose.yml, bench/load.py).

`bench/load.py` runs gunicorn through this file to compare worker classes and counts
(`GUNICORN_WORKER_CLASS`, `GUNICORN_WORKERS`, `GUNICORN_THREADS`, listed in .env.example).
The defaults are the production command's (docker-compose.yml, Dockerfile: sync, 3
workers): no configuration has yet been measured on a quiet machine (bench/README.md,
«Page cache and load test, 27.11.2026»), so none is picked over it yet.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))  # gthread only
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
