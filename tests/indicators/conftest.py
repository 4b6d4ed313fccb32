"""Helpers for monitoring tests: export files built the way real exports look."""

from __future__ import annotations

import contextlib
import io

import openpyxl
import pytest
from django.db import connection

from indicators.imports.columns import TITLES

HEADER = list(TITLES.values())


def row(
    org="ORG1",
    week="06.10.2025",
    region="66",
    municipality="Екатеринбург",
    name=None,
    org_type="ОО",
    counts=(100, 50, 400, 300, 500, 200, 450, 300),
):
    return [week, region, municipality, org, name or f"Организация {org}", org_type, *counts]


def csv_bytes(rows, *, delimiter=";", encoding="utf-8", header=None) -> bytes:
    def cell(value):
        text = str(value)
        if delimiter in text or '"' in text:
            text = '"' + text.replace('"', '""') + '"'
        return text

    lines = [delimiter.join(cell(c) for c in (header or HEADER))]
    lines += [delimiter.join(cell(c) for c in r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, *, title_rows=(("Выгрузка мониторинга Сферума",), ()), trailing_empty=3):
    wb = openpyxl.Workbook()
    ws = wb.active
    for title in title_rows:
        ws.append(list(title))
    ws.append(HEADER)
    for r in rows:
        ws.append(list(r))
    for _ in range(trailing_empty):
        ws.append([None] * len(HEADER))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def import_file(seeded, tmp_path):
    """`import_file(data, region="66", dry_run=False, user=None)` runs the whole pipeline."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from agencies.models import Region
    from indicators.services.uploads import monitoring_import, monitoring_upload_create

    def run(data: bytes, *, region="66", dry_run=False, user=None, name="export.csv"):
        upload = monitoring_upload_create(
            file=SimpleUploadedFile(name, data),
            user=user,
            region=Region.objects.get(code=region) if region else None,
            dry_run=dry_run,
        )
        return monitoring_import(upload=upload)

    return run


@contextlib.contextmanager
def lease_held_elsewhere(namespace, job_id):
    """Holds the job's advisory lock from a second database connection, as a live worker does."""
    if connection.vendor != "postgresql":
        yield
        return
    from django.db import connections

    from roadmap_portal.jobs import _keys

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_lock(hashtext(%s), %s)", list(_keys(namespace, job_id))
            )
            assert cursor.fetchone()[0]
        yield
    finally:
        other.close()
