"""`manage.py reopen_week --region CODE --week YYYY-MM-DD --as USERNAME --reason TEXT`.

The twin of the approval page's action (`indicators.services.approval.week_reopen`).
"""

from indicators.services.approval import week_reopen

from ._week_approval import WeekApprovalCommand


class Command(WeekApprovalCommand):
    help = "Открыть утверждённую неделю для исправления с причиной (нужно право утверждения)."
    service = staticmethod(week_reopen)
    text_option = "reason"
    done = "Открыто для исправления."
