"""URLs as they may be shown: without userinfo and without any query or fragment value.

A catalog or model endpoint URL may carry a secret (``http://user:pw@host/``,
``?api-key=sk-...``, a signed URL's ``X-Amz-Signature``, an Azure Functions
``?code=``, a ``?jwt=`` or ``?sid=``). No list of parameter names can know
every service's, so every value goes: the names stay, to say which parameters
were given. Every place that shows a URL (a message, a log line, a report, a
``repr``) shows ``redact_url(url)``; text that came from a foreign library
goes through ``redact_text``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

__all__ = ["MASK", "redact_text", "redact_url"]

MASK = "***"

_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")


def _redact_pairs(query: str) -> str:
    """``a=1&b&c=`` -> ``a=***&***&c=``: every value masked, a bare item being a value."""
    if not query:
        return query
    pairs = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        if sep:
            pairs.append(f"{name}={MASK}" if value else pair)
        else:
            pairs.append(MASK if name else pair)
    return "&".join(pairs)


def redact_url(url: str) -> str:
    """``url`` with its userinfo and every query and fragment value as ``***``.

    Everything else is kept exactly as given. A string that cannot be parsed as
    a URL is shown as ``***``: better nothing than a secret.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
        return urlunsplit(
            (
                parts.scheme,
                netloc,
                parts.path,
                _redact_pairs(parts.query),
                _redact_pairs(parts.fragment),
            )
        )
    except ValueError:
        return MASK


def redact_text(text: str) -> str:
    """``text`` with every URL in it redacted (for messages of foreign libraries)."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)
