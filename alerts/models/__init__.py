from .alerts import Alert
from .notifications import Delivery, DigestLog, MaxChannel, NotificationOptOut

__all__ = ["Alert", "Delivery", "DigestLog", "MaxChannel", "NotificationOptOut"]
