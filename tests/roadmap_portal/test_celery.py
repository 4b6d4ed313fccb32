from celery import current_app
from django.conf import settings

from indicators import jobs as indicator_jobs
from reports.exports import jobs as export_jobs
from roadmap_portal.celery import app
from roadmap_portal.jobs import task_named


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name}: no task {entry['task']}"


def test_django_start_up_loads_the_app_and_every_task():
    """`roadmap_portal` loads nothing on import; its AppConfig makes the project's app the
    current one (so `@shared_task` binds to it: broker, eager mode) and imports every
    app's tasks, so services publish tasks by name (`roadmap_portal.jobs.task_named`)."""
    assert current_app._get_current_object() is app
    names = [
        indicator_jobs.MONITORING_UPLOAD_JOB.task,
        indicator_jobs.INDEX_RECOMPUTE_REGION_TASK,
        indicator_jobs.INDEX_RECOMPUTE_REGIONS_TASK,
        indicator_jobs.INDEX_RECOMPUTE_ALL_TASK,
        export_jobs.GENERATED_EXPORT_JOB.task,
    ]
    for name in names:
        task = task_named(name)
        assert task.name == name and task.app is app
    assert app.conf.task_always_eager == settings.CELERY_TASK_ALWAYS_EAGER
