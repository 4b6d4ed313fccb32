"""gunicorn settings of the web service: the one place for them (Dockerfile and
docker-compose.yml start `gunicorn --config gunicorn.conf.py`; bench/load.py too).

Worker class and count were picked by numbers (bench/README.md, «Load at full scale,
27.11.2026»): at scale 1 on 2 cores with the page cache, sync workers met both targets
(200 users: p95 118 ms with 2 workers, 170-196 ms with 3 or 5), gthread did not hold at 200
users (2×8: p95 1.5-1.9 s; 3×4: 284-327 ms): the pages are CPU-bound Python, and threads of
one process wait for each other's GIL. So: sync, one worker per CPU this process may use
(`GUNICORN_WORKERS` overrides, e.g. for a container with a CPU quota).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("GUNICORN_WORKERS") or max(2, len(os.sched_getaffinity(0))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))  # gthread only
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
