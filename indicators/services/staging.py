"""Set-based writing of a validated monitoring file (PostgreSQL COPY or SQLite executemany).

The rows go into a TEMP staging table as they are validated; organisations (one record
each) into a second one. Everything after that is plain SQL shared by both databases
(SQLite ≥ 3.35 has upsert, `UPDATE … FROM` and `IS DISTINCT FROM`):

1. classify: created / updated / unchanged by comparing staging with the stored rows;
2. new municipalities and organisations inserted from the staging table, renamed ones
   updated;
3. one `INSERT … SELECT … ON CONFLICT (organisation_id, week_start) DO UPDATE … WHERE the
   figures differ`, so unchanged rows are not rewritten.

All of it runs inside the caller's transaction; a rollback leaves no trace.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from agencies.models import Municipality, Organisation

from ..imports.columns import COUNT_KEYS
from ..imports.monitoring import SeenOrganisation
from ..models import MonitoringRow

STAGE_ROWS = "monitoring_stage_row"
STAGE_ORGS = "monitoring_stage_org"
SQLITE_BATCH = 5000

ROW_COLUMNS = ("row_no", "week_start", "org_code", *COUNT_KEYS)
ORG_COLUMNS = ("code", "region_id", "municipality", "name", "org_type", "first_row")


_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")


def _copy_escape(text: str) -> str:
    """Escapes a value for COPY text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


T_ROW = MonitoringRow._meta.db_table
T_ORG = Organisation._meta.db_table
T_MUNI = Municipality._meta.db_table


class Staging:
    """Temp staging tables on the current connection, for one import."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def create(self) -> None:
        counts = ", ".join(f"{key} bigint NOT NULL" for key in COUNT_KEYS)
        with connection.cursor() as cursor:
            self.drop(cursor)
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_ROWS} (row_no integer NOT NULL, "
                f"week_start date NOT NULL, org_code varchar(64) NOT NULL, {counts})"
            )
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_ORGS} (code varchar(64) NOT NULL PRIMARY KEY, "
                "region_id bigint NOT NULL, municipality varchar(300) NOT NULL, "
                "name varchar(1000) NOT NULL, org_type varchar(20) NOT NULL, "
                "first_row integer NOT NULL)"
            )

    def drop(self, cursor=None) -> None:
        if cursor is None:
            with connection.cursor() as cur:
                self.drop(cur)
            return
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE_ROWS}")
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE_ORGS}")

    @contextmanager
    def row_writer(self) -> Iterator[Callable[[tuple], None]]:
        """A function taking one validated row tuple (see ROW_COLUMNS)."""
        columns = ", ".join(ROW_COLUMNS)
        if self.postgres:
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {STAGE_ROWS} ({columns}) FROM STDIN") as copy,
            ):
                # COPY text lines built here and sent in ~1 MB chunks: cheaper than dumping
                # value by value with write_row (the values are ints, a date and a code)
                chunk: list[str] = []
                size = 0

                def write_pg(row: tuple) -> None:
                    nonlocal size
                    code = row[2]
                    if _NEEDS_ESCAPE.search(code):
                        code = _copy_escape(code)
                    line = (
                        f"{row[0]}\t{row[1].isoformat()}\t{code}\t"
                        + "\t".join(map(str, row[3:]))
                        + "\n"
                    )
                    chunk.append(line)
                    size += len(line)
                    if size > 1_000_000:
                        copy.write("".join(chunk).encode())
                        chunk.clear()
                        size = 0

                yield write_pg
                if chunk:
                    copy.write("".join(chunk).encode())
            return
        batch: list[tuple] = []
        marks = ", ".join(["%s"] * len(ROW_COLUMNS))
        sql = f"INSERT INTO {STAGE_ROWS} ({columns}) VALUES ({marks})"
        with connection.cursor() as cursor:

            def write(row: tuple) -> None:
                batch.append((row[0], row[1].isoformat(), *row[2:]))
                if len(batch) >= SQLITE_BATCH:
                    cursor.executemany(sql, batch)
                    batch.clear()

            yield write
            if batch:
                cursor.executemany(sql, batch)

    def write_organisations(self, organisations: dict[str, SeenOrganisation]) -> None:
        def rows() -> Iterator[tuple[Any, ...]]:
            for code, seen in organisations.items():
                yield (
                    code,
                    seen.region_id,
                    seen.municipality,
                    seen.name,
                    seen.org_type,
                    seen.first_row,
                )

        columns = ", ".join(ORG_COLUMNS)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {STAGE_ORGS} ({columns}) FROM STDIN") as copy:
                    for row in rows():
                        copy.write_row(row)
                # temp tables are never auto-analysed; the planner needs their size
                cursor.execute(f"ANALYZE {STAGE_ROWS}")
                cursor.execute(f"ANALYZE {STAGE_ORGS}")
            else:
                placeholders = ", ".join(["%s"] * len(ORG_COLUMNS))
                cursor.executemany(
                    f"INSERT INTO {STAGE_ORGS} ({columns}) VALUES ({placeholders})", list(rows())
                )
                cursor.execute(f"CREATE INDEX {STAGE_ROWS}_code ON {STAGE_ROWS} (org_code)")

    def region_conflicts(self, limit: int) -> list[tuple[int, str, str, str]]:
        """(first row, org code, file region code, stored region code) of organisations the
        file places in another region than the portal knows them in."""
        from agencies.models import Region

        t_region = _q(Region._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.first_row, s.code, rs.code, ro.code FROM {STAGE_ORGS} s "
                f"JOIN {_q(T_ORG)} o ON o.code = s.code "
                f"JOIN {t_region} rs ON rs.id = s.region_id "
                f"JOIN {t_region} ro ON ro.id = o.region_id "
                f"WHERE o.region_id <> s.region_id ORDER BY s.first_row LIMIT %s",
                [limit],
            )
            return list(cursor.fetchall())

    def _differs(self, stored: str, new: str) -> str:
        return " OR ".join(f"{stored}.{key} <> {new}.{key}" for key in COUNT_KEYS)

    def classify(self) -> dict[str, int]:
        """How many staged rows would be created, updated (figures differ), unchanged."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), SUM(CASE WHEN r.id IS NULL THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN r.id IS NOT NULL AND ({self._differs('r', 's')}) "
                f"THEN 1 ELSE 0 END) "
                f"FROM {STAGE_ROWS} s LEFT JOIN {_q(T_ORG)} o ON o.code = s.org_code "
                f"LEFT JOIN {_q(T_ROW)} r ON r.organisation_id = o.id "
                f"AND r.week_start = s.week_start"
            )
            total, created, updated = cursor.fetchone()
        total, created, updated = int(total or 0), int(created or 0), int(updated or 0)
        return {
            "created": created,
            "updated": updated,
            "unchanged": total - created - updated,
        }

    def organisation_changes(self) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT SUM(CASE WHEN o.id IS NULL THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN o.id IS NOT NULL AND s.name <> '' AND s.name <> o.name "
                f"THEN 1 ELSE 0 END) "
                f"FROM {STAGE_ORGS} s LEFT JOIN {_q(T_ORG)} o ON o.code = s.code"
            )
            new, renamed = cursor.fetchone()
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT DISTINCT s.region_id, s.municipality "
                f"FROM {STAGE_ORGS} s LEFT JOIN {_q(T_MUNI)} m ON m.region_id = s.region_id "
                f"AND m.name = s.municipality WHERE s.municipality <> '' AND m.id IS NULL) t"
            )
            (municipalities,) = cursor.fetchone()
        return {
            "organisations_created": int(new or 0),
            "organisations_renamed": int(renamed or 0),
            "municipalities_created": int(municipalities or 0),
        }

    def preview(self, limit: int) -> list[dict[str, Any]]:
        """The first `limit` rows of the file with what would happen to each."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.row_no, s.org_code, s.week_start, "
                f"CASE WHEN r.id IS NULL THEN 'created' "
                f"WHEN {self._differs('r', 's')} THEN 'updated' ELSE 'unchanged' END "
                f"FROM (SELECT * FROM {STAGE_ROWS} ORDER BY row_no LIMIT %s) s "
                f"LEFT JOIN {_q(T_ORG)} o ON o.code = s.org_code "
                f"LEFT JOIN {_q(T_ROW)} r ON r.organisation_id = o.id "
                f"AND r.week_start = s.week_start ORDER BY s.row_no",
                [limit],
            )
            rows = cursor.fetchall()
        result = []
        for row_no, code, week, action in rows:
            if isinstance(week, str):
                week = dt.date.fromisoformat(week)
            result.append(
                {"row": row_no, "org_code": code, "week": week.isoformat(), "action": action}
            )
        return result

    def apply(self, *, upload_id: int) -> None:
        """Writes municipalities, organisations and rows from the staging tables."""
        org, muni, row = _q(T_ORG), _q(T_MUNI), _q(T_ROW)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {muni} (region_id, name) SELECT DISTINCT region_id, municipality "
                f"FROM {STAGE_ORGS} WHERE municipality <> '' "
                f"ON CONFLICT (region_id, name) DO NOTHING"
            )
            cursor.execute(
                f"INSERT INTO {org} (code, name, org_type, region_id, municipality_id) "
                f"SELECT s.code, CASE WHEN s.name = '' THEN s.code ELSE s.name END, s.org_type, "
                f"s.region_id, m.id FROM {STAGE_ORGS} s LEFT JOIN {muni} m "
                f"ON m.region_id = s.region_id AND m.name = s.municipality WHERE true "
                f"ON CONFLICT (code) DO NOTHING"
            )
            # renamed, retyped or moved to another municipality by a later file
            cursor.execute(
                f"UPDATE {org} SET "
                f"name = CASE WHEN t.name = '' THEN {org}.name ELSE t.name END, "
                f"org_type = t.org_type, "
                f"municipality_id = COALESCE(t.municipality_id, {org}.municipality_id) "
                f"FROM (SELECT s.code, s.name, s.org_type, m.id AS municipality_id "
                f"FROM {STAGE_ORGS} s LEFT JOIN {muni} m ON m.region_id = s.region_id "
                f"AND m.name = s.municipality) t "
                f"WHERE {org}.code = t.code AND ("
                f"(t.name <> '' AND {org}.name <> t.name) OR {org}.org_type <> t.org_type "
                f"OR (t.municipality_id IS NOT NULL "
                f"AND {org}.municipality_id IS DISTINCT FROM t.municipality_id))"
            )
            counts = ", ".join(COUNT_KEYS)
            s_counts = ", ".join(f"s.{key}" for key in COUNT_KEYS)
            sets = ", ".join(f"{key} = excluded.{key}" for key in COUNT_KEYS)
            cursor.execute(
                f"INSERT INTO {row} (week_start, organisation_id, region_id, municipality_id, "
                f"org_type, {counts}, upload_id) "
                f"SELECT s.week_start, o.id, o.region_id, o.municipality_id, o.org_type, "
                f"{s_counts}, %s FROM {STAGE_ROWS} s JOIN {org} o ON o.code = s.org_code "
                f"WHERE true "
                f"ON CONFLICT (organisation_id, week_start) DO UPDATE SET {sets}, "
                f"region_id = excluded.region_id, municipality_id = excluded.municipality_id, "
                f"org_type = excluded.org_type, upload_id = excluded.upload_id "
                f"WHERE {self._differs(row, 'excluded')} "
                f"OR {row}.org_type <> excluded.org_type "
                f"OR {row}.municipality_id IS DISTINCT FROM excluded.municipality_id",
                [upload_id],
            )
