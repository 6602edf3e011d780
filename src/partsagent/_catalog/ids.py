"""Identifier validation: the only gate between user input and a path or URL."""

from __future__ import annotations

import re

from .._exceptions import InvalidIdentifier

# fullmatch with an ASCII-only class: no "..", "/", "%", NUL or unicode look-alikes pass.
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


def check_id(value: object, *, what: str = "identifier") -> str:
    """Return ``value`` if it is a contract identifier, else raise InvalidIdentifier."""
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        raise InvalidIdentifier(repr(value) if not isinstance(value, str) else value, what=what)
    return value
