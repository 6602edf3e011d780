"""The caller's vehicle and damage, checked and coerced once, within the report's limits.

The agent and the command line take the same input the same way: a dict or a
model, a list of parts or free text. Whatever is wrong is an ``InputError``
naming the field, before any work is done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from ._exceptions import InputError
from ._models import DamagedPart, Vehicle, normalise_text

__all__ = [
    "DEFAULT_MAX_DAMAGED_PARTS",
    "DEFAULT_MAX_TEXT_CHARS",
    "check_size",
    "coerce_damage",
    "coerce_vehicle",
]

DEFAULT_MAX_TEXT_CHARS = 10_000
DEFAULT_MAX_DAMAGED_PARTS = 50


def coerce_vehicle(vehicle: Vehicle | Mapping[str, Any]) -> Vehicle:
    """A Vehicle from a Vehicle or a dict like ``{"make", "model", "year"}``."""
    if isinstance(vehicle, Vehicle):
        return vehicle
    if not isinstance(vehicle, Mapping):
        raise InputError('vehicle must be a Vehicle or a dict like {"make", "model", "year"}')
    try:
        return Vehicle.model_validate(vehicle)
    except ValidationError as exc:
        raise InputError(f"invalid vehicle: {_first_error(exc)}") from None


def coerce_damage(
    damage: Sequence[DamagedPart | Mapping[str, Any]] | str,
    *,
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
    max_parts: int = DEFAULT_MAX_DAMAGED_PARTS,
) -> tuple[DamagedPart, ...] | str:
    """Free text (normalised) or the damaged parts, each validated, within the limits."""
    check_size(damage, max_text_chars=max_text_chars, max_parts=max_parts)
    if isinstance(damage, str):
        damage = _normalised_text(damage)
        # NFKC may lengthen it
        check_size(damage, max_text_chars=max_text_chars, max_parts=max_parts)
        if not damage.strip():
            raise InputError("the damage description is empty; describe the damaged parts")
        return damage
    if not isinstance(damage, Sequence) or not damage:
        raise InputError("give at least one damaged part, or a free-text description")
    parts: list[DamagedPart] = []
    for i, item in enumerate(damage):
        if isinstance(item, DamagedPart):
            parts.append(item)
            continue
        if not isinstance(item, Mapping):
            raise InputError(
                f'damaged part {i + 1} must be a dict like {{"component", "severity"}}'
            )
        try:
            parts.append(DamagedPart.model_validate(item))
        except ValidationError as exc:
            raise InputError(f"invalid damaged part {i + 1}: {_first_error(exc)}") from None
    return tuple(parts)


def check_size(
    damage: object,
    *,
    max_text_chars: int,
    max_parts: int,
    names: tuple[str, str] = ("max_text_chars", "max_damaged_parts"),
) -> None:
    """InputError when ``damage`` is over a cap, naming the cap as the caller sets it
    (``names``: the text's and the parts', e.g. the command line's options)."""
    if isinstance(damage, str):
        if len(damage) > max_text_chars:
            raise InputError(
                f"the damage description has {len(damage)} characters, over the limit of "
                f"{max_text_chars} ({names[0]}); shorten it or raise the limit"
            )
    elif isinstance(damage, Sequence) and len(damage) > max_parts:
        raise InputError(
            f"{len(damage)} damaged parts in one report, over the limit of {max_parts} "
            f"({names[1]}); split the report or raise the limit"
        )


def _normalised_text(text: str) -> str:
    try:
        return normalise_text(text)
    except ValueError as exc:
        raise InputError(f"the damage description: {exc}") from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg
