"""A reproducible generator of national-scale data (benchmark) and of the `make run` demo data.

Everything is drawn from `random.Random` instances seeded by strings built from the seed and
a region code (never the global `random`), so:

1. the same (seed, scale) gives the same organisations, codes and files byte for byte;
2. a region's data do not depend on which other regions are generated (the demo generates
   five seed regions and gets exactly their rows of the national data set);
3. a week of a region is drawn from its own stream, so one file per week and one file per
   region per week hold the same rows.

Parts:
- the *world* (pure): municipalities and organisations per region with their sizes and
  adoption curves (`world_build`);
- weekly monitoring CSV in the export format of docs/domain.md, streamed (`monitoring_write`);
- «Сведения для индекса внедрения» facts for every region (`index_facts_write`);
- a corrected copy of a week file for the upsert benchmark (`monitoring_write_corrected`);
- the database side: municipalities and organisations (`world_save`), roadmaps with
  agencies, measures, statuses and history for regions without one (`roadmaps_generate`).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # the CSV side runs without Django (bench); the database side imports late
    from agencies.models import Agency

BASE_DIR = Path(__file__).resolve().parents[2]
REGIONS_CSV = BASE_DIR / "fixtures" / "regions.csv"

NATIONAL_ORGANISATIONS = 85_000
NATIONAL_MUNICIPALITIES = 2_500
FIRST_WEEK = dt.date(2025, 9, 1)  # a Monday: the school year's first week (the default season)

# Canonical export columns (docs/domain.md «Monitoring data»), in file order.
MONITORING_COLUMNS: list[tuple[str, str]] = [
    ("week_start", "Начало недели"),
    ("region_code", "Код региона"),
    ("municipality", "Муниципальное образование"),
    ("org_code", "Код организации"),
    ("org_name", "Наименование организации"),
    ("org_type", "Тип организации"),
    ("staff_total", "Работников всего"),
    ("staff_writers", "Работников, писавших за неделю"),
    ("students_total", "Обучающихся всего"),
    ("learners_active", "Обучающихся и родителей, активных за неделю"),
    ("sferum_users", "Пользователей Сферума всего"),
    ("max_only_users", "Пользователей только в MAX"),
    ("vkm_users", "Пользователей с профилем в VK Мессенджере"),
    ("vkm_and_max_users", "из них с профилем в MAX"),
]
MONITORING_HEADER = [title for _key, title in MONITORING_COLUMNS]
INDEX_FACT_HEADER = ["region_code", "criterion", "input", "value", "as_of", "evidence"]
CSV_ENCODING = "utf-8-sig"  # UTF-8 with BOM, as the monitoring exports it
CSV_DELIMITER = ";"
WRITE_BUFFER = 1 << 20  # a larger buffer than the default 8 KiB: ~1.4x faster writing

# Organisation types: key -> abbreviation used in files (agencies.choices.OrgType labels).
TYPE_LABELS = {
    "school": "ОО",
    "college": "СПО",
    "additional": "ДО",
    "preschool": "ДОО",
    "roiv": "РОИВ",
    "omsu": "ОМСУ",
    "subordinate": "ПО",
}
GOV_TYPES = frozenset({"roiv", "omsu", "subordinate"})
# Share of the educational organisations by type (Russia: ~40k schools, ~37k preschools).
EDU_TYPE_WEIGHTS = [("school", 0.45), ("preschool", 0.40), ("additional", 0.10), ("college", 0.05)]

# Weeks of school holidays: staff and families write less (autumn, New Year, spring).
HOLIDAY_WEEKS = {
    dt.date(2025, 10, 27): 0.6,
    dt.date(2025, 12, 29): 0.45,
    dt.date(2026, 1, 5): 0.55,
    dt.date(2026, 3, 23): 0.7,
}
# the same holidays as week numbers of a season, for a season that starts elsewhere (the demo)
HOLIDAY_WEEK_NUMBERS = {(day - FIRST_WEEK).days // 7: f for day, f in HOLIDAY_WEEKS.items()}

# Relative size of the populous regions (number of organisations); others get 0.35-0.95.
_BIG_REGIONS = {
    "77": 3.2, "50": 3.0, "23": 2.3, "66": 2.0, "02": 2.1, "16": 1.9, "61": 1.9, "78": 1.5,
    "05": 1.7, "52": 1.5, "74": 1.6, "24": 1.5, "54": 1.3, "63": 1.3, "59": 1.3, "42": 1.1,
    "38": 1.2, "26": 1.3, "64": 1.1, "22": 1.2, "36": 1.1, "56": 1.0, "34": 1.1, "20": 1.2,
}  # fmt: skip
_SMALL_REGIONS = {"87": 0.05, "83": 0.05, "49": 0.08, "79": 0.12, "41": 0.15, "04": 0.18}
# Municipalities a region must have (the Khabarovsk cascade of seed 003 addresses this one).
REQUIRED_MUNICIPALITIES = {"27": ["Николаевский муниципальный район"]}

_PLACE_STEMS = [
    "Александровск", "Алексеевск", "Андреевск", "Белозёрск", "Берёзовск", "Богдановичск",
    "Борисовск", "Бутурлинск", "Васильевск", "Верхнеуральск", "Вознесенск", "Волжск", "Вороновск",
    "Гагаринск", "Глазовск", "Горнозаводск", "Гремячинск", "Дмитриевск", "Добрянск", "Дубровск",
    "Еланск", "Ершовск", "Жуковск", "Заречн", "Звениговск", "Знаменск", "Ивановск", "Ильинск",
    "Каменск", "Карабашск", "Кировск", "Климовск", "Краснинск", "Красноуфимск", "Кузнецк",
    "Лебяжьевск", "Лесогорск", "Луговск", "Любимск", "Макаровск", "Мариинск", "Михайловск",
    "Нагорск", "Новосёловск", "Никольск", "Озёрск", "Октябрьск", "Ольховск", "Орловск",
    "Первомайск", "Петровск", "Покровск", "Полевск", "Приозёрск", "Пригородн", "Пушкинск",
    "Рощинск", "Рябиновск", "Светлинск", "Северск", "Сергиевск", "Славянск", "Сосновск", "Спасск",
    "Среднеуральск", "Старицк", "Сухоложск", "Сысертск", "Тавдинск", "Троицк", "Туринск",
    "Угличск", "Успенск", "Ферзиковск", "Холмск", "Чернушинск", "Шадринск", "Шарканск", "Юрьевск",
    "Ярцевск",
]  # fmt: skip
_MUNICIPALITY_KINDS = [
    ("муниципальный район", "муниципального района", 0.5),
    ("муниципальный округ", "муниципального округа", 0.3),
    ("городской округ", "городского округа", 0.2),
]
_KINDERGARTEN_NAMES = [
    "Солнышко", "Ромашка", "Колокольчик", "Берёзка", "Теремок", "Сказка", "Радуга", "Звёздочка",
    "Улыбка", "Алёнушка", "Ласточка", "Рябинка", "Светлячок", "Родничок", "Журавушка",
    "Золотой ключик", "Незабудка", "Снежинка",
]  # fmt: skip
_COLLEGE_NAMES = [
    "{adj} политехнический колледж",
    "{adj} педагогический колледж",
    "{adj} многопрофильный техникум",
    "{adj} аграрный техникум",
    "Колледж информационных технологий",
    "Медицинский колледж № {n}",
    "Техникум строительства и жилищно-коммунального хозяйства",
    "{adj} индустриальный колледж",
]
_ADDITIONAL_NAMES = [
    "Дом детского творчества",
    "Центр детского творчества",
    "Детско-юношеская спортивная школа № {n}",
    "Детская школа искусств № {n}",
    "Станция юных техников",
    "Центр дополнительного образования «Мечта»",
    "Детский эколого-биологический центр",
]


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str


@dataclass(slots=True)
class MunicipalitySpec:
    """A municipality with its MAX adoption curve (logistic toward `plateau`)."""

    region_code: str
    name: str
    genitive: str
    stem: str
    weight: float
    plateau: float
    midpoint: float
    steepness: float
    regression_week: int  # from this week on the adoption falls back; -1 for none
    regression_factor: float

    def adoption(self, week: int) -> float:
        value = self.plateau / (1.0 + math.exp(-self.steepness * (week - self.midpoint)))
        if 0 <= self.regression_week <= week:
            value *= self.regression_factor
        return value


@dataclass(slots=True)
class OrgSpec:
    """An organisation and what its weekly figures are drawn from."""

    code: str
    name: str
    org_type: str
    municipality: int  # index into the region's municipalities
    staff: int
    students: int
    sferum: int  # Sferum users before the migration
    vkm_share: float  # share of Sferum users with a VK Messenger profile
    factor: float  # the organisation's adoption relative to its municipality
    base_activity: float  # share of staff writing weekly before MAX
    skip: float  # chance of a missing week
    regression_week: int
    regression_factor: float


@dataclass
class RegionWorld:
    region: RegionInfo
    municipalities: list[MunicipalitySpec] = field(default_factory=list)
    organisations: list[OrgSpec] = field(default_factory=list)


@dataclass
class World:
    seed: int
    scale: float
    regions: list[RegionWorld]
    first_week: dt.date = FIRST_WEEK  # the Monday of the season's week 0

    @property
    def organisation_count(self) -> int:
        return sum(len(r.organisations) for r in self.regions)

    @property
    def municipality_count(self) -> int:
        return sum(len(r.municipalities) for r in self.regions)


# --- Names ------------------------------------------------------------------------------------


def _adj(stem: str, ending: str) -> str:
    """«Каменск» + «ий» → «Каменский»; stems in «н» take «ый» (Заречн → Заречный)."""
    if stem.endswith("н") and ending == "ий":
        return stem + "ый"
    return stem + ending


def region_genitive(name: str) -> str:
    """«Свердловская область» → «Свердловской области» (good enough for generated names)."""
    cities = {"Москва": "города Москвы", "Санкт-Петербург": "Санкт-Петербурга"}
    if name in cities:
        return cities[name]
    if name == "Севастополь":
        return "города Севастополя"
    words = name.split(" ")
    out = []
    for index, word in enumerate(words):
        if word in ("—", "(") or word.startswith("("):
            out.extend(words[index:])
            break
        if word == "Республика":
            out.append("Республики")
            if index == 0:  # «Республика Татарстан»: the proper name stays as it is
                out.extend(words[index + 1 :])
                break
            continue
        nouns = {"область": "области", "край": "края", "округ": "округа"}
        if word in nouns:
            out.append(nouns[word])
        elif word.endswith("ая"):
            out.append(word[:-2] + "ой")
        elif word.endswith(("ий", "ый")):
            out.append(word[:-2] + "ого")
        else:
            out.append(word)
    return " ".join(out)


def region_abbreviation(name: str) -> str:
    """The region in an institution's name: «Свердловская область» → «СО»."""
    special = {"Москва": "г. Москвы", "Санкт-Петербург": "СПб", "Севастополь": "г. Севастополя"}
    if name in special:
        return special[name]
    head = name.split(" — ")[0].split(" (")[0]
    return "".join(part[0].upper() for part in head.replace("-", " ").split() if part)


# --- World ------------------------------------------------------------------------------------


def regions_from_fixture() -> list[RegionInfo]:
    with REGIONS_CSV.open(encoding="utf-8") as fh:
        return [RegionInfo(row["code"], row["name"]) for row in csv.DictReader(fh)]


def region_weight(code: str) -> float:
    if code in _BIG_REGIONS:
        return _BIG_REGIONS[code]
    if code in _SMALL_REGIONS:
        return _SMALL_REGIONS[code]
    return 0.35 + (zlib.crc32(code.encode()) % 61) / 100


def _national_weight() -> float:
    return sum(region_weight(r.code) for r in regions_from_fixture()) or 1.0


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join([str(seed), *map(str, parts)]))


def _pick(rng: random.Random, weighted: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _w in weighted], [w for _k, w in weighted])[0]


def _municipalities_build(rng: random.Random, region: RegionInfo, count: int):
    # the region's own pace: a few regions lag far behind (low plateau, late midpoint)
    if rng.random() < 0.15:
        plateau, midpoint = rng.uniform(0.25, 0.5), rng.uniform(12, 22)
    else:
        plateau, midpoint = rng.uniform(0.6, 0.98), rng.uniform(4, 13)
    steepness = rng.uniform(0.25, 0.65)
    names = list(REQUIRED_MUNICIPALITIES.get(region.code, []))
    stems = list(_PLACE_STEMS)
    rng.shuffle(stems)
    used = {name.split(" ")[0] for name in names}
    result: list[MunicipalitySpec] = []
    for name in names:
        stem = name.split(" ")[0][:-2]
        kind = " ".join(name.split(" ")[1:])
        genitive = next((g for k, g, _w in _MUNICIPALITY_KINDS if k == kind), kind)
        # weight 3: a district town, so a small demo still has several schools there
        result.append(_municipality(rng, region, name, stem, genitive, plateau, midpoint, 3.0))
        result[-1].steepness = steepness
    stem_index = 0
    while len(result) < count:
        stem = stems[stem_index % len(stems)]
        round_no = stem_index // len(stems)
        stem_index += 1
        adjective = _adj(stem, "ий")
        if adjective in used and round_no == 0:
            continue
        kind, kind_gen, _w = _MUNICIPALITY_KINDS[2] if not result else _pick_kind(rng, round_no)
        suffix = f" № {round_no + 1}" if round_no else ""
        name = f"{adjective} {kind}{suffix}"
        genitive = f"{_adj(stem, 'ого')} {kind_gen}{suffix}"
        weight = 6.0 if not result else rng.lognormvariate(0, 0.8)
        spec = _municipality(rng, region, name, stem, genitive, plateau, midpoint, weight)
        spec.steepness = steepness * rng.uniform(0.8, 1.2)
        result.append(spec)
    return result


def _pick_kind(rng: random.Random, round_no: int) -> tuple[str, str, float]:
    return rng.choices(_MUNICIPALITY_KINDS, [w for _k, _g, w in _MUNICIPALITY_KINDS])[0]


def _municipality(rng, region, name, stem, genitive, plateau, midpoint, weight):
    return MunicipalitySpec(
        region_code=region.code,
        name=name,
        genitive=genitive,
        stem=stem,
        weight=weight,
        plateau=min(0.99, max(0.05, plateau * rng.uniform(0.65, 1.12))),
        midpoint=midpoint + rng.uniform(-3, 4),
        steepness=0.4,
        regression_week=rng.randint(12, 32) if rng.random() < 0.08 else -1,
        regression_factor=rng.uniform(0.6, 0.85),
    )


def _region_build(
    region: RegionInfo,
    *,
    seed: int,
    scale: float,
    national_weight: float,
    min_municipalities: int = 2,
) -> RegionWorld:
    rng = _rng(seed, "world", region.code)
    share = region_weight(region.code) / national_weight
    n_muni = max(min_municipalities, round(NATIONAL_MUNICIPALITIES * scale * share))
    n_orgs = round(NATIONAL_ORGANISATIONS * scale * share)
    world = RegionWorld(region=region)
    world.municipalities = _municipalities_build(rng, region, n_muni)
    genitive = region_genitive(region.name)
    abbr = region_abbreviation(region.name)
    counter = 0

    def add(name: str, org_type: str, muni: int) -> None:
        nonlocal counter
        counter += 1
        world.organisations.append(
            _org(rng, f"{region.code}{counter:06d}", name, org_type, muni, world)
        )

    # 1. authorities: one РОИВ, an ОМСУ per municipality, a few subordinate organisations
    ministry = rng.choice(["Министерство образования", "Министерство образования и науки"])
    add(f"{ministry} {genitive}", "roiv", 0)
    add(f"ГАОУ ДПО {abbr} «Институт развития образования»", "subordinate", 0)
    if rng.random() < 0.6:
        add(
            f"ГБУ {abbr} «Региональный центр обработки информации и оценки качества образования»",
            "subordinate",
            0,
        )
    for index, muni in enumerate(world.municipalities):
        add(f"Управление образования администрации {muni.genitive}", "omsu", index)
        if rng.random() < 0.2:
            add(f"МКУ «Информационно-методический центр» {muni.genitive}", "subordinate", index)
    # 2. educational organisations: a school in every municipality, the rest by weight
    #    (at least one more per municipality, so a tiny scale still has every type)
    n_edu = max(2 * len(world.municipalities), n_orgs - len(world.organisations))
    weights = [m.weight for m in world.municipalities]
    numbers: dict[tuple[int, str], int] = {}
    for index in range(n_edu):
        if index < len(world.municipalities):
            muni_index, org_type = index, "school"
        else:
            muni_index = rng.choices(range(len(weights)), weights)[0]
            org_type = _pick(rng, EDU_TYPE_WEIGHTS)
        numbers[(muni_index, org_type)] = n = numbers.get((muni_index, org_type), 0) + 1
        add(
            _edu_name(rng, org_type, n, world.municipalities[muni_index], abbr),
            org_type,
            muni_index,
        )
    return world


def _edu_name(rng: random.Random, org_type: str, n: int, muni: MunicipalitySpec, abbr: str):
    form = rng.choice(["МАОУ", "МБОУ", "МКОУ"])
    if org_type == "school":
        roll = rng.random()
        if roll < 0.55:
            return f"{form} СОШ № {n}"
        if roll < 0.65:
            return f"{form} «Гимназия № {n}»"
        if roll < 0.72:
            return f"{form} «Лицей № {n}»"
        if roll < 0.8:
            return f"{form} ООШ № {n}"
        return f"{form} «{_adj(muni.stem, 'ая')} СОШ № {n}»"
    if org_type == "preschool":
        form = rng.choice(["МАДОУ", "МБДОУ", "МКДОУ"])
        if rng.random() < 0.5:
            return f"{form} детский сад № {n}"
        return f"{form} «Детский сад № {n} «{rng.choice(_KINDERGARTEN_NAMES)}»»"
    if org_type == "college":
        form = rng.choice(["ГАПОУ", "ГБПОУ"])
        title = rng.choice(_COLLEGE_NAMES).format(adj=_adj(muni.stem, "ий"), n=n)
        return f"{form} {abbr} «{title}»"
    form = rng.choice(["МАУ ДО", "МБУ ДО"])
    return f"{form} «{rng.choice(_ADDITIONAL_NAMES).format(n=n)}»"


def _org(rng: random.Random, code, name, org_type, muni, world: RegionWorld) -> OrgSpec:
    urban = muni == 0 or rng.random() < 0.45
    r = rng.randint
    if org_type == "school":
        staff, students = (r(45, 140), r(500, 1600)) if urban else (r(12, 40), r(40, 350))
        sferum = (staff + students * rng.uniform(1.2, 1.8)) * rng.uniform(0.55, 0.92)
    elif org_type == "preschool":
        staff, students = r(12, 60), r(40, 320)
        sferum = (staff + students * rng.uniform(0.8, 1.4)) * rng.uniform(0.4, 0.8)
    elif org_type == "college":
        staff, students = r(60, 260), r(600, 3500)
        sferum = (staff + students * rng.uniform(0.9, 1.4)) * rng.uniform(0.5, 0.85)
    elif org_type == "additional":
        staff, students = r(10, 90), r(150, 2500)
        sferum = (staff + students * rng.uniform(0.6, 1.2)) * rng.uniform(0.3, 0.7)
    else:
        staff = {"roiv": r(40, 160), "omsu": r(5, 35)}.get(org_type) or r(15, 120)
        students = 0
        sferum = staff * rng.uniform(0.7, 0.98)
    return OrgSpec(
        code=code,
        name=name,
        org_type=org_type,
        municipality=muni,
        staff=staff,
        students=students,
        sferum=max(1, round(sferum)),
        vkm_share=rng.uniform(0.55, 0.92),
        factor=rng.uniform(0.8, 1.12) * (1.1 if org_type in GOV_TYPES else 1.0),
        base_activity=rng.uniform(0.1, 0.35),
        skip=0.15 if rng.random() < 0.03 else 0.0,
        regression_week=rng.randint(8, 30) if rng.random() < 0.02 else -1,
        regression_factor=rng.uniform(0.4, 0.8),
    )


def world_build(
    regions: Iterable[RegionInfo],
    *,
    seed: int,
    scale: float,
    min_municipalities: int = 2,
    first_week: dt.date = FIRST_WEEK,
) -> World:
    """Municipalities and organisations of the given regions (same per region for any subset).

    `min_municipalities` lets a small demo keep enough municipalities to compare;
    `first_week` (a Monday) places the season in time: the figures of week N are the same
    whatever its date, only the dates in the files move.
    """
    national = _national_weight()
    built = [
        _region_build(
            region,
            seed=seed,
            scale=scale,
            national_weight=national,
            min_municipalities=min_municipalities,
        )
        for region in sorted(regions, key=lambda r: r.code)
    ]
    return World(seed=seed, scale=scale, regions=built, first_week=first_week)


# --- Monitoring CSV ---------------------------------------------------------------------------


def week_starts(weeks: int, first: dt.date = FIRST_WEEK) -> list[dt.date]:
    return [first + dt.timedelta(weeks=i) for i in range(weeks)]


def monitoring_rows(world: World, region: RegionWorld, week: int) -> Iterator[list[object]]:
    """The rows of one region and one week (0 = the world's first week), from their own stream."""
    rng = _rng(world.seed, "monitoring", region.region.code, week)
    rand = rng.random
    week_start = world.first_week + dt.timedelta(weeks=week)
    week_text = week_start.strftime("%d.%m.%Y")
    holiday = HOLIDAY_WEEK_NUMBERS.get(week, 1.0)
    code = region.region.code
    munis = region.municipalities
    curve = [m.adoption(week) for m in munis]
    labels = TYPE_LABELS
    for org in region.organisations:
        if org.skip and rand() < org.skip:
            continue
        adoption = curve[org.municipality] * org.factor * (0.96 + 0.08 * rand())
        if 0 <= org.regression_week <= week:
            adoption *= org.regression_factor
        adoption = min(adoption, 0.995)
        staff = org.staff
        gov = org.org_type in GOV_TYPES
        activity = org.base_activity + (1.0 - org.base_activity) * adoption
        activity = min(1.0, activity * (1.0 if gov else holiday) * (0.92 + 0.1 * rand()))
        writers = min(staff, int(staff * activity + 0.5))
        students = org.students
        if students:
            share = holiday * (0.04 + 0.42 * adoption) * (0.9 + 0.15 * rand())
            learners = min(2 * students, int(2 * students * share + 0.5))
        else:
            learners = 0
        sferum = int(org.sferum * (1.0 + 0.15 * adoption) + 0.5)
        vkm = int(sferum * org.vkm_share + 0.5)
        vkm_max = min(vkm, int(vkm * adoption + 0.5))
        max_only = min(sferum, int(sferum * adoption * math.sqrt(adoption) + 0.5))
        yield [
            week_text,
            code,
            munis[org.municipality].name,
            org.code,
            org.name,
            labels[org.org_type],
            staff,
            writers,
            students,
            learners,
            sferum,
            max_only,
            vkm,
            vkm_max,
        ]


def _csv_writer(fh):
    return csv.writer(fh, delimiter=CSV_DELIMITER, lineterminator="\r\n")


@dataclass
class WriteResult:
    files: list[Path] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


_Row = TypeVar("_Row")


class _Counter:
    """Counts rows as csv.writer pulls them from the generator (no list in between)."""

    def __init__(self) -> None:
        self.rows = 0

    def wrap(self, rows: Iterable[_Row]) -> Iterator[_Row]:
        for row in rows:
            self.rows += 1
            yield row


def monitoring_write(
    world: World,
    out: Path,
    *,
    weeks: int,
    per_region: bool = False,
    prefix: str = "monitoring",
) -> WriteResult:
    """Writes `monitoring_YYYY-MM-DD.csv` (all regions) or `monitoring_RR_YYYY-MM-DD.csv`."""
    groups = []
    for week, start in enumerate(week_starts(weeks, world.first_week)):
        if per_region:
            groups += [
                (out / f"{prefix}_{r.region.code}_{start:%Y-%m-%d}.csv", [(r, week)])
                for r in world.regions
            ]
        else:
            groups.append(
                (out / f"{prefix}_{start:%Y-%m-%d}.csv", [(r, week) for r in world.regions])
            )
    return _write(world, groups)


def monitoring_write_single(world: World, path: Path, *, weeks: int) -> WriteResult:
    """All weeks of all regions in one file (the benchmark's million-row import)."""
    return _write(world, [(path, [(r, w) for w in range(weeks) for r in world.regions])])


def _write(world: World, groups: list[tuple[Path, list[tuple[RegionWorld, int]]]]) -> WriteResult:
    """Streams each file's (region, week) parts through csv.writer: memory stays flat."""
    import time

    result = WriteResult()
    counter = _Counter()
    started = time.perf_counter()
    for path, parts in groups:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding=CSV_ENCODING, newline="", buffering=WRITE_BUFFER) as fh:
            writer = _csv_writer(fh)
            writer.writerow(MONITORING_HEADER)
            for region, week in parts:
                writer.writerows(counter.wrap(monitoring_rows(world, region, week)))
        result.files.append(path)
    result.seconds = time.perf_counter() - started
    result.rows = counter.rows
    return result


# indexes of the figures in a monitoring row
_F = {key: i for i, (key, _t) in enumerate(MONITORING_COLUMNS)}


def monitoring_write_corrected(source: Path, target: Path, *, seed: int, share: float = 0.01):
    """Copies a week file with ~`share` of the rows' figures changed (still valid).

    Returns the number of changed rows. Used by the benchmark of the upsert path.
    """
    rng = _rng(seed, "corrected", source.name)
    changed = 0
    with (
        source.open(encoding=CSV_ENCODING, newline="") as src,
        target.open("w", encoding=CSV_ENCODING, newline="") as dst,
    ):
        reader = csv.reader(src, delimiter=CSV_DELIMITER)
        writer = _csv_writer(dst)
        writer.writerow(next(reader))
        for row in reader:
            if rng.random() < share:
                row = _row_corrected(rng, row)
                changed += 1
            writer.writerow(row)
    return changed


def _row_corrected(rng: random.Random, row: list[str]) -> list[str]:
    """Changes writers and the MAX figures within the import's rules."""
    v = {key: int(row[i]) for key, i in _F.items() if key.endswith(("_total", "_users"))}
    writers = int(row[_F["staff_writers"]])
    new_writers = min(v["staff_total"], max(0, writers + rng.choice([-3, -2, -1, 1, 2, 3])))
    if new_writers == writers:
        new_writers = writers - 1 if writers else min(1, v["staff_total"])
    row[_F["staff_writers"]] = str(new_writers)
    vkm_max = int(row[_F["vkm_and_max_users"]])
    row[_F["vkm_and_max_users"]] = str(min(v["vkm_users"], vkm_max + rng.randint(0, 5)))
    max_only = int(row[_F["max_only_users"]])
    row[_F["max_only_users"]] = str(min(v["sferum_users"], max_only + rng.randint(0, 5)))
    return row


# --- Index facts ------------------------------------------------------------------------------

_FLAG_CRITERIA = [
    # criterion, chance the fact holds, earliest date, evidence
    ("mfc_bot", 0.6, dt.date(2025, 9, 15), "Чат-бот МФЦ в MAX: протокол испытаний"),
    ("mfc_notify", 0.35, dt.date(2025, 10, 1), "Уведомления клиентов МФЦ в MAX: акт ввода"),
    ("health_tmk", 0.3, dt.date(2025, 10, 1), "ТМК через MAX: приказ минздрава"),
    ("health_booking", 0.45, dt.date(2025, 9, 20), "Запись к врачу в MAX: акт приёмки"),
    ("digital_id_acts", 0.7, dt.date(2025, 9, 10), "Постановление правительства о 156-ФЗ"),
    ("digital_id_age", 0.4, dt.date(2025, 10, 15), "Подтверждение возраста Цифровым ID"),
    ("digital_id_benefits", 0.3, dt.date(2025, 11, 1), "Сценарий «многодетные» в Цифровом ID"),
    ("digital_id_student", 0.35, dt.date(2025, 10, 20), "Статус студента в Цифровом ID"),
]


def _date_text(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


def _between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def index_fact_rows(
    regions: Iterable[RegionInfo],
    *,
    seed: int,
    today: dt.date,
    mark: str = "",
    first_week: dt.date = FIRST_WEEK,
) -> Iterator[list[str]]:
    """Facts «Сведения для индекса внедрения» per region, all dated on or before `today`.

    `mark` prefixes every evidence text (the demo marks its facts «[демо]»); `first_week`
    moves every date of the season with it (the demo's season is placed relative to today).
    """
    for row in _index_fact_rows(regions, seed=seed, today=today, shift=first_week - FIRST_WEEK):
        if mark:
            row[5] = f"{mark} {row[5]}"
        yield row


def _index_fact_rows(
    regions: Iterable[RegionInfo], *, seed: int, today: dt.date, shift: dt.timedelta
) -> Iterator[list[str]]:
    def on(year: int, month: int, day: int) -> dt.date:  # a date of the default season, moved
        return dt.date(year, month, day) + shift

    last = min(today, on(2026, 5, 31))
    for region in sorted(regions, key=lambda r: r.code):
        rng = _rng(seed, "index", region.code)
        code = region.code
        site = f"https://max.gov{code}.ru/fakty"
        for criterion, chance, earliest, evidence in _FLAG_CRITERIA:
            holds = rng.random() < chance
            when = _between(rng, earliest + shift, last)
            value = "1" if holds else "0"
            if holds or rng.random() < 0.3:  # some regions report a 0 explicitly
                yield [code, criterion, "", value, _date_text(when), evidence]
        weight = region_weight(code)
        uk_total = max(5, round(rng.uniform(80, 320) * weight))
        share = rng.uniform(0.02, 0.95)
        first = _between(rng, on(2025, 9, 1), min(last, on(2025, 10, 31)))
        yield [code, "housing_uk_chats", "uk_total", str(uk_total), _date_text(first), site]
        yield [
            code,
            "housing_uk_chats",
            "uk_with_chat",
            str(round(uk_total * share * 0.6)),
            _date_text(first),
            site,
        ]
        if last >= on(2025, 12, 1) and rng.random() < 0.5:  # a later figure supersedes
            later = _between(rng, on(2025, 12, 1), last)
            yield [
                code,
                "housing_uk_chats",
                "uk_with_chat",
                str(round(uk_total * share)),
                _date_text(later),
                f"{site}/uk",
            ]
        services = rng.choices([0, 1, 2, 3, 4, 5], [3, 4, 3, 2, 1, 1])[0]
        yield [
            code,
            "exclusive_services",
            "",
            str(services),
            _date_text(_between(rng, on(2025, 10, 1), last)),
            "Реестр верифицированных сценариев (ИЭП, Госключ, OTP)",
        ]
        publications = rng.choices([0, 1, 2, 3, 5, 8, 12], [1, 2, 3, 3, 2, 2, 1])[0]
        reach = rng.uniform(3, 70)
        media_day = _date_text(_between(rng, on(2025, 9, 30), last))
        evidence = f"Медиаплан: отчёт о публикациях ({site}/media)"
        yield [code, "media_reach", "publications", str(publications), media_day, evidence]
        reach_text = f"{reach:.1f}".replace(".", ",")
        yield [code, "media_reach", "reach_percent", reach_text, media_day, evidence]
        qr = rng.choices([0, 1, 2, 3, 4, 5], [2, 2, 3, 3, 2, 1])[0]
        qr_day = _date_text(_between(rng, on(2025, 10, 1), last))
        yield [code, "offline_qr", "", str(qr), qr_day, "Фотоотчёт о размещении QR-кодов"]


def index_facts_write(
    regions: Iterable[RegionInfo],
    path: Path,
    *,
    seed: int,
    today: dt.date,
    mark: str = "",
    first_week: dt.date = FIRST_WEEK,
) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    counter = _Counter()
    with path.open("w", encoding=CSV_ENCODING, newline="") as fh:
        writer = _csv_writer(fh)
        writer.writerow(INDEX_FACT_HEADER)
        rows = index_fact_rows(regions, seed=seed, today=today, mark=mark, first_week=first_week)
        writer.writerows(counter.wrap(rows))
    return counter.rows


# --- Database: municipalities and organisations ---------------------------------------------

BULK_BATCH = 5000


def regions_from_db(codes: Iterable[str] | None = None) -> list[RegionInfo]:
    """The regions `load_seeds` wrote (all 89, or the given codes)."""
    from agencies.models import Region

    qs = Region.objects.order_by("code")
    if codes is not None:
        qs = qs.filter(code__in=list(codes))
    return [RegionInfo(code, name) for code, name in qs.values_list("code", "name")]


@dataclass
class SaveResult:
    municipalities: int = 0
    organisations: int = 0


def world_save(world: World) -> SaveResult:
    """Writes the world's municipalities and organisations; existing codes are left alone."""
    from django.db import transaction

    from agencies.models import Municipality, Organisation, Region
    from agencies.naming import municipality_name

    codes = [r.region.code for r in world.regions]
    region_ids = dict(Region.objects.filter(code__in=codes).values_list("code", "id"))
    missing = sorted(set(codes) - set(region_ids))
    if missing:
        raise ValueError(f"regions missing in the database (run load_seeds): {missing}")
    ids = list(region_ids.values())
    result = SaveResult()
    with transaction.atomic():
        # names single-spaced, twins of a stored name or code refused: the rules every path
        # follows (agencies.naming), checked set-at-once
        for r in world.regions:
            _refuse_twins(region_ids[r.region.code], r)
        before = Municipality.objects.filter(region_id__in=ids).count()
        Municipality.objects.bulk_create(
            [
                Municipality(region_id=region_ids[r.region.code], name=municipality_name(m.name))
                for r in world.regions
                for m in r.municipalities
            ],
            batch_size=BULK_BATCH,
            ignore_conflicts=True,
        )
        result.municipalities = Municipality.objects.filter(region_id__in=ids).count() - before
        muni_ids = {
            (region_id, name): pk
            for region_id, name, pk in Municipality.objects.filter(region_id__in=ids).values_list(
                "region_id", "name", "id"
            )
        }
        before = Organisation.objects.filter(region_id__in=ids).count()
        # a second run sends nothing: only codes not there yet (ignore_conflicts covers races)
        existing = set(
            Organisation.objects.filter(region_id__in=ids).values_list("code", flat=True)
        )
        for region in world.regions:
            region_id = region_ids[region.region.code]
            Organisation.objects.bulk_create(
                [
                    Organisation(
                        code=org.code,
                        name=org.name,
                        org_type=org.org_type,
                        region_id=region_id,
                        municipality_id=muni_ids[
                            (
                                region_id,
                                municipality_name(region.municipalities[org.municipality].name),
                            )
                        ],
                    )
                    for org in region.organisations
                    if org.code not in existing
                ],
                batch_size=BULK_BATCH,
                ignore_conflicts=True,
            )
        result.organisations = Organisation.objects.filter(region_id__in=ids).count() - before
    return result


def _refuse_twins(region_id: int, region: RegionWorld) -> None:
    """A municipality name or an organisation code of the world that is a twin of a stored
    one of the region (or of another of the world) is refused, in Russian."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext

    from agencies.naming import (
        municipality_name,
        municipality_twin_problem,
        municipality_twins,
        organisation_code_twins,
    )
    from roadmap_portal.tables import code_twin_problem

    names = [municipality_name(m.name) for m in region.municipalities]
    problems = [
        municipality_twin_problem(name, other)
        for name, other in municipality_twins(region_id=region_id, names=names).items()
    ]
    codes = [org.code for org in region.organisations]
    problems += [
        code_twin_problem(code, other)
        for code, (other, _stored) in organisation_code_twins(
            region_id=region_id, codes=codes
        ).items()
    ]
    if problems:
        raise ValidationError(
            gettext("Демонстрационные данные субъекта %(region)s не записаны: %(problems)s")
            % {"region": region.region.code, "problems": "; ".join(problems[:5])}
        )


# --- Database: roadmaps --------------------------------------------------------------------

# key, name (format: {gen} region genitive, {abbr} abbreviation), kind, collective scope
_AGENCIES = [
    ("minobr", "Министерство образования {gen}", "roiv", ""),
    ("mincifra", "Министерство цифрового развития {gen}", "roiv", ""),
    ("minzhkh", "Министерство жилищно-коммунального хозяйства {gen}", "roiv", ""),
    ("gzhi", "Государственная жилищная инспекция {gen}", "roiv", ""),
    ("dip", "Департамент информационной политики {gen}", "roiv", ""),
    ("minzdrav", "Министерство здравоохранения {gen}", "roiv", ""),
    ("minsoc", "Министерство социальной политики {gen}", "roiv", ""),
    ("mfc", "ГАУ {abbr} «Многофункциональный центр предоставления государственных и "
     "муниципальных услуг»", "subordinate", ""),
    ("iogv", "Исполнительные органы государственной власти {gen} и их подведомственные "
     "организации", "collective", "roiv"),
    ("omsu", "Органы местного самоуправления, расположенные на территории {gen}, и их "
     "подведомственные организации", "collective", "omsu"),
]  # fmt: skip
_AGENCY_PARENTS = {"mfc": "mincifra"}

_SECTIONS = [
    "Общие мероприятия для органов власти",
    "Информирование о национальном мессенджере",
    "Переход на национальный мессенджер в сфере образования",
    "Переход на национальный мессенджер в сфере ЖКХ",
    "Переход на национальный мессенджер в работе МФЦ",
    "Здравоохранение и социальные услуги",
    "Цифровой ID и нормативное обеспечение",
]
# section index, title, printed deadlines to choose from, responsible keys (first leads)
_MEASURES = [
    (0, "Обеспечение регистрации сотрудников исполнительных органов государственной власти "
        "{gen} и их подведомственных организаций в национальном мессенджере",
     "31.08.2025|до 29.08.2025|август 2025", "iogv"),
    (0, "Обеспечение регистрации сотрудников органов местного самоуправления в национальном "
        "мессенджере", "31.08.2025|до 15.09.2025|август 2025", "omsu"),
    (0, "Перевод официальных коммуникаций сотрудников исполнительных органов в национальный "
        "мессенджер", "31.10.2025|сентябрь-октябрь 2025|октябрь 2025", "iogv"),
    (0, "Перевод официальных коммуникаций органов местного самоуправления в национальный "
        "мессенджер", "31.10.2025|сентябрь-октябрь 2025|ноябрь 2025", "omsu"),
    (0, "Создание официального канала Губернатора {gen} в национальном мессенджере",
     "30.09.2025|сентябрь 2025", "dip"),
    (0, "Создание официальных каналов исполнительных органов в национальном мессенджере",
     "31.10.2025|октябрь 2025", "iogv,dip"),
    (0, "Назначение ответственных за внедрение национального мессенджера в органах власти",
     "до 29.08.2025|31.08.2025", "iogv"),
    (0, "Проведение совещания с главами муниципальных образований по переходу в национальный "
        "мессенджер", "до 15.09.2025|сентябрь 2025", "mincifra,omsu"),
    (1, "Информирование сотрудников исполнительных органов о возможностях национального "
        "мессенджера", "31.08.2025|август 2025", "iogv"),
    (1, "Информирование жителей {gen} о примерах внедрения национального мессенджера",
     "30.11.2025|октябрь-ноябрь 2025", "dip"),
    (1, "Популяризация национального мессенджера на официальных страницах исполнительных "
        "органов", "26.12.2025|IV квартал 2025", "iogv,dip"),
    (1, "Популяризация национального мессенджера на официальных страницах органов местного "
        "самоуправления", "26.12.2025|IV квартал 2025", "omsu"),
    (1, "Выпуск публикаций о национальном мессенджере в региональных СМИ (не менее 2 "
        "публикаций в печатных СМИ, 3 публикаций в сети Интернет)",
     "ежемесячно до 26.12.2025|ноябрь-декабрь 2025", "dip"),
    (1, "Размещение QR-кодов каналов органов власти в местах массового пребывания граждан",
     "30.11.2025|ноябрь 2025", "dip,mfc"),
    (1, "Информирование жителей о запуске сервисов национального мессенджера",
     "26.12.2025|декабрь 2025", "dip,minobr,mincifra,minzdrav,mfc"),
    (2, "Направление в органы местного самоуправления и образовательные организации "
        "методических рекомендаций по переходу в Сферум в национальном мессенджере",
     "31.07.2025|до 15.08.2025", "minobr"),
    (2, "Презентация Сферума в национальном мессенджере на августовских педагогических "
        "совещаниях", "31.08.2025|август 2025", "minobr,vk"),
    (2, "Установочное совещание с руководителями образовательных организаций",
     "до 29.08.2025|август 2025", "minobr"),
    (2, "Прохождение педагогами курса «Сферум: возможности цифрового сервиса для образования»",
     "30.09.2025|сентябрь-октябрь 2025", "minobr,vk"),
    (2, "Установка национального мессенджера и регистрация педагогических работников",
     "15.09.2025|до 15.09.2025", "minobr"),
    (2, "Подтверждение профиля Сферума и перенос активных чатов в национальный мессенджер",
     "30.09.2025|сентябрь 2025|сентябрь-октябрь 2025", "minobr,vk"),
    (2, "Перенос коммуникаций РОИВ и ОМСУ в сфере образования в национальный мессенджер",
     "30.09.2025|сентябрь 2025", "minobr,omsu"),
    (2, "Перенос коммуникаций в дошкольных образовательных организациях в национальный "
        "мессенджер", "31.10.2025|октябрь 2025", "minobr,vk"),
    (2, "Перенос коммуникаций во всех типах образовательных организаций из VK Мессенджера в "
        "национальный мессенджер", "31.10.2025|сентябрь-октябрь 2025", "minobr,vk"),
    (2, "Перенос официальных информационных каналов органов управления образованием",
     "31.08.2025|до 15.09.2025", "minobr"),
    (2, "Доработка интеграции региональных информационных систем в сфере образования с "
        "национальным мессенджером", "31.12.2025|IV квартал 2025", "minobr,mincifra,vk"),
    (2, "Консультационные и обучающие мероприятия для педагогических работников",
     "31.10.2025|октябрь 2025", "minobr,vk"),
    (2, "Мотивирующие акции для педагогических работников, поощрение активных педагогов",
     "31.12.2025|декабрь 2025", "minobr"),
    (2, "Включение модуля по Сферуму в национальном мессенджере в курсы повышения "
        "квалификации", "31.12.2025|декабрь 2025", "minobr"),
    (2, "Подведение итогов переноса коммуникаций, оценка достижения показателей 1-4",
     "30.11.2025|ноябрь 2025", "minobr,vk"),
    (2, "Полное закрытие чатов Сферума в VK Мессенджере", "30.11.2025|декабрь 2025", "minobr"),
    (2, "Ежемесячный мониторинг показателей Сферума по муниципальным образованиям",
     "ежемесячно до 26.12.2025", "minobr,omsu"),
    (3, "Проработка организации каналов коммуникаций с ресурсоснабжающими организациями",
     "30.11.2025|октябрь-ноябрь 2025", "minzhkh,omsu"),
    (3, "Информирование управляющих организаций о необходимости переноса каналов связи с "
        "жителями", "01.09.2025|до 15.09.2025", "gzhi"),
    (3, "Сбор сведений от управляющих организаций о создании домовых чатов в национальном "
        "мессенджере", "ежемесячно до 26.12.2025", "gzhi"),
    (3, "Перевод домовых чатов управляющих компаний в национальный мессенджер",
     "26.12.2025|IV квартал 2025", "gzhi,minzhkh"),
    (3, "Методические рекомендации для управляющих организаций по работе в национальном "
        "мессенджере", "30.09.2025|сентябрь 2025", "gzhi"),
    (3, "Популяризация национального мессенджера через каналы ресурсоснабжающих организаций",
     "31.12.2025|декабрь 2025", "minzhkh"),
    (4, "Запуск чат-бота МФЦ в национальном мессенджере", "31.10.2025|октябрь 2025",
     "mincifra,mfc"),
    (4, "Перевод информирования клиентов МФЦ о статусе заявлений в национальный мессенджер",
     "25.12.2025|ноябрь-декабрь 2025", "mincifra,mfc"),
    (4, "Обучение сотрудников МФЦ консультированию по национальному мессенджеру",
     "30.09.2025|сентябрь 2025", "mfc"),
    (4, "Размещение информации о национальном мессенджере в офисах МФЦ",
     "31.08.2025|до 15.09.2025", "mfc"),
    (5, "Запуск телемедицинских консультаций через национальный мессенджер",
     "31.12.2025|IV квартал 2025", "minzdrav,mincifra"),
    (5, "Запуск записи к врачу через национальный мессенджер", "30.11.2025|ноябрь 2025",
     "minzdrav,mincifra"),
    (5, "Информирование получателей социальных услуг через национальный мессенджер",
     "31.12.2025|декабрь 2025", "minsoc"),
    (6, "Внесение изменений в нормативные правовые акты {gen} в соответствии с 156-ФЗ",
     "26.12.2025|IV квартал 2025", "iogv"),
    (6, "Запуск подтверждения возраста с использованием Цифрового ID", "31.12.2025|декабрь 2025",
     "mincifra"),
    (6, "Запуск сценария «многодетные» с использованием Цифрового ID",
     "31.12.2025|декабрь 2025 - январь 2026", "mincifra,minsoc"),
    (6, "Запуск подтверждения статуса студента с использованием Цифрового ID",
     "31.12.2025|декабрь 2025", "mincifra,minobr"),
    (6, "Запуск региональных сценариев с эксклюзивными сервисами мессенджера (ИЭП, Госключ)",
     "31.12.2025|IV квартал 2025", "mincifra"),
]  # fmt: skip
_MONTHS_GEN = [
    "сентябрь 2025", "октябрь 2025", "ноябрь 2025", "декабрь 2025", "январь 2026",
    "февраль 2026", "март 2026", "апрель 2026", "май 2026", "июнь 2026",
]  # fmt: skip


def _report_measures() -> list[tuple[int, str, str, str]]:
    """Monthly progress reports: one measure per month, due on the 5th of the next."""
    items = []
    for index, month in enumerate(_MONTHS_GEN):
        start = dt.date(2025, 9, 1) + dt.timedelta(days=31 * index)
        due = (start.replace(day=1) + dt.timedelta(days=35)).replace(day=5)
        items.append(
            (0, f"Отчёт о ходе выполнения дорожной карты за {month}", _date_text(due), "mincifra")
        )
    return items


@dataclass
class RoadmapResult:
    roadmaps: int = 0
    agencies: int = 0
    measures: int = 0
    changes: int = 0
    overdue: int = 0
    skipped: list[str] = field(default_factory=list)


def _local_dt(day: dt.date, rng: random.Random, tz: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(
        day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=ZoneInfo(tz)
    )


def roadmaps_generate(regions: Iterable[RegionInfo], *, seed: int, today: dt.date) -> RoadmapResult:
    """A roadmap for every given region without one (code ``gen-<region>``), idempotent.

    1. agencies of the region (ministries, MFC, collective designations) by code;
    2. sections and 40-60 measures with printed deadlines parsed by `parse_deadline`;
    3. statuses drawn against `today` by the region's discipline (some overdue, some done
       late) and `MeasureChange` history for every status change.
    """
    from django.db import transaction

    from agencies.models import Region
    from roadmaps.models import Roadmap

    result = RoadmapResult()
    with transaction.atomic():
        wanted = [r.code for r in regions]
        taken = set(
            Roadmap.objects.filter(region__code__in=wanted).values_list("region__code", flat=True)
        )
        for region in Region.objects.filter(code__in=wanted).order_by("code"):
            if region.code in taken:
                result.skipped.append(region.code)
                continue
            _roadmap_generate(region, seed=seed, today=today, result=result)
    return result


def _agencies_ensure(region, result: RoadmapResult) -> dict[str, Agency]:
    from agencies.models import Agency

    gen = region_genitive(region.name)
    abbr = region_abbreviation(region.name)
    codes = {key: f"gen-{region.code}-{key}" for key, *_rest in _AGENCIES}
    existing = set(Agency.objects.filter(code__in=codes.values()).values_list("code", flat=True))
    new = [
        Agency(
            code=codes[key],
            name=name.format(gen=gen, abbr=abbr),
            kind=kind,
            region=region,
            collective_scope=scope,
            includes_subordinates=kind == "collective",
        )
        for key, name, kind, scope in _AGENCIES
        if codes[key] not in existing
    ]
    Agency.objects.bulk_create(new, batch_size=BULK_BATCH)
    result.agencies += len(new)
    agencies = {a.code: a for a in Agency.objects.filter(code__in=[*codes.values(), "vk"])}
    for child, parent in _AGENCY_PARENTS.items():
        agency = agencies[codes[child]]
        if agency.parent_id is None:
            agency.parent = agencies[codes[parent]]
            agency.save(update_fields=["parent"])
    by_key = {key: agencies[code] for key, code in codes.items()}
    if "vk" in agencies:
        by_key["vk"] = agencies["vk"]
    return by_key


def _roadmap_generate(region, *, seed: int, today: dt.date, result: RoadmapResult) -> None:
    from roadmaps.choices import ChangeKind, MeasureStatus
    from roadmaps.deadlines import parse_deadline
    from roadmaps.models import (
        Measure,
        MeasureChange,
        MeasureResponsibility,
        Roadmap,
        Section,
    )

    rng = _rng(seed, "roadmap", region.code)
    gen = region_genitive(region.name)
    agencies = _agencies_ensure(region, result)
    approved = dt.date(2025, 8, 1) + dt.timedelta(days=rng.randint(0, 28))
    official = rng.choice(["Губернатор", "Первый заместитель Губернатора", "Глава"])
    if region.code in ("77", "78", "92"):  # federal cities have a mayor or governor of the city
        official = "Мэр" if region.code == "77" else "Губернатор"
    roadmap = Roadmap.objects.create(
        code=f"gen-{region.code}",
        region=region,
        title=(
            "План мероприятий («дорожная карта») по внедрению национального мессенджера MAX "
            f"на территории {gen}"
        ),
        approver=f"{official} {gen}",
        approved_on=approved,
        document_number=f"{rng.randint(1, 99):02d}-{rng.randint(100, 999)}/{rng.randint(1, 90)}",
        signatories=[f"{official} {gen}"],
        source="bench/generator.py (синтетические данные)",
    )
    result.roadmaps += 1
    templates = _MEASURES + _report_measures()
    count = rng.randint(40, min(60, len(templates)))
    chosen = sorted(rng.sample(range(len(templates)), count))
    items = sorted((templates[i] for i in chosen), key=lambda t: t[0])
    used_sections = sorted({t[0] for t in items})
    sections = Section.objects.bulk_create(
        [
            Section(roadmap=roadmap, number=str(n + 1), title=_SECTIONS[index], position=n)
            for n, index in enumerate(used_sections)
        ]
    )
    section_of = dict(zip(used_sections, sections, strict=True))
    discipline = rng.uniform(0.3, 0.95)  # share of measures due by today that are done
    measures, plans = [], []
    counters: dict[int, int] = {}
    for position, (section_index, title, deadlines, responsible) in enumerate(items):
        section = section_of[section_index]
        counters[section_index] = counters.get(section_index, 0) + 1
        text = rng.choice(deadlines.split("|"))
        parsed = parse_deadline(text, default_year=2025)
        status, completed, started = _status_draw(rng, parsed, approved, today, discipline)
        if parsed.due_date and parsed.due_date < today and status in ("not_started", "in_progress"):
            result.overdue += 1
        keys = [k for k in responsible.split(",") if k in agencies]
        measures.append(
            Measure(
                roadmap=roadmap,
                section=section,
                number=f"{section.number}.{counters[section_index]}",
                position=position,
                title=title.format(gen=gen),
                deadline_text=text,
                deadline_kind=parsed.kind,
                start_date=parsed.start_date,
                due_date=parsed.due_date,
                recurrence=parsed.recurrence,
                responsible_text="; ".join(agencies[k].name for k in keys),
                status=status,
                completed_on=completed,
                version=1 + (started is not None) + (completed is not None),
            )
        )
        plans.append((keys, status, started, completed))
    measures = Measure.objects.bulk_create(measures, batch_size=BULK_BATCH)
    result.measures += len(measures)
    responsibilities, changes = [], []
    for measure, (keys, status, started, completed) in zip(measures, plans, strict=True):
        for pos, key in enumerate(keys):
            responsibilities.append(
                MeasureResponsibility(measure=measure, agency=agencies[key], position=pos)
            )
        steps = []
        if started is not None:
            steps.append(("not_started", "in_progress", started, "Работа начата"))
        if completed is not None:
            comment = "Выполнено, подтверждающие документы приложены"
            if status == MeasureStatus.CANCELLED:
                comment = "Мероприятие отменено решением штаба"
            steps.append(("in_progress" if started else "not_started", status, completed, comment))
        for old, new, day, comment in steps:
            changes.append(
                MeasureChange(
                    measure=measure,
                    kind=ChangeKind.STATUS,
                    old_status=old,
                    new_status=new,
                    changes={"status": [old, new]},
                    comment=comment,
                    created_at=_local_dt(day, rng, region.timezone),
                )
            )
        if steps:
            measure.status_changed_at = changes[-1].created_at
    MeasureResponsibility.objects.bulk_create(responsibilities, batch_size=BULK_BATCH)
    stamps = [c.created_at for c in changes]
    changes = MeasureChange.objects.bulk_create(changes, batch_size=BULK_BATCH)
    # created_at is auto_now_add: bulk_create stamped "now"; put the drawn moments back
    for change, stamp in zip(changes, stamps, strict=True):
        change.created_at = stamp
    MeasureChange.objects.bulk_update(changes, ["created_at"], batch_size=1000)
    Measure.objects.bulk_update(
        [m for m in measures if m.status_changed_at], ["status_changed_at"], batch_size=1000
    )
    result.changes += len(changes)


def _status_draw(rng, parsed, approved: dt.date, today: dt.date, discipline: float):
    """(status, completed_on, started_on) of a generated measure as of `today`."""
    due = parsed.due_date
    start = parsed.start_date or approved + dt.timedelta(days=rng.randint(3, 20))
    start = min(start, today)
    started = _between(rng, start, min(today, start + dt.timedelta(days=30)))
    roll = rng.random()
    if due is not None and due < today:
        if roll < discipline:
            late = rng.random() < 0.25
            done = (
                due + dt.timedelta(days=rng.randint(1, 40))
                if late
                else _between(rng, max(started, due - dt.timedelta(days=30)), due)
            )
            done = max(started, min(done, today))
            return "done", done, (started if rng.random() < 0.8 else None)
        if roll < discipline + (1 - discipline) * 0.05:
            return "cancelled", _between(rng, started, today), started
        if rng.random() < 0.6:
            return "in_progress", None, started
        return "not_started", None, None
    if roll < discipline * 0.25 and started < today:
        return "done", _between(rng, started, today), started
    if roll < 0.55 and started <= today:
        return "in_progress", None, started
    return "not_started", None, None
