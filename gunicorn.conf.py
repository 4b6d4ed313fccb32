"""gunicorn settings of the web service (Dockerfile, docker-compose.yml, bench/load.py).

The worker class and counts were picked by measurement with `bench/load.py` on the 2-core
machine class (bench/README.md, «Load: gunicorn worker classes»); override them per host
with the environment variables below (listed in .env.example).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))  # gthread only
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
