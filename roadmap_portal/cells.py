"""Formula neutralisation (CSV/DDE injection), one rule for every spreadsheet the portal writes.

1. The characters XML (so XLSX and ODS) forbids are dropped: control codes other than tab,
   line feed and carriage return, and U+FFFE, U+FFFF. They are dropped *first*, so what is
   judged below is what the reader's spreadsheet will see (a writer that dropped `\\x01`
   after the check would turn `\\x01=HYPERLINK(…)` into a formula), and no writer fails on
   them (openpyxl raises IllegalCharacterError).
2. Text whose first character is `=`, `+`, `-`, `@`, a tab or a carriage return, or whose first
   character after leading white space (anything `str.isspace`: spaces, no-break spaces, line
   breaks) or invisible format characters (zero-width space, BOM …) is one of `=`, `+`, `-`,
   `@` or their full-width forms `＝`, `＋`, `－`, `＠`, is prefixed with a single quote `'` (the
   OWASP recommendation), so no spreadsheet reads it as a formula: office suites trim leading
   spaces when a cell is re-typed or a CSV is opened, and some accept full-width operators.

The portal's reports (`reports.exports.base`, `reports.exports.ods`) and the admin's exports
(`roadmap_portal.import_formats`) all call `neutralise`; it lives here, below every app, so
that the admin of any app can use it. The CSV conventions every CSV the portal writes follows
(UTF-8 with BOM, `;`, CRLF: what Russian Excel opens in columns) live here too.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# what starts a formula once leading white space is skipped (full-width forms included)
FORMULA_STARTS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
MAX_TEXT = 32_000  # Excel's cell limit is 32,767 characters
# characters no XML document (XLSX, ODS) may hold: control codes but \t \n \r, U+FFFE, U+FFFF
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# the CSV every part of the portal writes: UTF-8 with BOM, `;`, CRLF, minimal quoting
CSV_ENCODING = "utf-8-sig"


class PortalCsvDialect(csv.excel):
    delimiter = ";"
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL


def _skippable(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Cf"


def starts_formula(text: str) -> bool:
    """Would a spreadsheet read `text` (already free of forbidden characters) as a formula?"""
    if text.startswith(FORMULA_TRIGGERS):
        return True
    for ch in text:
        if not _skippable(ch):
            return ch in FORMULA_STARTS
    return False


def neutralise(text: Any) -> str:
    """Text that no spreadsheet will read as a formula and every format can hold."""
    value = "" if text is None else str(text)
    value = XML_FORBIDDEN.sub("", value)
    if starts_formula(value):
        value = "'" + value
    return value[:MAX_TEXT]
