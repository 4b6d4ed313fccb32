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
from django.conf import settings


class PortalAxesHandler(AxesDatabaseHandler):
    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def client_ip(request) -> str | None:
    """The client's address for the login limits (AXES_CLIENT_IP_CALLABLE).

    Without `LOGIN_CLIENT_IP_HEADER`: `REMOTE_ADDR`. Behind a reverse proxy every request
    comes from the proxy, so its address would lock everyone out at once: set the header the
    proxy writes (`X-Real-IP`, or `X-Forwarded-For`, whose last entry — the one the proxy
    itself appended — is taken; earlier entries come from the client and prove nothing).
    """
    header = settings.LOGIN_CLIENT_IP_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        value = request.META.get(meta_key, "")
        candidate = value.split(",")[-1].strip()
        if candidate:
            return candidate
    return request.META.get("REMOTE_ADDR")
