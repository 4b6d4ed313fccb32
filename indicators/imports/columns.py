"""Columns of a Sferum monitoring export: Russian header <-> key (docs/domain.md).

Headers compare case-, space- and «ё»-insensitively (`roadmap_portal.tables.normalize_header`);
the English keys are accepted as headers too.
"""

from __future__ import annotations

from roadmap_portal.tables import normalize_header

# key -> the Russian header as docs/domain.md names it (shown in messages), in file order
TITLES: dict[str, str] = {
    "week_start": "Начало недели",
    "region_code": "Код региона",
    "municipality": "Муниципальное образование",
    "org_code": "Код организации",
    "org_name": "Наименование организации",
    "org_type": "Тип организации",
    "staff_total": "Работников всего",
    "staff_writers": "Работников, писавших за неделю",
    "students_total": "Обучающихся всего",
    "learners_active": "Обучающихся и родителей, активных за неделю",
    "sferum_users": "Пользователей Сферума всего",
    "max_only_users": "Пользователей только в MAX",
    "vkm_users": "Пользователей с профилем в VK Мессенджере",
    "vkm_and_max_users": "из них с профилем в MAX",
}

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

COUNT_KEYS: tuple[str, ...] = (
    "staff_total",
    "staff_writers",
    "students_total",
    "learners_active",
    "sferum_users",
    "max_only_users",
    "vkm_users",
    "vkm_and_max_users",
)

# A file without one of these is refused before any row is read. The municipality and the
# organisation's name may be absent (authorities have no municipality; a known organisation
# keeps its name).
REQUIRED: tuple[str, ...] = ("week_start", "region_code", "org_code", "org_type", *COUNT_KEYS)


def _build_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for key, title in TITLES.items():
        aliases[normalize_header(title)] = key
        aliases[normalize_header(key)] = key
    for alias, key in _EXTRA_ALIASES.items():
        aliases.setdefault(normalize_header(alias), key)
    return aliases


ALIASES: dict[str, str] = _build_aliases()
