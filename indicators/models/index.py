from __future__ import annotations

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies import access
from agencies.models import Region
from agencies.querysets import RegionScopedQuerySet
from roadmap_portal.formfields import plausible_date

from ..choices import FactSource, UploadStatus
from .methodology import MethodologyVersion

EVIDENCE_EXTENSIONS = ["pdf", "docx", "xlsx", "jpg", "jpeg", "png"]


class IndexUploadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An import is its uploader's, and only while every region of its file is still in
        their scope (its preview shows those regions' figures), as a report's file
        (`GeneratedExport.objects.visible_to`); administrators see every import."""
        if not user.is_authenticated:
            return self.none()
        if access.is_admin(user):
            return self
        mine = self.filter(uploaded_by=user)
        scope = access.region_scope(user)
        if scope is None:
            return mine
        codes = set(Region.objects.filter(pk__in=scope).values_list("code", flat=True))
        beyond = [pk for pk, regions in mine.values_list("pk", "regions") if set(regions) - codes]
        return mine.exclude(pk__in=beyond) if beyond else mine


class IndexUpload(models.Model):
    """An uploaded «Сведения для индекса внедрения» table and what became of it."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто загрузил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("когда загружен"), auto_now_add=True)
    file = models.FileField(_("файл"), upload_to="index_inputs/%Y/%m/", max_length=500)
    original_name = models.CharField(_("имя файла"), max_length=500)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    source = models.CharField(
        _("способ"), max_length=20, choices=FactSource.choices, default=FactSource.IMPORT
    )
    status = models.CharField(
        _("статус"), max_length=20, choices=UploadStatus.choices, default=UploadStatus.PENDING
    )
    rows_read = models.PositiveIntegerField(_("строк прочитано"), default=0)
    rows_created = models.PositiveIntegerField(_("создано"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("без изменений"), default=0)
    errors = models.JSONField(_("ошибки"), default=list, blank=True)
    preview = models.JSONField(_("предпросмотр"), default=list, blank=True)
    regions = models.JSONField(_("субъекты"), default=list, blank=True)

    objects = IndexUploadQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("загрузка сведений для индекса")
        verbose_name_plural = _("загрузки сведений для индекса")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"


class IndexFactQuerySet(RegionScopedQuerySet):
    def valid_on(self, on_date):
        return self.filter(as_of__lte=on_date)


class IndexFact(models.Model):
    """One input of the index for a region, as it holds from `as_of` on, with its evidence.

    Facts are never overwritten: a later `as_of` (or, on the same date, a later entry)
    supersedes an earlier one for the same region, criterion and input. The criterion is
    named by its code, so facts outlive methodology versions.
    """

    region = models.ForeignKey(
        Region, verbose_name=_("субъект РФ"), on_delete=models.PROTECT, related_name="+"
    )
    criterion_code = models.SlugField(_("критерий"), max_length=40)
    input = models.CharField(
        _("вход"),
        max_length=40,
        blank=True,
        help_text=_("Имя входа, если их у критерия несколько."),
    )
    value = models.DecimalField(_("значение"), max_digits=14, decimal_places=2)
    as_of = models.DateField(_("действует с"), validators=[plausible_date])
    evidence_url = models.URLField(_("ссылка на подтверждение"), max_length=1000, blank=True)
    evidence_file = models.FileField(
        _("файл подтверждения"),
        upload_to="index_evidence/%Y/%m/",
        max_length=500,
        blank=True,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS)],
    )
    evidence_text = models.TextField(_("подтверждение (текст)"), blank=True)
    source = models.CharField(
        _("способ ввода"), max_length=20, choices=FactSource.choices, default=FactSource.FORM
    )
    upload = models.ForeignKey(
        IndexUpload,
        verbose_name=_("загрузка"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facts",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто внёс"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("когда внесено"), auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто подтвердил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("когда подтверждено"), null=True, blank=True)

    objects = IndexFactQuerySet.as_manager()
    region_field = "region_id"

    class Meta:
        ordering = ["region", "criterion_code", "input", "-as_of", "-id"]
        verbose_name = _("сведения для индекса")
        verbose_name_plural = _("сведения для индекса")
        indexes = [
            # used by index_compute: the inputs of many regions valid on a date
            models.Index(fields=["region", "as_of"], name="indexfact_region_asof_idx"),
        ]

    def __str__(self) -> str:
        name = f"{self.criterion_code}.{self.input}" if self.input else self.criterion_code
        return f"{self.region_id} {name}={self.value} с {self.as_of:%d.%m.%Y}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_url or self.evidence_file or self.evidence_text)


class IndexScore(models.Model):
    """The index of a region on a date under a methodology version, with its breakdown.

    `components`: {code: {points, max, claimed}}; `criteria`: {code: {component, points,
    max, claimed, inputs, rule, rule_text}}. One row per (region, date, version):
    recomputing updates it.
    """

    region = models.ForeignKey(
        Region, verbose_name=_("субъект РФ"), on_delete=models.CASCADE, related_name="+"
    )
    on_date = models.DateField(_("на дату"))
    version = models.ForeignKey(
        MethodologyVersion,
        verbose_name=_("версия методики"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    total = models.DecimalField(_("итого (подтверждено)"), max_digits=6, decimal_places=2)
    claimed_total = models.DecimalField(_("итого (заявлено)"), max_digits=6, decimal_places=2)
    max_points = models.DecimalField(_("максимум"), max_digits=6, decimal_places=2)
    components = models.JSONField(_("по компонентам"), default=dict)
    criteria = models.JSONField(_("по критериям"), default=dict)
    computed_at = models.DateTimeField(_("рассчитано"), auto_now=True)

    objects = RegionScopedQuerySet.as_manager()
    region_field = "region_id"

    class Meta:
        ordering = ["region", "-on_date"]
        verbose_name = _("индекс внедрения")
        verbose_name_plural = _("индекс внедрения")
        constraints = [
            # recompute updates, never duplicates
            models.UniqueConstraint(
                fields=["region", "on_date", "version"], name="indexscore_region_date_version"
            )
        ]
        indexes = [
            # used by the ranking: every region on a date
            models.Index(fields=["on_date", "version"], name="indexscore_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.on_date:%d.%m.%Y}: {self.total}"


class MeasureCriterion(models.Model):
    """A roadmap measure that serves an index criterion (Vladimir measure 9 → mfc_notify).

    Linked by criterion code, so the link holds across methodology versions.
    """

    measure = models.ForeignKey(
        "roadmaps.Measure",
        verbose_name=_("мероприятие"),
        on_delete=models.CASCADE,
        related_name="index_criteria",
    )
    criterion_code = models.SlugField(_("критерий"), max_length=40)

    objects = RegionScopedQuerySet.as_manager()
    region_field = "measure__roadmap__region_id"

    class Meta:
        ordering = ["criterion_code", "measure"]
        verbose_name = _("мероприятие для критерия индекса")
        verbose_name_plural = _("мероприятия для критериев индекса")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "criterion_code"], name="measure_criterion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} → {self.criterion_code}"
