from .alerts import Alert
from .exports import GeneratedExport
from .notifications import Delivery, DigestLog, MaxChannel, NotificationOptOut

__all__ = ["Alert", "Delivery", "DigestLog", "GeneratedExport", "MaxChannel", "NotificationOptOut"]
