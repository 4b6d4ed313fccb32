from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, widgets

from roadmap_portal.import_formats import PortalResource
from roadmap_portal.tables import cell_text, code_problem

from .choices import OrgType
from .models import Agency, Organisation, Region
from .naming import municipality_get_or_create

ORG_TYPE_BY_LABEL = {str(label).lower(): value for value, label in OrgType.choices}


class OrgTypeWidget(widgets.Widget):
    """Accepts the Russian abbreviations (ОО, СПО, …) and the English keys."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if text in OrgType.values:
            return text
        if text.lower() in ORG_TYPE_BY_LABEL:
            return ORG_TYPE_BY_LABEL[text.lower()]
        raise ValueError(f"Неизвестный тип организации «{text}»")

    def render(self, value, obj=None, **kwargs):
        return OrgType(value).label if value in OrgType.values else value


class OrgCodeWidget(widgets.CharWidget):
    """An organisation's code as the monitoring import and the roster read it: refused, never
    turned into a code, where `tables.code_problem` says it cannot be one («1000123,0», a
    fraction, «6,6E+19», an invisible or control character)."""

    def clean(self, value, row=None, **kwargs):
        if problem := code_problem(value):
            raise ValueError(problem[:1].upper() + problem[1:])
        return cell_text(value)


class AgencyResource(PortalResource):
    region = fields.Field(
        attribute="region", column_name="region", widget=widgets.ForeignKeyWidget(Region, "code")
    )
    parent = fields.Field(
        attribute="parent", column_name="parent", widget=widgets.ForeignKeyWidget(Agency, "code")
    )

    class Meta:
        model = Agency
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "short_name",
            "kind",
            "region",
            "parent",
            "collective_scope",
            "includes_subordinates",
            "email",
        ]
        skip_unchanged = True
        report_skipped = True


class OrganisationResource(PortalResource):
    code = fields.Field(attribute="code", column_name="code", widget=OrgCodeWidget())
    region = fields.Field(
        attribute="region", column_name="region", widget=widgets.ForeignKeyWidget(Region, "code")
    )
    municipality = fields.Field(attribute="municipality__name", column_name="municipality")
    org_type = fields.Field(attribute="org_type", column_name="org_type", widget=OrgTypeWidget())

    class Meta:
        model = Organisation
        import_id_fields = ["code"]
        fields = ["code", "name", "org_type", "region", "municipality"]
        skip_unchanged = True
        report_skipped = True
        # `Organisation.clean` (agencies.naming): a code twin of another code of the region
        # is refused, as the monitoring import and the roster refuse it
        clean_model_instances = True

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name == "municipality":
            return  # set in import_instance, after the region is known
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        # one municipality however it is spaced, a twin of a known one refused: the one
        # function every path creates a municipality with (agencies.naming)
        name = cell_text(row.get("municipality"))
        if name and instance.region_id:
            try:
                instance.municipality, _created = municipality_get_or_create(
                    region_id=instance.region_id, name=name
                )
            except ValidationError as exc:
                errors["municipality__name"] = exc.message_dict.get("name", exc.messages)
        if errors:
            raise ValidationError(errors)
