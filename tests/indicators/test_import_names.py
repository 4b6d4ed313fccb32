"""One organisation, one municipality: the same thing spelled two ways never becomes two.

- a municipality name differing only in white space (runs of spaces, no-break spaces, spaces
  at the edges) is the same name: stored once, with single spaces, on both paths;
- a municipality name differing only in letter case or «ё»/«е» from a known one of the
  region, or from another of the file, is refused naming the other spelling;
- a new organisation code differing from a known code of the region, or from another code
  of the file, only in letter case or by a Latin letter written as its Cyrillic look-alike
  (the leading-zero twin rule extended) is refused, naming the other code;
- a code a spreadsheet saved as a decimal text («1000123.0», «1000123,0») is refused;
the monitoring import and the roster alike.
"""

from __future__ import annotations

import pytest
from django.db import connection

from agencies.models import Municipality
from indicators.models import MonitoringRow
from tests.indicators.conftest import csv_bytes, row, xlsx_bytes

W2 = "13.10.2025"
COLUMN = {"csv": "Муниципальное образование", "xlsx": "Муниципальное образование, C"}
CODE_COLUMN = {"csv": "Код организации", "xlsx": "Код организации, D"}


def _file(fmt, rows):
    return (csv_bytes(rows), "export.csv") if fmt == "csv" else (xlsx_bytes(rows), "export.xlsx")


def _row_no(fmt, index):
    """The file's own number of the `index`-th data row (0-based)."""
    return index + (2 if fmt == "csv" else 4)


def _municipalities(region="66"):
    return sorted(
        Municipality.objects.filter(region__code=region, organisations__isnull=False)
        .distinct()
        .values_list("name", flat=True)
    )


# --- organisation codes -------------------------------------------------------------------


def _refused_alike_by_either_path(import_file, monkeypatch, data, name):
    """The upload of `data`, refused; on PostgreSQL the set-based path tried first and the
    row-by-row reader alone give the same errors."""
    from indicators.services import staging, uploads

    first = import_file(data, name=name)
    assert first.status == "refused", first.errors
    if connection.vendor == "postgresql" and name.endswith(".csv"):

        def refuse(*args, **kwargs):
            raise staging.NotForTheFastPath

        with monkeypatch.context() as patch:
            patch.setattr(uploads, "copy_csv", refuse)
            second = import_file(data + b"\r\n", name=name)
        assert second.errors == first.errors
    return first


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("code", ["1000123.0", "1000123,0", "1000123,00"])
def test_code_saved_as_a_decimal_text_is_refused(import_file, monkeypatch, fmt, code):
    data, name = _file(fmt, [row("ORG1"), row(code)])
    upload = _refused_alike_by_either_path(import_file, monkeypatch, data, name)
    column = CODE_COLUMN[fmt]
    assert [(e["row"], e["column"]) for e in upload.errors] == [(_row_no(fmt, 1), column)]
    message = upload.errors[0]["message"]
    assert f"код «{code}»" in message and "дробн" in message, message
    assert not MonitoringRow.objects.exists()


def test_codes_that_only_look_decimal_are_codes(import_file):
    upload = import_file(csv_bytes([row("1000123.5"), row("12.01"), row("ORG.0")]))
    assert upload.status == "done", upload.errors
