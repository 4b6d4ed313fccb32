from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# the one rule for a region code lives under every app: the query-string readers use it
from roadmap_portal.numbers import normalise_region_code  # noqa: F401
from roadmap_portal.tables import cell_text

from .choices import AgencyKind, CollectiveScope, OrgType, Role
from .naming import (
    capitalised,
    municipality_clean,
    municipality_name,
    organisation_code_problem,
)
from .querysets import AgencyQuerySet, OrganisationQuerySet, RegionScopedQuerySet


class Region(models.Model):
    """A subject of the Russian Federation (субъект РФ) with its time zone."""

    code = models.CharField(_("код"), max_length=2, unique=True)
    name = models.CharField(_("наименование"), max_length=200)
    timezone = models.CharField(_("часовой пояс"), max_length=64)

    objects = RegionScopedQuerySet.as_manager()
    region_field = "id"

    class Meta:
        ordering = ["code"]
        verbose_name = _("субъект РФ")
        verbose_name_plural = _("субъекты РФ")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_today(self, now: dt.datetime | None = None) -> dt.date:
        """Today's date in the region: deadlines are judged by it."""
        return timezone.localtime(now or timezone.now(), self.tz).date()


class Municipality(models.Model):
    """A municipal formation (муниципальное образование) of a region."""

    region = models.ForeignKey(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.PROTECT,
        related_name="municipalities",
    )
    name = models.CharField(_("наименование"), max_length=300)

    objects = RegionScopedQuerySet.as_manager()
    region_field = "region_id"

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("муниципальное образование")
        verbose_name_plural = _("муниципальные образования")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="municipality_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # whatever path reaches the database, the name keeps its one spelling
        self.name = municipality_name(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # the name single-spaced, a twin of another municipality refused (agencies.naming)
        municipality_clean(self)


class Agency(models.Model):
    """A body that can be responsible for a measure (ответственный орган).

    A *collective* agency is one printed designation that stands for many bodies, e.g.
    «Исполнительные органы … и их подведомственные организации»: it stands for every agency
    of its region whose kind is `collective_scope` (and their subordinates when
    `includes_subordinates`).
    """

    code = models.SlugField(_("код"), max_length=64, unique=True, null=True, blank=True)
    name = models.CharField(_("наименование"), max_length=500)
    short_name = models.CharField(_("краткое наименование"), max_length=100, blank=True)
    kind = models.CharField(_("вид"), max_length=20, choices=AgencyKind.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        help_text=_("Пусто у партнёров и федеральных органов, работающих со многими регионами."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("вышестоящий орган"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    collective_scope = models.CharField(
        _("кого обозначает"), max_length=10, choices=CollectiveScope.choices, blank=True
    )
    includes_subordinates = models.BooleanField(
        _("включая подведомственные организации"), default=False
    )
    email = models.EmailField(_("адрес для оповещений"), blank=True)

    objects = AgencyQuerySet.as_manager()
    region_field = "region_id"
    region_null_visible = True  # partners and federal bodies serve every region

    class Meta:
        ordering = ["name"]
        verbose_name = _("ответственный орган")
        verbose_name_plural = _("ответственные органы")
        # the admin's import and export need these explicitly (IMPORT_EXPORT_*_PERMISSION_CODE)
        permissions = [
            ("import_agency", _("Может импортировать ответственные органы")),
            ("export_agency", _("Может выгружать ответственные органы")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=AgencyKind.COLLECTIVE) | ~models.Q(collective_scope=""),
                name="agency_collective_has_scope",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_collective(self) -> bool:
        return self.kind == AgencyKind.COLLECTIVE

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Organisation(models.Model):
    """An organisation of the Sferum monitoring (school, college, authority …), by its code."""

    code = models.CharField(_("код организации"), max_length=64, unique=True)
    name = models.CharField(_("наименование"), max_length=1000)
    org_type = models.CharField(_("тип"), max_length=20, choices=OrgType.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("субъект РФ"), on_delete=models.PROTECT, related_name="organisations"
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("муниципальное образование"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )

    objects = OrganisationQuerySet.as_manager()
    region_field = "region_id"

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("организация")
        verbose_name_plural = _("организации")
        permissions = [
            ("import_organisation", _("Может импортировать организации")),
            ("export_organisation", _("Может выгружать организации")),
        ]
        indexes = [
            # used by cascades and dashboards: the organisations of a municipality by type
            models.Index(fields=["municipality", "org_type"], name="org_muni_type_idx"),
            models.Index(fields=["region", "org_type"], name="org_region_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        # a code a spreadsheet lost or a twin of another code of the region is refused
        # (agencies.naming)
        self.code = cell_text(self.code)
        problem = organisation_code_problem(
            region_id=self.region_id, code=self.code, exclude_pk=self.pk
        )
        if problem:
            raise ValidationError({"code": capitalised(problem)})


class User(AbstractUser):
    """A portal user: belongs to an agency (staff) or a region (coordinators) with a role."""

    role = models.CharField(_("роль"), max_length=20, choices=Role.choices, default=Role.STAFF)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("орган власти"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("субъект РФ"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Для сотрудников берётся из органа власти, если не указан."),
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("муниципальное образование"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Сотрудник муниципалитета отмечает ход каскада по своим организациям."),
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("организация"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Сотрудник организации отмечает ход каскада по своей организации."),
    )
    all_regions = models.BooleanField(
        _("все субъекты"),
        default=False,
        help_text=_("Роль охватывает все субъекты (федеральный уровень)."),
    )
    extra_regions = models.ManyToManyField(
        Region,
        verbose_name=_("дополнительные субъекты"),
        blank=True,
        related_name="+",
        help_text=_("Субъекты, доступные аналитику или координатору сверх своего."),
    )
    can_edit_region = models.BooleanField(
        _("может редактировать все мероприятия субъекта"), default=False
    )

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # the stubs omit it
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def home_region_id(self) -> int | None:
        if self.region_id:
            return self.region_id
        if self.agency is not None and self.agency.region_id:
            return self.agency.region_id
        return None


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A machine token of a user for the REST API; only its SHA-256 is stored.

    The key is shown once, when created. `prefix` (the first characters) lets a user tell
    tokens apart in the profile without the key.
    """

    user = models.ForeignKey(
        User, verbose_name=_("пользователь"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("назначение"), max_length=200)
    prefix = models.CharField(_("начало ключа"), max_length=12)
    key_hash = models.CharField(_("SHA-256 ключа"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("отозван"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("токен API")
        verbose_name_plural = _("токены API")

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AdminImport(models.Model):
    """One import confirmed in the admin: who, when, which model, the file itself and counts.

    Written by `agencies.admin_io.PortalImportExportAdmin` after every confirmed import,
    including the ones refused for row errors (nothing of those was written).
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("пользователь"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        related_name="admin_imports",
    )
    created_at = models.DateTimeField(_("когда"), auto_now_add=True)
    model_label = models.CharField(_("данные"), max_length=100)
    file = models.FileField(_("файл"), upload_to="admin-imports/%Y/%m/", max_length=300)
    file_name = models.CharField(_("имя файла"), max_length=300)
    sha256 = models.CharField(_("SHA-256 файла"), max_length=64)
    rows_new = models.PositiveIntegerField(_("добавлено"), default=0)
    rows_updated = models.PositiveIntegerField(_("изменено"), default=0)
    rows_skipped = models.PositiveIntegerField(_("без изменений"), default=0)
    rows_error = models.PositiveIntegerField(_("строк с ошибками"), default=0)
    succeeded = models.BooleanField(_("записано"), default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("импорт через администрирование")
        verbose_name_plural = _("импорты через администрирование")

    def __str__(self) -> str:
        return f"{self.model_label} {self.file_name} ({self.created_at:%d.%m.%Y %H:%M})"


class ApiRateCounter(models.Model):
    """Requests of one API client in one rate-limit window, when the cache cannot count.

    The fallback of `roadmap_portal.api.throttling.AtomicRateThrottle` (Redis down): the count
    is raised with one UPDATE … SET count = count + 1, atomic under parallel requests.
    """

    key = models.CharField(_("клиент"), max_length=200)
    window_start = models.BigIntegerField(_("начало окна (Unix, с)"))
    count = models.PositiveIntegerField(_("запросов"), default=0)

    class Meta:
        verbose_name = _("счётчик запросов API")
        verbose_name_plural = _("счётчики запросов API")
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="api_rate_counter_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.key} @{self.window_start}: {self.count}"


class DataVersion(models.Model):
    """The data version of one region (`scope` "r<id>") or of the country ("all"): a random
    token replaced by every write that changes what the dashboards, the country overview or
    the index ranking show. Cached page data are keyed by it (`agencies.dataversion`)."""

    scope = models.CharField(max_length=16, unique=True)
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("версия данных")
        verbose_name_plural = _("версии данных")

    def __str__(self) -> str:
        return f"{self.scope}: {self.token}"
