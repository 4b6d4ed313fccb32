"""django-import-export formats for admin imports: CSV in UTF-8 or cp1251, `;` or `,`."""

from __future__ import annotations

import tablib
from import_export.formats import base_formats

from .textfiles import decode_bytes, detect_delimiter


class DetectingCSV(base_formats.CSV):
    """CSV read as bytes: encoding and separator are detected, not asked."""

    def get_read_mode(self):
        return "rb"

    def is_binary(self):
        return True

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            text, _encoding = decode_bytes(in_stream)
        else:
            text = in_stream
        header = text.splitlines()[0] if text else ""
        return tablib.import_set(text, format="csv", delimiter=detect_delimiter(header))


IMPORT_FORMATS = [DetectingCSV, base_formats.XLSX]
EXPORT_FORMATS = [base_formats.CSV, base_formats.XLSX]
