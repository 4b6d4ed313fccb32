"""The private file storage (evidence, uploads, generated reports): names a file system takes.

A file system takes at most 255 *bytes* per name; a Cyrillic file name of 130 characters is
260 bytes, and saving it raised `OSError: File name too long` (a 500) on every upload path
that kept the person's name for the file. `PrivateStorage` cuts any name to
`STORED_NAME_MAX_BYTES` (its extension kept, characters never split), leaving room for the
suffix Django adds to a name already taken. The person's own name is kept where a record
shows it (`original_name`, `file_name`).
"""

from __future__ import annotations

import os

from django.core.files.storage import FileSystemStorage

from roadmap_portal.tables import NOT_IN_TEXT

STORED_NAME_MAX_BYTES = 150


def display_file_name(name: str, *, max_length: int = 255, default: str = "файл") -> str:
    """The name of a person's file as the portal keeps and shows it: its last path part
    (after `/` or a backslash), without control or format characters (a right-to-left
    override, U+202E, before «xcod.exe» shows «отчёт<U+202E>xcod.exe» as «отчётexe.docx»;
    zero-width characters hide in a name), spaces trimmed, cut to `max_length` (its end
    kept: the extension), `default` when nothing is left. Every upload that keeps its
    original name for display uses it."""
    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = NOT_IN_TEXT.sub("", base)
    kept = " ".join(kept.split())
    return kept[-max_length:].strip() or default


def fit_name(name: str, max_bytes: int = STORED_NAME_MAX_BYTES) -> str:
    """`name` cut to `max_bytes` of UTF-8, its extension (if short) kept."""
    if len(name.encode()) <= max_bytes:
        return name
    stem, ext = os.path.splitext(name)
    if len(ext.encode()) > 16:
        ext = ""
    cut = stem.encode()[: max_bytes - len(ext.encode())].decode(errors="ignore")
    return (cut.rstrip(" .") or "file") + ext


class PrivateStorage(FileSystemStorage):
    def get_valid_name(self, name: str) -> str:
        return fit_name(super().get_valid_name(name))

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # every save passes here (a FileField's, and `storage.save` called directly)
        directory, base = os.path.split(name)
        return super().get_available_name(os.path.join(directory, fit_name(base)), max_length)
