"""The project's own table: follow-up tasks waiting to be published (`roadmap_portal.jobs`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingPublish(models.Model):
    """A task to publish once its transaction has committed (`jobs.publish_after_commit`):
    deleted when the broker took it; one left behind is published by the sweeper."""

    task = models.CharField(_("задача"), max_length=200)
    args = models.JSONField(_("аргументы"), default=list, blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("задача, ожидающая отправки в очередь")
        verbose_name_plural = _("задачи, ожидающие отправки в очередь")

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)!r}"
