from celery import shared_task

from .services.seeds import seeds_load


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def seeds_load_task() -> None:
    """Reloads the reference fixtures (idempotent); twin of `manage.py load_seeds`."""
    seeds_load()
