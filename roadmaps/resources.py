from __future__ import annotations

from import_export import fields, widgets

from roadmap_portal.import_formats import PortalResource

from .deadlines import DeadlineParseError, parse_deadline
from .models import Measure, Roadmap, Section
from .services.parts import measures_edited


class MeasureResource(PortalResource):
    """Admin import/export of measures; the printed deadline is parsed on import.

    Status, completion date and version are exported but never imported: a status changes
    only through `roadmaps.services` (which writes the history and bumps the version), so a
    file cannot move a measure to «выполнено» behind its back.
    """

    roadmap = fields.Field(
        attribute="roadmap", column_name="roadmap", widget=widgets.ForeignKeyWidget(Roadmap, "code")
    )
    section = fields.Field(attribute="section__number", column_name="section", readonly=False)
    responsible = fields.Field(column_name="responsible_agencies", readonly=True)
    status = fields.Field(attribute="status", column_name="status", readonly=True)
    completed_on = fields.Field(
        attribute="completed_on",
        column_name="completed_on",
        readonly=True,
        widget=widgets.DateWidget(),
    )
    version = fields.Field(
        attribute="version",
        column_name="version",
        readonly=True,
        widget=widgets.IntegerWidget(),  # the default Widget makes every value text
    )

    class Meta:
        model = Measure
        import_id_fields = ["roadmap", "number"]
        fields = [
            "roadmap",
            "section",
            "number",
            "title",
            "deadline_text",
            "start_date",
            "due_date",
            "responsible_text",
            "responsible",
            "expected_result",
            "status",
            "completed_on",
            "version",
        ]
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def after_import(self, dataset, result, **kwargs):
        """The measures a file changed: parts and alerts follow as after any edit
        (`measures_edited`, at commit); a dry run or a refused file changes nothing."""
        super().after_import(dataset, result, **kwargs)
        if not self._is_dry_run(kwargs) and not result.has_errors():
            measures_edited(measure_ids=[row.object_id for row in result.rows])

    def dehydrate_responsible(self, measure):
        return "; ".join(r.agency.name for r in measure.ordered_responsibilities)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name in {"section", "start_date", "due_date"}:
            return  # derived below from the section number and the printed deadline
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        try:
            parsed = parse_deadline(instance.deadline_text or "")
        except DeadlineParseError as exc:
            raise ValueError(str(exc)) from exc
        instance.deadline_kind = parsed.kind
        instance.start_date = parsed.start_date
        instance.due_date = parsed.due_date
        instance.recurrence = parsed.recurrence
        number = str(row.get("section") or "").strip()
        if number:
            instance.section, _ = Section.objects.get_or_create(
                roadmap=instance.roadmap,
                number=number,
                defaults={"position": instance.roadmap.sections.count()},
            )
