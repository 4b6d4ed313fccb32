"""Importing a region's roadmap document: reading, preview plan, confirm, new versions."""

from __future__ import annotations

import datetime as dt

import pytest

from agencies.choices import AgencyKind
from agencies.models import Agency, Region
from roadmaps.choices import ChangeKind, MeasureStatus, RoadmapVersionStatus
from roadmaps.imports.document import DocumentError, roadmap_document_read, split_responsible
from roadmaps.models import Measure, MeasureChange, Roadmap, RoadmapVersion
from roadmaps.services.measures import measure_set_status
from roadmaps.services.roadmap_import import (
    RoadmapImportError,
    roadmap_import_plan,
    roadmap_version_apply,
    roadmap_version_upload,
)
from tests.factories import make_agency, make_user
from tests.roadmaps.roadmap_docs import (
    MINCIFRA,
    MINOBR,
    NEW_BODY,
    VERSION_1,
    VERSION_2,
    VERSION_2_TITLE,
    build_csv,
    build_docx,
    build_xlsx,
)


@pytest.fixture
def kaluga(seeded):
    region = Region.objects.get(code="40")
    minobr = make_agency(region, name=MINOBR)
    mincifra = make_agency(region, name=MINCIFRA)
    return region, minobr, mincifra


def _import(region, name, data, roadmap=None, choices=None, actor=None):
    version = roadmap_version_upload(
        region=region, name=name, data=data, actor=actor, roadmap=roadmap
    )
    return roadmap_version_apply(version=version, actor=actor, choices=choices)


# --- Reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("tables", [1, 2])
def test_docx_reads_sections_measures_steps_and_deadlines(tables):
    parsed = roadmap_document_read(name="карта.docx", data=build_docx(VERSION_1, tables=tables))
    assert parsed.errors == []
    assert parsed.format == "docx"
    assert parsed.approved_on == dt.date(2025, 8, 22)
    assert parsed.document_number == "412-рп"
    assert "ДОРОЖНАЯ КАРТА" in parsed.title
    assert [(s.number, s.title) for s in parsed.sections] == [
        ("1", "Общие мероприятия"),
        ("2", "Образование"),
    ]
    # the column-number row and the header repeated at the page break are not measures
    assert [m.number for m in parsed.measures] == ["1.1", "1.2", "1.3", "2.1", "2.2"]
    first = parsed.measures[0]
    assert first.title == "Создать официальные каналы органов власти в MAX"
    assert first.steps == [
        "определить ответственных",
        "создать каналы",
        "разместить ссылки на сайтах",
    ]
    assert first.expected_result == "Каналы созданы"
    assert first.section == 0 and parsed.measures[3].section == 1
    by_number = {m.number: m for m in parsed.measures}
    # «до 15 сентября» takes its year from the approval date
    assert by_number["1.2"].deadline.due_date == dt.date(2025, 9, 15)
    assert by_number["1.3"].deadline.kind == "quarter"
    assert by_number["1.3"].deadline.due_date == dt.date(2025, 12, 31)
    assert by_number["2.1"].deadline.recurrence == "monthly"
    assert by_number["2.2"].deadline.start_date == dt.date(2025, 9, 1)
    assert by_number["2.2"].responsible_names == [MINOBR, NEW_BODY]


def test_xlsx_title_block_merged_sections_and_real_dates():
    rows = [*VERSION_1, ("3.1", "Итоговый отчёт", dt.datetime(2025, 12, 25), MINOBR)]
    parsed = roadmap_document_read(name="карта.xlsx", data=build_xlsx(rows))
    assert parsed.errors == []
    assert parsed.format == "xlsx"
    assert parsed.approved_on == dt.date(2025, 8, 22)
    assert len(parsed.sections) == 2
    assert [m.number for m in parsed.measures][-1] == "3.1"
    last = parsed.measures[-1]
    # a real date cell becomes its printed form
    assert last.deadline_text == "25.12.2025" and last.deadline_was_date
    assert last.deadline.kind == "date" and last.deadline.due_date == dt.date(2025, 12, 25)
    assert parsed.measures[0].steps[1] == "создать каналы"


def test_csv_same_shape_cp1251():
    parsed = roadmap_document_read(name="карта.csv", data=build_csv(VERSION_1))
    assert parsed.errors == []
    assert [m.number for m in parsed.measures] == ["1.1", "1.2", "1.3", "2.1", "2.2"]
    assert parsed.sections[1].title == "Образование"


def test_split_responsible_keeps_collective_names_whole():
    collective = (
        "Органы местного самоуправления, расположенные на территории Свердловской области, "
        "и их подведомственные организации"
    )
    assert split_responsible(collective) == [collective]
    assert split_responsible("РОИВ, ВК") == ["РОИВ", "ВК"]
    assert split_responsible("Минобр;\nМинцифры.") == ["Минобр", "Минцифры"]


# --- Broken documents ---------------------------------------------------------------------


def test_docx_without_table_is_refused(kaluga):
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("Дорожная карта: таблица будет позже")
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(RoadmapImportError) as error:
        roadmap_version_upload(region=kaluga[0], name="x.docx", data=buffer.getvalue(), actor=None)
    assert "В документе нет таблицы" in error.value.messages[0]
    assert not RoadmapVersion.objects.exists()


def test_missing_and_unknown_columns_are_named():
    header = ("№ п/п", "Мероприятие", "Ответственный")
    parsed_error = None
    try:
        roadmap_document_read(name="x.docx", data=build_docx([("1", "А", "Минобр")], header=header))
    except Exception as error:  # DocumentError
        parsed_error = error
    assert "нет обязательных столбцов: «Срок»" in parsed_error.messages[0]

    header = ("№ п/п", "Мероприятие", "Срок", "Ответственный", "Примечание")
    parsed = roadmap_document_read(
        name="x.xlsx", data=build_xlsx([("1", "А", "31.08.2025", "Минобр", "")], header=header)
    )
    assert parsed.errors == ["Строка 4, столбец E: неизвестный столбец «Примечание»."]


def test_unparseable_deadline_and_missing_number_named_by_row(kaluga):
    rows = [
        ("section", "1. Общие"),
        ("1.1", "Первое", "31.08.2025", MINOBR),
        ("1.2", "Второе", "когда-нибудь", MINOBR),
        ("", "Без номера", "31.08.2025", MINOBR),
        ("1.1", "Повтор номера", "31.08.2025", MINOBR),
    ]
    parsed = roadmap_document_read(name="x.docx", data=build_docx(rows))
    assert parsed.errors == [
        "Строка 4, столбец «Срок»: Не удалось разобрать срок: «когда-нибудь» "
        "(неизвестное слово «когда»)",
        "Строка 5, столбец «№ п/п»: не указан номер мероприятия.",
        "Строка 6, столбец «№ п/п»: номер 1.1 повторяется (уже был: строка 3).",
    ]
    xlsx = roadmap_document_read(name="x.xlsx", data=build_xlsx(rows))
    # title block (2 rows), an empty row, the header on row 4: the bad deadline is row 7
    assert xlsx.errors[0].startswith("Строка 7, столбец «Срок»: Не удалось разобрать срок")
    # nothing is written from a document with errors
    version = roadmap_version_upload(
        region=kaluga[0], name="x.docx", data=build_docx(rows), actor=None
    )
    with pytest.raises(RoadmapImportError):
        roadmap_version_apply(version=version, actor=None)
    assert not Roadmap.objects.filter(region=kaluga[0]).exists()
    assert not Agency.objects.filter(name=NEW_BODY).exists()


# --- Plan and first import ----------------------------------------------------------------


def test_agencies_exact_close_and_new(kaluga):
    region, minobr, mincifra = kaluga
    parsed = roadmap_document_read(name="x.docx", data=build_docx(VERSION_1))
    plan = roadmap_import_plan(region=region, roadmap=None, parsed=parsed)
    kinds = {match.name: (match.kind, match.agency) for match in plan.agencies.values()}
    assert kinds[MINOBR] == ("exact", minobr)
    assert kinds["Министерство цифрового развитя Калужской обл"] == ("close", mincifra)
    assert kinds[NEW_BODY] == ("new", None)
    assert plan.errors == [] and plan.has_changes


def test_first_import_writes_roadmap_and_same_document_twice_changes_nothing(kaluga):
    region, minobr, mincifra = kaluga
    data = build_docx(VERSION_1)
    result = _import(region, "карта.docx", data)
    roadmap = result.roadmap
    assert result.changed and result.version.number == 1
    assert result.version.approved_on == dt.date(2025, 8, 22)
    assert roadmap.approved_on == dt.date(2025, 8, 22) and roadmap.document_number == "412-рп"
    measures = {m.number: m for m in Measure.objects.filter(roadmap=roadmap)}
    assert list(measures) == ["1.1", "1.2", "1.3", "2.1", "2.2"]
    assert [s.title for s in measures["1.1"].steps.all()][0] == "определить ответственных"
    assert measures["1.2"].due_date == dt.date(2025, 9, 15)
    assert [r.agency for r in measures["1.2"].ordered_responsibilities] == [minobr, mincifra]
    new_body = Agency.objects.get(name=NEW_BODY)
    assert new_body.region == region and new_body.kind == AgencyKind.ROIV
    assert measures["2.2"].section.title == "Образование"
    changes_before = MeasureChange.objects.filter(measure__roadmap=roadmap).count()

    again = _import(region, "карта.docx", data, roadmap=roadmap)
    assert not again.changed
    assert again.version.status == RoadmapVersionStatus.UNCHANGED
    assert MeasureChange.objects.filter(measure__roadmap=roadmap).count() == changes_before
    assert Agency.objects.filter(name=NEW_BODY).count() == 1
    assert roadmap.versions.filter(status=RoadmapVersionStatus.APPLIED).count() == 1


def test_close_match_can_be_turned_into_a_new_agency(kaluga):
    region = kaluga[0]
    version = roadmap_version_upload(
        region=region, name="x.docx", data=build_docx(VERSION_1), actor=None
    )
    key = "министерство цифрового развитя калужской обл"
    roadmap_version_apply(version=version, actor=None, choices={key: "new"})
    assert Agency.objects.filter(name="Министерство цифрового развитя Калужской обл").exists()


# --- A new version ------------------------------------------------------------------------


def test_new_version_keeps_matched_measures_and_archives_dropped_ones(kaluga):
    region, minobr, _mincifra = kaluga
    actor = make_user("admin")
    first = _import(region, "v1.docx", build_docx(VERSION_1))
    roadmap = first.roadmap
    old = {m.number: m for m in Measure.objects.filter(roadmap=roadmap)}
    measure_set_status(
        measure=old["2.2"],
        status=MeasureStatus.IN_PROGRESS,
        actor=actor,
        comment="начали",
        expected_version=old["2.2"].version,
    )
    measure_set_status(
        measure=old["1.3"],
        status=MeasureStatus.IN_PROGRESS,
        actor=actor,
        comment="идёт",
        expected_version=old["1.3"].version,
    )

    data = build_xlsx(VERSION_2, title_block=VERSION_2_TITLE)
    version = roadmap_version_upload(
        region=region, name="v2.xlsx", data=data, actor=actor, roadmap=roadmap
    )
    from roadmaps.services.roadmap_import import version_plan

    plan = version_plan(version)
    kinds = {(d.parsed or d.existing).number: d for d in plan.measures}
    assert kinds["1.3"].kind == "removed"
    assert kinds["2.3"].kind == "added"
    assert kinds["2.1"].deadline_moved and kinds["2.1"].changes["due_date"] == (
        "26.12.2025",
        "30.01.2026",
    )
    assert kinds["2.2"].reworded and not kinds["2.2"].deadline_moved
    assert kinds["1.1"].kind == "unchanged"
    counts = plan.counts
    assert (counts["added"], counts["removed"], counts["deadline_moved"], counts["reworded"]) == (
        1,
        1,
        1,
        1,
    )

    result = roadmap_version_apply(version=version, actor=actor)
    assert result.version.number == 2
    assert result.version.approved_on == dt.date(2025, 11, 10)
    roadmap.refresh_from_db()
    assert roadmap.approved_on == dt.date(2025, 11, 10)
    now = {m.number: m for m in Measure.objects.filter(roadmap=roadmap)}
    assert list(now) == ["1.1", "1.2", "2.1", "2.2", "2.3"]
    # matched measures are the same rows: status and history kept
    assert now["2.2"].pk == old["2.2"].pk
    assert now["2.2"].status == MeasureStatus.IN_PROGRESS
    assert now["2.2"].title == "Провести обучение педагогов и методистов работе в MAX"
    kinds_22 = list(now["2.2"].changes.values_list("kind", flat=True))
    assert ChangeKind.STATUS in kinds_22 and ChangeKind.VERSION in kinds_22
    assert now["2.1"].due_date == dt.date(2026, 1, 30)
    assert now["2.3"].deadline_text == "27.02.2026" and now["2.3"].due_date == dt.date(2026, 2, 27)
    # the dropped measure is archived with its history, never deleted
    archived = Measure.all_objects.get(pk=old["1.3"].pk)
    assert archived.archived_in == result.version and archived.archived_at is not None
    assert archived.status == MeasureStatus.IN_PROGRESS
    assert archived.changes.filter(kind=ChangeKind.ARCHIVED).exists()
    assert archived.changes.filter(kind=ChangeKind.STATUS).exists()
    assert not Measure.objects.filter(pk=archived.pk).exists()
    assert not roadmap.measures.filter(pk=archived.pk).exists()
    # five measures in force, all open: the archived one is not counted as overdue
    assert Measure.objects.overdue_on(dt.date(2030, 1, 1)).filter(roadmap=roadmap).count() == 5

    # the same amended document again: nothing changes
    again = _import(region, "v2.xlsx", data, roadmap=roadmap)
    assert not again.changed


def test_renumbered_measure_is_matched_by_wording(kaluga):
    region = kaluga[0]
    first = _import(region, "v1.docx", build_docx(VERSION_1))
    before = {m.title: m.pk for m in Measure.objects.filter(roadmap=first.roadmap)}
    rows = [row for row in VERSION_1 if row[0] != "1.1"]
    rows = [
        (("1.1", *row[1:]) if row[0] == "1.2" else ("1.2", *row[1:]) if row[0] == "1.3" else row)
        for row in rows
    ]
    result = _import(region, "v2.docx", build_docx(rows), roadmap=first.roadmap)
    after = {m.title: (m.pk, m.number) for m in Measure.objects.filter(roadmap=first.roadmap)}
    assert after["Перевести рабочие чаты в MAX"] == (before["Перевести рабочие чаты в MAX"], "1.1")
    assert after["Провести информационную кампанию"][1] == "1.2"
    assert result.counts["removed"] == 1 and result.counts["renumbered"] == 2


def test_docx_with_xml_entities_is_refused_before_parsing():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'
        )
    with pytest.raises(DocumentError) as error:
        roadmap_document_read(name="x.docx", data=buffer.getvalue())
    assert "Файл DOCX содержит объявления XML-сущностей" in error.value.messages[0]


def test_size_limit_and_old_word_format(kaluga, settings):
    data = build_docx(VERSION_1)
    settings.ROADMAP_UPLOAD_MAX_BYTES = len(data) - 1
    with pytest.raises(RoadmapImportError) as error:
        roadmap_version_upload(region=kaluga[0], name="x.docx", data=data, actor=None)
    assert error.value.messages == ["Файл больше допустимого размера: не более 0,1 МБ."]
    settings.ROADMAP_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    with pytest.raises(RoadmapImportError) as error:
        roadmap_version_upload(region=kaluga[0], name="x.doc", data=b"\xd0\xcf\x11\xe0", actor=None)
    assert "Формат DOC не поддерживается" in error.value.messages[0]


def test_ticked_step_survives_a_new_version_without_it(kaluga):
    region = kaluga[0]
    first = _import(region, "v1.docx", build_docx(VERSION_1))
    measure = Measure.objects.get(roadmap=first.roadmap, number="1.1")
    step = measure.steps.get(position=2)
    step.done_on = dt.date(2025, 8, 20)
    step.save()
    rows = [
        (*row[:1], row[1].rsplit("\n", 1)[0], *row[2:]) if row[0] == "1.1" else row
        for row in VERSION_1
    ]
    # a ticked step is history: the document dropping it changes nothing
    assert not _import(region, "v2.docx", build_docx(rows), roadmap=first.roadmap).changed
    assert measure.steps.filter(pk=step.pk, done_on=dt.date(2025, 8, 20)).exists()
    # an open one goes with the new version
    step.done_on = None
    step.save()
    result = _import(region, "v2.docx", build_docx(rows), roadmap=first.roadmap)
    assert result.counts["changed"] == 1
    assert not measure.steps.filter(pk=step.pk).exists()


def test_xlsx_cells_merged_down_apply_to_every_row():
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Дорожная карта на 2025 год"])
    sheet.append(["№ п/п", "Мероприятие", "Срок", "Ответственный"])
    sheet.append(["1", "Первое", "31.08.2025", MINOBR])
    sheet.append(["2", "Второе", None, None])
    sheet.append(["3", "Третье", "август", MINCIFRA])
    sheet.merge_cells("C3:C4")
    sheet.merge_cells("D3:D4")
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = roadmap_document_read(name="x.xlsx", data=buffer.getvalue())
    assert parsed.errors == []
    second = parsed.measures[1]
    assert second.deadline_text == "31.08.2025" and second.responsible_names == [MINOBR]
    # «август» takes the year of the title
    assert parsed.measures[2].deadline.due_date == dt.date(2025, 8, 31)


def test_docx_section_row_with_number_apart_from_merged_title():
    rows = [
        ("section-split", "1.", "Общие мероприятия"),
        ("1.1", "Первое", "31.08.2025", MINOBR),
        ("section-split", "2.", "Образование"),
        ("2.1", "Второе", "31.08.2025", MINOBR),
    ]
    parsed = roadmap_document_read(name="x.docx", data=build_docx(rows))
    assert parsed.errors == []
    assert [(s.number, s.title) for s in parsed.sections] == [
        ("1", "Общие мероприятия"),
        ("2", "Образование"),
    ]
    assert [m.section for m in parsed.measures] == [0, 1]


def test_archived_measure_alert_closes(kaluga):
    from alerts.models import Alert
    from alerts.services import alerts_sync

    region = kaluga[0]
    first = _import(region, "v1.docx", build_docx(VERSION_1))
    dropped = Measure.objects.get(roadmap=first.roadmap, number="1.3")
    on_date = dt.date(2026, 1, 20)
    alerts_sync(region=region, on_date=on_date)
    assert Alert.objects.filter(measure=dropped).open().exists()
    _import(region, "v2.xlsx", build_xlsx(VERSION_2, title_block=VERSION_2_TITLE), first.roadmap)
    alerts_sync(region=region, on_date=on_date)
    assert not Alert.objects.filter(measure=dropped).open().exists()
    assert Alert.objects.filter(measure__roadmap=first.roadmap).open().exists()


def test_a_failure_half_way_writes_nothing(kaluga, monkeypatch):
    from django.core.exceptions import ValidationError

    from roadmaps.services import roadmap_import

    region = kaluga[0]
    calls = []

    def failing(measure, titles):
        calls.append(measure.number)
        if len(calls) == 3:
            raise ValidationError("сбой на третьем мероприятии")

    monkeypatch.setattr(roadmap_import, "_steps_sync", failing)
    version = roadmap_version_upload(
        region=region, name="v1.docx", data=build_docx(VERSION_1), actor=None
    )
    with pytest.raises(RoadmapImportError):
        roadmap_version_apply(version=version, actor=None)
    assert not Roadmap.objects.filter(region=region).exists()
    assert not Agency.objects.filter(name=NEW_BODY).exists()
    version.refresh_from_db()
    assert version.status == RoadmapVersionStatus.DRAFT and version.number is None


def test_a_roadmap_document_name_keeps_no_direction_override(kaluga):
    """The version's file name is shown in the versions list and in every history entry
    of the import («Версия 1 дорожной карты (…)»)."""
    from roadmaps.services.roadmap_import import roadmap_version_upload

    version = roadmap_version_upload(
        region=kaluga[0], name="карта\u202excod.exe", data=build_docx(VERSION_1), actor=None
    )
    assert version.file_name == "картаxcod.exe"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x85"])
def test_a_control_character_in_a_cell_is_refused_by_row_and_column(kaluga, char):
    """A NUL in a measure's title was written as it came (on PostgreSQL: a database error,
    a 500) and other control characters were kept and shown; line breaks and tabs stay
    allowed (sub-steps are lines of the cell). The row and the column are named, nothing
    is written, as for a monitoring file."""
    rows = [
        ("section", "1. Общие мероприятия"),
        ("1.1", "Создать каналы\n– определить\tответственных", "31.08.2025", MINOBR),
        ("1.2", f"Перевести{char}чаты", "31.08.2025", MINOBR),
    ]
    with pytest.raises(RoadmapImportError) as error:
        _import(kaluga[0], "карта.csv", build_csv(rows, encoding="utf-8"))
    (message,) = error.value.messages
    assert "Строка 6, столбец «Мероприятие»" in message
    assert f"U+{ord(char):04X}" in message
    assert not Measure.objects.filter(roadmap__region=kaluga[0]).exists()


def test_a_status_saved_while_a_version_is_applied_keeps_the_history_in_order(kaluga, monkeypatch):
    """A user saved a status between the import's plan and its writes: the import's entry
    carried the version the plan had read plus one (the same as the user's entry) while
    the measure moved two on, so a form opened after the user's save was refused with
    «nothing changed» listed. Each entry carries the version its write made."""
    from roadmaps.services import roadmap_import

    region = kaluga[0]
    actor = make_user("admin")
    first = _import(region, "v1.docx", build_docx(VERSION_1))
    version = roadmap_version_upload(
        region=region,
        name="v2.xlsx",
        data=build_xlsx(VERSION_2, title_block=VERSION_2_TITLE),
        actor=actor,
        roadmap=first.roadmap,
    )
    real_plan = roadmap_import.version_plan

    def plan_then_a_user_saves(draft):
        plan = real_plan(draft)
        measure = Measure.objects.get(roadmap=first.roadmap, number="2.2")
        measure_set_status(
            measure=measure,
            status=MeasureStatus.IN_PROGRESS,
            actor=actor,
            comment="начали",
            expected_version=measure.version,
        )
        return plan

    monkeypatch.setattr(roadmap_import, "version_plan", plan_then_a_user_saves)
    roadmap_version_apply(version=version, actor=actor)
    measure = Measure.objects.get(roadmap=first.roadmap, number="2.2")
    entries = list(MeasureChange.objects.filter(measure=measure).order_by("id"))
    versions = [entry.version for entry in entries]
    assert versions == sorted(versions)  # in the order they were made
    user = [entry.version for entry in entries if entry.comment == "начали"]
    (imported,) = [entry for entry in entries if entry.kind == ChangeKind.VERSION]
    assert imported.version == measure.version and imported.version > max(user)
