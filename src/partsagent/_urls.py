"""URLs as they may be shown: without userinfo and without credential-like query values.

A catalog or model endpoint URL may carry a secret (``http://user:pw@host/``,
``?api-key=sk-...``, a signed URL's ``X-Amz-Signature``). Every place that shows
a URL (a message, a log line, a report, a ``repr``) shows ``redact_url(url)``;
text that came from a foreign library goes through ``redact_text``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["MASK", "is_secret_param", "redact_text", "redact_url"]

MASK = "***"

#: A query parameter whose name is one of these words, or holds one between
#: ``-``, ``_`` or ``.``, carries a credential (``api-key``, ``X-Amz-Signature``).
_SECRET_WORDS = frozenset(
    {
        "apikey",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "key",
        "passwd",
        "password",
        "pwd",
        "secret",
        "sig",
        "signature",
        "token",
    }
)
#: ... or ends with one of these (``apiKey``, ``accessToken``).
_SECRET_ENDINGS = ("key", "token", "secret", "password", "signature")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")


def is_secret_param(name: str) -> bool:
    """True if a query parameter of this name carries a credential."""
    lowered = unquote(name).strip().lower()
    if lowered in _SECRET_WORDS or lowered.endswith(_SECRET_ENDINGS):
        return True
    return any(part in _SECRET_WORDS for part in re.split(r"[-_.]", lowered))


def _redact_query(query: str) -> str:
    if not query:
        return query
    pairs = []
    for pair in query.split("&"):
        name, sep, value = pair.partition("=")
        pairs.append(f"{name}={MASK}" if sep and value and is_secret_param(name) else pair)
    return "&".join(pairs)


def redact_url(url: str) -> str:
    """``url`` with its userinfo and the values of credential-like parameters as ``***``.

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
                _redact_query(parts.query),
                _redact_query(parts.fragment),
            )
        )
    except ValueError:
        return MASK


def redact_text(text: str) -> str:
    """``text`` with every URL in it redacted (for messages of foreign libraries)."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)
