"""`manage.py approve_week --region CODE --week YYYY-MM-DD --as USERNAME [--comment TEXT]`.

The twin of the approval page's action (`indicators.services.approval.week_approve`).
"""

from indicators.services.approval import week_approve

from ._week_approval import WeekApprovalCommand


class Command(WeekApprovalCommand):
    help = "Утвердить неделю мониторинга субъекта (нужно право утверждения)."
    service = staticmethod(week_approve)
    text_option = "comment"
    done = "Утверждено."
