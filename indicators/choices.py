from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.IntegerChoices):
    STAGE_1 = 1, _("Этап 1")
    STAGE_2 = 2, _("Этап 2")


class TargetKind(models.TextChoices):
    BASELINE = "baseline", _("Не ниже базового значения региона")
    FIXED = "fixed", _("Фиксированное значение")


class UploadStatus(models.TextChoices):
    PENDING = "pending", _("Ожидает")
    RUNNING = "running", _("Выполняется")
    DONE = "done", _("Загружен")
    REFUSED = "refused", _("Отклонён")
    FAILED = "failed", _("Ошибка")
    REPEAT = "repeat", _("Повтор (файл уже загружен)")


class CriterionKind(models.TextChoices):
    """How a criterion of the implementation index turns its inputs into points."""

    YES_NO = "yes_no", _("Да/нет: баллы за выполнение")
    PER_UNIT = "per_unit", _("Баллы за каждую единицу, не более максимума")
    BANDS = "bands", _("Процентные диапазоны (нижние границы)")
    STEPWISE_SHARE = "stepwise_share", _("Баллы за каждый полный шаг доли")
    ASSESSOR = "assessor", _("Оценка эксперта в пределах диапазона")


class CriterionSource(models.TextChoices):
    FACT = "fact", _("Сведения, внесённые с подтверждением")
    MONITORING = "monitoring", _("Мониторинг Сферума (доля M)")


class FactSource(models.TextChoices):
    FORM = "form", _("Форма на портале")
    IMPORT = "import", _("Загрузка файла")
    COMMAND = "command", _("Командная строка")
    API = "api", _("API")


class ApprovalState(models.TextChoices):
    """A region's monitoring week and its index facts (indicators.approval)."""

    DRAFT = "draft", _("Подготовлено")
    SUBMITTED = "submitted", _("Направлено")
    APPROVED = "approved", _("Утверждено")


class ApprovalAction(models.TextChoices):
    SUBMIT = "submit", _("Направлено на утверждение")
    APPROVE = "approve", _("Утверждено")
    RETURN = "return", _("Возвращено на доработку")
    REOPEN = "reopen", _("Открыто для исправления")
    CORRECT = "correct", _("Исправление данных недели")
