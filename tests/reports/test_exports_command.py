"""`manage.py export_report` and `exports_cleanup`."""

from __future__ import annotations

import csv

import pytest
from django.core.management import CommandError, call_command

from tests.reports.conftest import HOSTILE, assert_no_formulas, open_xlsx, table

pytestmark = pytest.mark.django_db


def test_roadmap_status_xlsx(tmp_path, seeded, capsys):
    out = tmp_path / "rs.xlsx"
    call_command("export_report", "roadmap_status", "--region", "66", "--output", str(out))
    assert "44 строк" in capsys.readouterr().out
    wb = open_xlsx(str(out))
    ws = wb["Мероприятия"]
    assert ws["A5"].value == "Сформировал: командная строка (все субъекты)"
    headers, rows = table(ws)
    assert len(rows) == 44 and headers[0] == "Субъект РФ"


def test_a_region_is_read_as_every_command_reads_it(tmp_path, seeded, capsys):
    """`--region 066` is region 66, as `recompute_index` and the imports read it
    (`PortalCommand.region_option`); before, the export said it was not found."""
    out = tmp_path / "rs.xlsx"
    call_command("export_report", "roadmap_status", "--region", "066", "--output", str(out))
    assert "44 строк" in capsys.readouterr().out


def test_indicators_with_organisations(tmp_path, monitoring):
    out = tmp_path / "ind.xlsx"
    call_command(
        "export_report",
        "indicators",
        "--region",
        "66",
        "--from",
        "2025-09-29",
        "--to",
        "2025-10-06",
        "--orgs",
        "--output",
        str(out),
    )
    wb = open_xlsx(str(out))
    _, rows = table(wb["Организации"])
    assert len(rows) == 6
    assert_no_formulas(wb)


def test_csv_as_a_user(tmp_path, personas, monitoring):
    out = tmp_path / "ind.csv"
    call_command(
        "export_report",
        "indicators",
        "--region",
        "66",
        "--orgs",
        "--user",
        personas.coordinator.username,
        "--output",
        str(out),
    )
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == 9
    assert "'" + HOSTILE[0] in {r["Наименование организации"] for r in rows}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["indicators", "--output", "x.xlsx"], "нужен --region"),
        (["indicators", "--region", "66", "--output", "x.docx"], ".xlsx, .ods, .csv, .pdf"),
        (["indicators", "--region", "66", "--output", "x.pdf"], "PDF формируется только"),
        (["roadmap_status", "--region", "66", "--output", "missing/x.xlsx"], "Нет папки"),
        (["indicators", "--region", "ZZ", "--output", "x.xlsx"], "не найден"),
        (
            ["indicators", "--region", "66", "--from", "31.09.2025", "--output", "x.xlsx"],
            "ДД.ММ.ГГГГ или ГГГГ-ММ-ДД",
        ),
        (
            ["roadmap_status", "--region", "66", "--user", "nobody", "--output", "x.xlsx"],
            "Нет пользователя",
        ),
        (
            ["indicators", "--region", "66", "--to", "01.01.2099", "--output", "x.xlsx"],
            "невозможна: портал принимает даты с 01.01.2024 по 31.12.2030",
        ),
    ],
)
def test_errors(tmp_path, seeded, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("export_report", *args)
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_out_of_scope_for_the_user(tmp_path, personas, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match="недоступен"):
        call_command(
            "export_report",
            "roadmap_status",
            "--region",
            "66",
            "--user",
            personas.outsider.username,
            "--output",
            "x.xlsx",
        )


def test_cleanup_command(seeded, capsys):
    call_command("exports_cleanup")
    assert "Удалено отчётов: 0" in capsys.readouterr().out
