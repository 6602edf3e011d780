"""From needs to work: what the policy decides per part, then the hours of every operation.

A damaged part is decided at its severity (``Need.severity``); a part the
propagation rules added is decided at the policy's ``secondary_severity``;
consumables are bought, with no operation. The work is the decided
operations with their hours from the labour times, the blends, the included
operations, then the overlap deductions, in one canonical order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..plan import Need
from ..report import CategoryRef, OperationKind
from ._work import Part, Work
from .blend import blends, deduct_overlaps
from .data import EstimateData
from .labour import BodyClass
from .operations import included_work
from .policy import DecidedOperation, PolicyRow

__all__ = ["Decision", "decide", "part_of", "work_for"]

_ORDER: Mapping[OperationKind, int] = {
    "replace": 0,
    "remove_refit": 1,
    "repair": 2,
    "refinish": 3,
    "blend": 4,
    "sublet": 5,
}
_LABEL: Mapping[DecidedOperation, str] = {
    "replace": "Replace with a new part",
    "remove_refit": "Remove and refit",
    "repair": "Repair",
    "refinish": "Refinish",
}
_ZERO = Decimal("0.0")


@dataclass(frozen=True, slots=True)
class Decision:
    """A need and what the policy decided for it; ``row`` is None for a consumable."""

    need: Need
    row: PolicyRow | None

    @property
    def operations(self) -> tuple[DecidedOperation, ...]:
        return self.row.operations if self.row is not None else ()

    @property
    def bought(self) -> bool:
        """True when the part gets a parts line: it is replaced, or it is a consumable."""
        return self.row is None or "replace" in self.row.operations


def decide(needs: Sequence[Need], data: EstimateData, groups: Mapping[str, str]) -> list[Decision]:
    """The policy's decision for each need; ``groups`` gives catalog groups by category id."""
    out = []
    for need in needs:
        if need.reason == "consumable":
            out.append(Decision(need, None))
            continue
        severity = need.severity if need.reason == "damaged" else data.policy.secondary_severity
        row = data.policy.decide(
            need.category.name,
            severity,
            groups.get(need.category.id),
            need.damage_kinds if need.reason == "damaged" else (),
        )
        if need.reason == "damaged" and need.paint_intact:
            row = row.paint_intact()
        out.append(Decision(need, row))
    return out


def part_of(decision: Decision, line: int | None, groups: Mapping[str, str]) -> Part:
    """The decided part as the work is built from it (a consumable has no part)."""
    need, row = decision.need, decision.row
    assert row is not None
    return Part(
        category=need.category,
        group=groups.get(need.category.id),
        position=need.position,
        severity=need.severity if need.reason == "damaged" else row.severity,
        operations=row.operations,
        rule=row.id,
        why=row.why,
        source="llm" if need.source == "llm" else "rule",
        line=line,
        paintless=need.paint_intact and "refinish" not in row.operations,
    )


def work_for(
    parts: Sequence[Part],
    data: EstimateData,
    body_class: BodyClass,
    equipment: Collection[str],
    present: Callable[[str], CategoryRef | None],
) -> tuple[list[Work], list[str]]:
    """Every operation of the estimate with its hours, in canonical order, and warnings."""
    works: list[Work] = []
    warnings: list[str] = []
    for part in parts:
        found = data.labour.times(part.category.name, body_class)
        for op in part.operations:
            hours: Decimal | None = None
            if found is not None:
                t = found[0]
                hours = t.repair.at(part.severity) if op == "repair" and t.repair else None
                if op != "repair":
                    hours = getattr(t, op)
            if hours is None:
                warnings.append(
                    f"no {op} time for {part.category.name} ({body_class}) in the labour times: "
                    "estimated at 0.0 h; add it to your labour file"
                )
            label = _LABEL[op] + (f" ({part.severity.value} damage)" if op == "repair" else "")
            if op == "repair" and part.paintless:
                label = "Paintless dent " + label.lower()
            works.append(
                Work(
                    kind=op,
                    description=label,
                    category=part.category,
                    position=part.position,
                    hours=hours if hours is not None else _ZERO,
                    why=part.why,
                    source=part.source,
                    rule=part.rule,
                    times=found[1] if found is not None else None,
                    line=part.line,
                    on_part=True,
                )
            )
    blended, notes = blends(works, data.adjacency, data.labour, body_class, present)
    warnings += notes
    included, notes = included_work(
        parts, data.included, data.labour, body_class, equipment, present
    )
    warnings += notes
    works += blended + included
    deduct_overlaps(works, data.adjacency, data.labour)
    works.sort(
        key=lambda w: (
            w.category.id,
            w.position.axle or "",
            w.position.side or "",
            _ORDER[w.kind],
            w.rule,
        )
    )
    return works, warnings
