"""Text search that folds what people type differently: one fold for stored text and queries.

`fold(text)`: lower case (Latin and Cyrillic), «ё» as «е», and the Latin letters that look
like Cyrillic ones as those (so «MAX» typed in Latin finds «МАХ» typed in Cyrillic, and the
other way round). It is a fixed character table, so the database applies the very same
table to the stored text: `Folded(expression)` is `translate(x, from, to)` on PostgreSQL
(no dependence on the server's locale) and the registered function `portal_fold(x)` on
SQLite (Python's `fold`). Both sides folded alike, a plain `contains` finds the words.
"""

from __future__ import annotations

from django.db.models import CharField, Func, Q

_LATIN_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CYRILLIC_UPPER = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
# Latin letters drawn like Cyrillic ones (upper case form decides: M/М, H/Н, B/В, T/Т …)
_LOOKALIKES = {
    "a": "а",
    "b": "в",
    "c": "с",
    "e": "е",
    "h": "н",
    "k": "к",
    "m": "м",
    "o": "о",
    "p": "р",
    "t": "т",
    "x": "х",
    "y": "у",
}


def _table() -> tuple[str, str]:
    source, target = [], []

    def final(char: str) -> str:
        lower = char.lower().replace("ё", "е")
        return _LOOKALIKES.get(lower, lower)

    for char in _LATIN_UPPER + _LATIN_UPPER.lower() + _CYRILLIC_UPPER + "ё":
        folded = final(char)
        if folded != char:
            source.append(char)
            target.append(folded)
    return "".join(source), "".join(target)


FOLD_FROM, FOLD_TO = _table()
_TRANSLATION = str.maketrans(FOLD_FROM, FOLD_TO)
SQLITE_FUNCTION = "portal_fold"


def fold(text: str | None) -> str | None:
    """The searchable form of a text (see the module docstring)."""
    if text is None:
        return None
    return text.translate(_TRANSLATION)


class Folded(Func):
    """`fold` applied in the database to a text column or expression."""

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"translate({sql}, %s, %s)", (*params, FOLD_FROM, FOLD_TO)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{SQLITE_FUNCTION}({sql})", params

    def as_sql(self, compiler, connection, **extra):  # other backends: lower case only
        sql, params = compiler.compile(self.source_expressions[0])
        return f"LOWER({sql})", params


def folded_contains(fields: list[str], text: str, *, prefix: str = "search_") -> tuple[dict, Q]:
    """(annotations, condition): any of the fields contains the folded text."""
    needle = fold(text.strip())
    annotations = {f"{prefix}{name}": Folded(name) for name in fields}
    condition = Q()
    for alias in annotations:
        condition |= Q(**{f"{alias}__contains": needle})
    return annotations, condition


def register_sqlite(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: SQLite learns `portal_fold` on every new connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)
