from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Оповещения"

    def ready(self) -> None:
        from indicators.signals import monitoring_imported, week_approval_changed
        from roadmaps.signals import measure_changed

        from . import receivers

        measure_changed.connect(receivers.sync_after_measure_change, dispatch_uid="alerts")
        monitoring_imported.connect(receivers.sync_after_monitoring_import, dispatch_uid="alerts")
        week_approval_changed.connect(receivers.sync_after_week_approval, dispatch_uid="alerts")
