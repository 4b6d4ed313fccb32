from django.db import models
from django.utils.translation import gettext_lazy as _


class MeasureStatus(models.TextChoices):
    """Stored statuses; "overdue" and "done late" are derived, never stored."""

    NOT_STARTED = "not_started", _("Не начато")
    IN_PROGRESS = "in_progress", _("В работе")
    DONE = "done", _("Выполнено")
    CANCELLED = "cancelled", _("Отменено")


CLOSED_STATUSES = (MeasureStatus.DONE, MeasureStatus.CANCELLED)


class Recurrence(models.TextChoices):
    NONE = "", _("Нет")
    MONTHLY = "monthly", _("Ежемесячно")


class DeadlineKind(models.TextChoices):
    NONE = "none", _("Без срока")
    DATE = "date", _("Дата")
    BY_DATE = "by_date", _("До даты")
    MONTH = "month", _("Месяц")
    SPAN = "span", _("Период")
    QUARTER = "quarter", _("Квартал")
    MONTHLY = "monthly", _("Ежемесячно")
    FROM_DATE = "from_date", _("С даты")


class ChangeKind(models.TextChoices):
    CREATED = "created", _("Создано")
    STATUS = "status", _("Статус")
    STEP = "step", _("Подэтап")
    TARGET = "target", _("Достигнутое значение")
    FEDERAL = "federal", _("Пункт федерального плана")
    REPORT = "report", _("Ежемесячный отчёт")
    CASCADE = "cascade", _("Каскад")
    EDIT = "edit", _("Изменение")
    VERSION = "version", _("Новая версия дорожной карты")
    ARCHIVED = "archived", _("Исключено из дорожной карты")
    RESTORED = "restored", _("Возвращено в дорожную карту")


class CascadeScope(models.TextChoices):
    MUNICIPALITY = "municipality", _("Организации муниципального образования")
    REGION = "region", _("Организации субъекта")
    CHOSEN = "chosen", _("Выбранные организации")


class RoadmapVersionStatus(models.TextChoices):
    """An uploaded roadmap document: checked and waiting, or written as a version."""

    DRAFT = "draft", _("Ожидает подтверждения")
    APPLIED = "applied", _("Загружена")
    UNCHANGED = "unchanged", _("Без изменений")
