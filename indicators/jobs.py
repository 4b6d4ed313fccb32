"""The background jobs of the indicators app, as the services and the sweeper see them.

Below the services and the tasks: the services publish a job by its task's registered name
(`roadmap_portal.jobs.task_named`) and the tasks module registers its tasks under the same
names, so neither imports the other the wrong way (tasks → services → jobs → models).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from roadmap_portal.jobs import JobKind, job_publish, publish_after_commit

from .choices import UploadStatus
from .models import MonitoringUpload

# the registered names of the tasks (the routes and the beat schedule in settings use them)
MONITORING_IMPORT_TASK = "indicators.tasks.monitoring_import_task"
INDEX_RECOMPUTE_REGION_TASK = "indicators.tasks.index_recompute_region"
INDEX_RECOMPUTE_REGIONS_TASK = "indicators.tasks.index_recompute_regions"
INDEX_RECOMPUTE_ALL_TASK = "indicators.tasks.index_recompute_all"

LEASE = "indicators.monitoring_upload"  # roadmap_portal.jobs.job_lease namespace


def _upload_failed(reason: str) -> dict[str, Any]:
    return {
        "status": UploadStatus.FAILED,
        "errors": [{"row": None, "column": "", "message": reason}],
        "finished_at": timezone.now(),
    }


# how sweep_jobs finds and mends monitoring uploads (roadmap_portal.jobs)
MONITORING_UPLOAD_JOB = JobKind(
    model=MonitoringUpload,
    lease=LEASE,
    task=MONITORING_IMPORT_TASK,
    created="uploaded_at",
    pending=UploadStatus.PENDING,
    running=UploadStatus.RUNNING,
    failed_status=UploadStatus.FAILED,
    time_limit=settings.IMPORT_TIME_LIMIT,
    failed=_upload_failed,
)


def monitoring_import_enqueue(upload_id: int) -> bool:
    """Publishes the import of a pending upload; False when the broker is down (the upload
    stays pending and `sweep_jobs` publishes it once the queue is back)."""
    return job_publish(MONITORING_UPLOAD_JOB, upload_id)


def index_recompute_publish(region_ids: list[int] | None = None) -> None:
    """Queues the index of one region, or of every region when several changed (or when
    `region_ids` is None: a methodology change). Never raises: with the broker down the
    publish waits for the sweeper (`roadmap_portal.jobs.publish_after_commit`)."""
    ids = sorted(set(region_ids)) if region_ids is not None else None
    if ids is not None and len(ids) == 1:
        publish_after_commit(INDEX_RECOMPUTE_REGION_TASK, ids[0])
    elif ids is None or ids:
        publish_after_commit(INDEX_RECOMPUTE_ALL_TASK)
