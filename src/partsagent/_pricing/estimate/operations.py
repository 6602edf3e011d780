"""Included operations and sublets as rules (``included_operations.json``), each with its reason.

A new headlamp is aimed; a new windscreen on a car with a camera is
calibrated; opening the A/C circuit means evacuating and recharging it; a new
door shell takes the old door's parts and cavity wax. Each rule names the parts
and operations that trigger it and the operation it adds, on the same part or
on another one (``target``), with fixed hours, a column of the labour times,
or a sublet priced per market.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..._datafile import DataFile, load_data
from ..._models import Axle, Position, ReportWarning
from ..names import names_of, spec_of
from ..report import CategoryRef
from ._data import DataId, Hours, check_equipment
from ._work import STATED_HOURS, Part, Work
from .evidence import Evidence
from .labour import BodyClass, LabourTimes
from .policy import DecidedOperation
from .said import Said

__all__ = [
    "IncludedOperations",
    "IncludedRule",
    "included_work",
    "load_included_operations",
    "stated_checks",
]

_NO_HOURS = Decimal("0.0")
"""A sublet has a price, not hours."""


class IncludedRule(DataFile):
    id: DataId
    when: Annotated[tuple[str, ...], Field(min_length=1)]
    """Category names that trigger the rule."""
    after: Annotated[tuple[DecidedOperation, ...], Field(min_length=1)] = ("replace",)
    """Operations on the triggering part that call for this one."""
    operation: Literal["remove_refit", "repair", "refinish", "sublet"]
    description: Annotated[str, Field(min_length=1)]
    why: Annotated[str, Field(min_length=1)]
    hours: Hours | None = None
    hours_from: Literal["replace", "remove_refit", "refinish"] | None = None
    """Take the hours from this column of the labour times of the part worked on."""
    sublet: DataId | None = None
    """For a sublet: the key of its price in each market's ``sublets``."""
    target: str | None = None
    """Another part to work on (e.g. the bumper cover taken off to reach the radiator)."""
    unless_target: tuple[DecidedOperation, ...] = ()
    """Skip when the target already gets one of these (a replaced bumper is off anyway)."""
    target_fallback: Literal["skip", "self"] = "skip"
    """When the build has no ``target``: skip the rule, or work on the triggering part."""
    requires_equipment: str | None = None
    """Only when a variant of the priced build has this equipment (one of ``EQUIPMENT``)."""
    per: Literal["part", "report"] = "part"
    axle: Axle | None = None
    """Only for parts at this end of the car: a rear badge hides no front radar."""
    ask_when_absent: bool = False
    """Triggered on a build without the equipment: ask whether the car has it (a warning)."""
    flag: Literal["calibration_needed", "headlamp_aim"] | None = None
    """The warning code that tells the operation was added (a calibration, a beam aim), so
    a program sees the check without reading the operations."""
    words: tuple[Annotated[str, Field(min_length=1)], ...] = ()
    """Words that name this operation in a report ("calibrate the front radar"): hours given
    beside them ("radar calibration 1.0h") are its hours, done in house at that time."""

    @model_validator(mode="after")
    def _known_equipment(self) -> IncludedRule:
        check_equipment(f"rule {self.id}: requires_equipment", [self.requires_equipment])
        return self

    @model_validator(mode="after")
    def _priced_one_way(self) -> IncludedRule:
        if self.operation == "sublet":
            if self.sublet is None or self.hours is not None or self.hours_from is not None:
                raise ValueError(f"rule {self.id}: a sublet has a 'sublet' price key and no hours")
        elif (self.hours is None) == (self.hours_from is None) or self.sublet is not None:
            raise ValueError(f"rule {self.id}: give either 'hours' or 'hours_from' (and no sublet)")
        return self

    @functools.cached_property
    def _names(self) -> frozenset[str]:
        return frozenset().union(*(names_of(n) for n in self.when))

    def triggered_by(self, part: Part) -> bool:
        at = part.position.axle or part.end
        return (
            part.category.name.casefold() in self._names
            and any(op in self.after for op in part.operations)
            and (self.axle is None or at in (None, self.axle))
        )


class IncludedOperations(DataFile):
    """The whole file of included operations."""

    format: Literal["partsagent-included-operations/1"]
    description: str = ""
    rules: tuple[IncludedRule, ...]

    @model_validator(mode="after")
    def _unique(self) -> IncludedOperations:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("rule ids must be unique")
        return self

    def sublet_keys(self) -> set[str]:
        return {r.sublet for r in self.rules if r.sublet is not None}


def load_included_operations(path: str | Path | None = None) -> IncludedOperations:
    """The packaged included operations, or your own file at ``path``."""
    return load_data(IncludedOperations, "included_operations.json", path)


def included_work(
    parts: Sequence[Part],
    rules: IncludedOperations,
    labour: LabourTimes,
    body_class: BodyClass,
    equipment: Collection[str],
    present: Callable[[str], CategoryRef | None],
    lacking: Collection[str] = (),
    unsure: Collection[str] = (),
) -> tuple[list[Work], list[ReportWarning]]:
    """The operations the rules add for ``parts`` (in their order), and warnings; equipment
    the words say the car lacks (``lacking``: "no radar") is not asked about. Equipment only
    some variants of the build have, and the words do not name (``unsure``), adds no work:
    it is asked about."""
    out: list[Work] = []
    warnings: list[ReportWarning] = []
    for rule in rules.rules:
        triggers = [p for p in parts if rule.triggered_by(p)]
        kit = (rule.requires_equipment or "").replace("_", " ")
        if rule.requires_equipment in unsure and triggers:
            name = triggers[0].category.name
            warnings.append(
                ReportWarning(
                    code="equipment_unconfirmed",
                    part=name,
                    message=f"{name}: only some variants of this build have {kit}; if this car "
                    f"has them, '{rule.description}' is needed too: please confirm "
                    f"(say 'has {kit}')",
                )
            )
            continue
        if rule.requires_equipment is not None and rule.requires_equipment not in equipment:
            if rule.ask_when_absent and triggers and rule.requires_equipment not in lacking:
                name = triggers[0].category.name
                warnings.append(
                    ReportWarning(
                        code="equipment_unconfirmed",
                        part=name,
                        message=f"{name}: the catalog lists no "
                        f"{rule.requires_equipment.replace('_', ' ')} "
                        f"for this build; if the car has one, '{rule.description}' is needed too: "
                        f"please confirm (say 'has a {rule.requires_equipment.replace('_', ' ')}')",
                    )
                )
            continue
        for part in triggers:
            work = _work(rule, part, parts, labour, body_class, present, warnings)
            if work is None:
                continue
            if rule.per == "report":
                sides = {p.position.side for p in triggers}
                if len(sides) > 1 and rule.target is None:  # one job covers the pair
                    work.position = Position(axle=work.position.axle)
                    work.description += " (both sides)"
                out.append(work)
                warnings += _flagged(rule, work)
                break
            out.append(work)
            warnings += _flagged(rule, work)
    return out, warnings


def _flagged(rule: IncludedRule, work: Work) -> list[ReportWarning]:
    """The warning that names an operation a program must see (a calibration, an aim)."""
    if rule.flag is None:
        return []
    side = work.position.side
    where = f" ({side})" if side else (" (both sides)" if "both sides" in work.description else "")
    return [
        ReportWarning(
            code=rule.flag,
            part=work.category.name,
            message=f"{rule.description.upper()}: needed after the work on the "
            f"{work.category.name}{where} (priced in the operations)",
        )
    ]


def _work(
    rule: IncludedRule,
    part: Part,
    parts: Sequence[Part],
    labour: LabourTimes,
    body_class: BodyClass,
    present: Callable[[str], CategoryRef | None],
    warnings: list[ReportWarning],
) -> Work | None:
    category, position, line = part.category, part.position, part.line
    if rule.target is not None:
        target = present(rule.target)
        if target is None and rule.target_fallback == "self":
            return _work(rule.model_copy(update={"target": None}), part, parts, labour,
                         body_class, present, warnings)  # fmt: skip
        if target is None:
            return None  # the vehicle has no such part
        names = names_of(target.name)
        same = [p for p in parts if p.category.name.casefold() in names]
        if any(op in rule.unless_target for p in same for op in p.operations):
            return None
        spec = spec_of(target.name)
        category = target
        position = Position(axle=spec.axle if spec else None)
        line = next((p.line for p in same if p.line is not None), None)
    hours, times = rule.hours, None
    if rule.hours_from is not None:
        found = labour.times(category.name, body_class)
        hours = getattr(found[0], rule.hours_from) if found else None
        if found is None or hours is None:
            warnings.append(
                ReportWarning(
                    code="no_labour_time",
                    part=category.name,
                    message=f"no {rule.hours_from} time for {category.name} ({body_class}) "
                    "in the labour "
                    f"times: '{rule.description}' is not estimated",
                )
            )
            return None
        times = found[1]
    return Work(
        kind=rule.operation,
        description=rule.description,
        category=category,
        position=position,
        hours=hours if hours is not None else _NO_HOURS,
        why=rule.why,
        source=part.source,
        rule=rule.id,
        times=times,
        line=line,
        sublet=rule.sublet,
    )


def stated_checks(
    included: Sequence[Work], rules: IncludedOperations, evidence: Evidence, said: Said | None
) -> None:
    """Hours the words give beside an included operation's own words ("calibrate front radar
    1.0h") are its hours: done in house at that time, at the labour rate, not the sublet's
    price."""
    if said is None:
        return
    by_id = {r.id: r for r in rules.rules}
    for w in included:
        rule = by_id.get(w.rule)
        given = (
            said.hours_beside(rule.words, evidence, rule.requires_equipment)
            if rule is not None
            else None
        )
        if given is None:
            continue
        w.hours = given
        w.description += f", {given} h as stated"
        w.why += f" {STATED_HOURS.format(hours=given)}"
        if w.kind == "sublet":
            w.sublet_of = "repair"
