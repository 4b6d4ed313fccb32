"""Roadmap documents built in the tests: DOCX (python-docx), XLSX (openpyxl), CSV.

A document is a list of rows: ("section", "1. Title") for a section row spanning the table,
("header",) for the header row repeated at a page break, ("numbers",) for the row of column
numbers under the header, or a tuple of cells (number, title, deadline, responsible[, result]).
"""

from __future__ import annotations

import datetime as dt
import io

HEADER = ("№ п/п", "Мероприятие", "Срок", "Ответственный", "Ожидаемый результат")
TITLE_BLOCK = (
    "УТВЕРЖДЕНА распоряжением Правительства Калужской области от 22.08.2025 № 412-рп",
    "ДОРОЖНАЯ КАРТА внедрения национального мессенджера MAX в Калужской области",
)


def _expand(rows, header):
    for row in rows:
        if row[0] == "header":
            yield "header", header
        elif row[0] == "numbers":
            yield "numbers", tuple(str(i + 1) for i in range(len(header)))
        elif row[0] == "section":
            yield "section", row[1]
        elif row[0] == "section-split":  # «1.» in the first column, the title merged over the rest
            yield "section-split", row[1:]
        else:
            yield "measure", tuple(row) + ("",) * (len(header) - len(row))


def build_docx(rows, *, header=HEADER, title_block=TITLE_BLOCK, tables: int = 1) -> bytes:
    """A Word document; with tables=2 the rows are split over two tables (a page break)."""
    import docx

    document = docx.Document()
    for line in title_block:
        document.add_paragraph(line)
    items = list(_expand(rows, header))
    chunks = [items] if tables == 1 else [items[: len(items) // 2], items[len(items) // 2 :]]
    for index, chunk in enumerate(chunks):
        table = document.add_table(rows=0, cols=len(header))
        if index == 0:
            cells = table.add_row().cells
            for i, text in enumerate(header):
                cells[i].text = text
        for kind, value in chunk:
            cells = table.add_row().cells
            if kind == "section":
                merged = cells[0].merge(cells[-1])
                merged.text = value
            elif kind == "section-split":
                cells[0].text = value[0]
                merged = cells[1].merge(cells[-1])
                merged.text = value[1]
            else:
                for i, text in enumerate(value):
                    cells[i].text = f"{text:%d.%m.%Y}" if isinstance(text, dt.date) else str(text)
        if index == 0 and tables > 1:
            document.add_page_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_xlsx(rows, *, header=HEADER, title_block=TITLE_BLOCK) -> bytes:
    """A workbook with the title block above the header and merged section rows."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for line in title_block:
        sheet.append([line])
    sheet.append([])
    sheet.append(list(header))
    for kind, value in _expand(rows, header):
        if kind == "section":
            sheet.append([value])
            row = sheet.max_row
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(header))
        else:
            sheet.append(list(value))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build_csv(rows, *, header=HEADER, title_block=TITLE_BLOCK, encoding="cp1251") -> bytes:
    lines = [f'"{line}"' for line in title_block]
    lines.append(";".join(header))
    for kind, value in _expand(rows, header):
        if kind == "section":
            value = (value,) + ("",) * (len(header) - 1)
        cells = [
            f"{v:%d.%m.%Y}" if isinstance(v, dt.date) else str(v).replace('"', '""') for v in value
        ]
        lines.append(";".join(f'"{cell}"' for cell in cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


MINOBR = "Министерство образования и науки Калужской области"
MINCIFRA = "Министерство цифрового развития Калужской области"
# a close match of MINCIFRA: a typo and a missing word, as regions print them
MINCIFRA_TYPO = "Министерство цифрового развитя Калужской обл."
NEW_BODY = "Комитет по делам молодёжи Калужской области"

VERSION_1 = [
    ("numbers",),
    ("section", "1. Общие мероприятия"),
    (
        "1.1",
        "Создать официальные каналы органов власти в MAX\n– определить ответственных\n"
        "– создать каналы;\n– разместить ссылки на сайтах",
        "31.08.2025",
        MINOBR,
        "Каналы созданы",
    ),
    ("1.2", "Перевести рабочие чаты в MAX", "до 15 сентября", f"{MINOBR}, {MINCIFRA_TYPO}"),
    ("header",),
    ("1.3", "Провести информационную кампанию", "IV квартал 2025", NEW_BODY),
    ("section", "2. Образование"),
    ("2.1", "Подключить школы к Сферуму в MAX", "ежемесячно до 26.12.2025", MINOBR),
    ("2.2", "Провести обучение педагогов", "сентябрь-октябрь 2025", f"{MINOBR}\n{NEW_BODY}"),
]

# the amended roadmap: 1.3 removed, 2.1 deadline moved, 2.2 reworded, 2.3 added
VERSION_2 = [
    ("section", "1. Общие мероприятия"),
    (
        "1.1",
        "Создать официальные каналы органов власти в MAX\n– определить ответственных\n"
        "– создать каналы;\n– разместить ссылки на сайтах",
        "31.08.2025",
        MINOBR,
        "Каналы созданы",
    ),
    ("1.2", "Перевести рабочие чаты в MAX", "до 15 сентября", f"{MINOBR}, {MINCIFRA}"),
    ("section", "2. Образование"),
    ("2.1", "Подключить школы к Сферуму в MAX", "ежемесячно до 30.01.2026", MINOBR),
    (
        "2.2",
        "Провести обучение педагогов и методистов работе в MAX",
        "сентябрь-октябрь 2025",
        f"{MINOBR}\n{NEW_BODY}",
    ),
    ("2.3", "Подвести итоги внедрения", dt.datetime(2026, 2, 27), MINOBR),
]
VERSION_2_TITLE = (
    "УТВЕРЖДЕНА распоряжением Правительства Калужской области от 10.11.2025 № 530-рп",
    "ДОРОЖНАЯ КАРТА внедрения национального мессенджера MAX в Калужской области",
)
