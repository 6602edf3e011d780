"""The one exception hierarchy of partsagent.

Every error the library raises on purpose is a `PartsAgentError`; errors of
aiohttp, aiocache, redis and openai are translated once, at the boundary, with
``raise ... from exc``::

    PartsAgentError
    ├── InputError             bad user input: vehicle, component, severity, VIN, identifier
    │   ├── InvalidIdentifier  an id that does not match the catalog contract's pattern
    │   └── UnresolvedVehicle  the vehicle fits several catalog models, or one only roughly:
    │                          ``candidates`` to retry with
    ├── CatalogError           anything the catalog did or failed to do
    │   ├── NotFound           the document does not exist (HTTP 404, missing file)
    │   ├── CatalogUnavailable retryable: 5xx, connection error, timeout
    │   │   └── CircuitOpen    the catalog failed repeatedly: refused without asking it
    │   └── CatalogFormatError malformed or off-contract document, oversized body
    ├── PlannerError           the LLM planner failed (API error, step limit, timeout)
    └── UsageError             a programming mistake, e.g. using a closed client
        └── MissingExtra       an optional dependency is not installed (also an ImportError):
                               the message names the ``pip install`` line

Each exception carries fields and builds its message from them; every message
says what to do next.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NoReturn

__all__ = [
    "CatalogError",
    "CatalogFormatError",
    "CatalogUnavailable",
    "CircuitOpen",
    "InputError",
    "InvalidIdentifier",
    "MissingExtra",
    "NotFound",
    "PartsAgentError",
    "PlannerError",
    "UnresolvedVehicle",
    "UsageError",
    "VehicleCandidate",
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


@dataclass(frozen=True, slots=True)
class VehicleCandidate:
    """A catalog vehicle the caller may have meant; retry with its make and model (and year).

    ``name`` is what to show ("FORD FOCUS"); ``score`` (0-100) how well it
    matches what was given; the ids and years are the catalog's. ``model``
    and ``model_id`` are None when only the make was in doubt.
    """

    name: str
    score: float
    make: str
    manufacturer_id: str
    model: str | None = None
    model_id: str | None = None
    year_from: int | None = None
    year_to: int | None = None

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict, e.g. for an HTTP 422 body."""
        return asdict(self)

    def describe(self) -> str:
        """One line: name, catalog years, score and ids, e.g. for the command line."""
        parts = [f"score {self.score:.0f}", f"manufacturer {self.manufacturer_id}"]
        if self.model_id is not None:
            parts.append(f"model {self.model_id}")
        if self.year_from is not None:
            parts.insert(0, f"{self.year_from}-{self.year_to or 'now'} in the catalog")
        return f"{self.name} ({', '.join(parts)})"


class UnresolvedVehicle(InputError):
    """The vehicle could not be settled on one catalog model; ``candidates`` says what it may be.

    ``query`` is what was given ("Ford 2019", "VIN ... (VAUXHALL 2018)"),
    ``missing`` what to add ("model", "make", "make and model"), and
    ``candidates`` the choices, best first. With one candidate this is a
    "did you mean", not an ambiguity. ``unknown`` is a model name the catalog
    does not list for the make ("Mokka"): the candidates are then its closest
    models, and the message names them in one line.
    """

    def __init__(
        self,
        query: str,
        candidates: tuple[VehicleCandidate, ...] | list[VehicleCandidate],
        *,
        missing: str,
        unknown: str = "",
    ) -> None:
        self.query = query
        self.candidates = tuple(candidates)
        self.missing = missing
        self.unknown = unknown
        if unknown:
            message = self.headline
        elif len(self.candidates) == 1:
            message = (
                f"{self.query!r} is not a catalog vehicle as given; did you mean "
                f"{self.candidates[0].name}? Give its {self.missing} to go on"
            )
        else:
            shown = ", ".join(c.name for c in self.candidates[:5])
            more = len(self.candidates) - 5
            message = f"{self.headline} {shown}" + (f" and {more} more" if more > 0 else "")
        super().__init__(message.strip())

    @property
    def headline(self) -> str:
        """The message without the candidates (the CLI prints them one per line below it);
        for an unknown model, the whole message, the closest models named in it."""
        if self.unknown:
            closest = ", ".join(c.name for c in self.candidates[:3]) or "none"
            return (
                f"{self.query!r}: the catalog lists no model {self.unknown!r}; a model is "
                f"never priced as another; closest: {closest}"
            )
        if len(self.candidates) == 1:
            return (
                f"{self.query!r} is not a catalog vehicle as given; did you mean this one "
                f"(give its {self.missing})?"
            )
        if not self.candidates:
            return f"{self.query!r} is not enough to find the vehicle; give the {self.missing}"
        return (
            f"{self.query!r} could be {len(self.candidates)} catalog vehicles; "
            f"give the {self.missing} of one of them:"
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


class CircuitOpen(CatalogUnavailable):
    """The catalog failed repeatedly; calls fail fast until the breaker's cool-down ends."""

    def _message(self) -> str:
        return (
            f"catalog circuit open while reading {self.path}: {self.detail}; "
            "the catalog failed repeatedly, it is retried automatically after the cool-down"
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


class MissingExtra(UsageError, ImportError):
    """A feature needs an optional extra that is not installed; the message says how to add it.

    Also an ImportError, so ``try: import partsagent.prometheus`` / ``except
    ImportError`` keeps working.
    """

    def __init__(self, extra: str, feature: str) -> None:
        self.extra = extra
        self.feature = feature
        super().__init__(
            f"{feature} needs the {extra!r} extra, which is not installed: "
            f'pip install "partsagent[{extra}]"'
        )


def missing_extra(
    exc: ImportError, *, extra: str, modules: tuple[str, ...], feature: str
) -> NoReturn:
    """Raise MissingExtra when ``exc`` is one of ``modules`` missing; otherwise re-raise ``exc``.

    A module of the extra that is there but broken is not hidden behind "install it".
    """
    name = exc.name or ""
    if isinstance(exc, ModuleNotFoundError) and name.split(".")[0] in modules:
        raise MissingExtra(extra, feature) from exc
    raise exc
