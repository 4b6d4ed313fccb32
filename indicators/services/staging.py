"""Set-based writing of a validated monitoring file (PostgreSQL COPY or SQLite executemany).

The rows go into a TEMP staging table as they are validated; organisations (one record
each) into a second one. Everything after that is plain SQL shared by both databases
(SQLite ≥ 3.35 has upsert, `UPDATE … FROM` and `IS DISTINCT FROM`):

1. new municipalities and organisations inserted from the staging table, renamed ones
   updated (`write_reference`);
2. one pass keys every staged row by organisation id and the stored row and decides its
   action: created, updated (figures differ) or unchanged (`key_rows`);
3. one `UPDATE … FROM` of the changed rows and one plain `INSERT … SELECT` of the new
   ones: unchanged rows are not rewritten, and no per-row conflict handling is paid for
   (the caller serialises imports with a lock, see `lock_imports`).

All of it runs inside the caller's transaction; a rollback leaves no trace.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from agencies.models import Municipality, Organisation, Region

from ..imports.columns import COUNT_KEYS
from ..imports.monitoring import SeenOrganisation
from ..models import MonitoringRow

STAGE_ROWS = "monitoring_stage_row"
STAGE_ORGS = "monitoring_stage_org"
STAGE_KEYED = "monitoring_stage_keyed"
ACTIONS = {0: "created", 1: "updated", 2: "unchanged"}
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

    def drop(self, cursor: Any = None) -> None:
        if cursor is None:
            with connection.cursor() as cur:
                self.drop(cur)
            return
        for table in (STAGE_ROWS, STAGE_ORGS, STAGE_KEYED):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")

    @contextmanager
    def row_writer(self) -> Iterator[Callable[[tuple[Any, ...]], None]]:
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

                def write_pg(row: tuple[Any, ...]) -> None:
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
        batch: list[tuple[Any, ...]] = []
        marks = ", ".join(["%s"] * len(ROW_COLUMNS))
        sql = f"INSERT INTO {STAGE_ROWS} ({columns}) VALUES ({marks})"
        with connection.cursor() as cursor:

            def write(row: tuple[Any, ...]) -> None:
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

    def organisation_changes(self) -> dict[str, int]:
        """What the file adds to the reference data (run before `write_reference`)."""
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

    def write_reference(self) -> None:
        """New municipalities and organisations from the file; renamed ones updated.

        Runs in dry runs too (the caller rolls back), so the rows can be keyed by id.
        """
        org, muni = _q(T_ORG), _q(T_MUNI)
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

    def key_rows(self) -> dict[str, int]:
        """Keys every staged row by organisation id and the stored row, with its action
        (0 created, 1 updated, 2 unchanged), in one pass; returns the counts."""
        counts = ", ".join(f"s.{key}" for key in COUNT_KEYS)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE_KEYED}")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_KEYED} AS SELECT s.row_no, s.org_code, "
                f"s.week_start, o.id AS organisation_id, o.region_id, o.municipality_id, "
                f"o.org_type, {counts}, r.id AS row_id, "
                f"CASE WHEN r.id IS NULL THEN 0 WHEN {self._differs('r', 's')} "
                f"OR r.org_type <> o.org_type "
                f"OR r.municipality_id IS DISTINCT FROM o.municipality_id THEN 1 ELSE 2 END "
                f"AS action "
                f"FROM {STAGE_ROWS} s JOIN {_q(T_ORG)} o ON o.code = s.org_code "
                f"LEFT JOIN {_q(T_ROW)} r ON r.organisation_id = o.id "
                f"AND r.week_start = s.week_start"
            )
            if self.postgres:
                cursor.execute(f"ANALYZE {STAGE_KEYED}")
            cursor.execute(f"SELECT action, COUNT(*) FROM {STAGE_KEYED} GROUP BY action")
            by_action = dict(cursor.fetchall())
        return {
            "created": int(by_action.get(0, 0)),
            "updated": int(by_action.get(1, 0)),
            "unchanged": int(by_action.get(2, 0)),
        }

    def preview(self, limit: int) -> list[dict[str, Any]]:
        """The first `limit` rows of the file with what happens to each."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT row_no, org_code, week_start, action FROM {STAGE_KEYED} "
                f"ORDER BY row_no LIMIT %s",
                [limit],
            )
            rows = cursor.fetchall()
        result = []
        for row_no, code, week, action in rows:
            if isinstance(week, str):
                week = dt.date.fromisoformat(week)
            result.append(
                {
                    "row": row_no,
                    "org_code": code,
                    "week": week.isoformat(),
                    "action": ACTIONS[action],
                }
            )
        return result

    def apply(self, *, upload_id: int) -> None:
        """Writes the rows: one UPDATE of the changed ones, one INSERT of the new ones.

        The caller holds the import lock, so no other import adds the same keys meanwhile.
        """
        row = _q(T_ROW)
        counts = ", ".join(COUNT_KEYS)
        k_counts = ", ".join(f"k.{key}" for key in COUNT_KEYS)
        sets = ", ".join(f"{key} = k.{key}" for key in COUNT_KEYS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {row} SET {sets}, region_id = k.region_id, "
                f"municipality_id = k.municipality_id, org_type = k.org_type, upload_id = %s "
                f"FROM {STAGE_KEYED} k WHERE k.action = 1 AND {row}.id = k.row_id",
                [upload_id],
            )
            cursor.execute(
                f"INSERT INTO {row} (week_start, organisation_id, region_id, municipality_id, "
                f"org_type, {counts}, upload_id) "
                f"SELECT k.week_start, k.organisation_id, k.region_id, k.municipality_id, "
                f"k.org_type, {k_counts}, %s FROM {STAGE_KEYED} k WHERE k.action = 0 "
                f"ORDER BY k.organisation_id, k.week_start",
                [upload_id],
            )


def lock_imports() -> None:
    """Serialises monitoring imports for the rest of the transaction (PostgreSQL advisory
    lock; SQLite writers are serialised by the database itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('indicators.monitoring_import'))")
