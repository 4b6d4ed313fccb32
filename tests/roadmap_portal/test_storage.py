"""Stored file names fit the file system (roadmap_portal.storage)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from roadmap_portal.storage import (
    STORED_NAME_MAX_BYTES,
    PrivateStorage,
    display_file_name,
    fit_name,
)


def test_a_long_cyrillic_name_is_cut_in_bytes_keeping_its_extension():
    name = "Акт" * 60 + ".pdf"  # 360 bytes
    fitted = fit_name(name)
    assert len(fitted.encode()) <= STORED_NAME_MAX_BYTES and fitted.endswith(".pdf")
    assert fitted.startswith("Акт")
    assert fit_name("short.csv") == "short.csv"


def test_the_storage_saves_a_name_of_260_bytes(tmp_path):
    storage = PrivateStorage(location=str(tmp_path))
    saved = storage.save("evidence/" + "Я" * 130 + ".xlsx", ContentFile(b"x"))
    assert storage.exists(saved) and saved.endswith(".xlsx")
    assert len(saved.rsplit("/", 1)[-1].encode()) <= 255


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Мониторинг 12.09.xlsx", "Мониторинг 12.09.xlsx"),
        ("отчёт\u202excod.exe", "отчётxcod.exe"),  # shown as «отчётexe.docx» with U+202E
        ("акт\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d.pdf", "акт.pdf"),
        ("ско\u200bрая\u200d.csv", "скорая.csv"),  # zero-width characters
        ("C:\\Users\\minobr\\week.csv", "week.csv"),
        ("../../etc/passwd", "passwd"),
        ("  a \t b.csv  ", "a b.csv"),
        ("\x00\x01", "файл"),
        ("", "файл"),
        ("я" * 300 + ".csv", "я" * 251 + ".csv"),
    ],
)
def test_a_file_name_as_the_portal_keeps_and_shows_it(name, shown):
    assert display_file_name(name) == shown
