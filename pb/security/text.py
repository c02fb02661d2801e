"""Text the database can store the same way on SQLite and PostgreSQL.

PostgreSQL refuses a NUL byte in text outright (SQLite stores it), and other control
characters are never something a person typed. We refuse both at the edge, before any view,
so every form, query string and path answers with one clear message on every database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# C0 controls, DEL and C1 controls. Tab, CR and LF are allowed where text may span lines.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """Whether `value` holds a character no person types (NUL included)."""
    return (_CONTROL_EXCEPT_LINES if multiline else _CONTROL).search(value) is not None


def any_control_characters(values: Iterable[str], *, multiline: bool = False) -> bool:
    return any(isinstance(v, str) and has_control_characters(v, multiline=multiline) for v in values)


def whole_number(value: str | None, *, below: int = 2**31) -> int | None:
    """The number a form field or id holds, or None: ASCII digits only (str.isdigit also takes
    "²" and "①", which int() refuses) and below `below` (a database integer column's range)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > len(str(below)):
        return None
    number = int(value)
    return number if number < below else None
