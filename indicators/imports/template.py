"""The monitoring upload's column guide and template files (CSV, XLSX).

Built from the reader's own column definitions (`indicators.imports.columns`: titles, which
are required, the accepted header spellings) and organisation types (`agencies.choices.OrgType`),
so the page, the template and the import cannot disagree. Only the examples and the short
descriptions live here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from agencies.choices import OrgType
from roadmap_portal.cells import CSV_ENCODING, PortalCsvDialect, neutralise
from roadmap_portal.tables import normalize_header

from . import columns

# one example line: a school of Sverdlovsk oblast in the week of 06.10.2025 (a Monday)
EXAMPLES: dict[str, str] = {
    "week_start": "06.10.2025",
    "region_code": "66",
    "municipality": "Городской округ Верхняя Пышма",
    "org_code": "6606001234",
    "org_name": "МАОУ «СОШ № 1»",
    "org_type": "ОО",
    "staff_total": "85",
    "staff_writers": "61",
    "students_total": "1120",
    "learners_active": "930",
    "sferum_users": "1750",
    "max_only_users": "640",
    "vkm_users": "1400",
    "vkm_and_max_users": "870",
}
_COUNT = _("целое число от 0; тысячи — слитно или через пробел (1 234), не через запятую или точку")
HINTS: dict[str, object] = {
    "week_start": _("понедельник недели: ДД.ММ.ГГГГ, ГГГГ-ММ-ДД или дата Excel"),
    "region_code": _("двузначный код субъекта РФ"),
    "municipality": _("можно не заполнять для органов власти субъекта"),
    "org_code": _("код организации в мониторинге Сферума"),
    "org_name": _("можно не заполнять для уже известной организации"),
    "org_type": _("одно из: %(types)s")
    % {"types": ", ".join(str(label) for label in OrgType.labels)},
    "staff_writers": _("не больше «Работников всего»"),
    "learners_active": _("не больше удвоенного «Обучающихся всего»"),
    "max_only_users": _("не больше «Пользователей Сферума всего»"),
    "vkm_users": _("не больше «Пользователей Сферума всего»"),
    "vkm_and_max_users": _("не больше «Пользователей с профилем в VK Мессенджере»"),
}


@dataclass(frozen=True)
class TemplateColumn:
    key: str
    title: str
    required: bool
    example: str
    hint: str
    variants: list[str]  # other Russian header spellings accepted (compared case-insensitively)


def template_columns() -> list[TemplateColumn]:
    """The reader's columns in file order, with an example and the accepted spellings."""
    counts = set(columns.COUNT_KEYS)
    result = []
    for key, title in columns.TITLES.items():
        # the English keys are accepted too, but not shown to people (one sentence says so)
        shown_away = {normalize_header(title), normalize_header(key)}
        variants = sorted(
            alias
            for alias, target in columns.ALIASES.items()
            if target == key and alias not in shown_away
        )
        hint = HINTS.get(key) or (_COUNT if key in counts else "")
        result.append(
            TemplateColumn(
                key=key,
                title=title,
                required=key in columns.REQUIRED,
                example=EXAMPLES[key],
                hint=str(hint),
                variants=variants,
            )
        )
    return result


def template_csv() -> bytes:
    """The portal's CSV (UTF-8 with BOM, «;», CRLF: Excel opens it in Russian), the header and
    one example line, neutralised like every exported cell."""
    cols = template_columns()
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect=PortalCsvDialect)
    writer.writerow([neutralise(c.title) for c in cols])
    writer.writerow([neutralise(c.example) for c in cols])
    return buffer.getvalue().encode(CSV_ENCODING)


def template_xlsx() -> bytes:
    """One sheet with the header and the example line (typed: a date and numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    cols = template_columns()
    counts = set(columns.COUNT_KEYS)
    book = Workbook()
    sheet = book.active
    sheet.title = "Мониторинг"
    sheet.append([neutralise(c.title) for c in cols])
    row: list[object] = []
    for c in cols:
        if c.key == "week_start":
            row.append(dt.datetime.strptime(c.example, "%d.%m.%Y").date())
        elif c.key in counts:
            row.append(int(c.example))
        else:
            row.append(neutralise(c.example))
    sheet.append(row)
    for index, c in enumerate(cols, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, len(c.title) + 2))
        if c.key == "week_start":
            sheet.cell(row=2, column=index).number_format = "DD.MM.YYYY"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
