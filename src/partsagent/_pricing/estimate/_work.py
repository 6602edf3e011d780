"""The estimate while it is being built: decided parts and the work on them, before pricing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ..._models import Axle, Position, Severity
from ..report import CategoryRef, OperationKind
from .policy import DecidedOperation

__all__ = ["STATED_HOURS", "Part", "Work"]


@dataclass(frozen=True, slots=True)
class Part:
    """A part of the report with the operations the policy decided for it."""

    category: CategoryRef
    group: str | None
    position: Position
    severity: Severity
    operations: tuple[DecidedOperation, ...]
    rule: str
    """The policy row."""
    why: str
    source: Literal["rule", "llm"]
    line: int | None = None
    """Its parts line, when it is bought."""
    paintless: bool = False
    """Repaired with its paint intact: no refinish."""
    repair_at: Severity | None = None
    """The repair-time column, when the dent's size chose another than the severity."""
    repair_hours: Decimal | None = None
    """Fixed repair hours (paintless dent or hail repair), instead of the labour times."""
    repair_label: str | None = None
    blend: bool = False
    """Named only as a blend target: one blend operation, nothing bought or refinished."""
    stated: tuple[tuple[str, Decimal], ...] = ()
    """Hours the report gives per operation ("repair 2.0h"): they win over the labour times."""
    sublet: bool = False
    """The report sends the part's work out ("sublet screen"): its operations are sublets."""
    end: Axle | None = None
    """The end of the car a part with no axle is at, by its words ("tailgate badge": rear)."""


STATED_HOURS = "{hours} h as the report states: taken from its words, not the labour times."
"""The note on an operation whose hours the report gave ("repair 2.0h")."""


@dataclass(slots=True)
class Work:
    """One operation before pricing; overlap deductions may still lower ``hours``."""

    kind: OperationKind
    description: str
    category: CategoryRef
    position: Position
    hours: Decimal
    why: str
    source: Literal["rule", "llm"]
    rule: str
    times: str | None = None
    line: int | None = None
    sublet: str | None = None
    """For a sublet: its key in the market's sublet prices."""
    on_part: bool = False
    """True for the policy's own operations on a damaged part (the ones overlaps apply to)."""
    sublet_of: OperationKind | None = None
    """A sublet the report asks for with no price of its own: the in-house operation it
    stands for, priced at its hours and rate until the specialist's price is known."""
