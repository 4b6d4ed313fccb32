from django.contrib import admin

from .models import Alert, Delivery, DigestLog, MaxChannel, NotificationOptOut


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["kind", "region", "severity", "message", "opened_at", "resolved_at"]
    list_filter = ["kind", "severity", ("resolved_at", admin.EmptyFieldListFilter), "region"]
    search_fields = ["message", "cause_key"]
    raw_id_fields = ["measure", "upload", "acknowledged_by", "municipality"]
    date_hierarchy = "opened_at"
    list_select_related = ["region"]


@admin.register(MaxChannel)
class MaxChannelAdmin(admin.ModelAdmin):
    list_display = ["chat_id", "agency", "user", "enabled"]
    list_filter = ["enabled"]
    raw_id_fields = ["agency", "user"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "channel", "message_kind", "recipient", "status", "reason", "attempts"
    ]  # fmt: skip
    list_filter = ["channel", "status", "message_kind"]
    search_fields = ["recipient", "reason"]


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    list_display = ["recipient", "region", "sent_at"]
    list_filter = ["region"]


@admin.register(NotificationOptOut)
class NotificationOptOutAdmin(admin.ModelAdmin):
    list_display = ["user", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["user"]
