"""`manage.py return_week --region CODE --week YYYY-MM-DD --as USERNAME --reason TEXT`.

The twin of the approval page's action (`indicators.services.approval.week_return`).
"""

from indicators.services.approval import week_return

from ._week_approval import WeekApprovalCommand


class Command(WeekApprovalCommand):
    help = "Вернуть направленную неделю на доработку с причиной (нужно право утверждения)."
    service = staticmethod(week_return)
    text_option = "reason"
    done = "Возвращено на доработку."
