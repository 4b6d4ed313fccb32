# Production image: gunicorn serves the portal; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    VAR_DIR=/srv/roadmap/var STATIC_ROOT=/srv/roadmap/static
WORKDIR /srv/roadmap/app
# Pango for WeasyPrint (PDF); the PDF font is committed under static/fonts/
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 && rm -rf /var/lib/apt/lists/*
COPY . .
# runtime dependencies pinned with hashes (requirements-prod.lock, see `make lock`), then the app
RUN pip install --no-cache-dir --upgrade pip && \
    pip install --no-cache-dir --require-hashes -r requirements-prod.lock && \
    pip install --no-cache-dir --no-deps . && \
    DEBUG=false SECRET_KEY=build-only-collectstatic-key-not-used-at-run-time-0123456789 \
      python manage.py collectstatic --noinput && \
    useradd --system --home /srv/roadmap portal && mkdir -p "$VAR_DIR" && chown -R portal "$VAR_DIR"
USER portal
EXPOSE 8000
CMD ["gunicorn", "roadmap_portal.wsgi:application", "--config", "gunicorn.conf.py"]
