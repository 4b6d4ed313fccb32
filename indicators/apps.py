from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Показатели и индекс внедрения"
