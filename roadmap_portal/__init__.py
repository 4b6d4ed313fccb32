"""The project package. It loads nothing on import: the Celery app is created by
`roadmap_portal.apps.PortalConfig.ready()` in every Django process and found by
`celery -A roadmap_portal` in `roadmap_portal.celery`, so the pure `roadmap_portal.ru_formats`
can be imported without Django."""
