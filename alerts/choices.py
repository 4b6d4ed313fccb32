from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    MEASURE_OVERDUE = "measure_overdue", _("Мероприятие просрочено")
    MEASURE_DUE_SOON = "measure_due_soon", _("Срок мероприятия скоро наступит")
    REPORT_MISSING = "report_missing", _("Нет ежемесячного отчёта")
    CASCADE_LAGGING = "cascade_lagging", _("Каскад отстаёт от графика")
    INDICATOR_BELOW = "indicator_below", _("Показатель ниже цели")
    INDICATOR_AT_RISK = "indicator_at_risk", _("Показатель под угрозой недостижения")
    DATA_STALE = "data_stale", _("Данные мониторинга устарели")
    INDICATOR_DROP = "indicator_drop", _("Резкое падение показателя")
    ORGS_MISSING = "orgs_missing", _("Организации пропали из выгрузки")
    UPLOAD_FAILED = "upload_failed", _("Загрузка мониторинга отклонена")
    WEEK_NOT_SUBMITTED = "week_not_submitted", _("Неделя не направлена на утверждение в срок")
    APPROVAL_WAITING = "approval_waiting", _("Неделя долго ждёт утверждения")


# The alerts whose causes only monitoring data feed (rollups, uploads, stages): after a
# monitoring import these alone are synced for the file's regions (`alerts_sync_monitoring`);
# the measure, report and cascade alerts do not depend on monitoring and keep their hourly
# sync.
MONITORING_KINDS = (
    AlertKind.INDICATOR_BELOW,
    AlertKind.INDICATOR_AT_RISK,
    AlertKind.DATA_STALE,
    AlertKind.INDICATOR_DROP,
    AlertKind.ORGS_MISSING,
    AlertKind.UPLOAD_FAILED,
    # an imported week that is already past its submission deadline opens it at once
    AlertKind.WEEK_NOT_SUBMITTED,
)


# Alerts whose `details.due_date` gives a count of days late (overdue, report, stale data).
DATED_KINDS = (AlertKind.MEASURE_OVERDUE, AlertKind.REPORT_MISSING, AlertKind.DATA_STALE)


class Severity(models.IntegerChoices):
    """Grows with days overdue: 1 day, 7 days, 30 days (STYLE R2: labels in Russian)."""

    LOW = 1, _("Низкая")
    MEDIUM = 2, _("Средняя")
    HIGH = 3, _("Высокая")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Ожидает отправки")
    SENDING = "sending", _("Отправляется")
    SENT = "sent", _("Отправлено")
    FAILED = "failed", _("Ошибка")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("Электронная почта")
    MAX = "max", _("Бот MAX")


class MessageKind(models.TextChoices):
    DIGEST = "digest", _("Ежедневная сводка")
    OVERDUE = "overdue", _("Новая просрочка")
    ESCALATION = "escalation", _("Эскалация")
    REPORT = "report", _("Отчёт по подписке")
