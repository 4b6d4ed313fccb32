"""Approval of a region's monitoring week and the index facts of that week.

A (region, week) is «подготовлено» until its coordinator submits it, «направлено» until
ministry staff with the right approve or return it, «утверждено» (locked) until the
approver reopens it with a reason. The row exists from the first transition on; a week
without one is a draft. Every transition, and every correction of a reopened week, is an
`WeekApprovalEvent` (who, when, comment or reason). The rules are `indicators.approval`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Region
from agencies.querysets import RegionScopedQuerySet

from ..choices import ApprovalAction, ApprovalState


class WeekApproval(models.Model):
    """The approval state of one region's monitoring week (Monday `week_start`)."""

    region = models.ForeignKey(
        Region, verbose_name=_("субъект РФ"), on_delete=models.CASCADE, related_name="+"
    )
    week_start = models.DateField(_("начало недели"))
    state = models.CharField(
        _("состояние"),
        max_length=20,
        choices=ApprovalState.choices,
        default=ApprovalState.DRAFT,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто направил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("когда направлено"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто утвердил"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("когда утверждено"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("когда возвращено для исправления"), null=True, blank=True)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    objects = RegionScopedQuerySet.as_manager()
    region_field = "region_id"

    class Meta:
        ordering = ["region", "-week_start"]
        verbose_name = _("утверждение недели мониторинга")
        verbose_name_plural = _("утверждение недель мониторинга")
        permissions = [
            # the right of ministry staff to approve, return and reopen weeks
            # (agencies.access.can_approve_week)
            ("approve_week", _("Может утверждать недели мониторинга")),
        ]
        constraints = [
            # one state per region-week: transitions update it (conditional UPDATE)
            models.UniqueConstraint(fields=["region", "week_start"], name="weekapproval_unique"),
        ]
        indexes = [
            # used by the alerts (submissions waiting) and the approved-only ranking
            models.Index(fields=["state", "region"], name="weekapproval_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.week_start:%d.%m.%Y}: {self.get_state_display()}"


class WeekApprovalEvent(models.Model):
    """One step in the history of a week's approval: who, when, what, and why."""

    approval = models.ForeignKey(
        WeekApproval,
        verbose_name=_("неделя"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("действие"), max_length=20, choices=ApprovalAction.choices)
    from_state = models.CharField(_("было"), max_length=20, choices=ApprovalState.choices)
    to_state = models.CharField(_("стало"), max_length=20, choices=ApprovalState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("кто"),
        on_delete=models.PROTECT,  # a history keeps who: agencies.history
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("когда"), auto_now_add=True)
    comment = models.TextField(_("комментарий или причина"), blank=True)

    class Meta:
        ordering = ["approval", "at", "id"]
        verbose_name = _("событие утверждения недели")
        verbose_name_plural = _("история утверждения недель")

    def __str__(self) -> str:
        return f"{self.approval_id}: {self.get_action_display()} {self.at:%d.%m.%Y %H:%M}"
