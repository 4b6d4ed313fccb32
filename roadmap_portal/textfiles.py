"""Decoding uploaded text files the way real exports arrive (UTF-8, BOM, Windows-1251)."""

from __future__ import annotations

import csv
import io

ENCODINGS = ("utf-8-sig", "cp1251")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with: UTF-8 (with or without BOM), else cp1251."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("cp1251", data, 0, 1, "not UTF-8 or Windows-1251")


def detect_delimiter(header_line: str, known: set[str] | None = None) -> str:
    """`;` or `,`: whichever splits the header into more (known) column names.

    Parsed with the csv module, so a quoted header with separators inside counts right.
    """

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader(io.StringIO(header_line), delimiter=delimiter), [])
        names = [cell.strip().lower() for cell in cells]
        hits = sum(1 for name in names if known and name in known)
        return hits, len(names)

    return max((";", ",", "\t"), key=score)
