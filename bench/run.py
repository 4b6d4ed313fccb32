"""The national-scale benchmark: `make bench` (PostgreSQL from DATABASE_URL, else SQLite).

    python bench/run.py [--scale 1] [--weeks 40] [--import-rows 1000000] [--ci] [--reuse]

Every figure is measured against a baseline taken in the same run, on the same database:
the import against a raw COPY of the same file into an unindexed table, pages on the full
data set against the same pages on 1 % of it, the 200,000-row export against a 20,000-row
one. Heavy steps run as the real management commands in child processes, so each one's
peak memory is its own (`wait4` rusage). Prints a table and writes bench/results/latest.json.
See bench/README.md for what each figure means and the latest results.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load as people  # noqa: E402
from bench import loadgen  # noqa: E402

PYTHON = sys.executable
WORK = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
FIRST_WEEK = dt.date(2025, 9, 1)
SECRET = "bench-only-secret-key-not-for-production-0123456789-abcdefghijklmnop"
USERS = people.USERS
LOAD_REGIONS = 20  # the analyst of the load test opens this many regions' dashboards


# --------------------------------------------------------------------------- processes
def base_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DB", "RUN_CELERY_WORKER"}}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="roadmap_portal.settings",
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(WORK / "static"),
        VAR_DIR=str(WORK / "var"),
        LOG_LEVEL="WARNING",
        CELERY_BROKER_URL="",
        CELERY_TASK_ALWAYS_EAGER="true",
        PYTHONPATH=str(ROOT),
    )
    return env


def run(
    args: list[str], env: dict[str, str], *, check: bool = True, log_name: str = "last-step.log"
) -> dict:
    """Runs a child process; returns seconds, peak RSS (MB) and its output (kept in
    var/bench/`log_name`, which two children running at once must not share)."""
    log = WORK / log_name
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    output = log.read_text(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if check and code != 0:
        raise RuntimeError(f"{' '.join(args[:4])} … exited {code}:\n{output[-4000:]}")
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "output": output, "code": code}


def manage(env: dict[str, str], *args: str, check: bool = True) -> dict:
    return run([PYTHON, "manage.py", *args], env, check=check)


def manage_many(env: dict[str, str], commands: list[tuple[str, ...]]) -> dict:
    """Several management commands (name and arguments as on the command line), in order,
    in one child process: Django starts once. For set-up, whose time is not a figure."""
    script = "from django.core.management import call_command as c\n" + "\n".join(
        f"c(*{list(command)!r})" for command in commands
    )
    return manage(env, "shell", "-c", script)


# --------------------------------------------------------------------------- databases
def database_urls(base_url: str) -> tuple[str, str]:
    """The full data set's database and the 1 % one beside it."""
    if base_url.startswith("postgres"):
        parsed = urlparse(base_url)
        small = parsed._replace(path=parsed.path + "_small").geturl()
        return base_url, small
    WORK.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{WORK / 'bench.sqlite3'}", f"sqlite:///{WORK / 'bench_small.sqlite3'}"


@contextlib.contextmanager
def _pg_admin(url: str, *databases: str) -> Iterator[Any]:
    """An autocommit connection to the server's `postgres` database, every session of
    `databases` ended first (a database in use can be neither dropped nor copied)."""
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in databases:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
        yield conn


def _db_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def database_reset(url: str) -> None:
    if url.startswith("postgres"):
        name = _db_name(url)
        with _pg_admin(url, name) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        path = Path(urlparse(url).path)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


def database_clone(source: str, target: str) -> None:
    """`target` becomes a copy of `source` (PostgreSQL: a template copy, files not rows;
    SQLite: the file). Nothing may be connected to `source`."""
    if source.startswith("postgres"):
        origin, copy = _db_name(source), _db_name(target)
        with _pg_admin(source, origin, copy) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
            conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{origin}"')
        return
    database_reset(target)
    for suffix in ("", "-wal"):
        origin = Path(urlparse(source).path + suffix)
        if origin.exists():
            shutil.copyfile(origin, urlparse(target).path + suffix)


def database_settle(*urls: str) -> dict | None:
    """`VACUUM (ANALYZE)` of each database, as autovacuum would leave them after a big write:
    statistics for the planner, the visibility map for index-only scans, dead rows of the
    upserts gone. Run before each measuring step so that every machine measures the same
    settled state, whether its server's autovacuum is on (as in docker-compose.yml and any
    default PostgreSQL) or off, and however far it has got. PostgreSQL only (None on SQLite)."""
    if not urls or not urls[0].startswith("postgres"):
        return None
    import psycopg

    started = time.perf_counter()
    autovacuum = ""
    for url in urls:
        with psycopg.connect(url, autocommit=True) as conn:
            autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]
            conn.execute("VACUUM (ANALYZE)")
    return {"seconds": round(time.perf_counter() - started, 1), "autovacuum": autovacuum}


# --------------------------------------------------------------------------- data
def database_setup(url: str) -> None:
    """An empty portal: the schema, the seed fixtures and the demo users (the three
    commands of `make run`, in one process: Django starts once)."""
    database_reset(url)
    manage_many(
        base_env(url),
        [("migrate", "--noinput", "-v", "0"), ("load_seeds",), ("create_demo_users",)],
    )


def prepare(url: str, *, scale: float, weeks: int, out: Path, today: dt.date) -> dict:
    """The generated data set in a database made by `database_setup` (or a copy of one).
    Two data sets can be prepared at once (each child has its own log)."""
    env = base_env(url)
    shutil.rmtree(out, ignore_errors=True)
    generated = run(
        [
            PYTHON,
            "bench/generate.py",
            "--scale",
            str(scale),
            "--weeks",
            str(weeks),
            "--out",
            str(out),
            "--db",
            "--corrected",
            "--today",
            today.isoformat(),
        ],
        env,
        log_name=f"generate-{out.name}.log",
    )
    summary = json.loads((out / "generate.json").read_text())
    summary["seconds"] = round(generated["seconds"], 1)
    return summary


def week_files(out: Path) -> list[Path]:
    return sorted(
        p for p in out.glob("*.csv") if "corrected" not in p.name and "index" not in p.name
    )


def concat(files: list[Path], target: Path, *, rows_wanted: int) -> tuple[int, list[Path]]:
    """Joins whole week files (one header) until `rows_wanted` rows; returns rows and files."""
    rows, used = 0, []
    with target.open("wb") as out:
        for index, path in enumerate(files):
            with path.open("rb") as fh:
                header = fh.readline()
                if index == 0:
                    out.write(header)
                for line in fh:
                    out.write(line)
                    rows += 1
            used.append(path)
            if rows >= rows_wanted:
                break
    return rows, used


# --------------------------------------------------------------------------- baselines
def parse_baseline(path: Path) -> float:
    """Plain csv.reader with int/date conversion: rows per second."""
    started = time.perf_counter()
    rows = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        next(reader)
        for row in reader:
            dt.date.fromisoformat(row[0]) if "-" in row[0] else None
            [int(float(v.replace(",", "."))) for v in row[6:]]
            rows += 1
    return rows / (time.perf_counter() - started)


def copy_baseline(url: str, path: Path, rows: int) -> float:
    """Raw load of the same file into an unindexed table: the machine's limit (rows/s)."""
    columns = (
        "week_start text, region_code text, municipality text, org_code text, org_name text, "
        "org_type text, staff_total int, staff_writers int, students_total int, "
        "learners_active int, sferum_users int, max_only_users int, vkm_users int, "
        "vkm_and_max_users int"
    )
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_raw_copy")
            conn.execute(f"CREATE UNLOGGED TABLE bench_raw_copy ({columns})")
            conn.commit()
            started = time.perf_counter()
            sql = "COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
            with conn.cursor() as cur, path.open("rb") as fh, cur.copy(sql) as copy:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            conn.commit()
            seconds = time.perf_counter() - started
            conn.execute("DROP TABLE bench_raw_copy")
            conn.commit()
        return rows / seconds
    import sqlite3

    db = sqlite3.connect(urlparse(url).path)
    db.execute("DROP TABLE IF EXISTS bench_raw_copy")
    db.execute(f"CREATE TABLE bench_raw_copy ({columns})")
    started = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        next(reader)
        db.executemany(f"INSERT INTO bench_raw_copy VALUES ({','.join('?' * 14)})", reader)
    db.commit()
    seconds = time.perf_counter() - started
    db.execute("DROP TABLE bench_raw_copy")
    db.commit()
    db.close()
    return rows / seconds


def storing_floor(url: str) -> float | None:
    """Seconds to store the rows of the last finished import again, with no import logic:
    one INSERT … SELECT into an empty copy of the monitoring table with its indexes, logged
    like it (the same statement shape as the import's write). What the table itself costs:
    part of any import that keeps these rows, however fast its checks. PostgreSQL only."""
    if not url.startswith("postgres"):
        return None
    import psycopg

    table = "indicators_monitoringrow"
    with psycopg.connect(url) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = %s AND column_name <> 'id' ORDER BY ordinal_position",
                [table],
            )
        ]
        columns = ", ".join(names)
        conn.execute("DROP TABLE IF EXISTS bench_store_floor")
        conn.execute(f"CREATE TABLE bench_store_floor (LIKE {table} INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        conn.execute(
            f"INSERT INTO bench_store_floor ({columns}) SELECT {columns} FROM {table} "
            "WHERE upload_id = (SELECT MAX(id) FROM indicators_monitoringupload "
            "WHERE status = 'done') ORDER BY organisation_id, week_start"
        )
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_store_floor")
        conn.commit()
    return seconds


# --------------------------------------------------------------------------- pages
def page_plan(
    env: dict[str, str], load_regions: int | None = None, *, log_name: str = "last-step.log"
) -> dict:
    """In one child process: `paths`, the pages measured, name -> (path, persona), region
    ids from the database; `queries`, the queries of each page; and with `load_regions`,
    `load_paths`, the load test's pages of each persona (bench/load.py `load_paths`)."""
    extra = [] if load_regions is None else [str(load_regions)]
    result = run([PYTHON, "bench/steps.py", "page-plan", *extra], env, log_name=log_name)
    return json.loads(result["output"].strip().splitlines()[-1])


def measure_pages(
    data_sets: list[tuple[dict[str, str], int | None]], *, samples: int
) -> list[tuple[dict, dict]]:
    """p50/p95 and queries of each page of each data set, given as (environment, regions of
    the load test's paths or None); returns each one's figures and its `page_plan`.

    Set-up first, for all data sets at once: their servers start and their plans are read
    side by side. Then the data sets are sampled one after the other, the others' servers
    idle."""
    # the production server (gunicorn.conf.py), each of its workers warmed up on each page
    # first: a worker's first view of a page loads its templates and code, and with fewer
    # warm-up requests than workers that first view fell among the samples
    # without the page cache: what each page costs to compute (the load test has it on)
    config = people.production_config()
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(
                people.Server(
                    {**env, "PAGE_CACHE_SECONDS": "0"},
                    config,
                    wait=False,
                    log_name=f"gunicorn-pages-{index}.log",
                )
            )
            for index, (env, _regions) in enumerate(data_sets)
        ]
        with ThreadPoolExecutor(max_workers=len(data_sets)) as pool:
            plans = list(
                pool.map(
                    lambda i: page_plan(*data_sets[i], log_name=f"plan-{i}.log"),
                    range(len(data_sets)),
                )
            )
        for server in servers:  # every server up before any sample: the others idle, not booting
            server.wait_ready()
        results = []
        for server, plan in zip(servers, plans, strict=True):
            openers = dict(
                zip(USERS, loadgen.login_many(server.base, list(USERS.values())), strict=True)
            )
            figures = {}
            for name, (path, persona) in plan["paths"].items():
                figures[name] = loadgen.sample(
                    openers[persona],
                    server.base + path.lstrip("/"),
                    count=samples,
                    warmup=2 * config.workers,
                )
                figures[name]["queries"] = plan["queries"].get(name)
            results.append((figures, plan))
    return results


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="National-scale benchmark of the portal")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 85,000 organisations")
    parser.add_argument("--weeks", type=int, default=40)
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=40, help="requests per page for p50/p95")
    parser.add_argument(
        "--load-users", default="50,200", help="users of the load test, comma-separated"
    )
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--think-min", type=float, default=2.0, help="seconds between pages")
    parser.add_argument("--think-max", type=float, default=8.0)
    parser.add_argument("--ci", action="store_true", help="small and quick; fail only on errors")
    parser.add_argument(
        "--distinct-orgs",
        type=int,
        default=None,
        help="organisations in the memory file (default 2,000,000 × scale, at most 2,000,000)",
    )
    parser.add_argument(
        "--steps",
        default="",
        help=f"only these steps, comma-separated ({', '.join(STEP_NAMES)}); default all",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    run_started = time.perf_counter()
    wanted = {name.strip() for name in args.steps.split(",") if name.strip()}
    if wanted - set(STEP_NAMES):
        parser.error(f"unknown steps: {', '.join(sorted(wanted - set(STEP_NAMES)))}")

    def want(name: str) -> bool:
        return not wanted or name in wanted

    partial = partial_data_note(wanted)
    if partial:
        print(f"NOTE: {partial}", flush=True)
    if args.distinct_orgs is None:
        args.distinct_orgs = max(1000, round(2_000_000 * min(args.scale, 1.0)))
    if args.ci:
        args.samples, args.load_users, args.load_seconds = 5, "5", 5
        args.think_min, args.think_max = 0.2, 0.5
        args.out = WORK / "ci.json"
    WORK.mkdir(parents=True, exist_ok=True)
    full_url, small_url = database_urls(os.environ.get("DATABASE_URL", ""))
    today = FIRST_WEEK + dt.timedelta(weeks=args.weeks)
    import_rows = min(args.import_rows, int(85_000 * args.scale) * args.weeks)
    report: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "database": "postgresql" if full_url.startswith("postgres") else "sqlite",
        },
        "scale": args.scale,
        "weeks": args.weeks,
        "ci": args.ci,
        "figures": {},
    }
    figures = report["figures"]
    steps = Steps(figures)

    data = WORK / "data"
    small_data = WORK / "data_small"
    env = base_env(full_url)
    small_env = base_env(small_url)
    small_wanted = any(want(n) for n in ("rest", "index", "recompute", "pages", "load"))
    with steps("generate (full and 1 %, side by side)"):
        database_setup(full_url)
        if small_wanted:  # the same empty portal for the 1 % set: copied, not built again
            database_clone(full_url, small_url)
        # set-up, not a figure: the two data sets are generated at once
        with ThreadPoolExecutor(max_workers=2) as pool:
            small_set = (
                pool.submit(
                    prepare,
                    small_url,
                    scale=args.scale / 100,
                    weeks=args.weeks,
                    out=small_data,
                    today=today,
                )
                if small_wanted
                else None
            )
            figures["generate"] = prepare(
                full_url, scale=args.scale, weeks=args.weeks, out=data, today=today
            )
            if small_set is not None:
                figures["generate_small"] = small_set.result()
    if want("pages") or want("load"):
        people.collect_static(env)
    settled: list[dict] = []
    full_plan: dict = {}  # the pages step's plan, with the load test's pages when both run

    def settle(before: str) -> None:
        """The databases vacuumed and analysed before the step `before` (database_settle)."""
        urls = (full_url, small_url) if small_wanted else (full_url,)
        with steps(f"vacuum and analyse before «{before}»"):
            done = database_settle(*urls)
            if done is not None:
                settled.append({"before": before, **done})
                figures["settle"] = settled

    settle("import")

    files = week_files(data)
    big = WORK / "import.csv"
    rows, used = concat(files, big, rows_wanted=import_rows)
    with steps("baselines"):
        figures["baseline"] = {
            "rows": rows,
            "parse_rows_per_s": round(parse_baseline(big)),
            "copy_rows_per_s": round(copy_baseline(full_url, big, rows)),
        }
    if want("import"):
        with steps("import"):
            # the import logs where its time goes (read and stage, organisations, classify,
            # write, rollups; the commit phase includes the index and alert recompute it
            # triggers, run eagerly here) and which path it took
            load_before = os.getloadavg()[0]
            first = manage({**env, "LOG_LEVEL": "INFO"}, "import_monitoring", str(big))
            load_after = os.getloadavg()[0]
            found = PHASES.findall(first["output"])
            floor = storing_floor(full_url)
            again = manage(env, "import_monitoring", str(big))
            corrected = sorted(data.glob("*_corrected.csv"))
            fixed = manage(env, "import_monitoring", str(corrected[0])) if corrected else None
            copy_rate = figures["baseline"]["copy_rows_per_s"]
            rate = rows / first["seconds"]
            figures["import"] = {
                "rows": rows,
                "seconds": round(first["seconds"], 1),
                "rows_per_s": round(rate),
                "time_vs_copy": round(copy_rate / rate, 2),
                "peak_mb": round(first["peak_mb"]),
                "reimport_seconds": round(again["seconds"], 2),
                "corrected_seconds": round(fixed["seconds"], 2) if fixed else None,
                "path": "set-based" if "(set-based)" in first["output"] else "row by row",
                "phases_elapsed_s": ast.literal_eval(found[-1]) if found else {},
                "store_floor_seconds": round(floor, 2) if floor is not None else None,
                # a shared machine: the ratio holds within one run, the times do not
                "load_average": [round(load_before, 1), round(load_after, 1)],
            }
    if want("memory"):
        with steps("import memory, distinct organisations"):
            figures["import_memory"] = memory_step(env, args.distinct_orgs)
    # the 1 % set's share of the steps below, run after them in one process
    small_commands: list[tuple[str, ...]] = []
    if want("rest"):
        with steps("import the rest of the season"):
            # whole weeks in one file each: one import per data set, as a region would send
            # a season at once (a child process per week would mostly time Django's start-up)
            rest = [p for p in files if p not in used]
            started = time.perf_counter()
            rest_rows = 0
            if rest:
                rest_rows, _used = concat(rest, WORK / "rest.csv", rows_wanted=10**12)
                manage(env, "import_monitoring", str(WORK / "rest.csv"))
            seconds = time.perf_counter() - started
            small_rows, _used = concat(
                week_files(small_data), WORK / "small.csv", rows_wanted=10**12
            )
            small_commands.append(("import_monitoring", str(WORK / "small.csv")))
            figures["import_rest"] = {
                "rows": rest_rows,
                "small_rows": small_rows,
                "seconds": round(seconds, 1),
            }
    if want("index"):
        with steps("index inputs"):
            manage(env, "import_index_inputs", str(data / "index_facts.csv"))
            small_commands.append(("import_index_inputs", str(small_data / "index_facts.csv")))
    if want("recompute"):
        settle("recompute")
        with steps("recompute"):
            index = manage(env, "recompute_index", "--date", today.isoformat())
            alerts = manage(env, "check_alerts", "--today", today.isoformat())
            small_commands.append(("recompute_index", "--date", today.isoformat()))
            small_commands.append(("check_alerts", "--today", today.isoformat()))
            figures["recompute"] = {
                "index_all_regions_s": round(index["seconds"], 2),
                "alerts_all_regions_s": round(alerts["seconds"], 2),
            }
    if small_commands:
        with steps("the 1 % set: the same imports and recompute, in one process"):
            # set-up of the baseline pages, not a figure: Django starts once, not four times
            manage_many(small_env, small_commands)
    if want("pages") or want("exports") or want("load"):
        settle("pages")
    if want("pages"):
        with steps("pages"):
            (full, full_plan), (small, _plan) = measure_pages(
                [(env, LOAD_REGIONS if want("load") else None), (small_env, None)],
                samples=args.samples,
            )
            figures["pages"] = {
                name: {
                    **full[name],
                    "small_p95_ms": small[name]["p95_ms"],
                    "ratio_p95": round(full[name]["p95_ms"] / max(small[name]["p95_ms"], 0.1), 2),
                }
                for name in full
            }
    if want("exports"):
        with steps("exports"):
            figures["exports"] = json.loads(
                run([PYTHON, "bench/steps.py", "exports", str(WORK)], env)["output"]
                .strip()
                .splitlines()[-1]
            )
    if want("load"):
        with steps("load"):
            paths = full_plan.get("load_paths") or people.load_paths(env, LOAD_REGIONS)
            # the production configuration (gunicorn.conf.py) unless BENCH_GUNICORN names one
            bench_gunicorn = os.environ.get("BENCH_GUNICORN")
            config = (
                people.Config.parse(bench_gunicorn)
                if bench_gunicorn
                else people.production_config()
            )
            runs = []
            with people.Server(env, config) as server:
                sessions = people.persona_sessions(
                    server.base, paths, users=max(int(u) for u in str(args.load_users).split(","))
                )
                for users in [int(u) for u in str(args.load_users).split(",") if u.strip()]:
                    before = os.getloadavg()
                    result = people.run_people(
                        server.base,
                        paths,
                        sessions,
                        users=users,
                        seconds=args.load_seconds,
                        think_s=(args.think_min, args.think_max),
                        seed=users,
                    )
                    runs.append(
                        {
                            **people.figures(
                                result, users, "run", config, (before, os.getloadavg())
                            ),
                            "think_s": [args.think_min, args.think_max],
                        }
                    )
                stress = loadgen.run_load(
                    server.base,
                    paths,
                    users=int(str(args.load_users).split(",")[0]),
                    seconds=max(args.load_seconds / 3, 5),
                    sessions=sessions,
                )
            figures["load_runs"] = runs
            figures["load_no_think"] = {
                "users": int(str(args.load_users).split(",")[0]),
                **stress.summary(),
            }

    if partial:
        report["partial_data"] = partial
    report["seconds"] = round(time.perf_counter() - run_started, 1)
    report["summary"] = [
        dict(zip(("figure", "measured", "target", "verdict"), row, strict=True))
        for row in summary_rows(report)
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print_table(report)
    if partial:
        print(f"\nNOTE: {partial}")
    print(f"\nwritten: {args.out}")
    if steps.errors:
        print("\nERRORS:\n" + "\n".join(steps.errors))
        return 1
    errors = sum(r["errors"] for r in figures.get("load_runs", [])) + figures.get(
        "load_no_think", {}
    ).get("errors", 0)
    errors += sum(page.get("errors", 0) for page in figures.get("pages", {}).values())
    return 1 if errors else 0


def args_think(load: dict) -> str:
    low, high = load.get("think_s", (2, 8))
    return f"{low:g}-{high:g} s"


STEP_NAMES = ("import", "memory", "rest", "index", "recompute", "pages", "exports", "load")
# the generator writes the reference data; the monitoring rows come from these steps
MONITORING_STEPS = ("import", "rest")
READS_MONITORING = ("index", "recompute", "pages", "exports", "load")


def partial_data_note(wanted: set[str]) -> str | None:
    """A warning when the chosen steps read monitoring data that the run does not load: the
    figures of such a run are not comparable with a full run's (cheaper pages, exports)."""
    readers = [name for name in READS_MONITORING if name in wanted]
    missing = [name for name in MONITORING_STEPS if name not in wanted]
    if not wanted or not readers or not missing:
        return None
    return (
        f"{', '.join(readers)} without {', '.join(missing)}: the full set holds "
        f"{'no' if len(missing) == len(MONITORING_STEPS) else 'only part of its'} monitoring "
        "rows, so these figures are not comparable with a full run's"
    )


PHASES = re.compile(r"elapsed by phase end (\{.*?\})")


def memory_step(env: dict[str, str], organisations: int) -> dict:
    """Peak memory of a dry run of one week of `organisations` new organisations (2,000,000
    is ~200 MB): nothing per organisation may be held in Python. Some names carry quotes,
    so the file goes the row-by-row way (the set-based path never holds rows at all)."""
    from bench.distinct_orgs import write_distinct_organisations_file

    path = WORK / "distinct_organisations.csv"
    written = write_distinct_organisations_file(path, organisations=organisations, week=FIRST_WEEK)
    load_before = os.getloadavg()[0]
    result = manage({**env, "LOG_LEVEL": "INFO"}, "import_monitoring", "--dry-run", str(path))
    load_after = os.getloadavg()[0]
    path.unlink(missing_ok=True)
    return {
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "organisations": written["rows"],
        "file_mb": round(written["bytes"] / 1024 / 1024),
        "seconds": round(result["seconds"], 1),
        "peak_mb": round(result["peak_mb"]),
        "path": "set-based" if "(set-based)" in result["output"] else "row by row",
    }


class Steps:
    """Times each step, keeps going after a failure, and reports all failures at the end."""

    def __init__(self, figures: dict):
        self.figures = figures
        self.errors: list[str] = []
        self.name = ""

    def __call__(self, name: str):
        self.name = name
        return self

    def __enter__(self):
        print(f"== {self.name} …", flush=True)
        self.started = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb):
        took = time.perf_counter() - self.started
        if exc is not None:
            self.errors.append(f"{self.name}: {exc}")
            print(f"   FAILED after {took:.1f} s: {exc}", flush=True)
            return True
        print(f"   done in {took:.1f} s", flush=True)
        return False


# --------------------------------------------------------------------------- summary
# The targets of issue 17 and bench/README.md. Each row of the summary: figure, measured,
# target, and "met" / "missed" ("" where a figure is a baseline or context, not judged).
CI_SMOKE_SECONDS = 120


def _verdict(met: bool) -> str:
    return "met" if met else "missed"


def summary_rows(report: dict) -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, verdict) for every figure the run has."""
    f = report["figures"]
    rows: list[tuple[str, str, str, str]] = []

    def add(figure: str, measured, target: str = "", met: bool | None = None) -> None:
        rows.append((figure, str(measured), target, "" if met is None else _verdict(met)))

    if "baseline" in f:
        b = f["baseline"]
        add("rows in the import file", f"{b['rows']:,}", "")
        add("baseline: raw COPY into an unindexed table", f"{b['copy_rows_per_s']:,} rows/s")
        add("baseline: plain CSV parse + convert", f"{b['parse_rows_per_s']:,} rows/s")
    for done in f.get("settle", []):
        add(
            f"VACUUM (ANALYZE) before «{done['before']}» (server's autovacuum: "
            f"{done['autovacuum']})",
            f"{done['seconds']} s",
        )
    if "import" in f:
        i = f["import"]
        path = f", {i['path']}" if i.get("path") else ""
        add("import end to end", f"{i['rows_per_s']:,} rows/s ({i['seconds']} s{path})")
        add("import time / raw COPY time", i["time_vs_copy"], "≤ 3×", i["time_vs_copy"] <= 3)
        add("import peak memory", f"{i['peak_mb']} MB", "< 300 MB", i["peak_mb"] < 300)
        if i.get("load_average"):
            add("  load average before / after the import", " / ".join(map(str, i["load_average"])))
        phases = i.get("phases_elapsed_s") or {}
        for phase, seconds in phases.items():
            add(f"  import phase ends: {phase}", f"{seconds} s")
        b = f.get("baseline") or {}
        if phases.get("rollups") and b.get("copy_rows_per_s"):
            # without Django's start-up and the index/alert recompute run eagerly at commit
            own = phases["rollups"] / (b["rows"] / b["copy_rows_per_s"])
            add("  import's own work (to rollups) / raw COPY", round(own, 2))
        if i.get("store_floor_seconds") and b.get("copy_rows_per_s"):
            # the import's write alone, without reading or checking anything
            floor = i["store_floor_seconds"] / (b["rows"] / b["copy_rows_per_s"])
            add(
                "  floor: storing the same rows in the indexed table / raw COPY",
                f"{round(floor, 2)} ({i['store_floor_seconds']} s)",
            )
        add(
            "re-import of the same file",
            f"{i['reimport_seconds']} s",
            "< 3 s (hash known)",
            i["reimport_seconds"] < 3,
        )
        if i.get("corrected_seconds") is not None:
            add("corrected week file", f"{i['corrected_seconds']} s")
    if "import_memory" in f:
        m = f["import_memory"]
        add(
            f"peak memory, {m['organisations']:,} distinct organisations "
            f"({m['file_mb']} MB, {m['path']})",
            f"{m['peak_mb']} MB",
            "< 300 MB",
            m["peak_mb"] < 300,
        )
        add("  that import (dry run)", f"{m['seconds']} s")
        if m.get("load_average"):
            add("  load average before / after it", " / ".join(map(str, m["load_average"])))
    if "import_rest" in f:
        r = f["import_rest"]
        add("rest of the season, one file", f"{r['rows']:,} rows in {r['seconds']} s")
    if "recompute" in f:
        seconds = f["recompute"]["index_all_regions_s"]
        add("index recompute, all regions", f"{seconds} s", "< 5 s", seconds < 5)
        seconds = f["recompute"]["alerts_all_regions_s"]
        add("alert check, all regions", f"{seconds} s", "< 10 s", seconds < 10)
    for name, page in f.get("pages", {}).items():
        add(
            f"{name}: p50 / p95 ({page.get('queries')} queries)",
            f"{page['p50_ms']} / {page['p95_ms']} ms",
            f"p95 ≤ 1.5 × 1 % data set ({page['small_p95_ms']} ms), 0 errors",
            page["ratio_p95"] <= 1.5 and not page.get("errors"),
        )
    if "exports" in f:
        e = f["exports"]
        for label in ("20k", "200k"):
            if f"{label} rows" in e:
                add(
                    f"organisation-level export, {label} set: {e[f'{label} rows']:,} rows",
                    f"{e[f'{label} seconds']} s, {e[f'{label} peak MB']} MB peak",
                )
        if "memory ratio 200k/20k" in e:
            ratio = e["memory ratio 200k/20k"]
            add("export peak memory, 200k / 20k rows", ratio, "≤ 1.2", ratio <= 1.2)
    for run in f.get("load_runs", []):
        add(
            f"load: {run['users']} users, {args_think(run)} between pages, gunicorn "
            f"{run['config']}, {run['phase']} (load average {run['load_average_after'][0]})",
            f"p95 {run['p95_ms']} ms, {run['throughput_rps']} req/s, {run['errors']} errors",
            f"p95 < {run['target_p95_ms']:g} ms, 0 errors",
            run["met"],
        )
    for key, load in f.items():
        if not key.startswith("load") or not isinstance(load, dict):
            continue
        if "p95_ms" not in load or "users" not in load:
            continue
        measured = (
            f"p95 {load['p95_ms']} ms, {load['throughput_rps']} req/s, {load['errors']} errors"
        )
        if "think_s" in load:
            limit = people.target_for(load["users"])
            add(
                f"load: {load['users']} users, {load['think_s'][0]:g}-{load['think_s'][1]:g} s "
                "between pages",
                measured,
                f"p95 < {limit:g} ms, 0 errors",
                load["p95_ms"] < limit and load["errors"] == 0,
            )
        else:
            add(f"stress: {load['users']} users, no pause", measured, "(saturation)")
    if report.get("ci") and "seconds" in report:
        add(
            "CI smoke run of the whole benchmark",
            f"{report['seconds']} s",
            f"< {CI_SMOKE_SECONDS} s",
            report["seconds"] < CI_SMOKE_SECONDS,
        )
    return rows


def print_table(report: dict) -> None:
    rows = summary_rows(report)
    machine = report["machine"]
    print(
        f"\nbenchmark {report['date']} on {machine['database']}, scale {report['scale']}, "
        f"{machine['cpus']} CPUs, Python {machine['python']}"
    )
    header = ("figure", "measured", "target", "met / missed")
    widths = [max(len(r[n]) for r in [header, *rows]) for n in range(4)]
    line = "  ".join("-" * w for w in widths)
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print(line)
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print(line)
    judged = [r[3] for r in rows if r[3]]
    print(f"targets met: {judged.count('met')} of {len(judged)}", end="")
    missed = [r[0].strip() for r in rows if r[3] == "missed"]
    print(f"; missed: {', '.join(missed)}" if missed else "")


if __name__ == "__main__":
    sys.exit(main())
