"""Never stale figures after a write, whatever path made it (agencies.dataversion).

Every cached value of the portal (the region dashboard, its rendered body, the country
overview and its body, the index ranking, the API's page counts, the measure filters'
options) is read here as a user reads it, with the page cache on; then a write is made
through one path as a user makes it (a page, the API, the admin, a management command, a
task), its transaction committed with its commit callbacks run as in production; then the
pages are read again with the cache on and compared with the same pages computed with the
cache off (`Pages.truth`). Each test also checks that its write shows on the pages it names,
so a write that changes nothing cannot pass for a fresh page.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.choices import OrgType, Role
from agencies.models import Agency, Region
from alerts.models import Alert
from alerts.services import alerts_sync
from alerts.tasks import alerts_sync_all
from indicators.index.services import index_fact_create
from indicators.models import (
    Criterion,
    IndexFact,
    IndexUpload,
    Indicator,
    IndicatorStage,
    MonitoringRollup,
    MonitoringRoster,
    MonitoringRow,
    MonitoringUpload,
    RegionBaseline,
)
from indicators.services.rollups import rollups_rebuild
from indicators.services.uploads import monitoring_import, monitoring_upload_create
from indicators.tasks import index_recompute_all
from roadmaps.models import Measure, MeasureChange, MeasurePart, MeasureTarget, Roadmap
from roadmaps.services.cascades import cascade_create
from roadmaps.services.parts import measure_parts_sync
from tests.factories import make_municipality, make_organisation, make_user
from tests.indicators.conftest import csv_bytes, row
from tests.reports.dashboard_data import build_baselines, build_index_history, build_monitoring
from tests.roadmaps.roadmap_docs import build_docx

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 10, 28)  # the date the pages are read on (`?date=`): 8 weeks of data
WEEKS = 8

PAGES = (
    "region",
    "region_today",
    "country",
    "country_today",
    "ranking",
    "ranking_today",
    "api_count",
    "choices",
)


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 900
    cache.clear()
    yield
    cache.clear()


@dataclass
class Clock:
    at: dt.datetime

    def set(self, value: dt.datetime) -> None:
        self.at = value


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The portal's clock (`django.utils.timezone.now`) stands still during a test: the
    region's "today" cannot turn over between two reads (Sverdlovsk's midnight is 19:00 UTC);
    the tests of midnight move it by hand."""
    stopped = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", lambda: stopped.at)
    return stopped


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`committed(fn, *args, **kw)`: the write with its commit callbacks run (and theirs)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


_VOLATILE = re.compile(r'(name="csrfmiddlewaretoken" value=|nonce=)"[^"]*"')
# chart ids come from a process-wide counter (reports.charts.svg.new_uid): unique per response
_CHART_IDS = re.compile(r'((?:id|for|href|aria-\w+)="#?|url\(#)(ch|tm|g|p|s|t)\d+')


def _main(html: str) -> str:
    main = html[html.index('<main class="content">') : html.index("</main>")]
    main = re.sub(r'\s*<ul class="messages">.*?</ul>', "", main, flags=re.S)  # a write's notice
    return _CHART_IDS.sub(r"\1\2N", _VOLATILE.sub(r"\1", main))


def _count(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return str(response.json()["count"])


@dataclass
class Pages:
    """The cached pages as the analyst sees them: `seen()` with the cache on, `truth()` the
    same pages computed with the cache off."""

    client: object
    settings: object
    code: str = "66"
    day: dt.date = DAY

    def _read(self) -> dict[str, str]:
        get = self.client.get  # type: ignore[attr-defined]
        day = self.day.isoformat()
        return {
            "region": _main(get(f"/dashboard/{self.code}/?date={day}").content.decode()),
            "region_today": _main(get(f"/dashboard/{self.code}/").content.decode()),
            "country": _main(get(f"/dashboard/?date={day}").content.decode()),
            "country_today": _main(get("/dashboard/").content.decode()),
            "ranking": _main(get(f"/index/ranking/?date={day}").content.decode()),
            "ranking_today": _main(get("/index/ranking/").content.decode()),
            "api_count": _count(get("/api/v1/indicator-values/"))
            + "/"
            + _count(get(f"/api/v1/indicator-values/?region={self.code}&complete=true")),
            "choices": _filters(get("/measures/").content.decode()),
        }

    def seen(self) -> dict[str, str]:
        return self._read()

    def truth(self) -> dict[str, str]:
        cached = self.settings.PAGE_CACHE_SECONDS  # type: ignore[attr-defined]
        self.settings.PAGE_CACHE_SECONDS = 0  # type: ignore[attr-defined]
        try:
            return self._read()
        finally:
            self.settings.PAGE_CACHE_SECONDS = cached  # type: ignore[attr-defined]

    def warm(self) -> dict[str, str]:
        """Reads every page twice with the cache on (the second read is a hit) and returns
        what they show, checked against the truth."""
        self.seen()
        before, truth = self.seen(), self.truth()
        differ = [name for name in PAGES if before[name] != truth[name]]
        assert not differ, _diff(before, truth, differ)
        return before

    def assert_fresh(self, before: dict[str, str], *, moved: tuple[str, ...]) -> dict[str, str]:
        """Every page shows the truth, and the pages in `moved` show the write."""
        seen, truth = self.seen(), self.truth()
        stale = [name for name in PAGES if seen[name] != truth[name]]
        assert not stale, f"stale after the write: {_diff(seen, truth, stale)}"
        unmoved = [name for name in moved if truth[name] == before[name]]
        assert not unmoved, f"the write does not show on {unmoved}: the test proves nothing"
        return seen


def _diff(seen: dict[str, str], truth: dict[str, str], names: list[str]) -> str:
    """The lines of each page that differ: what the cache shows (-) and the truth (+)."""
    out = []
    for name in names:
        lines = difflib.unified_diff(
            seen[name].splitlines(), truth[name].splitlines(), "cached", "truth", n=0, lineterm=""
        )
        out.append(f"{name}:\n" + "\n".join(line[:300] for line in list(lines)[:40]))
    return "\n".join(out)


def _filters(html: str) -> str:
    start = html.index('<form method="get"')
    return html[start : html.index("</form>", start)]


@pytest.fixture
def data(seeded):
    """Sverdlovsk with 8 weeks of monitoring, baselines and an index history (and Moscow
    oblast's index), as the dashboards' own tests build them."""
    region = Region.objects.get(code="66")
    build_monitoring(region, municipalities=4, weeks=WEEKS)
    build_baselines(region)
    build_index_history([region.pk, Region.objects.get(code="50").pk], weeks=WEEKS)
    return region


@pytest.fixture
def pages(data, personas, client, settings):
    client.force_login(personas.analyst)
    return Pages(client=client, settings=settings)


def test_the_pages_read_the_same_with_and_without_the_cache(pages):
    before = pages.warm()
    assert set(before) == set(PAGES)
    assert "Тестовый округ 01" in before["region"]
    assert Decimal(before["api_count"].split("/")[0]) > 0


# --------------------------------------------------------------------------- helpers


def as_user(client, user):
    client.force_login(user)
    return client


def monitoring_file(week="20.10.2025", orgs=6, region="66", counts=None) -> bytes:
    extra = {"counts": counts} if counts else {}
    return csv_bytes(
        [
            row(f"NS{i}", week=week, region=region, municipality="Тестовый округ 01", **extra)
            for i in range(orgs)
        ]
    )


def roster_file(codes) -> bytes:
    return ("Код организации\r\n" + "\r\n".join(codes) + "\r\n").encode()


# --------------------------------------------------------------------------- monitoring


@pytest.mark.parametrize("dry_run_first", [False, True], ids=["direct", "dry-run-then-confirm"])
def test_a_monitoring_upload_through_the_page(pages, personas, committed, dry_run_first):
    before = pages.warm()
    client = as_user(pages.client, personas.coordinator)
    data = {"file": SimpleUploadedFile("w.csv", monitoring_file())}
    if dry_run_first:
        data["dry_run"] = "on"
    response = committed(client.post, reverse("indicators:upload-create", args=["66"]), data)
    assert response.status_code == 302
    upload = MonitoringUpload.objects.latest("pk")
    if dry_run_first:
        assert as_user(client, personas.analyst) and pages.seen() == before  # nothing written
        as_user(client, personas.coordinator)
        committed(client.post, reverse("indicators:upload-confirm", args=[upload.pk]))
    upload.refresh_from_db()
    assert (upload.status, upload.dry_run) == ("done", False)
    as_user(client, personas.analyst)
    pages.assert_fresh(before, moved=("region", "region_today", "country", "api_count"))


def test_a_monitoring_upload_through_the_api(pages, personas, committed):
    before = pages.warm()
    api = APIClient()
    api.force_authenticate(personas.coordinator)
    response = committed(
        api.post,
        "/api/v1/monitoring/uploads/",
        {"file": SimpleUploadedFile("w.csv", monitoring_file()), "region": "66"},
    )
    assert response.status_code == 202, response.content
    pages.assert_fresh(before, moved=("region", "region_today", "country", "api_count"))


def test_the_import_monitoring_command(pages, committed, tmp_path):
    before = pages.warm()
    path = tmp_path / "w.csv"
    path.write_bytes(monitoring_file())
    committed(call_command, "import_monitoring", str(path), "--region", "66", stdout=StringIO())
    pages.assert_fresh(before, moved=("region", "region_today", "country", "api_count"))


def test_a_corrected_week_through_the_import(pages, committed, tmp_path):
    """The same week again with other figures: the values move, not the week."""
    path = tmp_path / "w.csv"
    path.write_bytes(monitoring_file())
    committed(call_command, "import_monitoring", str(path), "--region", "66", stdout=StringIO())
    before = pages.warm()
    path.write_bytes(monitoring_file(counts=(100, 100, 400, 800, 500, 500, 450, 450)))
    committed(call_command, "import_monitoring", str(path), "--region", "66", stdout=StringIO())
    pages.assert_fresh(before, moved=("region", "country"))


@pytest.mark.parametrize("through", ["page", "api"])
def test_a_roster_upload_and_delete(pages, personas, committed, through):
    """A roster moves the coverage of every stored week: «неполная неделя» at once."""
    committed(import_csv_for_roster, personas)  # rows of a week, for coverage to count
    before = pages.warm()
    codes = [f"NS{i}" for i in range(6)] + [f"R{i}" for i in range(60)]
    if through == "page":
        client = as_user(pages.client, personas.coordinator)
        url = reverse("indicators:roster", args=["66"])
        response = committed(
            client.post, url, {"file": SimpleUploadedFile("r.csv", roster_file(codes))}
        )
        assert response.status_code == 302, response.content.decode()[-2000:]
    else:
        api = APIClient()
        api.force_authenticate(personas.coordinator)
        response = committed(
            api.post,
            "/api/v1/monitoring/rosters/",
            {"region": "66", "file": SimpleUploadedFile("r.csv", roster_file(codes))},
        )
        assert response.status_code in (200, 201), response.content
    as_user(pages.client, personas.analyst)
    after = pages.assert_fresh(before, moved=("region", "country"))
    # and back: the roster deleted, coverage by the previous weeks again
    if through == "page":
        client = as_user(pages.client, personas.coordinator)
        committed(client.post, reverse("indicators:roster", args=["66"]), {"action": "delete"})
    else:
        roster = MonitoringRoster.objects.get(region__code="66")
        response = committed(api.delete, f"/api/v1/monitoring/rosters/{roster.pk}/")
        assert response.status_code == 204, response.content
    assert not MonitoringRoster.objects.filter(region__code="66").exists()
    as_user(pages.client, personas.analyst)
    pages.assert_fresh(after, moved=("region", "country"))


def import_csv_for_roster(personas):
    upload = monitoring_upload_create(
        file=SimpleUploadedFile("w.csv", monitoring_file(week="13.10.2025")),
        user=personas.coordinator,
        region=Region.objects.get(code="66"),
        dry_run=False,
    )
    assert monitoring_import(upload=upload).status == "done"


@pytest.mark.parametrize("through", ["page", "command"])
def test_week_approval_transitions(pages, personas, committed, through):
    """Submitted, approved, reopened: «предварительные данные» / «утверждено» at once."""
    committed(import_csv_for_roster, personas)  # rows exist for the week of 13.10
    week = "2025-10-13"
    approver = make_user(Role.STAFF, agency=Agency.objects.get(code="so-minobr"))
    approver.user_permissions.add(Permission.objects.get(codename="approve_week"))
    before = pages.warm()
    steps = [("submit", personas.coordinator), ("approve", approver)]
    for action, user in steps:
        if through == "page":
            client = as_user(pages.client, user)
            url = reverse("indicators:approval-action", args=["66", week, action])
            response = committed(client.post, url, {"text": "готово"})
            assert response.status_code == 302
            assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
        else:
            committed(
                call_command,
                f"{action}_week",
                "--region",
                "66",
                "--week",
                week,
                "--as",
                user.username,
                stdout=StringIO(),
            )
    as_user(pages.client, personas.analyst)
    approved = pages.assert_fresh(before, moved=("region", "country"))
    assert "утверждено" in approved["region"]
    if through == "page":
        client = as_user(pages.client, approver)
        url = reverse("indicators:approval-action", args=["66", week, "reopen"])
        committed(client.post, url, {"text": "ошибка в данных"})
    else:
        committed(
            call_command,
            "reopen_week",
            "--region",
            "66",
            "--week",
            week,
            "--as",
            approver.username,
            "--reason",
            "ошибка в данных",
            stdout=StringIO(),
        )
    as_user(pages.client, personas.analyst)
    pages.assert_fresh(approved, moved=("region", "country"))


def test_a_baseline_through_the_page(pages, personas, committed):
    before = pages.warm()
    client = as_user(pages.client, personas.coordinator)
    response = committed(
        client.post,
        reverse("indicators:baselines", args=["66"]),
        {"indicator": Indicator.objects.get(code="i1").pk, "value": "12,5", "source": "Отчёт"},
    )
    assert response.status_code == 302
    as_user(pages.client, personas.analyst)
    pages.assert_fresh(before, moved=("region",))


# --------------------------------------------------------------------------- the index

INDEX_MOVES = ("ranking", "region_today")  # the ranking (live) and today's stored score


def fact_form(value="4", as_of="01.09.2025"):
    return {"value": value, "as_of": as_of, "evidence_url": "https://example.org/qr"}


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize("through", ["page", "api"])
def test_an_index_fact(pages, personas, committed, through):
    before = pages.warm()
    if through == "page":
        client = as_user(pages.client, personas.analyst)
        url = reverse("index:fact-create", args=["66"]) + "?criterion=offline_qr"
        response = committed(client.post, url, fact_form())
        assert response.status_code == 302
    else:
        response = committed(
            api_as(personas.analyst).post,
            "/api/v1/index-inputs/",
            {"region": "66", "criterion": "offline_qr", **fact_form(as_of="2025-09-01")},
            format="json",
        )
        assert response.status_code == 201, response.content
    pages.assert_fresh(before, moved=INDEX_MOVES)


@pytest.mark.parametrize("through", ["page", "api"])
def test_a_fact_verified(pages, personas, committed, through):
    """A coordinator's fact counts as claimed; verified by an analyst, it counts."""
    client = as_user(pages.client, personas.coordinator)
    url = reverse("index:fact-create", args=["66"]) + "?criterion=mfc_bot"
    assert committed(client.post, url, fact_form(value="1")).status_code == 302
    item = IndexFact.objects.get(region__code="66", criterion_code="mfc_bot")
    assert not item.is_verified
    as_user(pages.client, personas.analyst)
    before = pages.warm()
    if through == "page":
        response = committed(pages.client.post, reverse("index:fact-verify", args=[item.pk]))
        assert response.status_code == 302
    else:
        response = committed(
            api_as(personas.analyst).post, f"/api/v1/index-inputs/{item.pk}/verify/"
        )
        assert response.status_code == 200, response.content
    pages.assert_fresh(before, moved=INDEX_MOVES)


INPUTS = (
    "region_code;criterion;input;value;as_of;evidence\n"
    "66;mfc_bot;;1;01.10.2025;https://example.org/bot\n"
    "66;housing_uk_chats;uk_total;100;01.10.2025;реестр\n"
    "66;housing_uk_chats;uk_with_chat;85;01.10.2025;реестр\n"
).encode()


@pytest.mark.parametrize("through", ["page", "api", "command"])
def test_an_index_inputs_import(pages, personas, committed, through, tmp_path):
    before = pages.warm()
    if through == "page":
        client = as_user(pages.client, personas.analyst)
        response = client.post(
            reverse("index:import"), {"file": SimpleUploadedFile("in.csv", INPUTS)}
        )
        assert response.status_code == 302
        assert pages.seen() == before  # the dry run wrote nothing
        upload = IndexUpload.objects.latest("pk")
        response = committed(client.post, reverse("index:upload-confirm", args=[upload.pk]))
        assert response.status_code == 302
    elif through == "api":
        response = committed(
            api_as(personas.analyst).post,
            "/api/v1/index-imports/",
            {"file": SimpleUploadedFile("in.csv", INPUTS), "dry_run": "false"},
        )
        assert response.status_code in (200, 201), response.content
    else:
        path = tmp_path / "in.csv"
        path.write_bytes(INPUTS)
        committed(call_command, "import_index_inputs", str(path), stdout=StringIO())
    assert IndexFact.objects.filter(region__code="66").count() == 3
    pages.assert_fresh(before, moved=INDEX_MOVES)


@pytest.mark.parametrize("through", ["command", "task"])
def test_an_index_recompute(pages, committed, through):
    """Facts written without a recompute (as a bulk load would): the stored scores follow
    the nightly recompute or the command, and the pages with them."""
    region = Region.objects.get(code="66")
    IndexFact.objects.create(
        region=region,
        criterion_code="offline_qr",
        value=5,
        as_of=dt.date(2025, 9, 1),
        evidence_text="акт",
        verified_at=timezone.now(),
    )
    before = pages.warm()
    if through == "command":
        committed(call_command, "recompute_index", "--region", "66", stdout=StringIO())
    else:
        committed(index_recompute_all.delay)
    pages.assert_fresh(before, moved=("region_today",))


# --------------------------------------------------------------------------- measures

MEASURE_MOVES = ("region", "region_today", "country")


def measure(number: str, roadmap="sverdlovsk-2025") -> Measure:
    return Measure.objects.get(roadmap__code=roadmap, number=number)


@pytest.mark.parametrize("through", ["page", "api"])
def test_a_measure_status(pages, personas, committed, through):
    item = measure("3.1")
    before = pages.warm()
    if through == "page":
        client = as_user(pages.client, personas.admin)
        response = committed(
            client.post,
            reverse("roadmaps:measure-status", args=[item.pk]),
            {
                "status": "done",
                "comment": "Приказ подписан",
                "completed_on": "01.10.2025",
                "version": item.version,
            },
        )
        assert response.status_code == 302
        as_user(client, personas.analyst)
    else:
        response = committed(
            api_as(personas.admin).post,
            f"/api/v1/measures/{item.pk}/status/",
            {"status": "done", "comment": "Приказ подписан", "completed_on": "2025-10-01"},
            format="json",
            HTTP_IF_MATCH=f'"{item.version}"',
        )
        assert response.status_code == 200, response.content
    assert Measure.objects.get(pk=item.pk).status == "done"
    pages.assert_fresh(before, moved=MEASURE_MOVES)


@pytest.mark.parametrize("through", ["page", "api"])
def test_a_part_of_a_measure(pages, personas, committed, through):
    """One body's part done: «не выполнили свою часть» loses the body at once."""
    item = measure("1.1")
    part = MeasurePart.objects.get(measure=item, agency__code="so-minobr")
    before = pages.warm()
    if through == "page":
        client = as_user(pages.client, personas.admin)
        prefix = f"part-{part.pk}"
        response = committed(
            client.post,
            reverse("roadmaps:measure-part", args=[item.pk, part.pk]),
            {
                f"{prefix}-status": "done",
                f"{prefix}-comment": "Сделано",
                f"{prefix}-completed_on": "01.10.2025",
                f"{prefix}-version": part.version,
            },
        )
        assert response.status_code == 302
        as_user(client, personas.analyst)
    else:
        response = committed(
            api_as(personas.admin).post,
            f"/api/v1/measure-parts/{part.pk}/status/",
            {"status": "done", "comment": "Сделано", "completed_on": "2025-10-01"},
            format="json",
            HTTP_IF_MATCH=f'"{part.version}"',
        )
        assert response.status_code == 200, response.content
    pages.assert_fresh(before, moved=("region", "region_today"))


@pytest.mark.parametrize("through", ["page", "api"])
def test_a_sub_step_ticked(pages, personas, committed, through):
    """A sub-step is an update of the measure: its bodies are no longer «не отчитались»."""
    item = measure("3.9")
    step = item.steps.order_by("position").first()
    before = pages.warm()
    if through == "page":
        client = as_user(pages.client, personas.admin)
        response = committed(
            client.post,
            reverse("roadmaps:measure-step", args=[item.pk, step.pk]),
            {"done": "on", "done_on": "01.10.2025", "version": item.version},
        )
        assert response.status_code == 302
        as_user(client, personas.analyst)
    else:
        response = committed(
            api_as(personas.admin).post,
            f"/api/v1/measures/{item.pk}/steps/{step.pk}/",
            {"done": True, "done_on": "2025-10-01"},
            format="json",
            HTTP_IF_MATCH=f'"{item.version}"',
        )
        assert response.status_code == 200, response.content
    pages.assert_fresh(before, moved=("region_today",))


@pytest.mark.parametrize("through", ["page", "api"])
def test_a_target_value(pages, personas, committed, through):
    item = measure("3.1")
    target = MeasureTarget.objects.create(measure=item, description="публикаций", quantity=2)
    before = pages.warm()
    if through == "page":
        client = as_user(pages.client, personas.admin)
        prefix = f"target-{target.pk}"
        response = committed(
            client.post,
            reverse("roadmaps:measure-target", args=[item.pk, target.pk]),
            {f"{prefix}-achieved": "1", f"{prefix}-version": item.version},
        )
        assert response.status_code == 302
        as_user(client, personas.analyst)
    else:
        response = committed(
            api_as(personas.admin).post,
            f"/api/v1/measures/{item.pk}/targets/{target.pk}/",
            {"achieved": "1"},
            format="json",
            HTTP_IF_MATCH=f'"{item.version}"',
        )
        assert response.status_code == 200, response.content
    pages.assert_fresh(before, moved=("region_today",))


@pytest.mark.parametrize("through", ["page", "api"])
def test_a_monthly_report(pages, personas, committed, through):
    item = measure("4.6")  # «ежемесячно до 26.12.2025»
    before = pages.warm()
    if through == "page":
        client = as_user(pages.client, personas.admin)
        response = committed(
            client.post,
            reverse("roadmaps:measure-report", args=[item.pk]),
            {"period": "2025-09-01", "status": "done", "comment": "Отчёт за сентябрь"},
        )
        assert response.status_code == 302
        as_user(client, personas.analyst)
    else:
        response = committed(
            api_as(personas.admin).post,
            f"/api/v1/measures/{item.pk}/reports/",
            {"period": "2025-09-01", "status": "done", "comment": "Отчёт за сентябрь"},
            format="json",
        )
        assert response.status_code in (200, 201), response.content
    pages.assert_fresh(before, moved=("region_today",))


@pytest.fixture
def schools(data):
    north = make_municipality(data, "Североуральский ГО")
    return [make_organisation(data, north, code=f"66000{i}") for i in range(1, 4)]


def test_a_cascade_created_through_the_page(pages, personas, committed, schools):
    item = measure("3.9")
    before = pages.warm()
    client = as_user(pages.client, personas.admin)
    response = committed(
        client.post,
        reverse("roadmaps:cascade-create", args=[item.pk]),
        {"scope": "region", "org_types": ["school"], "subject": "Переход"},
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    as_user(client, personas.analyst)
    pages.assert_fresh(before, moved=("region", "region_today"))


@pytest.fixture
def cascade(schools, personas, committed):
    return committed(
        cascade_create,
        measure=measure("3.9"),
        scope="region",
        org_types=[OrgType.SCHOOL],
        actor=personas.admin,
        subject="Переход",
    )


@pytest.mark.parametrize("through", ["page", "api", "file"])
def test_cascade_progress(pages, personas, committed, cascade, schools, through):
    """An organisation done with every sub-step: the cascade's share moves at once."""
    steps = list(cascade.measure.steps.order_by("position"))
    before = pages.warm()
    client = as_user(pages.client, personas.admin)
    if through == "file":
        lines = "".join(f"{schools[0].code};{n};01.10.2025\r\n" for n in range(1, len(steps) + 1))
        data = ("Код организации;Подэтап;Дата выполнения\r\n" + lines).encode()
        response = committed(
            client.post,
            reverse("roadmaps:cascade-import", args=[cascade.pk]),
            {"file": SimpleUploadedFile("p.csv", data)},
        )
        assert response.status_code == 302, response.content.decode()[-1500:]
    for step in steps if through != "file" else ():
        if through == "page":
            response = committed(
                client.post,
                reverse("roadmaps:cascade-progress", args=[cascade.pk]),
                {"organisation": schools[0].pk, "step": step.pk, "done_on": "2025-10-01"},
            )
            assert response.status_code == 302
        else:
            response = committed(
                api_as(personas.admin).post,
                f"/api/v1/cascades/{cascade.pk}/progress/",
                {"organisation": schools[0].code, "step": step.pk, "done_on": "2025-10-01"},
                format="json",
            )
            assert response.status_code in (200, 201), response.content
    as_user(client, personas.analyst)
    pages.assert_fresh(before, moved=("region", "region_today"))


@pytest.mark.parametrize("through", ["page", "command"])
def test_a_roadmap_import(pages, personas, committed, through, tmp_path):
    """A new roadmap of the region: its measures on the dashboards, in the filters."""
    document = build_docx(IMPORT_ROWS, title_block=IMPORT_TITLE)
    before = pages.warm()
    if through == "page":
        client = as_user(pages.client, personas.coordinator)
        url = reverse("roadmaps:roadmap-import", args=["66"])
        response = client.post(url, {"file": SimpleUploadedFile("карта.docx", document)})
        assert response.status_code == 302
        assert committed(client.post, response["Location"], {}).status_code == 302
        as_user(client, personas.analyst)
    else:
        path = tmp_path / "карта.docx"
        path.write_bytes(document)
        committed(
            call_command,
            "import_roadmap",
            str(path),
            "--region",
            "66",
            "--new-roadmap",
            stdout=StringIO(),
        )
    assert Roadmap.objects.filter(region__code="66").count() == 2
    pages.assert_fresh(before, moved=(*MEASURE_MOVES, "choices"))


IMPORT_ROWS = [
    ("section", "1. Общие мероприятия"),
    ("1.1", "Создать каналы", "31.08.2025", "Министерство образования Свердловской области"),
    ("1.2", "Обучить педагогов", "сентябрь-октябрь 2025", "Новый департамент Свердловской области"),
]
IMPORT_TITLE = ("Утверждена распоряжением от 01.09.2025 № 7-р", "Дорожная карта")


def test_the_sync_measure_parts_command(pages, committed):
    """Parts missing (a database from before parts, or bodies added since): the command
    gives every body concerned its part, and «не выполнили свою часть» shows them."""
    MeasurePart.objects.filter(measure__roadmap__code="sverdlovsk-2025").delete()
    before = pages.warm()
    committed(call_command, "sync_measure_parts", "--region", "66", stdout=StringIO())
    assert MeasurePart.objects.filter(measure__roadmap__code="sverdlovsk-2025").exists()
    pages.assert_fresh(before, moved=("region", "region_today"))


# --------------------------------------------------------------------------- alerts


@pytest.mark.parametrize("through", ["command", "task"])
def test_an_alerts_sync(pages, committed, through):
    """The hourly sync opens the alerts of overdue measures: the dashboards list them."""
    before = pages.warm()
    if through == "command":
        committed(call_command, "check_alerts", "--region", "66", stdout=StringIO())
    else:
        committed(alerts_sync_all.delay)
    assert Alert.objects.filter(region__code="66", resolved_at=None).exists()
    pages.assert_fresh(before, moved=("region", "region_today"))


# --------------------------------------------------------------------------- the admin


class _FormFields(HTMLParser):
    """The values a browser would post from the admin's change form (`id="..._form"`)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.fields.append((a["name"], a.get("value", default)))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def _form_data(html: str) -> dict[str, list[str]]:
    parser = _FormFields()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value.lstrip("\n"))
    return data


def admin_save(client, url: str, **changes: str):
    """Opens an admin change form, changes some fields as a user would and saves it."""
    page = client.get(url)
    assert page.status_code == 200
    data = _form_data(page.content.decode())
    for name, value in changes.items():
        data[name] = [value]
    data["_save"] = ["Сохранить"]
    response = client.post(url, data)
    assert response.status_code == 302, re.findall(
        r'class="errorlist[^>]*>(.*?)</ul>', response.content.decode()
    )
    return response


@pytest.fixture
def site_admin(personas):
    user = personas.admin
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def test_an_admin_edit(pages, personas, committed, site_admin):
    """A stage target changed in the admin: the cards' targets and colours move."""
    stage = IndicatorStage.objects.get(indicator__code="i1", stage=2)
    before = pages.warm()
    client = as_user(pages.client, site_admin)
    url = reverse("admin:indicators_indicatorstage_change", args=[stage.pk])
    committed(admin_save, client, url, target_value="50")
    as_user(client, personas.analyst)
    pages.assert_fresh(before, moved=("region", "region_today", "country"))


def test_an_admin_delete(pages, personas, committed, site_admin, data):
    baseline = RegionBaseline.objects.filter(region=data).first()
    before = pages.warm()
    client = as_user(pages.client, site_admin)
    url = reverse("admin:indicators_regionbaseline_delete", args=[baseline.pk])
    assert committed(client.post, url, {"post": "yes"}).status_code == 302
    as_user(client, personas.analyst)
    pages.assert_fresh(before, moved=("region",))


def test_an_admin_delete_that_cascades(pages, personas, committed, site_admin, cascade):
    """A cascade deleted in the admin takes its addressees and their progress with it
    (CASCADE, no signal of theirs): its line leaves the dashboard at once."""
    before = pages.warm()
    client = as_user(pages.client, site_admin)
    url = reverse("admin:roadmaps_cascade_delete", args=[cascade.pk])
    assert committed(client.post, url, {"post": "yes"}).status_code == 302
    as_user(client, personas.analyst)
    pages.assert_fresh(before, moved=("region", "region_today"))


def test_an_admin_bulk_delete(pages, personas, committed, site_admin):
    committed(call_command, "check_alerts", "--region", "66", stdout=StringIO())
    alerts = list(Alert.objects.filter(region__code="66").values_list("pk", flat=True)[:3])
    before = pages.warm()
    client = as_user(pages.client, site_admin)
    response = committed(
        client.post,
        reverse("admin:alerts_alert_changelist"),
        {"action": "delete_selected", "_selected_action": alerts, "post": "yes"},
    )
    assert response.status_code == 302
    as_user(client, personas.analyst)
    pages.assert_fresh(before, moved=("region", "region_today"))


def admin_import(client, app: str, model: str, content: bytes):
    """The admin's two steps: upload (dry run) and confirm."""
    upload = SimpleUploadedFile("import.csv", content, content_type="text/csv")
    response = client.post(
        reverse(f"admin:{app}_{model}_import"),
        {"format": "0", "import_file": upload, "resource": "0"},
    )
    assert response.status_code == 200
    confirm = response.context.get("confirm_form")
    assert confirm is not None, response.context["result"].base_errors or response.content
    data = {key: value for key, value in confirm.initial.items() if value is not None}
    return client.post(reverse(f"admin:{app}_{model}_process_import"), data)


@pytest.mark.ignore_template_errors  # django-import-export's admin templates
@pytest.mark.parametrize("model", ["agency", "measure"])
def test_an_admin_import(pages, personas, committed, site_admin, model):
    """A body renamed, a measure retitled by a file in the admin: names on the dashboards
    and in the filters at once."""
    if model == "agency":
        agency = Agency.objects.get(code="so-minobr")
        content = (
            "code;name;short_name;kind;region\n"
            f"{agency.code};Министерство просвещения Свердловской области;;{agency.kind};66\n"
        )
        app, moved = "agencies", ("region", "region_today", "choices")
    else:
        item = measure("1.1")
        content = (
            "roadmap;section;number;title;deadline_text\n"
            f"sverdlovsk-2025;{item.section.number};1.1;Регистрация сотрудников;"
            f"{item.deadline_text}\n"
        )
        app, moved = "roadmaps", ("region", "region_today")
    before = pages.warm()
    client = as_user(pages.client, site_admin)
    response = committed(admin_import, client, app, model, content.encode())
    assert response.status_code == 302
    as_user(client, personas.analyst)
    pages.assert_fresh(before, moved=moved)


def texts_of(html: str, name: str) -> list[str]:
    """The texts of the elements with data-testid=`name`."""
    return re.findall(rf'data-testid="{name}"[^>]*>([^<]*)<', html)


def ranking_total(client, code: str) -> str:
    """The region's total in today's ranking, as the ranking page prints it."""
    html = client.get(reverse("index:ranking")).content.decode()
    region = Region.objects.get(code=code)
    row = html[html.index(f"/index/{code}/") :]
    return re.search(r'<td class="num">([^<]*)</td>', row).group(1), region.name


def test_a_launch_date_set_in_the_admin(pages, personas, committed, site_admin):
    """«Учитывается с момента запуска функционала»: the launch date of a Digital ID criterion
    set in the admin (open even on a version in use) moves the ranking and, recomputed,
    the stored scores."""
    committed(
        index_fact_create,
        region=Region.objects.get(code="66"),
        criterion_code="digital_id_age",
        value=1,
        as_of=dt.date(2025, 9, 15),
        evidence_text="запущено",
        entered_by=personas.analyst,
    )
    criterion = Criterion.objects.get(code="digital_id_age")
    before = pages.warm()
    client = as_user(pages.client, site_admin)
    url = reverse("admin:indicators_criterion_change", args=[criterion.pk])
    committed(admin_save, client, url, counts_from="2027-01-01")
    as_user(client, personas.analyst)
    pages.assert_fresh(before, moved=("ranking", "ranking_today", "region_today"))


def test_a_users_regions_changed_in_the_admin(pages, committed, site_admin):
    """The cached data are national; each user's scope is applied after the cache: a
    coordinator given another region sees it at once (the overview, the ranking's marks,
    the filters; the API's counts carry the scope in their query)."""
    region = Region.objects.get(code="66")
    two = make_user(Role.COORDINATOR, region=region)
    two.extra_regions.add(Region.objects.get(code="50"))
    mine = Pages(client=pages.client, settings=pages.settings)
    as_user(pages.client, two)
    before = mine.warm()
    client = as_user(pages.client, site_admin)
    url = reverse("admin:agencies_user_change", args=[two.pk])
    page = client.get(url)
    extra = [str(pk) for pk in two.extra_regions.values_list("pk", flat=True)]
    extra.append(str(Region.objects.get(code="33").pk))
    data = _form_data(page.content.decode())
    data["extra_regions"] = extra
    data["_save"] = ["Сохранить"]
    assert committed(client.post, url, data).status_code == 302
    as_user(pages.client, two)
    mine.assert_fresh(before, moved=("country", "country_today", "choices", "ranking_today"))


@pytest.mark.parametrize("action", ["change", "delete"])
def test_an_index_fact_changed_in_the_admin(pages, personas, committed, site_admin, action):
    """The dashboard shows the stored score: a fact changed or deleted in the admin is
    recomputed like one entered on the page, so the dashboard and the ranking agree."""
    region = Region.objects.get(code="66")
    item = committed(
        index_fact_create,
        region=region,
        criterion_code="offline_qr",
        value=5,
        as_of=dt.date(2025, 9, 1),
        evidence_text="акт",
        entered_by=personas.analyst,
    )
    pages.warm()
    dashboard = texts_of(pages.seen()["region_today"], "index-total")
    client = as_user(pages.client, site_admin)
    if action == "change":
        url = reverse("admin:indicators_indexfact_change", args=[item.pk])
        committed(admin_save, client, url, value="1")
    else:
        url = reverse("admin:indicators_indexfact_delete", args=[item.pk])
        assert committed(client.post, url, {"post": "yes"}).status_code == 302
    as_user(client, personas.analyst)
    after = texts_of(pages.seen()["region_today"], "index-total")
    total, _name = ranking_total(client, "66")
    assert after != dashboard and after == [total]


@pytest.mark.parametrize("model", ["monitoringrow", "monitoringrollup"])
@pytest.mark.parametrize("action", ["change", "delete"])
def test_monitoring_figures_agree_with_the_rows_after_the_admin(
    pages, personas, committed, site_admin, model, action
):
    """Rows are written by the import (approval lock, corrections, rollups, coverage, index
    and alerts follow it) and the rollups are derived from them: an edit in the admin left
    the week's figures stale (the rollups not rebuilt) or out of step with the rows (a
    rollup edited). Whatever the admin does, the pages show what the rows say: the same
    pages as after rebuilding the week's rollups from the rows."""
    committed(import_csv_for_roster, personas)  # rows of the week of 13.10
    week = dt.date(2025, 10, 13)
    region = Region.objects.get(code="66")
    obj = (
        MonitoringRow.objects.filter(region=region, week_start=week).first()
        if model == "monitoringrow"
        else MonitoringRollup.objects.get(region=region, municipality=None, week_start=week)
    )
    pages.warm()
    client = as_user(pages.client, site_admin)
    if action == "change":
        url = reverse(f"admin:indicators_{model}_change", args=[obj.pk])
        page = client.get(url)
        assert page.status_code == 200  # shown
        parser = _FormFields()
        parser.feed(page.content.decode())
        data = dict(parser.fields)
        field = "staff_writers" if model == "monitoringrow" else "edu_staff_writers"
        data.update({field: "0", "_save": "Сохранить"})
        committed(client.post, url, data)
    else:
        url = reverse(f"admin:indicators_{model}_delete", args=[obj.pk])
        committed(client.post, url, {"post": "yes"})
    as_user(client, personas.analyst)
    seen = pages.seen()
    committed(rollups_rebuild, pairs={(region.pk, week)})
    rebuilt = pages.truth()
    assert seen["region"] == rebuilt["region"], _diff(seen, rebuilt, ["region"])


def rederived(pages, committed, region) -> dict[str, str]:
    """The pages once everything derived from the measures is derived again: every body's
    part (measure_parts_sync) and the alerts (the hourly sync)."""
    committed(measure_parts_sync, Measure.all_objects.filter(roadmap__region=region))
    committed(alerts_sync, region=region)
    return pages.truth()


@pytest.mark.parametrize(
    "what",
    [
        "measure",
        # django-import-export's admin templates use undefined variables by design
        pytest.param("import", marks=pytest.mark.ignore_template_errors),
        "responsibility-added",
        "responsibility-deleted",
    ],
)
def test_a_measure_edited_in_the_admin(pages, personas, committed, site_admin, what):
    """A deadline moved or a responsible body added in the admin: the measure's alerts and
    the bodies' parts follow at once, as after the same change on the measure's page or by
    an import (announce_measure_changed, measure_parts_sync)."""
    region = Region.objects.get(code="66")
    committed(alerts_sync, region=region)  # the measures' alerts are open
    item = (
        Measure.objects.filter(roadmap__region=region)
        .annotate(bodies=Count("responsibilities"))
        .filter(bodies__gte=2)
        .order_by("position")
        .first()
    )
    pages.warm()
    client = as_user(pages.client, site_admin)
    if what == "measure":
        url = reverse("admin:roadmaps_measure_change", args=[item.pk])
        committed(admin_save, client, url, due_date="2030-12-31")
    elif what == "import":
        content = (
            "roadmap;section;number;title;deadline_text\n"
            f"sverdlovsk-2025;{item.section.number};{item.number};{item.title};31.12.2030\n"
        )
        response = committed(admin_import, client, "roadmaps", "measure", content.encode())
        assert response.status_code == 302
    elif what == "responsibility-added":
        url = reverse("admin:roadmaps_measureresponsibility_add")
        agency = (
            Agency.objects.filter(region=region, collective_scope="")
            .exclude(pk__in=item.responsibilities.values("agency"))
            .first()
        )
        committed(
            admin_save, client, url, measure=str(item.pk), agency=str(agency.pk), position="5"
        )
    else:
        responsibility = item.responsibilities.order_by("-position").first()
        url = reverse("admin:roadmaps_measureresponsibility_delete", args=[responsibility.pk])
        assert committed(client.post, url, {"post": "yes"}).status_code == 302
    as_user(client, personas.analyst)
    seen = pages.seen()
    truth = rederived(pages, committed, region)
    stale = [name for name in PAGES if seen[name] != truth[name]]
    assert not stale, _diff(seen, truth, stale)


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("name", "value", "moved"),
    [
        # 5 of 6 organisations: «неполная неделя» at 0.9, a complete week at 0.8
        ("MONITORING_MIN_COVERAGE", Decimal("0.8"), ("region", "country")),
        ("MONITORING_STALE_DAYS", 5, ("region", "country")),  # «устарели» or not
        # the regions that never reported a week count from it: not stale 3 days after it
        pytest.param(
            "MONITORING_SEASON_START",
            str(dt.date.today() - dt.timedelta(days=3)),
            ("country",),
            id="MONITORING_SEASON_START",  # the same id on every worker, whatever the day
        ),
        ("ALERT_TREND_WEEKS", 3, ("region",)),  # the projections
    ],
)
def test_a_setting_changed_by_a_deploy(pages, personas, committed, settings, name, value, moved):
    """The cache (Redis) outlives the processes: a deploy with another threshold must not
    read figures judged by the old one."""
    committed(import_csv_for_roster, personas)  # 6 organisations in the week of 13.10
    upload = monitoring_upload_create(
        file=SimpleUploadedFile("w.csv", monitoring_file(week="20.10.2025", orgs=5)),
        user=personas.coordinator,
        region=Region.objects.get(code="66"),
        dry_run=False,
    )
    assert committed(monitoring_import, upload=upload).status == "done"
    before = pages.warm()
    assert 'data-testid="partial-week"' in before["region"]
    setattr(settings, name, value)  # the new process's settings
    pages.assert_fresh(before, moved=moved)


# --------------------------------------------------------------------------- time

YEKATERINBURG = ZoneInfo("Asia/Yekaterinburg")  # Sverdlovsk oblast, UTC+5
LATER = dt.date(2027, 1, 20)  # a day long after the seeds' own history


def test_midnight_in_the_region(pages, clock, personas):
    """A measure due today is overdue from the region's midnight (19:00 in Moscow): the
    pages read at 23:59 there must not be served at 00:01."""
    item = measure("3.1")
    Measure.objects.filter(pk=item.pk).update(due_date=LATER)
    clock.set(dt.datetime.combine(LATER, dt.time(23, 59), YEKATERINBURG))
    before = as_user(pages.client, personas.analyst) and pages.warm()  # a session of then
    clock.set(dt.datetime.combine(LATER + dt.timedelta(days=1), dt.time(0, 1), YEKATERINBURG))
    assert timezone.localdate() == LATER  # still the same day in Moscow: the same ranking
    pages.assert_fresh(before, moved=("region_today", "country_today"))


def test_who_has_not_reported_does_not_depend_on_the_hour(pages, clock, personas):
    """«Кто не отчитался» (no update for 14 days) is judged on the region's date, as the
    rest of the page: read in the morning and in the afternoon of one day it is the same,
    so the page cached in the morning is the truth in the afternoon."""
    item = measure("3.1")
    change = MeasureChange.objects.create(measure=item, kind="edit", comment="Уточнили срок")
    moment = dt.datetime.combine(LATER - dt.timedelta(days=14), dt.time(12, 0), YEKATERINBURG)
    MeasureChange.objects.filter(pk=change.pk).update(created_at=moment)
    clock.set(dt.datetime.combine(LATER, dt.time(9, 0), YEKATERINBURG))
    before = as_user(pages.client, personas.analyst) and pages.warm()
    clock.set(dt.datetime.combine(LATER, dt.time(16, 0), YEKATERINBURG))
    as_user(pages.client, personas.analyst)  # the morning's session has gone idle
    pages.assert_fresh(before, moved=())


# --------------------------------------------------------------------------- seeding


@pytest.mark.parametrize("today", ["2025-11-17", None], ids=["anchor", "moved-season"])
def test_the_demo_data_command(pages, committed, tmp_path, today):
    """`load_demo_data` writes organisations, cascade addressees, moved deadlines and status
    changes itself (besides the real imports it runs): the pages show all of it."""
    before = pages.warm()
    args = ["--today", today] if today else []
    committed(call_command, "load_demo_data", *args, "--out", str(tmp_path), stdout=StringIO())
    pages.assert_fresh(before, moved=MEASURE_MOVES)


def test_the_load_seeds_command(pages, committed):
    """The reference data drifted (a stage target changed by hand in the database, which
    moves no version): `load_seeds` puts the fixtures back and the pages follow."""
    IndicatorStage.objects.filter(indicator__code="i1", stage=2).update(target_value=Decimal(50))
    before = pages.warm()
    committed(call_command, "load_seeds", stdout=StringIO())
    assert IndicatorStage.objects.get(indicator__code="i1", stage=2).target_value == 75
    pages.assert_fresh(before, moved=("region", "region_today"))
