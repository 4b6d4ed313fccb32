from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Municipality, Organisation, Region
from roadmap_portal.formfields import plausible_date

from .choices import (
    CLOSED_STATUSES,
    CascadeScope,
    ChangeKind,
    DeadlineKind,
    MeasureStatus,
    Recurrence,
    RoadmapVersionStatus,
)
from .querysets import MeasureManager, MeasureQuerySet, RoadmapQuerySet, RoadmapVersionQuerySet

EVIDENCE_EXTENSIONS = ["pdf", "docx", "xlsx", "jpg", "jpeg", "png"]


class Roadmap(models.Model):
    """A region's signed plan of measures («дорожная карта»); no region = the federal plan."""

    code = models.SlugField(_("код"), max_length=64, unique=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roadmaps",
    )
    title = models.TextField(_("наименование"))
    approver = models.CharField(_("кем утверждена"), max_length=500, blank=True)
    approved_on = models.DateField(
        _("дата утверждения"), null=True, blank=True, validators=[plausible_date]
    )
    document_number = models.CharField(_("номер документа"), max_length=100, blank=True)
    signatories = models.JSONField(_("подписанты"), default=list, blank=True)
    source = models.CharField(_("источник"), max_length=200, blank=True)

    objects = RoadmapQuerySet.as_manager()
    region_field = "region_id"
    region_null_visible = True

    class Meta:
        ordering = ["region__code", "code"]
        verbose_name = _("дорожная карта")
        verbose_name_plural = _("дорожные карты")

    def __str__(self) -> str:
        return self.title if len(self.title) < 120 else self.title[:117] + "…"

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:measure-list") + f"?roadmap={self.pk}"


def roadmap_document_upload_to(instance: models.Model, filename: str) -> str:
    return f"roadmaps/{dt.date.today():%Y/%m}/{filename}"


class RoadmapVersion(models.Model):
    """An uploaded roadmap document; once confirmed, a numbered version of its roadmap.

    A draft keeps the file and what the user chose in the preview; confirming it writes
    the roadmap (roadmaps.services.roadmap_import). `roadmap` is empty for the draft of a
    region's first roadmap until it is confirmed.
    """

    region = models.ForeignKey(
        Region, verbose_name=_("субъект РФ"), on_delete=models.PROTECT, related_name="+"
    )
    roadmap = models.ForeignKey(
        Roadmap,
        verbose_name=_("дорожная карта"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("номер версии"), null=True, blank=True)
    status = models.CharField(
        _("состояние"),
        max_length=20,
        choices=RoadmapVersionStatus.choices,
        default=RoadmapVersionStatus.DRAFT,
    )
    title = models.TextField(_("наименование"), blank=True)
    approved_on = models.DateField(
        _("дата утверждения"), null=True, blank=True, validators=[plausible_date]
    )
    document_number = models.CharField(_("номер документа"), max_length=100, blank=True)
    file = models.FileField(_("документ"), upload_to=roadmap_document_upload_to)
    file_name = models.CharField(_("имя файла"), max_length=255)
    sha256 = models.CharField(_("SHA-256 файла"), max_length=64)
    agency_choices = models.JSONField(_("сопоставление органов"), default=dict, blank=True)
    summary = models.JSONField(_("итог"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("загрузил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("загружено"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("подтвердил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("подтверждено"), null=True, blank=True)

    objects = RoadmapVersionQuerySet.as_manager()
    region_field = "region_id"

    class Meta:
        ordering = ["region", "-uploaded_at", "-id"]
        verbose_name = _("версия дорожной карты")
        verbose_name_plural = _("версии дорожных карт")
        constraints = [
            models.UniqueConstraint(
                fields=["roadmap", "number"],
                condition=models.Q(number__isnull=False),
                name="roadmap_version_unique_number",
            )
        ]

    def __str__(self) -> str:
        if self.number:
            return f"{self.roadmap} — версия {self.number}"
        return f"{self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:roadmap-import-preview", args=[self.pk])


class Section(models.Model):
    """A numbered part of a roadmap («1. Общие мероприятия для органов власти»)."""

    roadmap = models.ForeignKey(
        Roadmap, verbose_name=_("дорожная карта"), on_delete=models.CASCADE, related_name="sections"
    )
    number = models.CharField(_("номер"), max_length=20, blank=True)
    title = models.CharField(_("наименование"), max_length=500, blank=True)
    position = models.PositiveIntegerField(_("порядок"), default=0)

    class Meta:
        ordering = ["roadmap", "position"]
        verbose_name = _("раздел")
        verbose_name_plural = _("разделы")
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "position"], name="section_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


class Measure(models.Model):
    """One line of a regional roadmap («мероприятие»)."""

    roadmap = models.ForeignKey(
        Roadmap, verbose_name=_("дорожная карта"), on_delete=models.CASCADE, related_name="measures"
    )
    section = models.ForeignKey(
        Section,
        verbose_name=_("раздел"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measures",
    )
    number = models.CharField(_("номер"), max_length=20)
    position = models.PositiveIntegerField(_("порядок"), default=0)
    title = models.TextField(_("мероприятие"))
    deadline_text = models.CharField(_("срок (как в документе)"), max_length=200, blank=True)
    deadline_kind = models.CharField(
        _("вид срока"), max_length=20, choices=DeadlineKind.choices, default=DeadlineKind.NONE
    )
    start_date = models.DateField(_("начало"), null=True, blank=True, validators=[plausible_date])
    due_date = models.DateField(
        _("срок исполнения"), null=True, blank=True, validators=[plausible_date]
    )
    recurrence = models.CharField(
        _("периодичность"), max_length=20, choices=Recurrence.choices, default="", blank=True
    )
    responsible_text = models.TextField(_("ответственные (как в документе)"), blank=True)
    responsible_agencies: models.ManyToManyField[Agency, MeasureResponsibility]
    responsible_agencies = models.ManyToManyField(
        Agency,
        verbose_name=_("ответственные органы"),
        through="MeasureResponsibility",
        related_name="measures",
    )
    expected_result = models.TextField(_("ожидаемый результат"), blank=True)
    indicators = models.ManyToManyField(
        "indicators.Indicator",
        verbose_name=_("показатели"),
        blank=True,
        related_name="measures",
    )
    status = models.CharField(
        _("статус"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED
    )
    completed_on = models.DateField(
        _("дата выполнения"), null=True, blank=True, validators=[plausible_date]
    )
    status_changed_at = models.DateTimeField(_("статус изменён"), null=True, blank=True)
    # Optimistic concurrency: every write increments it; a save with a stale version is refused.
    version = models.PositiveIntegerField(_("версия"), default=1)
    updated_at = models.DateTimeField(_("обновлено"), auto_now=True)
    # A measure dropped by a new version of its roadmap stays with its history, statuses,
    # evidence and reports (and anything hanging off it), out of lists, counts and alerts.
    archived_at = models.DateTimeField(_("исключено из дорожной карты"), null=True, blank=True)
    archived_in = models.ForeignKey(
        "RoadmapVersion",
        verbose_name=_("исключено версией"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="archived_measures",
    )

    # A regional measure's item of the federal plan (a measure of the roadmap without a
    # region): the federal view sums the regions' progress on each item, and a regional
    # deadline later than the federal one is flagged.
    federal_item = models.ForeignKey(
        "self",
        verbose_name=_("пункт федерального плана"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="regional_measures",
        limit_choices_to={"roadmap__region__isnull": True},
    )

    # `objects` leaves archived measures out, so every list, count, export and alert does;
    # `all_objects` is for their own page, their history and the roadmap import.
    objects = MeasureManager()
    all_objects = MeasureQuerySet.as_manager()
    region_field = "roadmap__region_id"
    region_null_visible = True

    class Meta:
        ordering = ["roadmap", "position"]
        verbose_name = _("мероприятие")
        verbose_name_plural = _("мероприятия")
        base_manager_name = "all_objects"
        # the admin's import and export need these explicitly (IMPORT_EXPORT_*_PERMISSION_CODE)
        permissions = [
            ("import_measure", _("Может импортировать мероприятия")),
            ("export_measure", _("Может выгружать мероприятия")),
        ]
        constraints = [
            # an archived measure keeps its number; a later version may reuse it
            models.UniqueConstraint(
                fields=["roadmap", "number"],
                condition=models.Q(archived_at__isnull=True),
                name="measure_unique_number",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MeasureStatus.values), name="measure_status_valid"
            ),
        ]
        indexes = [
            # used by overdue lists and alerts: open measures by due date
            models.Index(fields=["status", "due_date"], name="measure_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title[:100]}"

    def get_absolute_url(self) -> str:
        return reverse("roadmaps:measure-detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def local_today(self) -> dt.date:
        if self.roadmap.region is not None:
            return self.roadmap.region.local_today()
        return timezone.localdate()

    def days_overdue(self, today: dt.date | None = None) -> int:
        """Days past the due date in the region's local date; 0 when not overdue."""
        if self.is_closed or not self.due_date:
            return 0
        today = today or self.local_today()
        return max((today - self.due_date).days, 0)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.days_overdue(today) > 0

    @property
    def days_late(self) -> int:
        """Days a done measure was completed after its due date; 0 when on time or not done."""
        if self.status != MeasureStatus.DONE or self.due_date is None or self.completed_on is None:
            return 0
        return max((self.completed_on - self.due_date).days, 0)

    @property
    def is_done_late(self) -> bool:
        return self.days_late > 0

    @property
    def is_later_than_federal(self) -> bool:
        """Due after the federal plan's item it is linked to (`federal_item` loaded)."""
        item = self.federal_item
        return bool(
            item is not None
            and self.due_date is not None
            and item.due_date is not None
            and self.due_date > item.due_date
        )

    @property
    def ordered_responsibilities(self) -> list[MeasureResponsibility]:
        return sorted(self.responsibilities.all(), key=lambda r: r.position)

    @property
    def lead_agency(self) -> Agency | None:
        items = self.ordered_responsibilities
        return items[0].agency if items else None


class MeasureResponsibility(models.Model):
    """A responsible agency of a measure, in the printed order (position 0 leads)."""

    measure = models.ForeignKey(
        Measure,
        verbose_name=_("мероприятие"),
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("орган"), on_delete=models.PROTECT, related_name="responsibilities"
    )
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)

    class Meta:
        ordering = ["measure", "position"]
        verbose_name = _("ответственный орган мероприятия")
        verbose_name_plural = _("ответственные органы мероприятий")
        constraints = [
            models.UniqueConstraint(fields=["measure", "agency"], name="responsibility_unique")
        ]

    def __str__(self) -> str:
        return f"{self.measure.number}: {self.agency}"

    @property
    def is_lead(self) -> bool:
        return self.position == 0


class MeasurePart(models.Model):
    """One responsible body's part of a measure with several bodies concerned.

    A measure whose responsible cell names several agencies, or a collective designation,
    has a part for each body concerned (roadmaps.services.parts.measure_parts_sync); each
    part has its own status and history (MeasureChange.part), and the measure's status
    follows from them. A measure with one body concerned has no parts: the measure is
    that body's part.
    """

    measure = models.ForeignKey(
        Measure, verbose_name=_("мероприятие"), on_delete=models.CASCADE, related_name="parts"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("орган"), on_delete=models.PROTECT, related_name="measure_parts"
    )
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)
    status = models.CharField(
        _("статус"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED
    )
    completed_on = models.DateField(
        _("дата выполнения"), null=True, blank=True, validators=[plausible_date]
    )
    status_changed_at = models.DateTimeField(_("статус изменён"), null=True, blank=True)
    # Optimistic concurrency of a part's own form and API update (If-Match).
    version = models.PositiveIntegerField(_("версия"), default=1)

    class Meta:
        ordering = ["measure", "position", "id"]
        verbose_name = _("часть мероприятия")
        verbose_name_plural = _("части мероприятий")
        constraints = [
            models.UniqueConstraint(fields=["measure", "agency"], name="measure_part_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=MeasureStatus.values),
                name="measure_part_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.number}: {self.agency}"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def days_overdue(self, today: dt.date) -> int:
        """Days past the measure's due date while this part is open; 0 otherwise."""
        due = self.measure.due_date
        if self.is_closed or not due:
            return 0
        return max((today - due).days, 0)

    @property
    def is_done_late(self) -> bool:
        due = self.measure.due_date
        return (
            self.status == MeasureStatus.DONE
            and due is not None
            and self.completed_on is not None
            and self.completed_on > due
        )


class MeasureStep(models.Model):
    """A sub-step printed in a measure's text (e.g. the four steps of 3.9)."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("мероприятие"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("порядок"), default=0)
    title = models.TextField(_("подэтап"))
    done_on = models.DateField(_("выполнен"), null=True, blank=True, validators=[plausible_date])
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("отметил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["measure", "position"]
        verbose_name = _("подэтап")
        verbose_name_plural = _("подэтапы")
        constraints = [
            models.UniqueConstraint(fields=["measure", "position"], name="step_unique_position")
        ]

    def __str__(self) -> str:
        return self.title[:100]

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


class MeasureTarget(models.Model):
    """A countable target named in the expected result («не менее 2 публикаций …»)."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("мероприятие"), on_delete=models.CASCADE, related_name="targets"
    )
    description = models.CharField(_("что считается"), max_length=300)
    quantity = models.DecimalField(_("не менее"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("единица"), max_length=20, blank=True)
    achieved = models.DecimalField(
        _("достигнуто"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    achieved_at = models.DateTimeField(_("когда внесено"), null=True, blank=True)

    class Meta:
        verbose_name = _("количественная цель")
        verbose_name_plural = _("количественные цели")

    def __str__(self) -> str:
        return f"{self.quantity:g}{self.unit} {self.description}"

    @property
    def share(self) -> float | None:
        """Achieved against the target (1.0 = reached; may exceed 1); None until entered."""
        if self.achieved is None or not self.quantity:
            return None
        return float(self.achieved / self.quantity)

    @property
    def is_reached(self) -> bool:
        return self.achieved is not None and self.achieved >= self.quantity


def evidence_upload_to(instance: models.Model, filename: str) -> str:
    return f"evidence/{dt.date.today():%Y/%m}/{filename}"


class MeasureChange(models.Model):
    """An entry of a measure's history: who, when, what (old → new), comment, evidence."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("мероприятие"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("вид"), max_length=20, choices=ChangeKind.choices)
    # A change of one responsible body's part (its status, comment, evidence); the body's
    # name is kept in `changes["part"]` should the part go away.
    part = models.ForeignKey(
        MeasurePart,
        verbose_name=_("часть органа"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="measure_changes",
    )
    created_at = models.DateTimeField(_("когда"), auto_now_add=True, db_index=True)
    old_status = models.CharField(
        _("прежний статус"), max_length=20, choices=MeasureStatus.choices, blank=True
    )
    new_status = models.CharField(
        _("новый статус"), max_length=20, choices=MeasureStatus.choices, blank=True
    )
    changes = models.JSONField(_("изменения"), default=dict, blank=True)
    comment = models.TextField(_("комментарий"), blank=True)
    evidence = models.FileField(
        _("подтверждающий файл"),
        upload_to=evidence_upload_to,
        blank=True,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
    )
    evidence_link = models.URLField(_("ссылка на подтверждение"), max_length=1000, blank=True)
    # The measure's version after this change: a refused stale save lists the changes above
    # the version its form carried (roadmaps.services.measures.MeasureConflict).
    version = models.PositiveIntegerField(_("версия после изменения"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("изменение мероприятия")
        verbose_name_plural = _("история мероприятий")

    def __str__(self) -> str:
        return f"{self.measure.number} {self.get_kind_display()} {self.created_at:%d.%m.%Y}"


class MeasureReport(models.Model):
    """One month's report of a recurring measure («ежемесячно до …»)."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("мероприятие"), on_delete=models.CASCADE, related_name="reports"
    )
    period = models.DateField(
        _("месяц"), help_text=_("Первый день отчётного месяца."), validators=[plausible_date]
    )
    due_date = models.DateField(_("срок отчёта"), validators=[plausible_date])
    status = models.CharField(
        _("статус"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED
    )
    comment = models.TextField(_("комментарий"), blank=True)
    evidence = models.FileField(
        _("подтверждающий файл"),
        upload_to=evidence_upload_to,
        blank=True,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
    )
    evidence_link = models.URLField(_("ссылка на подтверждение"), max_length=1000, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто отчитался"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("когда"), null=True, blank=True)

    class Meta:
        ordering = ["measure", "period"]
        verbose_name = _("ежемесячный отчёт")
        verbose_name_plural = _("ежемесячные отчёты")
        constraints = [
            models.UniqueConstraint(fields=["measure", "period"], name="report_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.measure.number} {self.period:%m.%Y}"


class Cascade(models.Model):
    """A measure handed down to many organisations (e.g. the Khabarovsk letter to schools).

    Cascades chain level by level: the regional ministry's letter to the municipalities'
    education authorities (`parent` empty), each district's letter to its schools (`parent`
    the ministry's), each level with its own due date; progress rolls up level by level
    (roadmaps.selectors.cascade_levels).
    """

    measure = models.ForeignKey(
        Measure, verbose_name=_("мероприятие"), on_delete=models.CASCADE, related_name="cascades"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("вышестоящий каскад"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("Письмо, во исполнение которого направлено это (уровень выше)."),
    )
    issued_by = models.ForeignKey(
        Agency,
        verbose_name=_("кто направил"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    subject = models.CharField(_("тема"), max_length=500, blank=True)
    document_number = models.CharField(_("номер письма"), max_length=100, blank=True)
    document_date = models.DateField(
        _("дата письма"), null=True, blank=True, validators=[plausible_date]
    )
    basis = models.TextField(_("основание"), blank=True)
    addressees = models.CharField(_("адресаты"), max_length=500, blank=True)
    scope = models.CharField(_("охват"), max_length=20, choices=CascadeScope.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("муниципальное образование"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    org_types = models.JSONField(_("типы организаций"), default=list, blank=True)
    due_date = models.DateField(_("срок"), null=True, blank=True, validators=[plausible_date])
    organisations: models.ManyToManyField[Organisation, CascadeTarget]
    organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("организации"),
        through="CascadeTarget",
        related_name="cascades",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("создал"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("каскад")
        verbose_name_plural = _("каскады")

    def __str__(self) -> str:
        return self.subject or f"{self.measure}"


class CascadeTarget(models.Model):
    """An organisation a cascade was handed down to."""

    cascade = models.ForeignKey(
        Cascade, verbose_name=_("каскад"), on_delete=models.CASCADE, related_name="targets"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("организация"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("адресат каскада")
        verbose_name_plural = _("адресаты каскада")
        constraints = [
            models.UniqueConstraint(
                fields=["cascade", "organisation"], name="cascade_target_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class CascadeProgress(models.Model):
    """An organisation's completion of one sub-step of a cascaded measure."""

    cascade = models.ForeignKey(
        Cascade, verbose_name=_("каскад"), on_delete=models.CASCADE, related_name="progress"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("организация"), on_delete=models.PROTECT, related_name="+"
    )
    step = models.ForeignKey(
        MeasureStep,
        verbose_name=_("подэтап"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Пусто: мероприятие без подэтапов выполнено целиком."),
    )
    done_on = models.DateField(_("выполнено"), validators=[plausible_date])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("отметил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("когда отмечено"), auto_now=True)

    class Meta:
        verbose_name = _("ход каскада")
        verbose_name_plural = _("ход каскадов")
        constraints = [
            models.UniqueConstraint(
                fields=["cascade", "organisation", "step"],
                condition=models.Q(step__isnull=False),
                name="cascade_progress_unique_step",
            ),
            # a measure without sub-steps is done as a whole: once per organisation
            models.UniqueConstraint(
                fields=["cascade", "organisation"],
                condition=models.Q(step__isnull=True),
                name="cascade_progress_unique_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.done_on:%d.%m.%Y}"


__all__ = [
    "Cascade",
    "CascadeProgress",
    "CascadeTarget",
    "Measure",
    "MeasureChange",
    "MeasurePart",
    "MeasureReport",
    "MeasureResponsibility",
    "MeasureStep",
    "MeasureTarget",
    "Roadmap",
    "RoadmapVersion",
    "Section",
]
