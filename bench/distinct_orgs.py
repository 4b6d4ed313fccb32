"""The memory benchmark's file: one week in which every row is a new organisation.

python bench/distinct_orgs.py --organisations 2000000 --out var/bench/distinct.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports.demo.generator import (  # noqa: E402
    CSV_DELIMITER,
    CSV_ENCODING,
    MONITORING_HEADER,
    regions_from_fixture,
)


def write_distinct_organisations_file(
    path: Path, *, organisations: int, week: dt.date, quoted_names: bool = True
) -> dict:
    """One week of `organisations` rows, every one a new organisation (codes `D0000001…`),
    spread over the regions of the fixture: the memory benchmark's file (2,000,000 rows are
    ~200 MB). With `quoted_names` every 50th name carries quotes (`МАОУ "СОШ № 7"`), as real
    exports do; such a file is read row by row, the import's larger path."""
    regions = [info.code for info in regions_from_fixture()]
    rows = 0
    with path.open("w", encoding=CSV_ENCODING, newline="") as fh:
        writer = csv.writer(fh, delimiter=CSV_DELIMITER, lineterminator="\r\n")
        writer.writerow(MONITORING_HEADER)
        day = week.strftime("%d.%m.%Y")
        for number in range(1, organisations + 1):
            region = regions[number % len(regions)]
            name = f"МАОУ СОШ № {number} «Организация мониторинга»"
            if quoted_names and number % 50 == 0:
                name = f'МАОУ "СОШ № {number}"'
            staff = 20 + number % 80
            students = 100 + number % 900
            sferum = staff + students
            writer.writerow(
                [
                    day,
                    region,
                    f"Муниципальный округ № {number % 40 + 1}",
                    f"D{number:07d}",
                    name,
                    "ОО",
                    staff,
                    staff // 2,
                    students,
                    students,
                    sferum,
                    sferum // 3,
                    sferum // 2,
                    sferum // 4,
                ]
            )
            rows += 1
    return {"rows": rows, "bytes": path.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=2_000_000)
    parser.add_argument("--week", type=dt.date.fromisoformat, default=dt.date(2025, 9, 1))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(
        write_distinct_organisations_file(
            args.out, organisations=args.organisations, week=args.week
        )
    )


if __name__ == "__main__":
    main()
