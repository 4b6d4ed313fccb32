"""The seed fixtures load word for word, and loading twice changes nothing."""

import datetime as dt

import pytest

from agencies.models import Agency, Region
from indicators.models import Indicator, IndicatorStage, RegionTarget
from indicators.services.seeds import seeds_load
from roadmaps.models import Cascade, Measure, MeasureStep, Roadmap

pytestmark = pytest.mark.django_db


def test_counts(seeded):
    assert Region.objects.count() == 89
    assert Region.objects.get(code="66").timezone == "Asia/Yekaterinburg"
    sverdlovsk = Roadmap.objects.get(code="sverdlovsk-2025")
    assert sverdlovsk.measures.count() == 44
    assert sverdlovsk.sections.count() == 5
    assert [s.measures.count() for s in sverdlovsk.sections.order_by("position")] == [
        6,
        6,
        22,
        8,
        2,
    ]
    assert Roadmap.objects.get(code="moscow-oblast-2025").measures.count() == 17
    assert Roadmap.objects.get(code="vladimir-2025").measures.count() == 10
    assert Roadmap.objects.get(code="federal-plan-2025").region is None
    assert Indicator.objects.count() == 4
    assert IndicatorStage.objects.count() == 6


def test_sverdlovsk_approval(seeded):
    roadmap = Roadmap.objects.get(code="sverdlovsk-2025")
    assert roadmap.document_number == "01-01-40/58"
    assert roadmap.approved_on == dt.date(2025, 8, 22)
    assert "Д.А. Ионин" in roadmap.approver
    assert [s.title for s in roadmap.sections.order_by("position")][:2] == [
        "Общие мероприятия для органов власти",
        "Информирование о национальном мессенджере",
    ]


EXACT = [
    (
        "sverdlovsk-2025",
        "1.1",
        "Обеспечение регистрации сотрудников исполнительных органов государственной власти "
        "Свердловской области и их подведомственных организаций в национальном мессенджере",
        "31.08.2025",
        dt.date(2025, 8, 31),
    ),
    (
        "sverdlovsk-2025",
        "1.6",
        "Создание официального информационного канала временно исполняющего обязанности "
        "Губернатора Д.В. Паслера в национальном мессенджере",
        "31.10.2025",
        dt.date(2025, 10, 31),
    ),
    (
        "sverdlovsk-2025",
        "3.19",
        "Полное закрытие всех чатов Сферум в VK Мессенджере",
        "30.11.2025",
        dt.date(2025, 11, 30),
    ),
    (
        "sverdlovsk-2025",
        "3.3",
        "Направление в органы местного самоуправления (далее – ОМСУ) субъекта, подведомственных "
        "организаций и всех типов образовательных организаций плана переноса коммуникаций из VK "
        "Мессенджера в национальный мессенджер и целевых показателей",
        "31.07.2025",
        dt.date(2025, 7, 31),
    ),
    (
        "sverdlovsk-2025",
        "4.6",
        "Сбор и аккумуляция сведений от контролируемых лиц о результатах популяризации и "
        "внедрения национального мессенджера",
        "ежемесячно до 26.12.2025",
        dt.date(2025, 12, 26),
    ),
    (
        "sverdlovsk-2025",
        "5.2",
        "Разработка и направление в отраслевые организации и компании регионального уровня "
        "методических рекомендаций по применению сервисов национального мессенджера (сервис "
        "получения уведомлений МФЦ)",
        "25.12.2025",
        dt.date(2025, 12, 25),
    ),
    (
        "moscow-oblast-2025",
        "2",
        "Организация доработки интеграционных решений региональных государственных "
        "информационных систем, функционал электронного журнала и дневника со Сферум в "
        "национальном мессенджере в части",
        "июль-август 2025",
        dt.date(2025, 8, 31),
    ),
    (
        "moscow-oblast-2025",
        "17",
        "Полное закрытие всех чатов Сферум в VK Мессенджере",
        "ноябрь 2025",
        dt.date(2025, 11, 30),
    ),
    (
        "moscow-oblast-2025",
        "12",
        "Получение разрешений от субъекта РФ на доступ к региональной витрине данных",
        "август-декабрь 2025",
        dt.date(2025, 12, 31),
    ),
    (
        "vladimir-2025",
        "6",
        "Создание канала Губернатора Владимирской области в национальном мессенджере",
        "до 29.08.2025",
        dt.date(2025, 8, 29),
    ),
    (
        "vladimir-2025",
        "7",
        "Создание родительских и школьных чатов в образовательных организациях Владимирской "
        "области",
        "до 15.09.2025",
        dt.date(2025, 9, 15),
    ),
    (
        "vladimir-2025",
        "9",
        "Обеспечение направления уведомлений о готовности документов в МФЦ Владимирской области",
        "до 01.10.2025",
        dt.date(2025, 10, 1),
    ),
]


@pytest.mark.parametrize(("roadmap", "number", "title", "deadline", "due"), EXACT)
def test_exact_titles_and_dates(seeded, roadmap, number, title, deadline, due):
    measure = Measure.objects.get(roadmap__code=roadmap, number=number)
    assert measure.title == title
    assert measure.deadline_text == deadline
    assert measure.due_date == due


def test_vladimir_dates_as_domain_says(seeded):
    dues = dict(
        Measure.objects.filter(roadmap__code="vladimir-2025").values_list("number", "due_date")
    )
    for number in "12345":
        assert dues[number] == dt.date(2025, 8, 31)
    assert dues["6"] == dt.date(2025, 8, 29)
    assert dues["7"] == dt.date(2025, 9, 15)
    for number in ("8", "9", "10"):
        assert dues[number] == dt.date(2025, 10, 1)


def test_responsible_order_and_collectives(seeded):
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="2.6")
    names = [r.agency.name for r in measure.ordered_responsibilities]
    assert names[0] == "Департамент информационной политики Свердловской области"
    assert "Министерство энергетики и жилищно-коммунального хозяйства Свердловской области" in names
    assert len(names) == 7
    collective = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.1").lead_agency
    assert collective.is_collective and collective.collective_scope == "roiv"
    assert collective.includes_subordinates


def test_steps_recurrence_and_spans(seeded):
    steps = MeasureStep.objects.filter(
        measure__roadmap__code="sverdlovsk-2025", measure__number="3.9"
    )
    assert steps.count() == 4
    recurring = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="4.6")
    assert recurring.recurrence == "monthly"
    span = Measure.objects.get(roadmap__code="moscow-oblast-2025", number="6")
    assert (span.start_date, span.due_date) == (dt.date(2025, 9, 1), dt.date(2025, 10, 31))
    assert [i.number for i in span.indicators.all()] == [1, 2, 3]


def test_moscow_conditional_targets(seeded):
    conditional = RegionTarget.objects.filter(region__code="50", conditional=True)
    assert {t.indicator.code for t in conditional} == {"i1", "i2"}
    assert not any(t.in_force for t in conditional)


def test_khabarovsk_cascade(seeded):
    cascade = Cascade.objects.get(document_number="01-15-1250")
    assert cascade.measure.roadmap.region.code == "27"
    assert cascade.municipality.name == "Николаевский муниципальный район"
    assert cascade.document_date == dt.date(2025, 8, 4)
    assert cascade.issued_by.kind == "omsu"


def test_load_twice_changes_nothing(seeded):
    before = {
        model.__name__: model.objects.count()
        for model in (Region, Agency, Roadmap, Measure, MeasureStep, Cascade, RegionTarget)
    }
    measure = Measure.objects.get(roadmap__code="sverdlovsk-2025", number="1.1")
    measure.status = "done"
    measure.save()
    target = RegionTarget.objects.get(region__code="50", indicator__code="i1")
    target.in_force = True
    target.save()
    summary = seeds_load()
    assert not any(summary.created.values())
    after = {
        model.__name__: model.objects.count()
        for model in (Region, Agency, Roadmap, Measure, MeasureStep, Cascade, RegionTarget)
    }
    assert before == after
    measure.refresh_from_db()
    target.refresh_from_db()
    assert measure.status == "done"  # user data survives a reload
    assert target.in_force


# --- the seeds as printed ---------------------------------------------------------------


def test_federal_plan_keeps_its_printed_deadlines(seeded):
    import datetime as dt

    measures = {m.number: m for m in Measure.objects.filter(roadmap__code="federal-plan-2025")}
    assert [measures[n].deadline_text for n in "1234"] == [
        "Август",
        "Сентябрь … до 15 сентября",
        "Сентябрь – октябрь … с 15 сентября",
        "1 ноября 2025 г.",
    ]
    mass = measures["3"]  # «С 15 сентября массовый перевод …»
    assert (mass.start_date, mass.due_date) == (dt.date(2025, 9, 15), dt.date(2025, 10, 31))
    assert measures["2"].due_date == dt.date(2025, 9, 15)
    assert measures["1"].due_date == dt.date(2025, 8, 31)
    assert measures["4"].due_date == dt.date(2025, 11, 1)
    assert not any(m.responsibilities.exists() for m in measures.values())


def test_samara_milestones_name_no_body(seeded):
    import datetime as dt

    from agencies.models import Agency

    measures = list(Measure.objects.filter(roadmap__code="samara-2025").order_by("position"))
    assert [m.deadline_text for m in measures] == ["Июль", "Август", "15 сентября"]
    assert measures[2].due_date == dt.date(2025, 9, 15)
    assert not any(m.responsibilities.exists() for m in measures)
    assert not Agency.objects.filter(code="sam-minobr").exists()


def _old_database_with_the_inferred_agency():
    """What an earlier load left: the inferred ministry responsible for Samara's milestones."""
    from agencies.models import Agency, Region
    from roadmaps.models import MeasureResponsibility

    agency = Agency.objects.create(
        code="sam-minobr",
        name="Министерство образования Самарской области",
        kind="roiv",
        region=Region.objects.get(code="63"),
    )
    for measure in Measure.objects.filter(roadmap__code="samara-2025"):
        MeasureResponsibility.objects.create(measure=measure, agency=agency, position=0)
    return agency


def test_reload_migrates_the_inferred_agency_away(seeded, personas):
    from agencies.models import Agency
    from indicators.services.seeds import seeds_load
    from roadmaps.services.measures import measure_set_status

    _old_database_with_the_inferred_agency()
    measure = Measure.objects.get(roadmap__code="samara-2025", number="1")
    measure_set_status(
        measure=measure,
        status="in_progress",
        actor=personas.admin,
        comment="Начали",
        expected_version=measure.version,
    )
    summary = seeds_load()
    assert not Agency.objects.filter(code="sam-minobr").exists()
    assert any("Agency: удалено 1" in line or "удалено 1" in line for line in summary.lines())
    measure.refresh_from_db()
    assert measure.status == "in_progress"  # status and history kept
    assert measure.changes.count() == 1
    assert not measure.responsibilities.exists()
    # and once more: nothing left to do
    again = seeds_load()
    assert not again.deleted


def test_reload_keeps_an_inferred_agency_someone_uses(seeded):
    from agencies.choices import Role
    from agencies.models import Agency
    from indicators.services.seeds import seeds_load
    from tests.factories import make_user

    agency = _old_database_with_the_inferred_agency()
    make_user(Role.STAFF, agency=agency)
    summary = seeds_load()
    assert Agency.objects.filter(code="sam-minobr").exists()
    assert any("оставлен" in line for line in summary.lines())
    assert not Measure.objects.filter(
        roadmap__code="samara-2025", responsibilities__isnull=False
    ).exists()
