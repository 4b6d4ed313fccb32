"""Columns of a Sferum monitoring export: Russian header <-> key (docs/domain.md).

Headers compare case-, space- and «ё»-insensitively (`roadmap_portal.tables.normalize_header`);
the English keys are accepted as headers too.
"""

from __future__ import annotations

from dataclasses import dataclass

from roadmap_portal.tables import normalize_header

from ..formulas import FORMULAS


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the export: what it holds and what a cell of it may be.

    kind: `date` (a Monday), `region` (a region code), `text`, `code` (the organisation's
    code), `org_type` (ОО, СПО … or the key) or `count` (a whole number 0 … MONITORING_MAX_COUNT).
    `max_length` is the length of the model column the text goes to (a longer text is
    refused, never cut); `required` columns must be in the header.
    """

    key: str
    title: str
    kind: str
    required: bool = True
    max_length: int | None = None


# In file order. The single definition of the export: the reader, the messages and the
# upload templates are built from it.
COLUMNS: tuple[Column, ...] = (
    Column("week_start", "Начало недели", "date"),
    Column("region_code", "Код региона", "region", max_length=2),
    Column("municipality", "Муниципальное образование", "text", required=False, max_length=300),
    Column("org_code", "Код организации", "code", max_length=64),
    Column("org_name", "Наименование организации", "text", required=False, max_length=1000),
    Column("org_type", "Тип организации", "org_type"),
    Column("staff_total", "Работников всего", "count"),
    Column("staff_writers", "Работников, писавших за неделю", "count"),
    Column("students_total", "Обучающихся всего", "count"),
    Column("learners_active", "Обучающихся и родителей, активных за неделю", "count"),
    Column("sferum_users", "Пользователей Сферума всего", "count"),
    Column("max_only_users", "Пользователей только в MAX", "count"),
    Column("vkm_users", "Пользователей с профилем в VK Мессенджере", "count"),
    Column("vkm_and_max_users", "из них с профилем в MAX", "count"),
)
BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}

# key -> the Russian header as docs/domain.md names it (shown in messages), in file order
TITLES: dict[str, str] = {column.key: column.title for column in COLUMNS}

# other spellings seen in exports
_EXTRA_ALIASES: dict[str, str] = {
    "неделя": "week_start",
    "дата начала недели": "week_start",
    "регион": "region_code",
    "код субъекта": "region_code",
    "код субъекта рф": "region_code",
    "муниципалитет": "municipality",
    "мо": "municipality",
    "наименование": "org_name",
    "организация": "org_name",
    "тип": "org_type",
    "работников, писавших сообщения за неделю": "staff_writers",
    "обучающихся и родителей, активных": "learners_active",
    "пользователей сферума": "sferum_users",
    "пользователей только в max": "max_only_users",
    "пользователей с профилем в vk мессенджере": "vkm_users",
    "из них с профилем в max": "vkm_and_max_users",
}

COUNT_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.kind == "count")

# A file without one of these is refused before any row is read. The municipality and the
# organisation's name may be absent (authorities have no municipality; a known organisation
# keeps its name).
REQUIRED: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.required)

# The cross-checks of docs/domain.md: (count, bound, factor) means count ≤ factor × bound.
# The reader (with its messages) and the set-based fast path are both built from these.
CROSS_CHECKS: tuple[tuple[str, str, int], ...] = (
    ("staff_writers", "staff_total", 1),
    # I2's denominator (2 × students: one parent per student) bounds the active ones
    ("learners_active", "students_total", FORMULAS["i2"].factor),
    ("max_only_users", "sferum_users", 1),
    # the users with a VK Messenger profile are Sferum users (M's denominator, a share of
    # I3's): a part, never more than its whole
    ("vkm_users", "sferum_users", 1),
    ("vkm_and_max_users", "vkm_users", 1),
)

# the text columns and the model column each is written to (a test keeps them equal)
TEXT_LIMITS: dict[str, int] = {
    c.key: c.max_length for c in COLUMNS if c.kind in ("text", "code") and c.max_length
}


def _build_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for key, title in TITLES.items():
        aliases[normalize_header(title)] = key
        aliases[normalize_header(key)] = key
    for alias, key in _EXTRA_ALIASES.items():
        aliases.setdefault(normalize_header(alias), key)
    return aliases


ALIASES: dict[str, str] = _build_aliases()
