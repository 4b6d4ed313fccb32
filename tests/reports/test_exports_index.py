"""Index report: ranking and criteria sheets checked against the index services, scope,
neutralisation of evidence text, CSV, command line, query count."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from agencies.models import Region
from indicators.index.selectors import index_evaluate, index_ranking, rule_text
from indicators.models import IndexFact
from reports.exports.jobs import export_write
from reports.exports.registry import ExportParams
from roadmap_portal import ru_formats
from tests.reports.conftest import HOSTILE, assert_no_formulas, by_header, open_xlsx, table

pytestmark = pytest.mark.django_db

ON = dt.date(2025, 10, 1)
SINCE = dt.date(2025, 9, 1)
NOW = dt.datetime(2025, 10, 2, 9, 0, tzinfo=dt.UTC)
VERIFIED = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
EVIDENCE = [HOSTILE[0], "+1", "-1+1", "@SUM(1)"]


def add_fact(code, value, as_of, *, input="", verified=True, evidence="", region="66"):
    return IndexFact.objects.create(
        region=Region.objects.get(code=region),
        criterion_code=code,
        input=input,
        value=Decimal(str(value)),
        as_of=as_of,
        evidence_text=evidence,
        verified_at=VERIFIED if verified else None,
    )


@pytest.fixture
def facts(personas):
    """Sverdlovsk grows (+10 digital ID, media 7) with hostile evidence and one unverified
    claim; Vladimir falls (offline QR 4 → 1); Moscow oblast has a bot."""
    add_fact("digital_id_age", 1, dt.date(2025, 9, 15), evidence=EVIDENCE[0])
    add_fact("media_reach", 2, dt.date(2025, 9, 10), input="publications", evidence=EVIDENCE[1])
    add_fact("media_reach", 34, dt.date(2025, 9, 10), input="reach_percent", evidence=EVIDENCE[2])
    add_fact("mfc_bot", 1, dt.date(2025, 9, 20), verified=False, evidence=EVIDENCE[3])
    add_fact("offline_qr", 4, dt.date(2025, 8, 15), region="33")
    add_fact("offline_qr", 1, dt.date(2025, 9, 20), region="33")
    add_fact("mfc_bot", 1, dt.date(2025, 8, 1), region="50", evidence="https://example.org/bot")


def write(tmp_path, user, *, region="", fmt="xlsx", date_from=SINCE, date_to=ON):
    path = tmp_path / f"index.{fmt}"
    written = export_write(
        kind="index",
        params=ExportParams(region=region, date_from=date_from, date_to=date_to),
        user=user,
        fmt=fmt,
        path=str(path),
        now=NOW,
    )
    return path, written


RANK_HEADERS = [
    "Место",
    "Код субъекта",
    "Субъект РФ",
    "Итого (подтверждено)",
    "Итого (заявлено)",
    "Сервисы региона (из 50)",
    "Цифровой ID (из 35)",
    "Продвижение (из 15)",
    "Итого на дату сравнения",
    "Изменение",
    "Данные",  # indicators.approval: approved or preliminary
]


def test_ranking_sheet_matches_the_index_services(tmp_path, personas, facts):
    path, written = write(tmp_path, personas.analyst)
    assert written.filename.startswith("index_all_") and written.rows == 89
    wb = open_xlsx(str(path))
    assert wb.sheetnames == ["Рейтинг", "Критерии"]
    ws = wb["Рейтинг"]
    assert ws["A1"].value == "Индекс внедрения: рейтинг и критерии"
    assert ws["A3"].value == "Период: на 01.10.2025, изменение с 01.09.2025"
    assert "Дата сравнения: 01.09.2025" in ws["A6"].value
    headers, rows = table(ws)
    components = [h.split(" (")[0] for h in headers[5:8]]
    version, expected = index_ranking(on_date=ON, since=SINCE)
    _v, results = index_evaluate(region_ids=[r.region.pk for r in expected], on_date=ON)
    names = [c.name for c in version.components.all()]
    assert components == names
    assert headers == RANK_HEADERS[:5] + headers[5:8] + RANK_HEADERS[8:]
    assert len(rows) == len(expected) == 89
    for cells, want in zip(rows, expected, strict=True):
        row = by_header(headers, cells)
        assert row["Место"].value == want.place
        assert row["Код субъекта"].value == want.region.code
        assert row["Субъект РФ"].value == want.region.name
        if want.total is None:  # no fact, no monitoring: not ranked, no zeros
            assert want.place is None and row["Место"].value is None
            assert row["Итого (подтверждено)"].value is None
            assert [cells[5 + i].value for i in range(3)] == [None] * 3
            assert row["Изменение"].value is None
            continue
        assert row["Итого (подтверждено)"].value == pytest.approx(float(want.total))
        assert row["Итого (заявлено)"].value == pytest.approx(float(want.claimed_total))
        result = results[want.region.pk]
        assert [cells[5 + i].value for i in range(3)] == [
            pytest.approx(float(c.points)) for c in result.components
        ]
        if want.change is None:  # no data on the earlier date: no earlier total, no change
            assert want.earlier is None and row["Изменение"].value is None
            assert row["Итого на дату сравнения"].value is None
        else:
            assert row["Изменение"].value == pytest.approx(float(want.change))
    by_code = {r[1].value: by_header(headers, r) for r in rows}
    sverdlovsk, vladimir = by_code["66"], by_code["33"]
    assert sverdlovsk["Место"].value == 1
    assert sverdlovsk["Итого (подтверждено)"].value == 17  # 10 digital ID + 7 media
    assert sverdlovsk["Итого (заявлено)"].value == 22  # + the unverified bot
    # no data on 01.09 (its first fact is of 10.09): no earlier total, no change, never 0
    assert sverdlovsk["Изменение"].value is None
    assert sverdlovsk["Итого на дату сравнения"].value is None
    # a fall stays a negative number, formatted as a number
    assert vladimir["Изменение"].value == -3 and vladimir["Изменение"].data_type == "n"
    # a change with its sign, as the pages' ru_delta: «+1,50», «−0,25»
    assert vladimir["Изменение"].number_format == ru_formats.XLSX_DELTA
    assert vladimir["Итого на дату сравнения"].value == 4
    assert sverdlovsk["Место"].data_type == "n" and sverdlovsk["Место"].number_format == "#,##0"
    # RAG: total from 70 / 40 points of 100; change grew / stayed / fell
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    assert rules["D9:D97"] == [
        "AND(ISNUMBER(D9),D9>=70.0)",
        "AND(ISNUMBER(D9),D9<70.0,D9>=40.0)",
        "AND(ISNUMBER(D9),D9<40.0)",
    ]
    assert rules["J9:J97"][2] == "AND(ISNUMBER(J9),J9<0)"
    assert ws.freeze_panes == "A9" and ws.auto_filter.ref == "A8:K97"
    assert_no_formulas(wb)


def test_criteria_sheet_inputs_rules_and_evidence(tmp_path, personas, facts):
    path, _ = write(tmp_path, personas.analyst)
    wb = open_xlsx(str(path))
    headers, rows = table(wb["Критерии"])
    assert headers[:8] == [
        "Код субъекта",
        "Субъект РФ",
        "Компонент",
        "Код критерия",
        "Критерий",
        "Баллы (подтверждено)",
        "Баллы (заявлено)",
        "Максимум",
    ]
    assert headers[8:13] == ["Вход 1", "Значение 1", "Дата 1", "Подтверждено 1", "Основание 1"]
    # one group per input of the criterion with the most inputs: two in stage 1
    assert "Основание 2" in headers and "Вход 3" not in headers and len(headers) == 23
    assert headers[-5:] == [
        "Правило методики",
        "Применённое правило",
        "Правило по заявленным сведениям",
        "Подтверждение",
        "Версия методики",
    ]
    assert len(rows) == 89 * 13
    cells = {(r[0].value, r[3].value): by_header(headers, r) for r in rows}
    region = Region.objects.get(code="66")
    version, results = index_evaluate(region_ids=[region.pk], on_date=ON)
    official = {c.code: c for c in results[region.pk].criteria}

    media = cells[("66", "media_reach")]
    assert media["Баллы (подтверждено)"].value == 7 and media["Максимум"].value == 10
    assert media["Применённое правило"].value == rule_text(official["media_reach"])
    assert media["Применённое правило"].value == "7 из 10: 34\u00a0% ≥ 25\u00a0%"
    inputs = {
        media[f"Вход {n}"].value: (
            media[f"Значение {n}"],
            media[f"Дата {n}"],
            media[f"Основание {n}"].value,
        )
        for n in (1, 2)
    }
    assert len(inputs) == 2
    values = sorted((v.value, d.value, e) for v, d, e in inputs.values())
    assert values == [
        (2, dt.datetime(2025, 9, 10), "'" + EVIDENCE[1]),
        (34, dt.datetime(2025, 9, 10), "'" + EVIDENCE[2]),
    ]
    value_cell, date_cell, _e = next(iter(inputs.values()))
    assert value_cell.data_type == "n" and date_cell.is_date
    assert date_cell.number_format == "dd.mm.yyyy"
    assert media["Подтверждение"].value == "подтверждено"
    assert media["Версия методики"].value == str(version)

    age = cells[("66", "digital_id_age")]
    assert age["Основание 1"].value == "'" + HOSTILE[0]
    assert age["Баллы (подтверждено)"].value == 10

    bot = cells[("66", "mfc_bot")]  # claimed, not verified: counts only as claimed
    assert (bot["Баллы (подтверждено)"].value, bot["Баллы (заявлено)"].value) == (0, 5)
    assert bot["Подтверждение"].value == "заявлено, не подтверждено"
    assert bot["Подтверждено 1"].value == "нет"
    assert bot["Основание 1"].value == "'" + EVIDENCE[3]
    assert bot["Правило по заявленным сведениям"].value == "5 из 5: выполнено"

    sferum = cells[("66", "sferum_migration")]
    assert sferum["Подтверждение"].value == "расчёт по мониторингу"
    assert sferum["Применённое правило"].value == "0 из 15: нет данных"
    assert cells[("50", "mfc_bot")]["Основание 1"].value == "https://example.org/bot"
    assert_no_formulas(wb)


@pytest.mark.parametrize(
    ("persona", "codes"),
    [("analyst", None), ("admin", None), ("coordinator", {"66"}), ("outsider", {"50"})],
)
def test_scope(tmp_path, personas, facts, persona, codes):
    path, _ = write(tmp_path, getattr(personas, persona))
    wb = open_xlsx(str(path))
    _, rank = table(wb["Рейтинг"])
    _, criteria = table(wb["Критерии"])
    seen = {r[1].value for r in rank}
    if codes is None:
        assert len(seen) == 89
    else:
        assert seen == codes
        assert {r[0].value for r in criteria} == codes and len(criteria) == 13
    if persona == "outsider":
        # the place is among every region: Moscow oblast shares places with its 5 points
        _v, ranking = index_ranking(on_date=ON, since=SINCE)
        assert rank[0][0].value == next(r.place for r in ranking if r.region.code == "50")


def test_one_region_and_no_earlier_date(tmp_path, personas, facts):
    path, written = write(tmp_path, personas.analyst, region="33", date_from=None)
    assert written.rows == 1 and written.filename.startswith("index_33_")
    ws = open_xlsx(str(path))["Рейтинг"]
    assert ws["A3"].value == "Период: на 01.10.2025"
    headers, rows = table(ws)
    row = by_header(headers, rows[0])
    assert row["Итого (подтверждено)"].value == 1
    assert row["Изменение"].value is None and row["Итого на дату сравнения"].value is None


def test_no_methodology_on_the_date(tmp_path, personas, facts):
    path, written = write(tmp_path, personas.analyst, date_to=dt.date(2020, 1, 1), date_from=None)
    assert written.rows == 0
    ws = open_xlsx(str(path))["Рейтинг"]
    assert "нет действующей методики" in ws["A6"].value


def test_csv(tmp_path, personas, facts):
    path, _ = write(tmp_path, personas.coordinator, fmt="csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert rows == [
        {
            "Место": "1",
            "Код субъекта": "66",
            "Субъект РФ": "Свердловская область",
            "Итого (подтверждено)": "17,00",
            "Итого (заявлено)": "22,00",
            "Сервисы региона (из 50)": "0,00",  # the bot is not verified
            "Цифровой ID (из 35)": "10,00",
            "Продвижение (из 15)": "7,00",
            # no data on the earlier date: «нет данных» (empty), not 0 (indicators.index)
            "Итого на дату сравнения": "",
            "Изменение": "",
            "Данные": "предварительные данные",
        }
    ]


def test_command_line(tmp_path, facts, capsys):
    out = tmp_path / "index.xlsx"
    call_command(
        "export_report", "index", "--from", "2025-09-01", "--to", "2025-10-01", "--output", str(out)
    )
    assert "89 строк" in capsys.readouterr().out
    headers, rows = table(open_xlsx(str(out))["Рейтинг"])
    assert rows[0][1].value == "66" and headers[-1] == "Данные"


def test_query_count_does_not_grow_with_regions(
    tmp_path, personas, facts, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20) as one_region:
        write(tmp_path, personas.analyst, region="66")
    with django_assert_max_num_queries(len(one_region.captured_queries)):
        _, written = write(tmp_path, personas.analyst)
    assert written.rows == 89
