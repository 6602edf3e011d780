"""What every estimate data file shares: frozen models, decimal fields, loading once.

The files are JSON a body shop can read and replace; each is validated with
pydantic when first loaded, so a wrong file fails at once with the file's name
and the first bad field, never halfway through a report.
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..._exceptions import InputError, UsageError

__all__ = [
    "DataId",
    "ExchangeRate",
    "Frozen",
    "HourRate",
    "Hours",
    "Share",
    "load_data",
    "round_hours",
    "round_money",
]

HOUR = Decimal("0.1")


def _no_float(value: object) -> object:
    if isinstance(value, float):
        raise ValueError("figures are decimal strings such as '1.5', never floats")
    return value


Hours = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, max_digits=5, decimal_places=1)]
"""Labour hours with one decimal, as estimating systems give them."""
HourRate = Annotated[
    Decimal, BeforeValidator(_no_float), Field(ge=0, max_digits=12, decimal_places=4)
]
"""An amount of money per hour or per job, in the market's currency."""
Share = Annotated[
    Decimal, BeforeValidator(_no_float), Field(ge=0, le=1, max_digits=6, decimal_places=5)
]
"""A share between 0 and 1 ("0.5", "0.0725")."""
ExchangeRate = Annotated[
    Decimal, BeforeValidator(_no_float), Field(gt=0, max_digits=18, decimal_places=10)
]
"""How much of one currency a unit of another is worth ("0.79": 1 USD is 0.79 GBP)."""
DataId = Annotated[str, Field(pattern=r"^[a-z0-9-]{1,64}$")]
"""The id of a data entry: what an operation's ``rule`` names."""

M = TypeVar("M", bound=BaseModel)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


def round_hours(hours: Decimal) -> Decimal:
    """Hours to one decimal, half-up."""
    return hours.quantize(HOUR, rounding=ROUND_HALF_UP)


def round_money(amount: Decimal, minor_unit: int) -> Decimal:
    """An amount to the currency's minor unit (2 for pence and cents), half-up."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit), rounding=ROUND_HALF_UP)


def _parse(model: type[M], text: bytes, where: str) -> M:
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        at = ".".join(str(p) for p in err["loc"]) or "the document"
        problem = f"{at}: {err['msg']}"
        raise InputError(f"{where} is not a valid {model.__name__} file: {problem}") from None


@functools.cache
def _packaged(model: type[BaseModel], name: str) -> BaseModel:
    text = resources.files(__package__).joinpath(name).read_bytes()
    try:
        return _parse(model, text, f"partsagent/_pricing/estimate/{name}")
    except InputError as exc:  # a packaged file is ours: a broken one is a bug, not bad input
        raise UsageError(str(exc)) from None


def load_data(model: type[M], packaged: str, path: str | Path | None = None) -> M:
    """The packaged file ``packaged`` (parsed once per process), or your own at ``path``."""
    if path is None:
        found = _packaged(model, packaged)
        assert isinstance(found, model)
        return found
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {str(path)!r}: {exc.strerror}") from None
    return _parse(model, text, str(path))
