"""Columns of a roadmap document: Russian headers as printed <-> keys."""

from __future__ import annotations

from roadmap_portal.tables import normalize_header

# key -> headers as regions print them; the first one names the column in messages.
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("№ п/п", "№", "n п/п", "№ пп", "номер", "number"),
    "title": (
        "Мероприятие",
        "Наименование мероприятия",
        "Содержание мероприятия",
        "Мероприятия",
        "title",
    ),
    "deadline": (
        "Срок",
        "Срок исполнения",
        "Срок реализации",
        "Срок выполнения",
        "Сроки",
        "Сроки реализации",
        "Сроки исполнения",
        "deadline",
    ),
    "responsible": (
        "Ответственный",
        "Ответственные",
        "Ответственный исполнитель",
        "Ответственные исполнители",
        "Исполнитель",
        "Исполнители",
        "responsible",
    ),
    "result": (
        "Ожидаемый результат",
        "Результат",
        "Планируемый результат",
        "Ожидаемые результаты",
        "result",
    ),
}
REQUIRED = ("number", "title", "deadline", "responsible")

ALIASES: dict[str, str] = {
    normalize_header(alias): key for key, aliases in COLUMNS.items() for alias in aliases
}
TITLES: dict[str, str] = {key: aliases[0] for key, aliases in COLUMNS.items()}
