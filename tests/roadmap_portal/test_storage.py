"""Stored file names fit the file system (roadmap_portal.storage)."""

from __future__ import annotations

from django.core.files.base import ContentFile

from roadmap_portal.storage import STORED_NAME_MAX_BYTES, PrivateStorage, fit_name


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
