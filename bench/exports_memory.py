"""Peak memory and time of the organisation-level indicators export at two sizes.

    .venv/bin/python bench/exports_memory.py                 # 20,000 and 200,000 rows
    .venv/bin/python bench/exports_memory.py --sizes 20000 100000 --keep /tmp/bench

Each size gets its own SQLite database (migrated, one region, organisations spread over
municipalities, `bulk_create`d MonitoringRow rows: 20 weeks × N/20 organisations). The
export then runs twice in fresh processes: once plain (seconds, ru_maxrss) and once under
tracemalloc (peak of Python allocations during the export only). The streaming target is
a peak-memory ratio of at most 1.2 between the two sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEEKS = 20


def _django(db: str, var: str) -> None:
    os.environ["DB_SQLITE_PATH"] = db
    os.environ["VAR_DIR"] = var
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap_portal.settings")
    os.environ.setdefault("DEBUG", "true")  # standalone: the embedded default, dev key
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(db: str, var: str, rows: int) -> None:
    _django(db, var)
    from django.core.management import call_command
    from django.db import transaction

    from agencies.models import Municipality, Organisation, Region
    from indicators.models import MonitoringRow

    call_command("migrate", verbosity=0)
    region, _ = Region.objects.get_or_create(
        code="66", defaults={"name": "Свердловская область", "timezone": "Asia/Yekaterinburg"}
    )
    munis = [
        Municipality.objects.get_or_create(region=region, name=f"Муниципальный округ № {i}")[0]
        for i in range(50)
    ]
    n_orgs = rows // WEEKS
    types = ["school", "school", "college", "additional", "preschool", "omsu", "subordinate"]
    with transaction.atomic():
        Organisation.objects.bulk_create(
            [
                Organisation(
                    code=f"B{i:07d}",
                    name=f"Муниципальное автономное общеобразовательное учреждение № {i}",
                    org_type=types[i % len(types)],
                    region=region,
                    municipality=munis[i % len(munis)],
                )
                for i in range(n_orgs)
            ],
            batch_size=2000,
        )
    orgs = list(Organisation.objects.values_list("id", "municipality_id", "org_type"))
    start = dt.date(2025, 9, 1)
    with transaction.atomic():
        batch = []
        for w in range(WEEKS):
            week = start + dt.timedelta(weeks=w)
            for i, (org_id, muni_id, org_type) in enumerate(orgs):
                batch.append(
                    MonitoringRow(
                        week_start=week,
                        organisation_id=org_id,
                        region=region,
                        municipality_id=muni_id,
                        org_type=org_type,
                        staff_total=50 + i % 40,
                        staff_writers=10 + (i + w) % 40,
                        students_total=400 + i % 300,
                        learners_active=100 + (i * w) % 500,
                        sferum_users=450 + i % 300,
                        max_only_users=100 + (i + 3 * w) % 300,
                        vkm_users=300,
                        vkm_and_max_users=150 + w,
                    )
                )
                if len(batch) >= 5000:
                    MonitoringRow.objects.bulk_create(batch)
                    batch = []
        MonitoringRow.objects.bulk_create(batch)
    print(json.dumps({"rows": MonitoringRow.objects.count()}))


def export(db: str, var: str, output: str, trace: bool) -> None:
    _django(db, var)
    import tracemalloc

    from reports.exports.jobs import export_write
    from reports.exports.registry import ExportParams

    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    written = export_write(
        kind="indicators",
        params=ExportParams(region="66", orgs=True),
        user=None,
        fmt=Path(output).suffix.lstrip("."),
        path=output,
    )
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    print(
        json.dumps(
            {
                "rows": written.rows,
                "seconds": round(seconds, 2),
                "tracemalloc_peak_mb": round(peak / 2**20, 2) if peak else None,
                "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "file_mb": round(os.path.getsize(output) / 2**20, 2),
            }
        )
    )


def _run(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--keep", help="directory for the databases and files (kept)")
    parser.add_argument("--format", default="xlsx", choices=["xlsx", "csv"])
    parser.add_argument("--step", choices=["prepare", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--var", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "prepare":
        prepare(args.db, args.var, args.rows)
        return
    if args.step == "export":
        export(args.db, args.var, args.output, args.trace)
        return

    base = Path(args.keep or tempfile.mkdtemp(prefix="exports-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes:
        db, var = str(base / f"bench-{size}.sqlite3"), str(base / f"var-{size}")
        out = str(base / f"orgs-{size}.{args.format}")
        if not Path(db).exists():
            t0 = time.perf_counter()
            _run("--step", "prepare", "--db", db, "--var", var, "--rows", str(size))
            print(f"prepared {size} rows in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        plain = _run("--step", "export", "--db", db, "--var", var, "--output", out)
        traced = _run("--step", "export", "--db", db, "--var", var, "--output", out, "--trace")
        results.append(
            {"size": size, **plain, "tracemalloc_peak_mb": traced["tracemalloc_peak_mb"]}
        )
        print(json.dumps(results[-1]), file=sys.stderr)
    first, last = results[0], results[-1]
    print(
        f"{'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak MB':>8} {'maxrss MB':>9} {'file MB':>8}"
    )
    for r in results:
        print(
            f"{r['rows']:>8} {r['seconds']:>8} {r['rows'] / r['seconds']:>8.0f} "
            f"{r['tracemalloc_peak_mb']:>8} {r['maxrss_mb']:>9} {r['file_mb']:>8}"
        )
    print(
        f"peak ratio {last['tracemalloc_peak_mb'] / first['tracemalloc_peak_mb']:.2f}, "
        f"maxrss ratio {last['maxrss_mb'] / first['maxrss_mb']:.2f} "
        f"({last['size']} vs {first['size']} rows)"
    )


if __name__ == "__main__":
    main()
