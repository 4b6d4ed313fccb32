"""django-axes' database handler, with a success that forgives only the account's own failures.

Axes' stock reset on a successful login deletes every attempt matching the request's lockout
parameters, the address included: whoever has any account could then wipe the failures they
made against someone else's account from their address by logging into their own, and
guess on. Here a successful login deletes the failures recorded for its username only.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt


class PortalAxesHandler(AxesDatabaseHandler):
    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
