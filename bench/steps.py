"""Steps the benchmark runs inside Django, each in its own process (see bench/run.py).

    python bench/steps.py page-paths            -> {"name": [path, persona], …}
    python bench/steps.py query-counts PATHS    -> {"name": queries, …}
    python bench/steps.py page-plan [N]         -> {"paths": page-paths, "queries": query-counts,
                                                    "load_paths": load-paths N (when N is given)}
    python bench/steps.py load-paths N          -> {"persona": [path, …], …} (bench/load.py)
    python bench/steps.py exports WORKDIR       -> export seconds and peak memory

The last line printed is the JSON result.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap_portal.settings")

import django  # noqa: E402

django.setup()

from django.urls import NoReverseMatch, reverse  # noqa: E402


def page_paths() -> dict[str, tuple[str, str]]:
    """The pages of the benchmark, with the persona that opens each one."""
    from agencies.models import Region
    from roadmaps.models import Roadmap

    sverdlovsk = Region.objects.get(code="66")
    roadmap = Roadmap.objects.filter(region=sverdlovsk).order_by("id").first()
    paths: dict[str, tuple[str, str]] = {
        "measure list (region roadmap)": (
            reverse("roadmaps:measure-list") + f"?roadmap={roadmap.pk}",
            "coordinator",
        ),
        "measure list (all, analyst)": (reverse("roadmaps:measure-list"), "analyst"),
    }
    optional = {
        "region dashboard": ("reports:region-dashboard", [sverdlovsk.code], "coordinator"),
        "country overview": ("reports:country-overview", [], "analyst"),
        "api measures": ("api:measure-list", [], "analyst"),
        "api indicator values": ("api:indicator-value-list", [], "analyst"),
        "api index scores": ("api:index-score-list", [], "analyst"),
    }
    for name, (url_name, args, persona) in optional.items():
        try:
            paths[name] = (reverse(url_name, args=args), persona)
        except NoReverseMatch:
            continue
    return paths


def load_paths(regions: int) -> dict[str, list[str]]:
    """The pages people open in the load test (bench/load.py): the coordinator of region 66
    its dashboard, measures, indicators and the ranking; the analyst the country overview,
    the ranking, the country's measures and `regions` regions' dashboards."""
    from agencies.models import Region
    from roadmaps.models import Roadmap

    sverdlovsk = Region.objects.get(code="66")
    roadmap = Roadmap.objects.filter(region=sverdlovsk).order_by("id").first()
    dashboard = reverse("reports:region-dashboard", args=[sverdlovsk.code])
    coordinator = [
        dashboard,
        reverse("roadmaps:measure-list") + f"?roadmap={roadmap.pk}",
        dashboard,
        reverse("indicators:region", kwargs={"code": sverdlovsk.code}),
        reverse("index:ranking"),
    ]
    analyst = [reverse("reports:country-overview"), reverse("index:ranking")]
    codes = list(Region.objects.order_by("code").values_list("code", flat=True)[:regions])
    for n, code in enumerate(codes):
        analyst.append(reverse("reports:region-dashboard", args=[code]))
        if n % 5 == 4:
            analyst += [reverse("roadmaps:measure-list"), reverse("reports:country-overview")]
    return {"coordinator": coordinator, "analyst": analyst}


def query_counts(paths: dict[str, list[str]]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agencies.models import User

    users = {"coordinator": "coord66", "analyst": "analyst"}
    counts = {}
    for name, (path, persona) in paths.items():
        client = Client()
        client.force_login(User.objects.get(username=users[persona]))
        client.get(path)  # warm per-process caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        counts[name] = len(ctx.captured_queries) if response.status_code == 200 else None
    return counts


def exports(workdir: str) -> dict:
    """The organisation-level Excel report at ~20,000 and ~200,000 rows (time, peak memory).

    Rows are chosen as the first weeks of the largest region: the same report, only longer.
    """
    import subprocess
    import time

    from django.db.models import Count

    from indicators.models import MonitoringRow

    code, per_week = (
        MonitoringRow.objects.values("region__code", "week_start")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("region__code", "n")
        .first()
    )
    weeks = sorted(
        MonitoringRow.objects.filter(region__code=code)
        .values_list("week_start", flat=True)
        .distinct()
    )
    figures: dict = {"region": code}
    for label, wanted in (("20k", 20_000), ("200k", 200_000)):
        count = min(len(weeks), max(1, round(wanted / per_week)))
        date_to = weeks[count - 1]
        rows = MonitoringRow.objects.filter(region__code=code, week_start__lte=date_to).count()
        target = Path(workdir) / f"export_{label}.xlsx"
        args = [sys.executable, "manage.py", "export_report", "indicators", "--orgs"]
        args += ["--region", code, "--from", weeks[0].isoformat(), "--to", date_to.isoformat()]
        args += ["--output", str(target)]
        started = time.perf_counter()
        proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        output = proc.stdout.read().decode(errors="replace")
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"export_report failed:\n{output[-3000:]}")
        figures[f"{label} rows"] = rows
        figures[f"{label} seconds"] = round(time.perf_counter() - started, 1)
        figures[f"{label} peak MB"] = round(usage.ru_maxrss / 1024)
    figures["memory ratio 200k/20k"] = round(figures["200k peak MB"] / figures["20k peak MB"], 2)
    return figures


def main() -> None:
    command = sys.argv[1]
    if command == "page-paths":
        result = page_paths()
    elif command == "load-paths":
        result = load_paths(int(sys.argv[2]))
    elif command == "query-counts":
        result = query_counts(json.loads(sys.argv[2]))
    elif command == "page-plan":
        paths = page_paths()
        result = {"paths": paths, "queries": query_counts(paths)}
        if len(sys.argv) > 2:
            result["load_paths"] = load_paths(int(sys.argv[2]))
    elif command == "exports":
        result = exports(sys.argv[2])
    else:
        raise SystemExit(f"unknown step {command}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
