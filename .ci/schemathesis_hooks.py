"""schemathesis hooks (SCHEMATHESIS_HOOKS, see schemathesis.sh): the strings of query
parameters and JSON bodies also get hostile text: NUL and other control characters, RTL
overrides and 4-byte (astral) characters, alone or appended to the generated value. The
portal must answer 4xx, never 5xx."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st

HOSTILE = [
    "\x00",
    "a\x00b",
    "\x1b[2J\x07",
    "\x7f\x85",
    "\u202e\u2066evil\u2069\u202c",  # RTL override and isolates
    "\u200f\u061c\u200e",  # direction marks
    "😀🇷🇺𝔘𝔫𝔦",  # 4-byte characters, a flag of two
    "\U0010ffff",
]


def _inject(value: Any, extra: str | None, alone: bool) -> Any:
    if extra is None:
        return value
    if isinstance(value, str):
        return extra if alone else value + extra
    if isinstance(value, dict):
        return {key: _inject(item, extra, alone) for key, item in value.items()}
    if isinstance(value, list):
        return [_inject(item, extra, alone) for item in value]
    return value


def _hostile(strategy):
    # half of the cases as generated, the other half with one hostile string in every text
    extra = st.one_of(st.none(), st.sampled_from(HOSTILE))
    return st.tuples(strategy, extra, st.booleans()).map(lambda t: _inject(*t))


@schemathesis.hook
def before_generate_query(context, strategy):
    return _hostile(strategy)


@schemathesis.hook
def before_generate_body(context, strategy):
    return _hostile(strategy)
