"""The portal's URLs as the resolver lists them, and one object of each kind to name.

`walk` and `portal_urls` enumerate every named URL (DRF routes included); `OBJECT_URLS`
says which `World` object each URL with arguments names, and `object_url` reverses it.
Shared by the scope matrix (tests/roadmap_portal/test_scope_every_url.py) and the method
matrix (tests/roadmap_portal/test_methods_every_url.py): one enumerator, not two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from agencies.models import ApiToken, Region, User
from alerts.choices import AlertKind
from alerts.models import Alert
from indicators.choices import UploadStatus
from indicators.index.services import index_compute
from indicators.models import (
    IndexFact,
    IndexUpload,
    Indicator,
    MonitoringRollup,
    MonitoringRoster,
    MonitoringUpload,
    RegionBaseline,
    RegionTarget,
)
from reports.choices_exports import ExportStatus
from reports.models import GeneratedExport, SubscriptionDelivery
from reports.subscriptions import services as subscription_services
from roadmaps.choices import CascadeScope, ChangeKind, RoadmapVersionStatus
from roadmaps.models import (
    Cascade,
    CascadeProgress,
    CascadeTarget,
    MeasureChange,
    MeasurePart,
    MeasureReport,
    MeasureStep,
    MeasureTarget,
    Roadmap,
    RoadmapVersion,
)
from tests.factories import (
    make_agency,
    make_measure,
    make_municipality,
    make_organisation,
)

SECRET = "ЧУЖОЕ66"
WEEK = dt.date(2025, 9, 1)
PDF = b"%PDF-1.4\n% secret\n"


@dataclass
class World:
    """One object of each kind, all of Sverdlovsk oblast, each with the marker."""

    region: Region
    owner: User  # the Sverdlovsk coordinator who made the personal objects below
    objects: dict


def build_world(personas) -> World:
    region = Region.objects.get(code="66")
    owner = personas.coordinator
    agency = make_agency(region, name=f"Министерство {SECRET}")
    roadmap = Roadmap.objects.get(region=region)
    measure = make_measure(
        roadmap, agencies=[agency, personas.ministry_user.agency], title=f"Мероприятие {SECRET}"
    )
    step = MeasureStep.objects.create(measure=measure, position=0, title=f"Подэтап {SECRET}")
    part = MeasurePart.objects.create(measure=measure, agency=agency, position=0)
    target = MeasureTarget.objects.create(measure=measure, description=SECRET, quantity=2)
    change = MeasureChange.objects.create(
        measure=measure, kind=ChangeKind.STATUS, comment=f"Комментарий {SECRET}"
    )
    change.evidence.save("secret.pdf", ContentFile(PDF))
    report = MeasureReport.objects.create(
        measure=measure, period=WEEK.replace(day=1), due_date=WEEK, comment=SECRET
    )
    report.evidence.save("secret-report.pdf", ContentFile(PDF))
    municipality = make_municipality(region, f"Округ {SECRET}")
    organisation = make_organisation(region, municipality, name=f"Школа {SECRET}")
    cascade = Cascade.objects.create(
        measure=measure, scope=CascadeScope.CHOSEN, subject=f"Каскад {SECRET}"
    )
    CascadeTarget.objects.create(cascade=cascade, organisation=organisation)
    progress = CascadeProgress.objects.create(
        cascade=cascade, organisation=organisation, done_on=WEEK
    )
    upload = MonitoringUpload.objects.create(
        region=region,
        uploaded_by=owner,
        original_name=f"{SECRET}.csv",
        sha256="0" * 64,
        status=UploadStatus.REFUSED,
        errors=[{"row": 2, "message": SECRET}],
    )
    index_upload = IndexUpload.objects.create(
        uploaded_by=owner, original_name=f"{SECRET}.csv", sha256="1" * 64, regions=["66"]
    )
    index_upload.file.save("secret-index.csv", ContentFile(b"region_code;criterion\n"))
    fact = IndexFact.objects.create(
        region=region, criterion_code="mfc_bot", value=1, as_of=WEEK, evidence_text=SECRET
    )
    fact.evidence_file.save("secret-fact.pdf", ContentFile(PDF))
    alert = Alert.objects.create(
        region=region,
        kind=AlertKind.MEASURE_OVERDUE,
        cause_key=f"secret-{measure.pk}",
        measure=measure,
        message=f"Оповещение {SECRET}",
        opened_at=timezone.now(),
    )
    export = GeneratedExport.objects.create(
        kind="roadmap_status",
        params={"region": "66"},
        region=region,
        created_by=owner,
        status=ExportStatus.DONE,
        filename=f"{SECRET}.csv",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    export.file.save("secret.csv", ContentFile(SECRET.encode()))
    subscription = subscription_services.subscription_create(
        owner=owner,
        created_by=owner,
        kind="roadmap_status",
        fmt="xlsx",
        region=region,
        frequency="weekly",
        weekday=0,
        hour=9,
        by_email=True,
        by_max=False,
    )
    delivery = SubscriptionDelivery.objects.create(
        subscription=subscription,
        period="2026-W01",
        due_at=timezone.now(),
        filename=f"{SECRET}.csv",
        scope_region_ids=[region.pk],
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    delivery.file.save("secret-delivery.csv", ContentFile(SECRET.encode()))
    draft = RoadmapVersion.objects.create(
        region=region,
        roadmap=roadmap,
        status=RoadmapVersionStatus.DRAFT,
        title=SECRET,
        file=ContentFile(PDF, name="secret.docx"),
        file_name=f"{SECRET}.docx",
        sha256="2" * 64,
        uploaded_by=owner,
    )
    token = ApiToken.objects.create(user=owner, name=SECRET, prefix="x", key_hash="3" * 64)
    mailing = subscription_services.subscription_create(
        address="secret66@example.org",
        created_by=personas.admin,
        kind="roadmap_status",
        fmt="xlsx",
        region=region,
        frequency="weekly",
        weekday=0,
        hour=9,
        by_email=True,
        by_max=False,
    )
    shared = SubscriptionDelivery.objects.create(
        subscription=mailing,
        period="2026-W01",
        due_at=timezone.now(),
        filename=f"{SECRET}.csv",
        scope_region_ids=[region.pk],
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    shared.file.save("secret-shared.csv", ContentFile(SECRET.encode()))
    indicator = Indicator.objects.get(code="i1")
    return World(
        region=region,
        owner=owner,
        objects={
            "agency": agency,
            "roadmap": roadmap,
            "section": measure.section,
            "measure": measure,
            "step": step,
            "part": part,
            "target": target,
            "change": change,
            "report": report,
            "municipality": municipality,
            "organisation": organisation,
            "cascade": cascade,
            "progress": progress,
            "upload": upload,
            "index_upload": index_upload,
            "fact": fact,
            "alert": alert,
            "export": export,
            "subscription": subscription,
            "delivery": delivery,
            "draft": draft,
            "token": token,
            "mailing": mailing,
            "shared": shared,
            "target_row": RegionTarget.objects.create(
                region=region, indicator=indicator, stage=2, target_value=75, source=SECRET
            ),
            "baseline_row": RegionBaseline.objects.create(
                region=region, indicator=indicator, value=40, source=SECRET
            ),
            "rollup": MonitoringRollup.objects.create(
                region=region,
                week_start=WEEK,
                organisations=1,
                edu_staff_total=40,
                edu_staff_writers=30,
                edu_students_total=100,
                edu_learners_active=50,
                np_sferum_users=200,
                np_max_only_users=0,
                vkm_users=10,
                vkm_and_max_users=5,
            ),  # fmt: skip
            "roster": MonitoringRoster.objects.create(
                region=region, uploaded_by=owner, original_name=f"{SECRET}.csv"
            ),
            "score": index_compute(region=region, on_date=WEEK),
        },
    )


def _pk(name):
    return lambda w: w.objects[name].pk


def _code(w: World) -> str:
    return w.region.code


# URL name -> the keyword arguments that name a Sverdlovsk object (`World`); a URL with
# arguments that is missing here fails `test_every_url_is_in_the_matrix`.
OBJECT_URLS: dict[str, dict] = {
    # pages: measures
    "roadmaps:measure-detail": {"pk": _pk("measure")},
    "roadmaps:measure-federal": {"pk": _pk("measure")},
    "roadmaps:measure-status": {"pk": _pk("measure")},
    "roadmaps:measure-step": {"pk": _pk("measure"), "step_pk": _pk("step")},
    "roadmaps:measure-part": {"pk": _pk("measure"), "part_pk": _pk("part")},
    "roadmaps:measure-target": {"pk": _pk("measure"), "target_pk": _pk("target")},
    "roadmaps:measure-report": {"pk": _pk("measure")},
    "roadmaps:evidence-download": {
        "pk": _pk("measure"),
        "kind": lambda w: "change",
        "item_pk": _pk("change"),
    },
    "roadmaps:cascade-create": {"pk": _pk("measure")},
    "roadmaps:cascade-detail": {"pk": _pk("cascade")},
    "roadmaps:cascade-progress": {"pk": _pk("cascade")},
    "roadmaps:cascade-import": {"pk": _pk("cascade")},
    "roadmaps:roadmap-import-preview": {"pk": _pk("draft")},
    "roadmaps:roadmap-import": {"code": _code},
    "profile-token-revoke": {"pk": _pk("token")},
    # pages: the index
    "index:upload": {"pk": _pk("index_upload")},
    "index:upload-confirm": {"pk": _pk("index_upload")},
    "index:fact-evidence": {"pk": _pk("fact")},
    "index:fact-verify": {"pk": _pk("fact")},
    "index:region": {"code": _code},
    "index:fact-create": {"code": _code},
    # pages: alerts
    "alerts:alert-detail": {"pk": _pk("alert")},
    "alerts:alert-acknowledge": {"pk": _pk("alert")},
    # pages: reports
    "reports:export-detail": {"pk": _pk("export")},
    "reports:export-download": {"pk": _pk("export")},
    "reports:export-rerun": {"pk": _pk("export")},
    "reports:subscription-detail": {"pk": _pk("subscription")},
    "reports:subscription-pause": {"pk": _pk("subscription")},
    "reports:subscription-delete": {"pk": _pk("subscription")},
    "reports:subscription-file": {"pk": _pk("delivery")},
    # a signed link is a mailing list's: one signed for a person's delivery opens nothing
    "reports:subscription-file-shared": {
        "token": lambda w: subscription_services.shared_link_token(w.objects["delivery"])
    },
    "reports:region-dashboard": {"code": _code},
    "reports:region-dashboard-pdf": {"code": _code},
    "reports:municipality-dashboard": {"code": _code, "pk": _pk("municipality")},
    # pages: indicators
    "indicators:region": {"code": _code},
    "indicators:baselines": {"code": _code},
    "indicators:roster": {"code": _code},
    "indicators:upload-list": {"code": _code},
    "indicators:upload-create": {"code": _code},
    "indicators:approval-list": {"code": _code},
    "indicators:approval-week": {"code": _code, "week": lambda w: WEEK.isoformat()},
    "indicators:approval-action": {
        "code": _code,
        "week": lambda w: WEEK.isoformat(),
        "action": lambda w: "submit",
    },
    "indicators:upload-detail": {"pk": _pk("upload")},
    "indicators:upload-status": {"pk": _pk("upload")},
    "indicators:upload-confirm": {"pk": _pk("upload")},
    "indicators:upload-rerun": {"pk": _pk("upload")},
    # the API
    "api:region-detail": {"pk": lambda w: w.region.pk},
    "api:agency-detail": {"pk": _pk("agency")},
    "api:municipality-detail": {"pk": _pk("municipality")},
    "api:organisation-detail": {"pk": _pk("organisation")},
    "api:roadmap-detail": {"pk": _pk("roadmap")},
    "api:section-detail": {"pk": _pk("section")},
    "api:measure-detail": {"pk": _pk("measure")},
    "api:measure-evidence": {"pk": _pk("measure"), "change_id": _pk("change")},
    "api:measure-history": {"pk": _pk("measure")},
    "api:measure-reports": {"pk": _pk("measure")},
    "api:measure-status": {"pk": _pk("measure")},
    "api:measure-step": {"pk": _pk("measure"), "step_id": _pk("step")},
    "api:measure-target": {"pk": _pk("measure"), "target_id": _pk("target")},
    "api:measure-part-detail": {"pk": _pk("part")},
    "api:measure-part-status": {"pk": _pk("part")},
    "api:cascade-detail": {"pk": _pk("cascade")},
    "api:cascade-progress": {"pk": _pk("cascade")},
    "api:cascade-progress-detail": {"pk": _pk("progress")},
    "api:indicator-target-detail": {"pk": lambda w: w.objects["target_row"].pk},
    "api:indicator-baseline-detail": {"pk": lambda w: w.objects["baseline_row"].pk},
    "api:indicator-value-detail": {"pk": lambda w: w.objects["rollup"].pk},
    "api:monitoring-upload-detail": {"pk": _pk("upload")},
    "api:monitoring-upload-rerun": {"pk": _pk("upload")},
    "api:monitoring-roster-detail": {"pk": lambda w: w.objects["roster"].pk},
    "api:index-region": {"code": _code},
    "api:index-detail": {"pk": lambda w: w.objects["score"].pk},
    "api:index-input-detail": {"pk": _pk("fact")},
    "api:index-input-verify": {"pk": _pk("fact")},
    "api:index-import-detail": {"pk": _pk("index_upload")},
    "api:index-import-apply": {"pk": _pk("index_upload")},
    "api:alert-detail": {"pk": _pk("alert")},
    "api:alert-acknowledge": {"pk": _pk("alert")},
    "api:export-detail": {"pk": _pk("export")},
    "api:export-download": {"pk": _pk("export")},
    "api:export-rerun": {"pk": _pk("export")},
}

# URLs with arguments that name no object of a region (checked elsewhere)
NOT_OBJECTS = {
    "indicators:upload-template",  # the blank template of a monitoring file
    "api:indicator-detail",  # the four indicators, the same for everyone
}


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", entry


def portal_urls() -> dict[str, set[str]]:
    """Every named URL of the portal but the Django admin, with its arguments."""
    found: dict[str, set[str]] = {}
    for route, name, entry in walk(get_resolver().url_patterns):
        if route.startswith("admin/") or name.startswith("admin:"):
            continue
        params = set(entry.pattern.regex.groupindex) - {"format"}
        if "format" in entry.pattern.regex.groupindex:
            continue  # the `.json` twin of a DRF route: the same view
        found.setdefault(name, set()).update(params)
    return found


MISSING = {"pk": 10**8, "item_pk": 10**8, "step_pk": 10**8, "part_pk": 10**8,
           "target_pk": 10**8, "change_id": 10**8, "step_id": 10**8, "target_id": 10**8,
           "code": "00", "token": "x"}  # fmt: skip


def object_url(name: str, world: World, *, missing: bool = False) -> str:
    kwargs = {key: make(world) for key, make in OBJECT_URLS[name].items()}
    if missing:
        kwargs.update({key: MISSING[key] for key in kwargs if key in MISSING})
    return reverse(name, kwargs=kwargs)
