"""Alerts report: which alerts belong to the period, values, types, fills, scope,
neutralisation of comments and subjects, CSV, command line, query count."""

from __future__ import annotations

import csv
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from agencies.models import Region
from alerts.choices import AlertKind, Severity
from alerts.models import Alert
from indicators.models import Indicator
from reports.exports.jobs import export_write
from reports.exports.registry import ExportParams
from roadmaps.models import Measure
from tests.factories import make_municipality
from tests.reports.conftest import HOSTILE, assert_no_formulas, by_header, open_xlsx, table

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
FROM, TO = dt.date(2025, 9, 1), dt.date(2025, 9, 30)
NOW = dt.datetime(2025, 10, 10, 12, 0, tzinfo=MSK)


def msk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)


def make_alert(region, kind, key, opened, *, resolved=None, severity=Severity.LOW, **kwargs):
    return Alert.objects.create(
        region=region,
        kind=kind,
        cause_key=key,
        opened_at=opened,
        resolved_at=resolved,
        severity=severity,
        message=kwargs.pop("message", f"Оповещение {key}"),
        **kwargs,
    )


@pytest.fixture
def alerts(personas):
    """Sverdlovsk: an open overdue measure (hostile title, acknowledged with a hostile
    comment), an indicator alert closed in the period, boundary cases on both ends and
    two outside it; Moscow oblast: one open alert."""
    sverdlovsk, moscow = Region.objects.get(code="66"), Region.objects.get(code="50")
    measure = Measure.objects.get(roadmap__region=sverdlovsk, number="1.1")
    measure.title = HOSTILE[0]
    measure.save()
    ack_by = personas.coordinator
    ack_by.first_name, ack_by.last_name = "-1+1", "Иванов"
    ack_by.save()
    muni = make_municipality(sverdlovsk, "@SUM(1)")
    indicator = Indicator.objects.get(number=1)
    return {
        "overdue": make_alert(
            sverdlovsk,
            AlertKind.MEASURE_OVERDUE,
            "m1",
            msk(2025, 9, 1, 10, 0),
            severity=Severity.HIGH,
            measure=measure,
            acknowledged_at=msk(2025, 9, 2, 9, 30),
            acknowledged_by=ack_by,
            ack_comment="+1 уже делаем",
            message='=HYPERLINK("http://evil.example")',
        ),
        "closed": make_alert(
            sverdlovsk,
            AlertKind.INDICATOR_BELOW,
            "i1",
            msk(2025, 8, 15, 12, 0),
            resolved=msk(2025, 9, 10, 8, 0),
            severity=Severity.MEDIUM,
            indicator=indicator,
            municipality=muni,
        ),
        # resolved in the first minutes of `from`: not resolved before it
        "edge_from": make_alert(
            sverdlovsk,
            AlertKind.DATA_STALE,
            "s1",
            msk(2025, 8, 1, 12, 0),
            resolved=msk(2025, 9, 1, 0, 30),
        ),
        # opened late on `to`
        "edge_to": make_alert(
            sverdlovsk,
            AlertKind.ORGS_MISSING,
            "o1",
            msk(2025, 9, 30, 23, 30),
            severity=Severity.MEDIUM,
            municipality=muni,
        ),
        "before": make_alert(
            sverdlovsk,
            AlertKind.DATA_STALE,
            "s0",
            msk(2025, 8, 1, 12, 0),
            resolved=msk(2025, 8, 31, 23, 59),
        ),
        "after": make_alert(sverdlovsk, AlertKind.DATA_STALE, "s2", msk(2025, 10, 1, 0, 1)),
        "moscow": make_alert(
            moscow, AlertKind.MEASURE_DUE_SOON, "m50", msk(2025, 9, 20, 12, 0), severity=2
        ),
    }


def write(tmp_path, user, *, region="", fmt="xlsx", date_from=FROM, date_to=TO):
    path = tmp_path / f"alerts.{fmt}"
    written = export_write(
        kind="alerts",
        params=ExportParams(region=region, date_from=date_from, date_to=date_to),
        user=user,
        fmt=fmt,
        path=str(path),
        now=NOW,
    )
    return path, written


HEADERS = [
    "Код субъекта",
    "Субъект РФ",
    "Вид",
    "Важность",
    "Оповещение",
    "Предмет",
    "Состояние",
    "Открыто",
    "Закрыто",
    "Дней открыто",
    "Принято к сведению",
    "Кто принял к сведению",
    "Комментарий",
]


def test_alerts_of_the_period(tmp_path, personas, alerts):
    path, written = write(tmp_path, personas.analyst)
    assert written.filename.startswith("alerts_all_") and written.rows == 5
    wb = open_xlsx(str(path))
    assert wb.sheetnames == ["Оповещения"]
    ws = wb["Оповещения"]
    assert ws["A1"].value == "Оповещения за период"
    assert ws["A3"].value == "Период: с 01.09.2025 по 30.09.2025"
    headers, rows = table(ws)
    assert headers == HEADERS
    cells = {r[4].value: by_header(headers, r) for r in rows}
    expected = {a.message for k, a in alerts.items() if k not in ("before", "after")}
    assert {m.lstrip("'") for m in cells} == expected

    overdue = cells["'" + alerts["overdue"].message]
    assert overdue["Вид"].value == "Мероприятие просрочено"
    assert overdue["Важность"].value == "Высокая"
    assert overdue["Предмет"].value == f"Мероприятие 1.1. {HOSTILE[0]}"
    assert overdue["Состояние"].value == "открыто"
    assert overdue["Открыто"].value == dt.datetime(2025, 9, 1, 10, 0)
    assert overdue["Открыто"].number_format == "dd.mm.yyyy hh:mm"
    assert overdue["Закрыто"].value is None
    assert overdue["Дней открыто"].value == (NOW.date() - dt.date(2025, 9, 1)).days == 39
    assert overdue["Дней открыто"].data_type == "n"
    assert overdue["Принято к сведению"].value == dt.datetime(2025, 9, 2, 9, 30)
    assert overdue["Кто принял к сведению"].value == "'-1+1 Иванов"
    assert overdue["Комментарий"].value == "'+1 уже делаем"
    assert overdue["Код субъекта"].fill.fgColor.rgb.endswith("F8D7DA")  # open, high

    closed = cells[alerts["closed"].message]
    assert closed["Вид"].value == "Показатель ниже цели"
    assert closed["Важность"].value == "Средняя"
    indicator = alerts["closed"].indicator
    assert closed["Предмет"].value == f"П1. {indicator.name} — @SUM(1)"
    assert closed["Состояние"].value == "закрыто"
    assert closed["Закрыто"].value == dt.datetime(2025, 9, 10, 8, 0)
    assert closed["Дней открыто"].value == 26
    assert closed["Код субъекта"].fill.fgColor.rgb in (None, "00000000")  # closed: no fill

    edge_to = cells[alerts["edge_to"].message]
    assert edge_to["Предмет"].value == "Муниципальное образование: @SUM(1)"
    assert edge_to["Код субъекта"].fill.fgColor.rgb.endswith("FFF0C2")  # open, medium
    assert cells[alerts["edge_from"].message]["Предмет"].value == "Субъект РФ в целом"
    assert cells[alerts["moscow"].message]["Код субъекта"].value == "50"
    assert [r[0].value for r in rows] == ["50", "66", "66", "66", "66"]  # by region, opened
    assert_no_formulas(wb)


def test_indicator_subject_is_neutralised_as_a_whole(tmp_path, personas, alerts):
    """Text that starts a cell is what matters: a subject never starts with user text."""
    path, _ = write(tmp_path, personas.analyst)
    _, rows = table(open_xlsx(str(path))["Оповещения"])
    assert all(r[5].value[0] not in "=+-@" for r in rows)


@pytest.mark.parametrize(
    ("date_from", "date_to", "keys"),
    [
        (None, None, {"overdue", "closed", "edge_from", "edge_to", "before", "after", "moscow"}),
        (dt.date(2025, 10, 1), None, {"overdue", "edge_to", "after", "moscow"}),
        (None, dt.date(2025, 8, 31), {"closed", "edge_from", "before"}),
        (dt.date(2025, 9, 2), dt.date(2025, 9, 2), {"overdue", "closed"}),
    ],
)
def test_period_bounds(tmp_path, personas, alerts, date_from, date_to, keys):
    path, _ = write(tmp_path, personas.admin, date_from=date_from, date_to=date_to)
    _, rows = table(open_xlsx(str(path))["Оповещения"])
    messages = {r[4].value.lstrip("'") for r in rows}
    assert messages == {alerts[k].message for k in keys}


@pytest.mark.parametrize(
    ("persona", "codes"),
    [
        ("analyst", {"66", "50"}),
        ("admin", {"66", "50"}),
        ("coordinator", {"66"}),
        ("outsider", {"50"}),
    ],
)
def test_scope(tmp_path, personas, alerts, persona, codes):
    path, _ = write(tmp_path, getattr(personas, persona))
    _, rows = table(open_xlsx(str(path))["Оповещения"])
    assert {r[0].value for r in rows} == codes


def test_one_region(tmp_path, personas, alerts):
    path, written = write(tmp_path, personas.analyst, region="50")
    assert written.rows == 1 and written.filename.startswith("alerts_50_")
    assert open_xlsx(str(path))["Оповещения"]["A2"].value == "Субъект РФ: Московская область"


def test_out_of_scope_region_is_refused(tmp_path, personas, alerts):
    with pytest.raises(Region.DoesNotExist):
        write(tmp_path, personas.outsider, region="66")


def test_csv(tmp_path, personas, alerts):
    path, _ = write(tmp_path, personas.coordinator, fmt="csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == 4 and list(rows[0]) == HEADERS
    overdue = next(r for r in rows if r["Вид"] == "Мероприятие просрочено")
    assert overdue["Оповещение"] == "'" + alerts["overdue"].message
    assert overdue["Комментарий"] == "'+1 уже делаем"
    assert overdue["Открыто"] == "01.09.2025 10:00"
    assert overdue["Дней открыто"] == "39"


def test_command_line(tmp_path, alerts, capsys):
    out = tmp_path / "alerts.xlsx"
    call_command(
        "export_report",
        "alerts",
        "--from",
        "2025-09-01",
        "--to",
        "2025-09-30",
        "--output",
        str(out),
    )
    assert "5 строк" in capsys.readouterr().out
    wb = open_xlsx(str(out))
    headers, rows = table(wb["Оповещения"])
    assert headers == HEADERS and len(rows) == 5
    assert_no_formulas(wb)


def test_query_count_does_not_grow_with_alerts(
    tmp_path, personas, alerts, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4) as few:
        write(tmp_path, personas.analyst)
    sverdlovsk = Region.objects.get(code="66")
    moscow = Region.objects.get(code="50")
    measures = list(Measure.objects.filter(roadmap__region__in=[sverdlovsk, moscow])[:40])
    for n, measure in enumerate(measures):
        make_alert(
            measure.roadmap.region,
            AlertKind.MEASURE_OVERDUE,
            f"bulk{n}",
            msk(2025, 9, 5, 12, 0),
            measure=measure,
            acknowledged_by=personas.analyst,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        _, written = write(tmp_path, personas.analyst)
    assert written.rows == 5 + len(measures)
