"""`manage.py submit_week --region CODE --week YYYY-MM-DD --as USERNAME [--comment TEXT]`.

The twin of the approval page's action (`indicators.services.approval.week_submit`).
"""

from indicators.services.approval import week_submit

from ._week_approval import WeekApprovalCommand


class Command(WeekApprovalCommand):
    help = "Направить неделю мониторинга субъекта на утверждение (как на странице координатора)."
    service = staticmethod(week_submit)
    text_option = "comment"
    done = "Направлено на утверждение."
