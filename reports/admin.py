from django.contrib import admin

from .models import ReportSubscription, SubscriptionAttempt, SubscriptionDelivery


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    """Subscriptions are made on /reports/subscriptions/ (where the rights are checked); here
    administrators look them up and pause or delete them."""

    list_display = ["kind", "region", "owner", "address", "frequency", "hour", "paused_at"]
    list_filter = ["kind", "frequency", ("paused_at", admin.EmptyFieldListFilter), "region"]
    search_fields = ["address", "owner__username", "owner__email"]
    raw_id_fields = ["owner", "created_by"]
    list_select_related = ["region", "owner"]


class SubscriptionAttemptInline(admin.TabularInline):
    model = SubscriptionAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["attempt", "channel", "recipient", "status", "error", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SubscriptionDelivery)
class SubscriptionDeliveryAdmin(admin.ModelAdmin):
    """The delivery log (read-only: deliveries are written by `subscriptions_send`)."""

    list_display = ["subscription", "period", "status", "attempts", "due_at", "sent_at"]
    list_filter = ["status"]
    date_hierarchy = "due_at"
    inlines = [SubscriptionAttemptInline]
    list_select_related = ["subscription__region", "subscription__owner"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
