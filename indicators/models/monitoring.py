from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from agencies.models import Municipality, Organisation, Region
from agencies.querysets import RegionScopedQuerySet

from ..choices import UploadStatus
from ..coverage import coverage_of, is_complete, min_coverage
from ..formulas import indicator_value


class MonitoringUpload(models.Model):
    """An uploaded Sferum monitoring export and what became of it (a job record)."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitoring_uploads",
        help_text=_("Субъект, для которого загружен файл (пусто: несколько или все)."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто загрузил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="monitoring_uploads",
    )
    uploaded_at = models.DateTimeField(_("когда загружен"), auto_now_add=True)
    file = models.FileField(_("файл"), upload_to="monitoring/%Y/%m/", max_length=500)
    original_name = models.CharField(_("имя файла"), max_length=500)
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    status = models.CharField(
        _("статус"), max_length=20, choices=UploadStatus.choices, default=UploadStatus.PENDING
    )
    dry_run = models.BooleanField(_("пробная проверка"), default=False)
    rows_read = models.PositiveIntegerField(_("строк прочитано"), default=0)
    rows_created = models.PositiveIntegerField(_("создано"), default=0)
    rows_updated = models.PositiveIntegerField(_("обновлено"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("без изменений"), default=0)
    rows_skipped = models.PositiveIntegerField(_("пропущено"), default=0)
    progress = models.PositiveIntegerField(_("обработано строк"), default=0)
    errors = models.JSONField(_("ошибки"), default=list, blank=True)
    preview = models.JSONField(_("предпросмотр"), default=dict, blank=True)
    weeks = models.JSONField(_("недели"), default=list, blank=True)
    started_at = models.DateTimeField(_("начало обработки"), null=True, blank=True)
    finished_at = models.DateTimeField(_("конец обработки"), null=True, blank=True)
    # job bookkeeping (roadmap_portal.jobs, sweep_jobs): null = the task was never published
    enqueued_at = models.DateTimeField(_("поставлен в очередь"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("попыток обработки"), default=0)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("загрузка мониторинга")
        verbose_name_plural = _("загрузки мониторинга")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.state_display})"

    @property
    def state(self) -> str:
        """The status as shown: a dry run that passed is «checked», never «done»."""
        if self.dry_run and self.status == UploadStatus.DONE:
            return "checked"
        return self.status

    @property
    def state_display(self) -> str:
        if self.state == "checked":
            return str(_("Проверено, не записано"))
        return self.get_status_display()


class MonitoringRow(models.Model):
    """One organisation's figures for one week, as the Sferum monitoring exports them.

    Region, municipality and type are stored on the row at import time, so the rollups and
    the indicator queries never join the organisation table (85k rows). Type and
    municipality are the row's own, as the file gives them for that week (an organisation
    reorganised during a season keeps its earlier weeks as they were); the organisation
    record carries the latest week's (`indicators.services.staging`).
    """

    week_start = models.DateField(_("начало недели"))
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("организация"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the unique (organisation, week_start) serves it
        # rows are written only by the import, joined to the organisation in the same
        # transaction; a deferred check per row would double a national import's time
        db_constraint=False,
    )
    # Bulk import cost (PERFORMANCE.md): rows are written only by the set-based import, which
    # joins each to its organisation in the same transaction; region and municipality are
    # copies of the organisation's and the upload is provenance. So no database foreign-key
    # constraints here (each is a deferred check per row at commit: ~40 % of a national
    # import); Django still applies on_delete (PROTECT, SET_NULL). No single-column indexes
    # either: the unique (organisation, week) and the (region, week) index serve every
    # lookup, and each extra index is one more b-tree insert per row.
    region = models.ForeignKey(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("муниципальное образование"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    org_type = models.CharField(_("тип организации"), max_length=20)
    staff_total = models.PositiveIntegerField(_("работников всего"), default=0)
    staff_writers = models.PositiveIntegerField(_("работников, писавших за неделю"), default=0)
    students_total = models.PositiveIntegerField(_("обучающихся всего"), default=0)
    learners_active = models.PositiveIntegerField(
        _("обучающихся и родителей, активных за неделю"), default=0
    )
    sferum_users = models.PositiveIntegerField(_("пользователей Сферума всего"), default=0)
    max_only_users = models.PositiveIntegerField(_("пользователей только в MAX"), default=0)
    vkm_users = models.PositiveIntegerField(_("с профилем в VK Мессенджере"), default=0)
    vkm_and_max_users = models.PositiveIntegerField(_("из них с профилем в MAX"), default=0)
    upload = models.ForeignKey(
        MonitoringUpload,
        verbose_name=_("загрузка"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("строка мониторинга")
        verbose_name_plural = _("строки мониторинга")
        constraints = [
            # the upsert key of the import: a corrected file replaces, never adds
            models.UniqueConstraint(fields=["organisation", "week_start"], name="monrow_org_week"),
        ]
        indexes = [
            # used by rollup rebuilds: one region's weeks
            models.Index(fields=["region", "week_start"], name="monrow_region_week_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.week_start}"


class MonitoringRollupQuerySet(RegionScopedQuerySet):
    def with_approval(self) -> MonitoringRollupQuerySet:
        """Annotates `approval_state`: the approval of the row's region-week
        (indicators.approval; "draft" without a record), one subquery, no extra query."""
        from .approval import WeekApproval

        state = WeekApproval.objects.filter(
            region_id=models.OuterRef("region_id"), week_start=models.OuterRef("week_start")
        ).values("state")[:1]
        return self.annotate(approval_state=Coalesce(models.Subquery(state), models.Value("draft")))

    def complete(self) -> MonitoringRollupQuerySet:
        """Weeks at or above `MONITORING_MIN_COVERAGE` (indicators.coverage): the ones the
        index, the stage checks and the alerts judge. Exact, in integers: with the
        threshold p/q, reported × q ≥ expected × p. Unknown coverage counts as complete."""
        threshold = min_coverage()
        return self.alias(
            _coverage_lhs=models.F("coverage_reported") * threshold.denominator,
            _coverage_rhs=models.F("coverage_expected") * threshold.numerator,
        ).filter(
            models.Q(coverage_expected__isnull=True)
            | models.Q(coverage_expected=0)
            | models.Q(_coverage_lhs__gte=models.F("_coverage_rhs"))
        )


class MonitoringRollup(models.Model):
    """Sums of one week for a region (municipality empty) or a municipality.

    Kept up to date by the import job, so dashboards never sum raw rows. The groups follow
    docs/domain.md: `edu` = ОО, СПО, ДО; `np` = every type but ДОО; `gov` = РОИВ, ОМСУ, ПО; the
    Sferum migration share M counts every organisation.
    """

    region = models.ForeignKey(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # rollup_lookup_idx (region, municipality, week_start) serves it
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("муниципальное образование"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        # the unique (municipality, week_start) WHERE municipality IS NOT NULL serves it: a
        # lookup by one municipality implies the condition
        db_index=False,
    )
    week_start = models.DateField(_("начало недели"))
    organisations = models.PositiveIntegerField(_("организаций"), default=0)
    edu_staff_total = models.PositiveBigIntegerField(default=0)
    edu_staff_writers = models.PositiveBigIntegerField(default=0)
    edu_students_total = models.PositiveBigIntegerField(default=0)
    edu_learners_active = models.PositiveBigIntegerField(default=0)
    np_sferum_users = models.PositiveBigIntegerField(default=0)
    np_max_only_users = models.PositiveBigIntegerField(default=0)
    gov_staff_total = models.PositiveBigIntegerField(default=0)
    gov_staff_writers = models.PositiveBigIntegerField(default=0)
    vkm_users = models.PositiveBigIntegerField(default=0)
    vkm_and_max_users = models.PositiveBigIntegerField(default=0)
    # coverage (indicators.coverage): written by the rollup step; empty on rollups computed
    # before coverage existed (they count as complete)
    coverage_reported = models.PositiveIntegerField(
        _("отчитались из ожидаемых"), null=True, blank=True
    )
    coverage_expected = models.PositiveIntegerField(
        _("ожидалось организаций"), null=True, blank=True
    )
    coverage_basis = models.CharField(
        _("база охвата"),
        max_length=10,
        blank=True,
        default="",
        db_default="",  # the rollup INSERT … SELECT does not name it
        help_text=_("roster: перечень субъекта; weeks: предыдущие 4 недели; none: нет базы."),
    )
    updated_at = models.DateTimeField(_("пересчитано"), auto_now=True)

    objects = MonitoringRollupQuerySet.as_manager()

    class Meta:
        verbose_name = _("недельный итог мониторинга")
        verbose_name_plural = _("недельные итоги мониторинга")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "week_start"],
                condition=models.Q(municipality__isnull=True),
                name="rollup_region_week",
            ),
            models.UniqueConstraint(
                fields=["municipality", "week_start"],
                condition=models.Q(municipality__isnull=False),
                name="rollup_municipality_week",
            ),
        ]
        indexes = [
            # used by dashboards: a region's series and the latest week of its municipalities
            models.Index(fields=["region", "municipality", "week_start"], name="rollup_lookup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.municipality_id or '-'} {self.week_start}"

    # the shares in percent, by the formulas of indicators.formulas
    @property
    def i1(self) -> Decimal | None:
        return indicator_value("i1", self)

    @property
    def i2(self) -> Decimal | None:
        return indicator_value("i2", self)

    @property
    def i3(self) -> Decimal | None:
        return indicator_value("i3", self)

    @property
    def i4(self) -> Decimal | None:
        return indicator_value("i4", self)

    @property
    def m(self) -> Decimal | None:
        """Sferum migration share for the index (percent)."""
        return indicator_value("m", self)

    @property
    def coverage(self):
        """`indicators.coverage.Coverage` of this week (None: not computed)."""
        return coverage_of(self)

    @property
    def complete(self) -> bool:
        """At or above `MONITORING_MIN_COVERAGE` (not a «неполная неделя»)."""
        return is_complete(self.coverage_reported, self.coverage_expected)


class MonitoringRoster(models.Model):
    """The organisations a region expects to report every week (uploaded by the region).

    When a region has one, it defines the expected organisations of its coverage
    (indicators.coverage); otherwise the previous weeks do."""

    region = models.OneToOneField(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.CASCADE,
        related_name="monitoring_roster",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто загрузил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("когда загружен"), auto_now=True)
    original_name = models.CharField(_("имя файла"), max_length=500, blank=True)
    organisations = models.PositiveIntegerField(_("организаций в перечне"), default=0)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("перечень организаций мониторинга")
        verbose_name_plural = _("перечни организаций мониторинга")

    def __str__(self) -> str:
        return f"{self.region_id}: {self.organisations}"


class MonitoringRosterEntry(models.Model):
    """One organisation on a region's roster, by its code: an organisation that has never
    reported (not yet in the directory) is expected too. Region copied for the coverage SQL."""

    roster = models.ForeignKey(MonitoringRoster, on_delete=models.CASCADE, related_name="entries")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    org_code = models.CharField(_("код организации"), max_length=64)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("организация перечня")
        verbose_name_plural = _("организации перечня")
        constraints = [
            models.UniqueConstraint(fields=["region", "org_code"], name="roster_region_org_code"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id}: {self.org_code}"
