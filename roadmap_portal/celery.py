import logging
import os

from celery import Celery, Task
from celery.exceptions import Reject

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap_portal.settings")

logger = logging.getLogger("roadmap_portal.celery")

DELIVERY_KEY = "roadmap:celery:deliveries:"


class PortalTask(Task):
    """Every task of the portal: a message that kills its worker every time is not
    delivered forever.

    With acks_late and reject_on_worker_lost (settings) the message of a worker that died
    mid-task (SIGKILL, out of memory) goes back to the queue, and a task that kills its
    worker every time (a poison message) would take a worker on every delivery, for ever.
    Each delivery is counted in the broker's Redis under the task's id; the count goes when
    the run ends in any way Python sees (a result, an error, a retry). A delivery that finds
    JOBS_MAX_ATTEMPTS runs lost before it is dropped with an error in the log, as a job
    lost that often is failed (`roadmap_portal.jobs.job_claim`). Tasks of jobs with a
    record (`counts_own_attempts`: monitoring imports, exports) count on their record
    instead, which tells the user why. Eager runs (the embedded setup, the tests), direct calls and
    a broker that is not Redis are not counted; while Redis cannot be reached, the task runs.
    """

    counts_own_attempts = False
    _deliveries = None  # one Redis client per process

    def __call__(self, *args, **kwargs):
        request = self.request
        counted = not (self.counts_own_attempts or request.called_directly or request.is_eager)
        client = self._client() if counted else None
        key = f"{DELIVERY_KEY}{self.request.id}"
        if client is not None:
            from django.conf import settings

            try:
                lost = client.incr(key) - 1
                client.expire(key, settings.CELERY_VISIBILITY_TIMEOUT * 2)
            except Exception:  # Redis away: run the task rather than lose it
                client = None
            else:
                if lost >= settings.JOBS_MAX_ATTEMPTS:
                    logger.error(
                        "task %s %s dropped: its worker was lost %s times running it "
                        "(killed or out of memory); not delivered again",
                        self.name,
                        self.request.id,
                        lost,
                    )
                    self._forget(client, key)
                    raise Reject(f"worker lost {lost} times", requeue=False)
        try:
            return super().__call__(*args, **kwargs)
        finally:
            if client is not None:
                self._forget(client, key)

    @staticmethod
    def _forget(client, key: str) -> None:
        try:
            client.delete(key)
        except Exception:  # the key expires by itself
            logger.warning("task delivery count %s not removed", key)

    @classmethod
    def _client(cls):
        if cls._deliveries is None:
            from django.conf import settings

            url = settings.CELERY_BROKER_URL
            if not url.startswith(("redis://", "rediss://", "unix://")):
                return None
            import redis

            PortalTask._deliveries = redis.Redis.from_url(
                url, socket_connect_timeout=1, socket_timeout=2
            )
        return cls._deliveries


app = Celery("roadmap_portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
