"""Formula neutralisation (CSV/DDE injection), one rule for every spreadsheet the portal writes.

Text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a single
quote `'` (the OWASP recommendation), so no spreadsheet reads it as a formula. The portal's
reports (`reports.exports.base`) and the admin's exports (`roadmap_portal.import_formats`)
both call `neutralise`; it lives here, below every app, so that the admin of any app can use it.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_TEXT = 32_000  # Excel's cell limit is 32,767 characters


def neutralise(text: Any) -> str:
    """Text that no spreadsheet will read as a formula."""
    value = "" if text is None else str(text)
    if value.startswith(FORMULA_TRIGGERS):
        value = "'" + value
    return value[:MAX_TEXT]
