"""Roadmap status report: values, types, highlighting, summaries, scope, neutralisation."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from agencies.models import Region
from reports.exports.jobs import export_write
from reports.exports.registry import ExportParams
from roadmap_portal import ru_formats
from roadmaps.choices import MeasureStatus
from roadmaps.models import Measure, MeasureChange
from tests.reports.conftest import HOSTILE, assert_no_formulas, by_header, open_xlsx, table

pytestmark = pytest.mark.django_db

# 20:00 UTC on 09.09.2025 is already 10.09.2025 in Yekaterinburg (UTC+5)
NOW = dt.datetime(2025, 9, 9, 20, 0, tzinfo=dt.UTC)


@pytest.fixture
def sverdlovsk_measures(personas):
    measures = {
        m.number: m
        for m in Measure.objects.filter(
            roadmap__region__code="66", number__in=["1.1", "1.2", "1.3", "3.4"]
        )
    }
    m = measures["1.1"]
    m.title = HOSTILE[0]
    m.save()
    done = measures["1.2"]
    done.status = MeasureStatus.DONE
    done.completed_on = dt.date(2025, 9, 5)  # done late: due 31.08.2025
    done.save()
    MeasureChange.objects.create(
        measure=m, kind="status", actor=personas.ministry_user, comment="первый"
    )
    MeasureChange.objects.create(
        measure=m, kind="status", actor=personas.ministry_user, comment=HOSTILE[1]
    )
    MeasureChange.objects.create(measure=m, kind="edit", actor=personas.ministry_user, comment="")
    return measures


def write(tmp_path, user, region="66", fmt="xlsx"):
    path = tmp_path / f"rs.{fmt}"
    written = export_write(
        kind="roadmap_status",
        params=ExportParams(region=region),
        user=user,
        fmt=fmt,
        path=str(path),
        now=NOW,
    )
    return path, written


def test_measures_sheet(tmp_path, personas, sverdlovsk_measures):
    path, written = write(tmp_path, personas.coordinator)
    assert written.rows == 44
    assert written.filename.startswith("roadmap_status_66_")
    wb = open_xlsx(str(path))
    assert wb.sheetnames == ["Мероприятия", "Сводка по разделам", "Сводка по органам"]
    ws = wb["Мероприятия"]
    assert ws["A1"].value == "Статус выполнения дорожных карт"
    assert ws["A2"].value == "Субъект РФ: Свердловская область"
    assert ws["A3"].value == "Период: по состоянию на 10.09.2025"
    assert personas.coordinator.username in ws["A5"].value
    headers, rows = table(ws)
    assert headers == [
        "Субъект РФ",
        "Раздел",
        "№",
        "Мероприятие",
        "Срок (как в документе)",
        "Начало срока",
        "Срок исполнения",
        "Ответственные",
        "Статус",
        "Дата выполнения",
        "Дней просрочки",
        "Выполнено с опозданием, дней",
        "Последний комментарий",
        "Дата комментария",
        "Не выполнили свою часть",
    ]
    assert ws.freeze_panes == "A8" and ws.auto_filter.ref == "A7:O51"
    assert len(rows) == 44
    cells = {by_header(headers, r)["№"].value: by_header(headers, r) for r in rows}
    first = cells["1.1"]
    assert first["Мероприятие"].value == "'" + HOSTILE[0]
    assert first["Раздел"].value.startswith("1. ")
    assert first["Срок (как в документе)"].value == "31.08.2025"
    assert first["Срок исполнения"].value == dt.datetime(2025, 8, 31)
    assert first["Срок исполнения"].number_format == "dd.mm.yyyy"
    assert first["Начало срока"].value is None
    assert first["Ответственные"].value.startswith("Исполнительные органы государственной власти")
    assert first["Статус"].value == "Не начато"
    assert first["Дней просрочки"].value == 10  # region local date, not Moscow's (9)
    assert first["Дней просрочки"].data_type == "n"
    assert first["Последний комментарий"].value == "'" + HOSTILE[1]  # latest non-empty
    assert first["Дата комментария"].is_date
    assert first["№"].fill.fgColor.rgb.endswith("F8D7DA")  # overdue row highlighted
    # the collective designation: every executive body that has not done its part
    assert "Министерство образования Свердловской области" in (
        first["Не выполнили свою часть"].value
    )

    done = cells["1.2"]
    assert done["Статус"].value == "Выполнено"
    assert done["Дата выполнения"].value == dt.datetime(2025, 9, 5)
    assert done["Дней просрочки"].value == 0
    assert done["Выполнено с опозданием, дней"].value == 5  # done 05.09.2025, due 31.08.2025
    assert done["Выполнено с опозданием, дней"].data_type == "n"
    assert done["№"].fill.fgColor.rgb in (None, "00000000")
    not_due = cells["1.3"]
    assert not_due["Дней просрочки"].value == 0
    assert not_due["Выполнено с опозданием, дней"].value is None
    several = cells["3.4"]
    assert ";" in several["Ответственные"].value  # every body, the lead first
    assert_no_formulas(wb)


def test_summaries(tmp_path, personas, sverdlovsk_measures):
    path, _ = write(tmp_path, personas.analyst)
    wb = open_xlsx(str(path))
    headers, rows = table(wb["Сводка по разделам"])
    assert headers[:3] == ["Субъект РФ", "Раздел", "Всего"]
    assert sum(r[2].value for r in rows) == 44
    section1 = by_header(headers, rows[0])
    assert section1["Раздел"].value.startswith("1. ")
    assert section1["Выполнено"].value == 1 and section1["в т.ч. с опозданием"].value == 1
    assert section1["Доля выполненных"].value == pytest.approx(1 / section1["Всего"].value)
    assert section1["Доля выполненных"].number_format == ru_formats.XLSX_PERCENT
    assert section1["Просрочено"].value == 1  # 1.1 (1.2 is done; the rest are due later)

    headers, rows = table(wb["Сводка по органам"])
    assert headers[:4] == [
        "Субъект РФ",
        "Ответственный орган",
        "Всего",
        "из них ведущий исполнитель",
    ]
    agencies = {r[1].value: by_header(headers, r) for r in rows}
    lead = sverdlovsk_measures["1.1"].responsibilities.get(position=0).agency.name
    roiv = agencies[lead]
    assert roiv["Всего"].value >= roiv["из них ведущий исполнитель"].value >= 1
    assert roiv["Просрочено"].value == 1


def test_all_regions_in_scope(tmp_path, personas):
    path, written = write(tmp_path, personas.coordinator, region="")
    wb = open_xlsx(str(path))
    _, rows = table(wb["Мероприятия"])
    regions = {r[0].value for r in rows}
    # own region and the federal plan (visible to everybody); nothing of Moscow oblast
    assert regions == {"Свердловская область", "Федеральный план"}
    assert wb["Мероприятия"]["A2"].value == "Субъект РФ: все доступные субъекты"
    path, _ = write(tmp_path, personas.analyst, region="")
    _, rows = table(open_xlsx(str(path))["Мероприятия"])
    assert len({r[0].value for r in rows}) > 3


def test_out_of_scope_region_is_refused(tmp_path, personas):
    with pytest.raises(Region.DoesNotExist):
        write(tmp_path, personas.outsider, region="66")


def test_csv(tmp_path, personas, sverdlovsk_measures):
    path, written = write(tmp_path, personas.coordinator, fmt="csv")
    assert written.filename.endswith(".csv") and written.content_type.startswith("text/csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == 44
    row = next(r for r in rows if r["№"] == "1.1")
    assert row["Мероприятие"] == "'" + HOSTILE[0]
    assert row["Срок исполнения"] == "31.08.2025"
    assert row["Дней просрочки"] == "10"
    assert row["Последний комментарий"] == "'" + HOSTILE[1]


def test_query_count_does_not_grow_with_measures(tmp_path, personas, django_assert_max_num_queries):
    with django_assert_max_num_queries(6) as one_region:
        write(tmp_path, personas.analyst, region="66")
    with django_assert_max_num_queries(len(one_region.captured_queries)):
        path, written = write(tmp_path, personas.analyst, region="")
    assert written.rows == Measure.objects.count() > 44
