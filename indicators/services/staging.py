"""Set-based writing of a validated monitoring file (PostgreSQL COPY or SQLite executemany).

The rows go into a TEMP staging table as they are validated, each with what it says about
its organisation (region, municipality, name, type): nothing per organisation is held in
Python, so memory does not grow with the number of organisations. Everything after that is
plain SQL shared by both databases (SQLite ≥ 3.35 has upsert, `UPDATE … FROM` and
`IS DISTINCT FROM`):

0. the checks that need the whole file: one row per organisation and week, one region per
   organisation (`file_problems`, `region_conflicts`), no new code that is a twin of another
   (only leading zeros, letter case or look-alike letters differ: `twin_conflicts`), no new
   municipality name that is a twin of another (`municipality_twins`); then one record per
   organisation, its latest week giving the type, name and municipality
   (`derive_organisations`); each row keeps its own type and municipality all the same
   (`key_rows`);
1. what the file changes in the reference data, counted (`organisation_changes`), then
   written (`write_reference`): new municipalities and organisations inserted; the record
   of a known one takes what the file says only from a week at least as late as the
   latest week stored for it (`stored_weeks`, looked up only for the records the file
   would change): the record follows the organisation's latest week whatever order the
   files come in, and a late correction of an old week leaves it as it is;
2. one pass keys every staged row by organisation id and the stored row and decides its
   action: created, updated (figures differ) or unchanged (`key_rows`);
3. one `UPDATE … FROM` of the changed rows and one plain `INSERT … SELECT` of the new
   ones: unchanged rows are not rewritten, and no per-row conflict handling is paid for
   (the caller serialises imports with a lock, see `lock_imports`).

All of it runs inside the caller's transaction; a rollback leaves no trace.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import DatabaseError, connection, transaction

from agencies.models import Municipality, Organisation, Region
from roadmap_portal.tables import (
    CODE_FOLD,
    INVISIBLE_RANGES,
    LOSSY_CODE_TEXT,
    SPACE_RUN_SQL,
    code_twin_key,
    name_twin_key,
    single_spaced,
)

from ..imports.columns import COUNT_KEYS, CROSS_CHECKS, TEXT_LIMITS
from ..imports.monitoring import PLAIN_COUNT, max_count
from ..models import MonitoringRow

STAGE_ROWS = "monitoring_stage_row"
STAGE_ORGS = "monitoring_stage_org"
STAGE_KEYED = "monitoring_stage_keyed"
STAGE_STORED = "monitoring_stage_stored"
ACTIONS = {0: "created", 1: "updated", 2: "unchanged"}
SQLITE_BATCH = 5000
ROW_SPAN = 2**31  # above any row number: week day × ROW_SPAN + row orders by week, then row
TEMP_BUFFERS = "512MB"
# `tables.code_twin_key` as an SQLite function (`Staging.create`)
SQLITE_CODE_KEY = "portal_code_twin_key"

ROW_COLUMNS = (
    "row_no",
    "week_start",
    "region_id",
    "org_code",
    "municipality",
    "name",
    "org_type",
    *COUNT_KEYS,
)


_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")  # control characters are refused by the reader


def _copy_escape(text: str) -> str:
    """Escapes a value for COPY text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


T_ROW = MonitoringRow._meta.db_table
T_ORG = Organisation._meta.db_table
T_MUNI = Municipality._meta.db_table


def _record_changes(
    staged: str, record: str, municipality_id: str, stored_week: str
) -> dict[str, tuple[str, str]]:
    """SQL per field of the organisation record: (the file says something else than the
    record, the file's word is taken). `staged` names a row of the organisation staging
    table (or a select of it), `record` the organisation row, `municipality_id` the named
    municipality's id (NULL when none is named or it is not created yet) and `stored_week`
    the latest week stored for the organisation (NULL: none, or not looked up yet).

    The file's value is taken only from a week at least as late as the stored one: a late
    correction of an old week leaves the record to the newer weeks. The same week again
    takes it (a corrected latest week corrects the record)."""

    def takes(week: str) -> str:
        return f"({stored_week} IS NULL OR {staged}.{week} >= {stored_week})"

    named = f"{staged}.municipality <> ''"
    other_municipality = (
        f"({municipality_id} IS NULL OR {record}.municipality_id IS NULL "
        f"OR {municipality_id} <> {record}.municipality_id)"
    )
    return {
        "name": (
            f"{staged}.name <> '' AND {staged}.name <> {record}.name",
            takes("name_week"),
        ),
        "org_type": (f"{staged}.org_type <> {record}.org_type", takes("type_week")),
        "municipality": (f"{named} AND {other_municipality}", takes("muni_week")),
    }


class Staging:
    """Temp staging tables on the current connection, for one import."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        # some organisation names two municipalities in the file (`derive_organisations`)
        self.mixed_municipalities = False
        # some known organisation's record keeps another municipality than the one the file
        # names for it (`organisation_changes`; None: not counted yet, so assumed)
        self.kept_municipalities: bool | None = None
        self.weeks_stored = False  # `stored_weeks` has run

    def create(self) -> None:
        counts = ", ".join(f"{key} bigint NOT NULL" for key in COUNT_KEYS)
        if self.postgres:
            # temp tables live in the session's own buffers (8 MB by default): a national
            # file's staging tables (~200 MB) would go to disk and back at every step. The
            # size can be set only before the session's first temp table: a connection that
            # already had one keeps its size.
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
            except DatabaseError:
                pass
        with connection.cursor() as cursor:
            if not self.postgres:
                connection.connection.create_function(
                    SQLITE_CODE_KEY, 1, code_twin_key, deterministic=True
                )
            self.drop(cursor)
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_ROWS} (row_no integer NOT NULL, "
                f"week_start date NOT NULL, region_id bigint NOT NULL, "
                f"org_code varchar(64) NOT NULL, municipality varchar(300) NOT NULL, "
                f"name varchar(1000) NOT NULL, org_type varchar(20) NOT NULL, {counts})"
            )
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_ORGS} (code varchar(64) NOT NULL PRIMARY KEY, "
                "region_id bigint NOT NULL, municipality varchar(300) NOT NULL, "
                "name varchar(1000) NOT NULL, org_type varchar(20) NOT NULL, "
                "first_row integer NOT NULL, regions integer NOT NULL, "
                "municipalities integer NOT NULL, type_week date NOT NULL, name_week date, "
                "muni_week date)"
            )

    def drop(self, cursor: Any = None) -> None:
        if cursor is None:
            with connection.cursor() as cur:
                self.drop(cur)
            return
        for table in (STAGE_ROWS, STAGE_ORGS, STAGE_STORED, STAGE_KEYED):
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
                # value by value with write_row (ints, a date and four texts)
                chunk: list[str] = []
                size = 0

                weeks: dict[dt.date, str] = {}

                def write_pg(row: tuple[Any, ...]) -> None:
                    nonlocal size
                    week = weeks.get(row[1])
                    if week is None:
                        week = weeks[row[1]] = row[1].isoformat()
                    texts = "\t".join(row[3:7])
                    if _NEEDS_ESCAPE.search(texts):
                        texts = "\t".join(_copy_escape(text) for text in row[3:7])
                    line = (
                        f"{row[0]}\t{week}\t{row[2]}\t{texts}\t"
                        + "\t".join(map(str, row[7:]))
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

    def prepare(self) -> None:
        """After the last row: statistics (PostgreSQL) or indexes (SQLite) for the joins."""
        with connection.cursor() as cursor:
            if self.postgres:
                # temp tables are never auto-analysed; the planner needs their size and the
                # spread of the grouping and join keys (only those: ANALYZE of every column
                # costs as much again)
                cursor.execute(f"ANALYZE {STAGE_ROWS} (org_code, week_start, row_no)")
            else:
                cursor.execute(f"CREATE INDEX {STAGE_ROWS}_code ON {STAGE_ROWS} (org_code)")
                cursor.execute(f"CREATE INDEX {STAGE_ROWS}_row ON {STAGE_ROWS} (row_no)")

    def file_problems(self, limit: int) -> list[tuple[str, int, str, Any]]:
        """What only the whole file shows, first `limit` of each kind, in file order:
        ("duplicate", row, code, week) for a second row of an organisation in a week and
        ("region", row, code, first row) for an organisation placed in another region than
        in its first row. Fills the organisation staging table on the way."""
        problems: list[tuple[str, int, str, Any]] = []
        with connection.cursor() as cursor:
            if self.postgres:
                # one hash aggregate over the file; more memory than the default keeps it
                # off the disk (released at the end of the transaction)
                cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute(
                f"SELECT s.row_no, s.org_code, s.week_start FROM {STAGE_ROWS} s JOIN ("
                f"SELECT org_code, week_start, MIN(row_no) AS first_row FROM {STAGE_ROWS} "
                f"GROUP BY org_code, week_start HAVING COUNT(*) > 1) d "
                f"ON d.org_code = s.org_code AND d.week_start = s.week_start "
                f"AND s.row_no > d.first_row ORDER BY s.row_no LIMIT %s",
                [limit],
            )
            for row_no, code, week in cursor.fetchall():
                if isinstance(week, str):
                    week = dt.date.fromisoformat(week)
                problems.append(("duplicate", row_no, code, week))
            self.derive_organisations(cursor)
            cursor.execute(
                f"SELECT s.row_no, s.org_code, o.first_row FROM {STAGE_ROWS} s "
                f"JOIN {STAGE_ORGS} o ON o.code = s.org_code "
                f"WHERE o.regions > 1 AND s.region_id <> o.region_id "
                f"ORDER BY s.row_no LIMIT %s",
                [limit],
            )
            problems += [("region", *row) for row in cursor.fetchall()]
        problems.sort(key=lambda problem: problem[1])
        return problems

    def derive_organisations(self, cursor: Any) -> None:
        """One record per organisation: the region of its first row; the type of its latest
        week, the name and municipality of its latest week that has them (within a week,
        the later row of the file).

        A row keeps its OWN type and municipality (`key_rows`): a season file can span a
        school's reorganisation (a kindergarten joined to a school, a school moved to
        another district), and each week's figures belong to what the organisation was
        that week; refusing such a file would refuse a true export. Only the reference
        record takes the latest week's, and only when no later week is stored already.

        Each value keeps the week it comes from (`type_week`, `name_week`, `muni_week`):
        `stored_weeks` then adds the latest stored week of the organisations whose record
        the file would change, and `write_reference` compares the two.

        «Latest» is one integer per row: the week's day number × 2^31 + the row number,
        whose MAX picks the week and, within it, the last row (the row number is the
        remainder). The four rows of each organisation are then fetched by ONE join (each
        organisation paired with the four roles 0-3, the role picking the row number), and
        folded back by role: one hash of the staged rows instead of four (a third faster on
        PostgreSQL); a role without a row (no name anywhere) finds none and gives ''."""
        if self.postgres:
            day = "(week_start - DATE '2000-01-01')::bigint"
        else:
            day = "CAST(julianday(week_start) - julianday('2000-01-01') AS INTEGER)"
        latest = f"({day} * {ROW_SPAN} + row_no)"
        row_of = (
            "CASE p.k WHEN 0 THEN g.first_row WHEN 1 THEN g.last_row "
            "WHEN 2 THEN g.name_row ELSE g.muni_row END"
        )
        cursor.execute(
            f"INSERT INTO {STAGE_ORGS} (code, region_id, municipality, name, org_type, "
            f"first_row, regions, municipalities, type_week, name_week, muni_week) "
            f"SELECT g.code, MAX(CASE WHEN p.k = 0 THEN s.region_id END), "
            f"COALESCE(MAX(CASE WHEN p.k = 3 THEN s.municipality END), ''), "
            f"COALESCE(MAX(CASE WHEN p.k = 2 THEN s.name END), ''), "
            f"MAX(CASE WHEN p.k = 1 THEN s.org_type END), g.first_row, g.regions, "
            f"g.municipalities, MAX(CASE WHEN p.k = 1 THEN s.week_start END), "
            f"MAX(CASE WHEN p.k = 2 THEN s.week_start END), "
            f"MAX(CASE WHEN p.k = 3 THEN s.week_start END) FROM ("
            f"SELECT org_code AS code, MIN(row_no) AS first_row, "
            f"MAX({latest}) % {ROW_SPAN} AS last_row, "
            f"MAX(CASE WHEN name <> '' THEN {latest} END) % {ROW_SPAN} AS name_row, "
            f"MAX(CASE WHEN municipality <> '' THEN {latest} END) % {ROW_SPAN} AS muni_row, "
            f"CASE WHEN MIN(region_id) = MAX(region_id) THEN 1 ELSE 2 END AS regions, "
            f"CASE WHEN MIN(NULLIF(municipality, '')) < MAX(NULLIF(municipality, '')) "
            f"THEN 2 ELSE 1 END AS municipalities "
            f"FROM {STAGE_ROWS} GROUP BY org_code) g "
            f"CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 "
            f"UNION ALL SELECT 3) p "
            f"JOIN {STAGE_ROWS} s ON s.row_no = {row_of} "
            f"GROUP BY g.code, g.first_row, g.regions, g.municipalities"
        )
        if self.postgres:
            cursor.execute(f"ANALYZE {STAGE_ORGS}")
        cursor.execute(f"SELECT 1 FROM {STAGE_ORGS} WHERE municipalities > 1 LIMIT 1")
        self.mixed_municipalities = cursor.fetchone() is not None

    def _named_municipalities(self) -> str:
        """SQL: the distinct (region_id, municipality) the file names. The organisations'
        own when each names one (nothing more to read); with the rows of the organisations
        that name several when there are such."""
        query = f"SELECT region_id, municipality FROM {STAGE_ORGS} WHERE municipality <> ''"
        if self.mixed_municipalities:
            query += (
                f" UNION SELECT s.region_id, s.municipality FROM {STAGE_ROWS} s "
                f"JOIN {STAGE_ORGS} o ON o.code = s.org_code "
                f"WHERE o.municipalities > 1 AND s.municipality <> ''"
            )
        return query

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

    def _code_key(self, column: str) -> str:
        """SQL: `tables.code_twin_key` of a code column (PostgreSQL: `translate` built from
        `tables.CODE_FOLD`, whatever the database's locale; SQLite: the Python function,
        registered on the connection by `create`)."""
        if self.postgres:
            source = "".join(CODE_FOLD)
            target = "".join(CODE_FOLD.values())
            return f"ltrim(translate({column}, '{source}', '{target}'), '0')"
        return f"{SQLITE_CODE_KEY}({column})"

    def _has_letter(self, column: str) -> str:
        """SQL: the code holds something else than digits (letters that may fold)."""
        if self.postgres:
            return f"{column} ~ '[^0-9]'"
        return f"{column} GLOB '*[^0-9]*'"

    def twin_conflicts(self, limit: int) -> list[tuple[int, str, str | None, str | None, int]]:
        """New organisation codes of the file that are twins of another code
        (`tables.code_twin_key`: they differ only by leading zeros, letter case or a
        Cyrillic look-alike of a Latin letter): (first row, code, a known code of the same
        region, another code of the file, its first row). A spreadsheet drops the zeros of a
        code typed as a number («01000123» → 1000123), a person types «org9» for «ORG9»:
        taken as a new organisation, one school would be counted under two codes. Codes
        already known are left alone (both may exist).

        One aggregate over the file's codes, the known codes of its regions that start
        with a zero or hold a letter, and the known codes the file's zero-led codes would
        lose their zeros into (the unique index on the code), keyed by the twin key; only
        its (rare) groups of several codes are joined back."""
        key = self._code_key
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH codes AS ("
                f"SELECT {key('code')} AS bare, code, first_row FROM {STAGE_ORGS} "
                f"UNION ALL SELECT {key('o.code')}, o.code, NULL FROM {_q(T_ORG)} o "
                f"WHERE (o.code LIKE '0%%' OR {self._has_letter('o.code')}) "
                f"AND o.region_id IN (SELECT region_id FROM {STAGE_ORGS}) "
                f"UNION ALL SELECT {key('o.code')}, o.code, NULL FROM {STAGE_ORGS} s "
                f"JOIN {_q(T_ORG)} o ON o.code = ltrim(s.code, '0') "
                f"AND o.region_id = s.region_id WHERE s.code LIKE '0%%'), "
                f"groups AS (SELECT bare FROM codes GROUP BY bare "
                f"HAVING COUNT(DISTINCT code) > 1) "
                f"SELECT s.first_row, s.code, "
                f"MIN(CASE WHEN c.first_row IS NULL THEN c.code END), "
                f"MIN(CASE WHEN c.first_row IS NOT NULL THEN c.code END), "
                f"MIN(c.first_row) "
                f"FROM groups g JOIN {STAGE_ORGS} s ON {key('s.code')} = g.bare "
                f"JOIN codes c ON c.bare = g.bare AND c.code <> s.code "
                f"WHERE NOT EXISTS (SELECT 1 FROM {_q(T_ORG)} k WHERE k.code = s.code) "
                f"GROUP BY s.first_row, s.code ORDER BY s.first_row LIMIT %s",
                [limit],
            )
            return list(cursor.fetchall())

    def municipality_twins(self, limit: int) -> list[tuple[int, str, str | None, str | None, int]]:
        """Municipality names of the file that are twins of another (`tables.name_twin_key`:
        they differ only by letter case or «ё»/«е»; white space is already one space):
        (first row, name, the known municipality of the region, another name of the file,
        its first row). Taken as a new municipality, one district's figures would be split
        in two (the lagging municipalities, the rollups). Names already known are left
        alone (both may exist); a name known only with other white space (stored before
        names were single-spaced, or typed so in the admin) is that municipality: the
        staged rows take its stored spelling.

        Compared in Python over the file's distinct names and the known ones of its
        regions (a few hundred; PostgreSQL's lower() of Cyrillic depends on the database's
        locale); the rows are read only for the first row of a refused name."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT region_id, municipality FROM ({self._named_municipalities()}) t"
            )
            named = cursor.fetchall()
            if not named:
                return []
            cursor.execute(
                f"SELECT region_id, name FROM {_q(T_MUNI)} WHERE region_id IN "
                f"(SELECT DISTINCT region_id FROM {STAGE_ORGS}) ORDER BY region_id, name"
            )
            known: dict[int, set[str]] = {}
            known_spaced: dict[tuple[int, str], str] = {}
            known_keys: dict[tuple[int, str], str] = {}
            for region_id, name in cursor.fetchall():
                known.setdefault(region_id, set()).add(name)
                known_spaced.setdefault((region_id, single_spaced(name)), name)
                known_keys.setdefault((region_id, name_twin_key(name)), name)
            renamed: list[tuple[str, int, str]] = []
            new: dict[tuple[int, str], list[str]] = {}
            for region_id, name in sorted(named):
                if name in known.get(region_id, ()):
                    continue
                stored = known_spaced.get((region_id, name))
                if stored is not None:
                    renamed.append((stored, region_id, name))
                    continue
                new.setdefault((region_id, name_twin_key(name)), []).append(name)
            for table in (STAGE_ROWS, STAGE_ORGS):
                cursor.executemany(
                    f"UPDATE {table} SET municipality = %s "
                    f"WHERE region_id = %s AND municipality = %s",
                    renamed,
                )
            twins: list[tuple[int, str, str | None]] = []  # (region, name, known name)
            for (region_id, key), names in new.items():
                stored = known_keys.get((region_id, key))
                if stored is not None or len(names) > 1:
                    twins += [(region_id, name, stored) for name in names]
            if not twins:
                return []
            first: dict[tuple[int, str], int] = {}
            names = sorted({name for _region, name, _stored in twins})
            for start in range(0, len(names), 500):  # IN lists within SQLite's limit
                chunk = names[start : start + 500]
                cursor.execute(
                    f"SELECT region_id, municipality, MIN(row_no) FROM {STAGE_ROWS} "
                    f"WHERE municipality IN ({', '.join(['%s'] * len(chunk))}) GROUP BY 1, 2",
                    chunk,
                )
                first.update(((region, name), row) for region, name, row in cursor.fetchall())
        found: list[tuple[int, str, str | None, str | None, int]] = []
        for region_id, name, stored in twins:
            row = first[(region_id, name)]
            if stored is not None:
                found.append((row, name, stored, None, 0))
                continue
            others = [
                (first[(region_id, other)], other)
                for other in new[(region_id, name_twin_key(name))]
                if other != name
            ]
            other_row, other = min(others)
            found.append((row, name, None, other, other_row))
        found.sort()
        return found[:limit]

    def _differs(self, stored: str, new: str) -> str:
        return " OR ".join(f"{stored}.{key} <> {new}.{key}" for key in COUNT_KEYS)

    def stored_weeks(self) -> None:
        """The latest stored week of each known organisation whose record the file would
        change (`_record_changes`), into a narrow table (code, stored_week): one probe of
        the unique (organisation, week) index each, its last entry. Only those: a record
        the file leaves as it is needs no week to compare (`organisation_changes` skips
        this when the file changes none)."""
        differs = " OR ".join(
            f"({differs})"
            for differs, _takes in _record_changes("s", "o", "m.id", "CAST(NULL AS date)").values()
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE_STORED}")
            # NULL: nothing stored. No condition on the probed week: the planner would
            # move it below the join and probe every known organisation
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_STORED} (code varchar(64) NOT NULL PRIMARY KEY, "
                f"stored_week date)"
            )
            cursor.execute(
                f"INSERT INTO {STAGE_STORED} (code, stored_week) "
                f"SELECT s.code, (SELECT r.week_start FROM {_q(T_ROW)} r "
                f"WHERE r.organisation_id = o.id ORDER BY r.week_start DESC LIMIT 1) "
                f"FROM {STAGE_ORGS} s JOIN {_q(T_ORG)} o ON o.code = s.code "
                f"LEFT JOIN {_q(T_MUNI)} m ON m.region_id = s.region_id "
                f"AND m.name = s.municipality WHERE {differs}"
            )
            if self.postgres:
                cursor.execute(f"ANALYZE {STAGE_STORED}")
        self.weeks_stored = True

    def _stored(self, alias: str, staged: str) -> tuple[str, str]:
        """(the join of the stored weeks to `staged`, the stored week's SQL)."""
        if not self.weeks_stored:
            return "", "CAST(NULL AS date)"
        return (
            f"LEFT JOIN {STAGE_STORED} {alias} ON {alias}.code = {staged}.code ",
            f"{alias}.stored_week",
        )

    def organisation_changes(self) -> dict[str, int]:
        """What the file changes in the reference data (run before `write_reference`, under
        the same lock: the counts are what it then does, in a dry run too).

        `organisations_renamed`, `_retyped`, `_moved` (another municipality): known
        organisations whose record takes the file's name, type, municipality;
        `organisations_kept`: known ones for which the file says something else, from a
        week older than one the portal stores, so their record stays as it is.

        One pass over the organisations; when the file would change some record, their
        stored weeks (`stored_weeks`) and a second pass. A weekly file of organisations as
        they were costs the one pass."""
        counts = self._count_changes()
        if not self.weeks_stored and counts["organisations_changed"]:
            self.stored_weeks()
            counts = self._count_changes()
        self.kept_municipalities = bool(counts.pop("municipalities_kept"))
        counts.pop("organisations_changed")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT DISTINCT s.region_id, s.municipality "
                f"FROM ({self._named_municipalities()}) s LEFT JOIN {_q(T_MUNI)} m "
                f"ON m.region_id = s.region_id AND m.name = s.municipality "
                f"WHERE m.id IS NULL) t"
            )
            (municipalities,) = cursor.fetchone()
        return {**counts, "municipalities_created": int(municipalities or 0)}

    def _count_changes(self) -> dict[str, int]:
        """The counts of `organisation_changes` by the stored weeks known so far (none yet:
        every change counts as taken, `organisations_changed` says if there is any), and
        `municipalities_kept`: the records keeping another municipality than the file's."""
        join, stored_week = self._stored("k", "s")
        changes = _record_changes("s", "o", "m.id", stored_week)
        taken = {field: f"{differs} AND {takes}" for field, (differs, takes) in changes.items()}
        kept = {field: f"{differs} AND NOT {takes}" for field, (differs, takes) in changes.items()}

        def count(condition: str) -> str:
            return f"SUM(CASE WHEN o.id IS NOT NULL AND ({condition}) THEN 1 ELSE 0 END)"

        def any_of(conditions: Iterable[str]) -> str:
            return " OR ".join(f"({condition})" for condition in conditions)

        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT SUM(CASE WHEN o.id IS NULL THEN 1 ELSE 0 END), "
                f"{count(taken['name'])}, {count(taken['org_type'])}, "
                f"{count(taken['municipality'])}, {count(any_of(kept.values()))}, "
                f"{count(kept['municipality'])}, "
                f"{count(any_of(differs for differs, _takes in changes.values()))} "
                f"FROM {STAGE_ORGS} s LEFT JOIN {_q(T_ORG)} o ON o.code = s.code "
                f"LEFT JOIN {_q(T_MUNI)} m ON m.region_id = s.region_id "
                f"AND m.name = s.municipality {join}"
            )
            values = cursor.fetchone()
        keys = (
            "organisations_created",
            "organisations_renamed",
            "organisations_retyped",
            "organisations_moved",
            "organisations_kept",
            "municipalities_kept",
            "organisations_changed",
        )
        return {key: int(value or 0) for key, value in zip(keys, values, strict=True)}

    def write_reference(self, changes: dict[str, int] | None = None) -> None:
        """New municipalities and organisations from the file; the records of known ones
        renamed, retyped or moved, by the file's latest week that says so, unless the
        portal stores a later week of the organisation (`stored_weeks`, `_record_changes`).

        Runs in dry runs too (the caller rolls back), so the rows can be keyed by id.
        `changes` (`organisation_changes`, counted just before in the same transaction and
        under the import lock) skips the statements with nothing to do: a weekly file of
        known, unchanged organisations then costs no conflict check or update of each one.
        """
        org, muni = _q(T_ORG), _q(T_MUNI)
        changes = changes or {}
        if not changes and not self.weeks_stored:  # not counted: compare every change
            self.stored_weeks()
        with connection.cursor() as cursor:
            if changes.get("municipalities_created", 1):
                cursor.execute(
                    f"INSERT INTO {muni} (region_id, name) SELECT DISTINCT t.region_id, "
                    f"t.municipality FROM ({self._named_municipalities()}) t WHERE true "
                    f"ON CONFLICT (region_id, name) DO NOTHING"
                )
            if changes.get("organisations_created", 1):
                cursor.execute(
                    f"INSERT INTO {org} (code, name, org_type, region_id, municipality_id) "
                    f"SELECT s.code, CASE WHEN s.name = '' THEN s.code ELSE s.name END, "
                    f"s.org_type, s.region_id, m.id FROM {STAGE_ORGS} s LEFT JOIN {muni} m "
                    f"ON m.region_id = s.region_id AND m.name = s.municipality WHERE true "
                    f"ON CONFLICT (code) DO NOTHING"
                )
            if not any(
                changes.get(key, 1)
                for key in ("organisations_renamed", "organisations_retyped", "organisations_moved")
            ):
                return
            # the municipalities exist now: t.municipality_id is NULL only where none is named
            join, stored_week = self._stored("k", "s")
            changes_sql = _record_changes("t", org, "t.municipality_id", "t.stored_week")
            taken = {
                field: f"({differs} AND {takes})" for field, (differs, takes) in changes_sql.items()
            }
            cursor.execute(
                f"UPDATE {org} SET "
                f"name = CASE WHEN {taken['name']} THEN t.name ELSE {org}.name END, "
                f"org_type = CASE WHEN {taken['org_type']} THEN t.org_type "
                f"ELSE {org}.org_type END, "
                f"municipality_id = CASE WHEN {taken['municipality']} THEN t.municipality_id "
                f"ELSE {org}.municipality_id END "
                f"FROM (SELECT s.code, s.name, s.org_type, s.municipality, s.type_week, "
                f"s.name_week, s.muni_week, {stored_week} AS stored_week, "
                f"m.id AS municipality_id FROM {STAGE_ORGS} s {join}"
                f"LEFT JOIN {muni} m ON m.region_id = s.region_id "
                f"AND m.name = s.municipality) t "
                f"WHERE {org}.code = t.code AND ({' OR '.join(taken.values())})"
            )

    def key_rows(self) -> dict[str, int]:
        """Keys every staged row by organisation id and the stored row, with its action
        (0 created, 1 updated, 2 unchanged), in one pass; returns the counts.

        Each row keeps its own type and municipality (see `derive_organisations`). The type
        is the staged row's. The municipality is the organisation's record when the file
        names one municipality for it and the record took it (then the two are the same: no
        lookup per row); only when some organisation names several, or a record kept
        another one (a late correction of an older week, `organisation_changes`), is each
        row's looked up (a row with an empty cell takes the organisation's)."""
        counts = ", ".join(f"s.{key}" for key in COUNT_KEYS)
        if self.mixed_municipalities or self.kept_municipalities is not False:
            municipality = "COALESCE(m.id, o.municipality_id)"
            lookup = (
                f"LEFT JOIN {_q(T_MUNI)} m ON m.region_id = s.region_id "
                f"AND m.name = s.municipality "
            )
        else:
            municipality, lookup = "o.municipality_id", ""
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE_KEYED}")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE_KEYED} AS SELECT s.row_no, s.org_code, "
                f"s.week_start, o.id AS organisation_id, o.region_id, "
                f"{municipality} AS municipality_id, "
                f"s.org_type, {counts}, r.id AS row_id, "
                f"CASE WHEN r.id IS NULL THEN 0 WHEN {self._differs('r', 's')} "
                f"OR r.org_type <> s.org_type "
                f"OR r.municipality_id IS DISTINCT FROM {municipality} THEN 1 ELSE 2 END "
                f"AS action "
                f"FROM {STAGE_ROWS} s JOIN {_q(T_ORG)} o ON o.code = s.org_code "
                f"{lookup}"
                f"LEFT JOIN {_q(T_ROW)} r ON r.organisation_id = o.id "
                f"AND r.week_start = s.week_start"
            )
            if self.postgres:  # what the writes filter and join on
                cursor.execute(f"ANALYZE {STAGE_KEYED} (action, row_id)")
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


STAGE_RAW = "monitoring_stage_raw"
STAGE_VALUES = "monitoring_stage_values"
_CHUNK = 1 << 20


def _trimmed(column: str) -> str:
    """SQL: a text cell as the reader reads it (`str.strip`): `btrim` removes the ASCII
    spaces; the other characters `str.strip` removes never reach SQL (`_PlainText`)."""
    return f"btrim(coalesce({column}, ''))"


def _utf8_searches(
    ranges: Iterable[tuple[int, int]],
) -> tuple[Callable[[bytes], re.Match[bytes] | None], ...]:
    """A bytes search for the UTF-8 form of the characters in `ranges`, one per lead byte
    (each pattern starts with a literal byte: a fast scan), the last bytes as a class."""
    lasts: dict[int, dict[bytes, list[int]]] = {}
    for low, high in ranges:
        for code in range(low, high + 1):
            encoded = chr(code).encode()
            lasts.setdefault(encoded[0], {}).setdefault(encoded[1:-1], []).append(encoded[-1])
    searches: list[Callable[[bytes], re.Match[bytes] | None]] = []
    for lead, by_middle in lasts.items():
        ends = b"|".join(
            re.escape(middle) + b"[" + b"".join(re.escape(bytes([end])) for end in ends) + b"]"
            for middle, ends in by_middle.items()
        )
        searches.append(re.compile(re.escape(bytes([lead])) + b"(?:" + ends + b")").search)
    return tuple(searches)


class _PlainText:
    """Judges the file's bytes chunk by chunk with C-speed byte operations: True while they
    hold nothing that sends a file to the row-by-row reader: quotes and backslashes (COPY
    and Python's csv module could read them differently), control characters (but the line
    breaks and a tab separator; the reader refuses them in text), the invisible format
    characters the reader refuses in text (`tables.INVISIBLE_RANGES`), the spaces
    `str.strip` removes but `btrim` keeps (no-break, thin, ideographic …: the reader strips
    them from a cell's edges), a byte Windows-1251 does not define. COPY itself refuses
    empty lines, stray carriage returns and a bad encoding."""

    # UTF-8: U+0080-U+00A0 (C1 controls, no-break space); U+2000-U+200A, U+2028, U+2029,
    # U+202F, U+205F; U+1680; U+3000 (each pattern with a literal first byte: fast); the
    # invisible characters
    _UTF8: tuple[Callable[[bytes], re.Match[bytes] | None], ...] = (
        re.compile(rb"\xc2[\x80-\xa0]").search,
        re.compile(rb"\xe2(?:\x80[\x80-\x8a\xa8\xa9\xaf]|\x81\x9f)").search,
        re.compile(rb"\xe1\x9a\x80").search,
        re.compile(rb"\xe3\x80\x80").search,
        *_utf8_searches(INVISIBLE_RANGES),
    )
    # the invisible characters Windows-1251 has (the soft hyphen)
    _CP1251_INVISIBLE = [
        byte
        for low, high in INVISIBLE_RANGES
        for code in range(low, high + 1)
        for byte in chr(code).encode("cp1251", errors="ignore")
    ]

    def __init__(self, encoding: str, delimiter: str) -> None:
        self.cp1251 = encoding == "cp1251"
        keep = {ord("\n"), ord("\r"), ord(delimiter)}
        bad = [c for c in range(0x20) if c not in keep] + [0x7F]
        if self.cp1251:
            bad += [0x98, 0xA0, *self._CP1251_INVISIBLE]  # undefined; the no-break space
        # a refused byte becomes NUL, any other 1: one translate, then one memchr
        self.table = bytes(0 if c in bad else 1 for c in range(256))
        self.tail = b""

    def __call__(self, chunk: bytes) -> bool:
        if b'"' in chunk or b"\\" in chunk or b"\x00" in chunk.translate(self.table):
            return False
        if self.cp1251:
            return True
        # with the last bytes before: a sequence split by the chunks is seen too
        joined, self.tail = self.tail + chunk, chunk[-3:]
        return not any(search(joined) for search in self._UTF8)


def _copy_raw(cursor: Any, sql: str, stream: Any, plain: _PlainText, eol: bytes) -> None:
    """Streams the file from the current position into COPY, 1 MB at a time, each chunk
    judged first by `plain`."""
    with cursor.cursor.copy(sql) as copy:
        pending = b""
        while chunk := stream.read(_CHUNK):
            if pending:
                if not plain(pending):
                    raise NotForTheFastPath
                copy.write(pending)
            pending = chunk
        # empty trailing lines are no rows
        pending = pending.rstrip(b"\r\n")
        if not pending or not plain(pending):
            raise NotForTheFastPath
        copy.write(pending + eol)


def _check_one_record_per_line(lines: list[bytes], table: Any) -> None:
    """The reader numbers records, COPY lines: the lines down to the header must be as many
    records as lines (no quoted title with a line break, no bare carriage return), else
    `NotForTheFastPath`. A few lines, parsed by the reader's own csv module."""
    try:
        text = b"".join(lines).decode(table.encoding)
        records = sum(
            1 for _cells in csv.reader(io.StringIO(text, newline=""), delimiter=table.delimiter)
        )
    except (UnicodeDecodeError, csv.Error) as exc:
        raise NotForTheFastPath from exc
    if records != len(lines) or records != table.header_row:
        raise NotForTheFastPath


class NotForTheFastPath(Exception):
    """The file needs the row-by-row reader (its messages, or a shape COPY reads otherwise)."""


def copy_csv(stream: Any, table: Any, reader: Any, *, stage: Staging) -> int:
    """PostgreSQL, CSV: the set-based path. Returns the rows staged.

    The file's bytes go unchanged into a text table by COPY; the distinct (week, region,
    type) cells are judged by the reader's own methods (`week_of`, `region_of`, `type_of`,
    `week_problem`); every other check of the reader runs as one SQL predicate built from
    the same definitions (`PLAIN_COUNT`, the ceiling, `columns.CROSS_CHECKS`, `TEXT_LIMITS`,
    `tables.LOSSY_CODE_TEXT`)
    while the valid rows are converted into the staging table. It judges only whether a row
    is valid: when any row is not, or the file has a shape COPY could read differently from
    Python's csv module (a quote or a backslash anywhere, an empty line), it raises
    `NotForTheFastPath` and the caller rolls back to its savepoint and runs the reader, which
    names every problem. Row numbers are the reader's (records, the header being record
    `table.header_row`): a valid row is one line, and the lines above the data are one
    record each or the file goes to the reader.
    """
    width = table.width
    columns = table.columns
    names = [f"c{i}" for i in range(width)]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE_RAW}")
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE_RAW} (n bigint GENERATED ALWAYS AS IDENTITY, "
            + ", ".join(f"{name} text" for name in names)
            + ")"
        )
        # the data start: the line after the header
        stream.seek(0)
        head = [stream.readline() for _line in range(table.header_row)]
        _check_one_record_per_line(head, table)
        eol = b"\r\n" if head[-1].endswith(b"\r\n") else b"\n"
        delimiter = {";": "';'", ",": "','", "\t": "E'\\t'"}[table.delimiter]
        encoding = "WIN1251" if table.encoding == "cp1251" else "UTF8"
        sql = (
            f"COPY {STAGE_RAW} ({', '.join(names)}) FROM STDIN "
            f"WITH (FORMAT csv, DELIMITER {delimiter}, ENCODING '{encoding}')"
        )
        plain = _PlainText(table.encoding, table.delimiter)
        try:
            _copy_raw(cursor, sql, stream, plain, eol)
        except psycopg.Error as exc:  # a shape COPY refuses (too few cells …): the reader
            raise NotForTheFastPath(str(exc)[:200]) from exc
        cursor.execute(f"SELECT COUNT(*) FROM {STAGE_RAW}")
        (total,) = cursor.fetchone()
        if not total:
            raise NotForTheFastPath

        c_week = f"r.c{columns['week_start']}"
        c_region = f"r.c{columns['region_code']}"
        c_type = f"r.c{columns['org_type']}"
        cursor.execute(f"SELECT {c_week}, {c_region}, {c_type} FROM {STAGE_RAW} r GROUP BY 1, 2, 3")
        values = []
        pairs = set()
        for raw_week, raw_region, raw_type in cursor.fetchall():
            if any(v is None or "\n" in v or "\r" in v for v in (raw_week, raw_region, raw_type)):
                raise NotForTheFastPath
            week, _problem = reader.week_of(raw_week)
            region_id, _problem = reader.region_of(raw_region)
            org_type, _problem = reader.type_of(raw_type)
            if week is None or region_id is None or org_type is None:
                raise NotForTheFastPath
            if reader.week_problem(week, region_id) is not None:
                raise NotForTheFastPath
            values.append((raw_week, raw_region, raw_type, week, region_id, org_type))
            pairs.add((region_id, week))
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE_VALUES}")
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE_VALUES} (w text, r text, t text, week date, "
            f"region_id bigint, org_type varchar(20))"
        )
        with cursor.cursor.copy(f"COPY {STAGE_VALUES} FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)

        # the row predicate (quotes and control characters: see `_PlainText`)
        conditions = []
        code = _trimmed(f"r.c{columns['org_code']}")
        texts = [("org_code", code)]
        text_columns = [f"r.c{columns['org_code']}"]
        for key in ("municipality", "org_name"):
            if key in columns:
                texts.append((key, _trimmed(f"r.c{columns[key]}")))
                text_columns.append(f"r.c{columns[key]}")
        conditions.append(f"r.c{columns['org_code']} IS NOT NULL AND {code} <> ''")
        # a code a spreadsheet saved as a number, in scientific notation or with a decimal
        # part of zeros (tables.lossy_code_problem)
        conditions.append(f"{code} !~ %s")
        params: list[Any] = [f"^(?:{LOSSY_CODE_TEXT})$"]
        for (key, expression), column in zip(texts, text_columns, strict=True):
            # bytes bound characters: the exact length only for a long cell
            limit = int(TEXT_LIMITS[key])
            conditions.append(
                f"(octet_length({column}) <= {limit} OR length({expression}) <= {limit})"
            )
        ceiling = max_count()
        digits = len(str(ceiling))
        count = {key: f"r.c{columns[key]}" for key in COUNT_KEYS}
        cells = ", ".join(count.values())
        # every count present, at most as many digits as the ceiling, and only PLAIN_COUNT
        # digits (byte-wise "C" collation: the cheapest regex)
        plain_counts = (
            f"num_nonnulls({cells}) = {len(count)} AND "
            + " AND ".join(f"octet_length({c}) BETWEEN 1 AND {digits}" for c in count.values())
            + f' AND concat({cells}) COLLATE "C" ~ %s'
        )
        params.append(f"^{PLAIN_COUNT}$")
        in_range = [f"{c}::bigint <= {int(ceiling)}" for c in count.values()]
        cross = [
            f"{count[key]}::bigint <= {int(factor)} * {count[bound]}::bigint"
            for key, bound, factor in CROSS_CHECKS
        ]
        conditions.append(
            f"CASE WHEN {plain_counts} THEN {' AND '.join(in_range + cross)} ELSE false END"
        )
        municipality = "''"
        if "municipality" in columns:
            # one space for each run of spaces (tables.single_spaced; no other white space
            # reaches this path), only where there is a run
            trimmed = _trimmed(f"r.c{columns['municipality']}")
            municipality = (
                f"CASE WHEN strpos({trimmed}, '  ') > 0 "
                f"THEN regexp_replace({trimmed}, '{SPACE_RUN_SQL}', ' ', 'g') ELSE {trimmed} END"
            )
        name = _trimmed(f"r.c{columns['org_name']}") if "org_name" in columns else "''"
        cursor.execute(f"ANALYZE {STAGE_VALUES}")
        # never analysed, the raw table is misjudged by the planner: a nested loop or a merge
        # join (sorting the whole file on disk) would be chosen; the values hash in memory
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(
            f"INSERT INTO {STAGE_ROWS} ({', '.join(ROW_COLUMNS)}) "
            f"SELECT r.n + {int(table.header_row)}, v.week, v.region_id, {code}, "
            f"{municipality}, {name}, v.org_type, "
            + ", ".join(f"{c}::bigint" for c in count.values())
            + f" FROM {STAGE_RAW} r JOIN {STAGE_VALUES} v ON v.w = {c_week} "
            f"AND v.r = {c_region} AND v.t = {c_type} WHERE "
            + " AND ".join(f"({condition})" for condition in conditions),
            params,
        )
        staged = cursor.rowcount
        cursor.execute("SET LOCAL enable_nestloop = on")
        cursor.execute("SET LOCAL enable_mergejoin = on")
        if staged != total:
            raise NotForTheFastPath
        cursor.execute(f"DROP TABLE {STAGE_RAW}")
        cursor.execute(f"DROP TABLE {STAGE_VALUES}")
    reader.rows_read = reader.rows_valid = total
    reader.pairs.update(pairs)
    return int(total)
