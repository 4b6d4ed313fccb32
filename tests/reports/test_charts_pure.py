"""The chart package is pure: SVG from numbers, with neither Django nor the portal's apps."""

import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
import reports.charts
apps = {"django", "rest_framework", "agencies", "roadmaps", "indicators", "alerts", "bench"}
def foreign(name):
    top = name.split(".")[0]
    if top == "roadmap_portal":  # the formats module only (and its package, which is empty)
        return name not in ("roadmap_portal", "roadmap_portal.ru_formats")
    return top in apps or (top == "reports" and name not in ("reports", "reports.charts")
                           and not name.startswith("reports.charts."))
loaded = sorted(name for name in sys.modules if foreign(name))
print(",".join(loaded))
"""


def test_charts_import_neither_django_nor_the_apps():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        env={},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == ""
