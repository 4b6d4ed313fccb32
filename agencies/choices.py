from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    ROIV = "roiv", _("Исполнительный орган субъекта (РОИВ)")
    OMSU = "omsu", _("Орган местного самоуправления (ОМСУ)")
    SUBORDINATE = "subordinate", _("Подведомственная организация")
    PARTNER = "partner", _("Партнёр")
    COLLECTIVE = "collective", _("Собирательное обозначение")
    FEDERAL = "federal", _("Федеральный орган")


class CollectiveScope(models.TextChoices):
    """Which bodies of a region a collective designation stands for."""

    ROIV = "roiv", _("Исполнительные органы субъекта")
    OMSU = "omsu", _("Органы местного самоуправления")


class OrgType(models.TextChoices):
    """Organisation types of the Sferum monitoring; labels are the abbreviations in files."""

    SCHOOL = "school", _("ОО")
    COLLEGE = "college", _("СПО")
    ADDITIONAL = "additional", _("ДО")
    PRESCHOOL = "preschool", _("ДОО")
    ROIV = "roiv", _("РОИВ")
    OMSU = "omsu", _("ОМСУ")
    SUBORDINATE = "subordinate", _("ПО")


ORG_TYPE_NAMES = {
    OrgType.SCHOOL: _("Общеобразовательная организация"),
    OrgType.COLLEGE: _("Профессиональная образовательная организация"),
    OrgType.ADDITIONAL: _("Организация дополнительного образования"),
    OrgType.PRESCHOOL: _("Дошкольная образовательная организация"),
    OrgType.ROIV: _("Орган управления образованием субъекта"),
    OrgType.OMSU: _("Муниципальный орган управления образованием"),
    OrgType.SUBORDINATE: _("Подведомственная организация"),
}


class Role(models.TextChoices):
    STAFF = "staff", _("Сотрудник органа власти")
    COORDINATOR = "coordinator", _("Региональный координатор")
    ANALYST = "analyst", _("Аналитик")
    ADMIN = "admin", _("Администратор")
