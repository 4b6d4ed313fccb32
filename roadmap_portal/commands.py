"""The base of the portal's own management commands."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class PortalCommand(BaseCommand):
    """A command of the portal: an import, a recompute, a report, a sweep.

    It does not run Django's system checks first. They cost ~0.7 s of every run (they load
    every URL configuration and view), and these commands run every hour, every week or
    again and again by hand: `import_monitoring` re-run on a file it already has must answer
    at once. The checks still run where a configuration changes: `migrate` runs them before
    every deployment (the compose file's `migrate` service, `make run`), and so do
    `make check` and the CI."""

    requires_system_checks: list[str] = []
