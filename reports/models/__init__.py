from .exports import GeneratedExport
from .subscriptions import ReportSubscription, SubscriptionAttempt, SubscriptionDelivery

__all__ = ["GeneratedExport", "ReportSubscription", "SubscriptionAttempt", "SubscriptionDelivery"]
