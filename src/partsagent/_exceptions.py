"""The one exception hierarchy of partsagent.

Every error the library raises on purpose is a `PartsAgentError`; errors of
aiohttp, aiocache, redis and openai are translated once, at the boundary, with
``raise ... from exc``::

    PartsAgentError
    ├── InputError             bad user input: vehicle, component, severity, VIN, identifier
    │   └── InvalidIdentifier  an id that does not match the catalog contract's pattern
    ├── CatalogError           anything the catalog did or failed to do
    │   ├── NotFound           the document does not exist (HTTP 404, missing file)
    │   ├── CatalogUnavailable retryable: 5xx, connection error, timeout, open circuit
    │   └── CatalogFormatError malformed or off-contract document, oversized body
    ├── PlannerError           the LLM planner failed (API error, step limit, timeout)
    └── UsageError             a programming mistake, e.g. using a closed client

Each exception carries fields and builds its message from them; every message
says what to do next.
"""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "CatalogFormatError",
    "CatalogUnavailable",
    "InputError",
    "InvalidIdentifier",
    "NotFound",
    "PartsAgentError",
    "PlannerError",
    "UsageError",
]


class PartsAgentError(Exception):
    """Root of every error partsagent raises on purpose."""


class InputError(PartsAgentError, ValueError):
    """The caller's input cannot be used; the message says how to fix it."""


class InvalidIdentifier(InputError):
    """A catalog identifier that would be unsafe to put in a path or URL."""

    def __init__(self, value: str, *, what: str = "identifier") -> None:
        self.value = value
        self.what = what
        shown = value if len(value) <= 40 else value[:37] + "..."
        super().__init__(
            f"invalid {what} {shown!r}: catalog ids are 1-64 characters of A-Z, a-z, 0-9, '_' "
            "or '-'; check the id you passed"
        )


class CatalogError(PartsAgentError):
    """The catalog could not give what was asked; ``path`` names the document."""

    def __init__(self, path: str, detail: str = "") -> None:
        self.path = path
        self.detail = detail
        super().__init__(self._message())

    def _message(self) -> str:
        return f"catalog error at {self.path}: {self.detail}"


class NotFound(CatalogError):
    """The document does not exist in the catalog."""

    def _message(self) -> str:
        return (
            f"{self.path} is not in the catalog; check the manufacturer, variant or category id"
            + (f" ({self.detail})" if self.detail else "")
        )


class CatalogUnavailable(CatalogError):
    """Retryable failure: the catalog is down, slow, or answered 5xx."""

    def __init__(self, path: str, detail: str = "", *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(path, detail)

    def _message(self) -> str:
        return (
            f"catalog unavailable while reading {self.path}: {self.detail}; "
            "retry later or check that the catalog server is reachable"
        )


class CatalogFormatError(CatalogError):
    """The document is malformed, off the contract, or larger than allowed.

    ``unparseable`` is True when the body was not even JSON: a body cut short
    on the way (a proxy, a reset) looks like that, so it is retried, unlike a
    document that parsed and broke the contract.
    """

    def __init__(self, path: str, detail: str = "", *, unparseable: bool = False) -> None:
        self.unparseable = unparseable
        super().__init__(path, detail)

    def _message(self) -> str:
        return (
            f"{self.path} is not a valid catalog document: {self.detail}; "
            "see docs/catalog-format.md for the contract"
        )


class PlannerError(PartsAgentError):
    """The LLM planner could not finish; use planner='rules' or check the endpoint."""


class UsageError(PartsAgentError, RuntimeError):
    """The library was used in a way it does not support (a programming mistake)."""
