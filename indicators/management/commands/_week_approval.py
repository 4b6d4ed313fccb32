"""What `submit_week`, `approve_week`, `return_week` and `reopen_week` share: the same
services as the approval pages, the same checks; a refusal is a Russian message and a
non-zero exit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from agencies.commands import PortalCommand
from agencies.models import User
from indicators.approval import state_label
from roadmap_portal.dates import DATE_HINT


class WeekApprovalCommand(PortalCommand):
    service: Callable[..., Any]
    text_option = "comment"  # or "reason" (required)
    done = ""

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="код субъекта")
        parser.add_argument("--week", required=True, help=f"понедельник недели ({DATE_HINT})")
        parser.add_argument("--as", dest="as_user", required=True, help="от имени пользователя")
        if self.text_option == "reason":
            parser.add_argument("--reason", required=True, help="причина")
        else:
            parser.add_argument("--comment", default="", help="комментарий")

    def handle(self, *args, region, week, as_user, **options):
        region_obj = self.region_option(region)
        week_start = self.date_option(week)
        actor = User.objects.filter(username=as_user).first()
        if actor is None:
            raise CommandError(f"Нет пользователя: {as_user}")
        service = type(self).service
        try:
            approval = service(
                region=region_obj,
                week_start=week_start,
                actor=actor,
                **{self.text_option: options.get(self.text_option) or ""},
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "Нет права на это действие.") from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            f"{region_obj.code} {region_obj.name}, неделя с {week_start:%d.%m.%Y}: "
            f"{self.done} Состояние: {state_label(approval.state)}."
        )
