"""The base of the portal's own management commands, and how they read what a person types."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from roadmap_portal import params

from .models import Region


class PortalCommand(BaseCommand):
    """A command of the portal: an import, a recompute, a report, a sweep.

    It does not run Django's system checks first. They cost ~0.7 s of every run (they load
    every URL configuration and view), and these commands run every hour, every week or
    again and again by hand: `import_monitoring` re-run on a file it already has must answer
    at once. The checks still run where a configuration changes: `migrate` runs them before
    every deployment (the compose file's `migrate` service, `make run`), and so do
    `make check` and the CI.

    A region code and a date given on the command line are read by the rules every file,
    form and query string uses (`roadmap_portal.params`: `region_option`, `date_option`,
    also an argparse `type=`), with one Russian message each."""

    requires_system_checks: list[str] = []

    def execute(self, *args, **options):
        # a rule refused what the command was to write (a twin of a stored municipality or
        # code, agencies.naming …): its Russian message, never a Python traceback
        try:
            return super().execute(*args, **options)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None

    @staticmethod
    def region_option(code: str) -> Region:
        """The region of a `--region` code as files write it («7» is 07)."""
        try:
            normalised = params.region_code_value(code, "--region")
        except params.BadParameter:
            normalised = None  # not a code: no region has it
        region = Region.objects.filter(code=normalised).first() if normalised else None
        if region is None:
            raise CommandError(f"Субъект с кодом «{code}» не найден.")
        return region

    @staticmethod
    def date_option(value: str) -> dt.date:
        """A date as files and query strings write it (`params.date_value`: ДД.ММ.ГГГГ or
        ГГГГ-ММ-ДД, in the programme's years)."""
        try:
            return params.date_value(value)
        except params.BadParameter as exc:
            raise CommandError(f"Неверная дата «{value}». {exc.reason}") from None
