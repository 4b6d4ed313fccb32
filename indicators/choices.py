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
