from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Показатели и индекс внедрения"

    def ready(self) -> None:
        from .index import receivers
        from .signals import monitoring_imported

        monitoring_imported.connect(
            receivers.recompute_after_monitoring_import, dispatch_uid="indicators.index"
        )
