"""Generate the benchmark data set.

    python bench/generate.py --scale 0.01 --seed 42 --out var/bench/data [--weeks 40] [--db]

Writes weekly monitoring CSV files, the index facts file and (with --corrected) a corrected
copy of the first week; with --db also the municipalities, organisations and roadmaps into the
database of DATABASE_URL (SQLite when unset). Prints a summary and writes it as
`generate.json` in the output folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _django_setup() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap_portal.settings")
    os.environ.setdefault("DEBUG", "true")  # standalone: the embedded default, dev key
    import django

    django.setup()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.01, help="1 = 85,000 organisations")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True, help="folder for the CSV files")
    parser.add_argument("--weeks", type=int, default=40, help="weeks from 01.09.2025")
    parser.add_argument("--db", action="store_true", help="also write organisations, roadmaps")
    parser.add_argument(
        "--per-region", action="store_true", help="one file per region per week (else per week)"
    )
    parser.add_argument("--regions", default="", help="comma-separated region codes (default all)")
    parser.add_argument(
        "--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
    )
    parser.add_argument(
        "--single-file",
        action="store_true",
        help="all weeks in one file monitoring_all.csv (instead of one file per week)",
    )
    parser.add_argument(
        "--corrected", action="store_true", help="write a corrected copy of the first week file"
    )
    return parser.parse_args(argv)


def _regions(codes: list[str] | None):
    from django.db import DatabaseError

    from reports.demo.generator import regions_from_db, regions_from_fixture

    try:
        regions = regions_from_db(codes)
    except DatabaseError:
        regions = []
    if not regions:
        # the same 89 rows load_seeds writes, so the output is the same either way
        regions = [r for r in regions_from_fixture() if codes is None or r.code in codes]
    return regions


def generate(args: argparse.Namespace) -> dict:
    from reports.demo import generator as g

    codes = [c.strip() for c in args.regions.split(",") if c.strip()] or None
    today = args.today or dt.date.today()
    regions = _regions(codes)
    summary: dict = {"seed": args.seed, "scale": args.scale, "weeks": args.weeks}
    started = time.perf_counter()
    world = g.world_build(regions, seed=args.seed, scale=args.scale)
    summary.update(
        regions=len(world.regions),
        municipalities=world.municipality_count,
        organisations=world.organisation_count,
        world_seconds=round(time.perf_counter() - started, 3),
    )
    if args.db:
        started = time.perf_counter()
        saved = g.world_save(world)
        roadmaps = g.roadmaps_generate(regions, seed=args.seed, today=today)
        summary["db"] = {
            "municipalities_created": saved.municipalities,
            "organisations_created": saved.organisations,
            "roadmaps_created": roadmaps.roadmaps,
            "agencies_created": roadmaps.agencies,
            "measures_created": roadmaps.measures,
            "measures_overdue": roadmaps.overdue,
            "history_rows": roadmaps.changes,
            "regions_with_roadmap_already": len(roadmaps.skipped),
            "seconds": round(time.perf_counter() - started, 3),
        }
    if args.single_file:
        written = g.monitoring_write_single(
            world, args.out / "monitoring_all.csv", weeks=args.weeks
        )
    else:
        written = g.monitoring_write(world, args.out, weeks=args.weeks, per_region=args.per_region)
    summary["monitoring"] = {
        "files": len(written.files),
        "rows": written.rows,
        "seconds": round(written.seconds, 3),
        "rows_per_second": round(written.rows_per_second),
        "bytes": sum(p.stat().st_size for p in written.files),
    }
    facts = args.out / "index_facts.csv"
    summary["index_facts"] = {
        "file": str(facts),
        "rows": g.index_facts_write(regions, facts, seed=args.seed, today=today),
    }
    if args.corrected and written.files:
        source = written.files[0]
        target = source.with_name(source.stem + "_corrected.csv")
        changed = g.monitoring_write_corrected(source, target, seed=args.seed)
        summary["corrected"] = {"file": str(target), "rows_changed": changed}
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _django_setup()
    summary = generate(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "generate.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    mon = summary["monitoring"]
    print(
        f"regions {summary['regions']}, municipalities {summary['municipalities']}, "
        f"organisations {summary['organisations']}"
    )
    print(
        f"monitoring: {mon['rows']} rows in {mon['files']} files, {mon['seconds']} s, "
        f"{mon['rows_per_second']} rows/s, {mon['bytes'] / 1e6:.1f} MB"
    )
    print(f"index facts: {summary['index_facts']['rows']} rows")
    if "db" in summary:
        print("database: " + ", ".join(f"{k} {v}" for k, v in summary["db"].items()))
    if "corrected" in summary:
        print(f"corrected copy: {summary['corrected']['rows_changed']} rows changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
