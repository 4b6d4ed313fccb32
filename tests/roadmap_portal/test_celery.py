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


def _project_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def test_every_task_has_its_own_route_to_a_known_queue():
    """No task falls through to the default route by accident (tests/test_integration_queues.py
    shows why it matters: an import must never wait in front of an overdue notice)."""
    tasks = _project_tasks()
    assert len(tasks) >= 12
    for name in tasks:
        route = settings.CELERY_TASK_ROUTES.get(name)
        assert route, f"{name} has no entry in CELERY_TASK_ROUTES"
        assert route["queue"] in settings.CELERY_TASK_QUEUES, (name, route)
    assert set(settings.CELERY_TASK_ROUTES) <= set(tasks), "a route names no task"


def test_heavy_work_never_shares_the_notifications_queue():
    router = app.amqp.router

    def queue(name: str) -> str:
        return router.route({}, name)["queue"].name

    notices = {name for name in _project_tasks() if queue(name) == "notifications"}
    assert notices == {
        "alerts.tasks.alerts_sync_region",
        "alerts.tasks.alerts_sync_regions",
        "alerts.tasks.alerts_sync_monitoring",
        "alerts.tasks.alerts_sync_all",
        "alerts.tasks.digest_send_all",
    }
    assert queue("indicators.tasks.monitoring_import_task") == "imports"
    assert queue("indicators.tasks.index_recompute_regions") == "imports"
    assert queue("reports.tasks.export_generate") == "exports"


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
