from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself: its one table (`models.PendingPublish`, follow-up tasks waiting for
    the broker) and the Celery app, loaded once every app is ready."""

    name = "roadmap_portal"
    verbose_name = "Портал"

    def ready(self) -> None:
        # Creating the app makes it the current one, so every `@shared_task` binds to it
        # (broker, eager mode of the tests); the worker and beat load the same module through
        # `celery -A roadmap_portal`. Every app's tasks module is imported now, as the worker
        # does on start-up, so a service can publish a task by its name
        # (`roadmap_portal.jobs.task_named`) without importing the tasks module above it.
        # (Not `loader.import_default_modules()`: its Django fixup would call django.setup()
        # again from inside it.) Imported here: the app is made when Django is ready.
        from .celery import app

        app.autodiscover_tasks(force=True)
