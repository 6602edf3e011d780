"""Repair or replace: the policy per part class and severity, as data (``policy.json``).

A damaged part's category picks its class by name (UK or US), else by its
catalog group, else the default class; the class and the severity pick one
row, and the row lists the operations: ``replace`` (a parts line and its
labour), ``repair`` (labour, no part), ``refinish`` (paint). A body shop that
decides differently brings its own file with the same fields.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..._datafile import DataFile, load_data
from ..._models import Severity, WarningCode
from ..names import NameIndex, names_of
from ._data import DataId

__all__ = [
    "Assembly",
    "DamageRow",
    "DecidedOperation",
    "PartClass",
    "PolicyRow",
    "RepairPolicy",
    "load_policy",
    "refit_row",
]

DecidedOperation = Literal["replace", "remove_refit", "repair", "refinish"]
"""What a policy row may decide for the damaged part itself."""


class PartClass(DataFile):
    """A kind of part decided alike: its categories by name, or catalog groups."""

    id: DataId
    name: Annotated[str, Field(min_length=1)]
    categories: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    """Catalog groups ("Lighting") for categories the list does not name."""


class PolicyRow(DataFile):
    """One decision: a class at a severity gets these operations, for this reason."""

    id: DataId
    part_class: DataId = Field(alias="class")
    severity: Severity
    operations: Annotated[tuple[DecidedOperation, ...], Field(min_length=1)]
    why: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _consistent(self) -> PolicyRow:
        ops = self.operations
        if len(set(ops)) != len(ops):
            raise ValueError(f"row {self.id}: an operation is listed twice")
        if "replace" in ops and "repair" in ops:
            raise ValueError(f"row {self.id}: a part is either replaced or repaired, not both")
        return self

    def paint_intact(self) -> PolicyRow:
        """This decision for a part whose paint the report says is sound.

        A part to repair is repaired without paint (paintless dent repair). A part to
        replace is still replaced, its new paint refinished; a part only refinished
        was damaged in its paint (a scuff, a scratch), whatever else the report says.
        """
        ops = self.operations
        if "replace" in ops or "repair" not in ops or "refinish" not in ops:
            return self
        return self.model_copy(
            update={
                "id": f"{self.id[:52]}-paint-intact",
                "operations": tuple(op for op in ops if op != "refinish"),
                "why": "The paint is intact: the dent is worked out from behind "
                "(paintless dent repair) and nothing is refinished.",
            }
        )


class Assembly(DataFile):
    """A part sold with others inside it: when it is replaced, they are not bought again."""

    id: DataId
    part: Annotated[str, Field(min_length=1)]
    includes: Annotated[tuple[str, ...], Field(min_length=1)]
    why: Annotated[str, Field(min_length=1)]

    @functools.cached_property
    def _included(self) -> frozenset[str]:
        return frozenset().union(*(names_of(n) for n in self.includes))

    def contains(self, part: str, other: str) -> bool:
        """True when ``other`` comes inside a new ``part``."""
        return part.casefold() in names_of(self.part) and other.casefold() in self._included


def refit_row(row: PolicyRow, *, asked: bool = False) -> PolicyRow:
    """The decision for a part knocked loose but sound, or one the report asks to have
    removed and refitted ("R&I", "transfer"): taken off and put back, not bought."""
    why = (
        "The report asks for the part to be removed and refitted (R&I, transfer) and names "
        "no damage to it: remove and refit labour, no part bought."
        if asked
        else "The report says the part came loose but names no damage to it: it is "
        "refitted (remove and refit), not bought."
    )
    return row.model_copy(
        update={
            "id": f"{row.part_class[:52]}-refit",
            "operations": ("remove_refit",),
            "why": why,
        }
    )


class DamageRow(DataFile):
    """A decision by the kind of damage, whatever its severity: a torn bumper is replaced."""

    id: DataId
    part_class: DataId = Field(alias="class")
    damage: Annotated[str, Field(min_length=1)]
    """A kind of damage the reading names (lexicon ``damage_kinds``: "tear", "crease")."""
    operations: Annotated[tuple[DecidedOperation, ...], Field(min_length=1)]
    why: Annotated[str, Field(min_length=1)]

    def at(self, severity: Severity) -> PolicyRow:
        """This decision as a row of the severity read."""
        return PolicyRow.model_validate(
            {
                "id": self.id,
                "class": self.part_class,
                "severity": severity,
                "operations": self.operations,
                "why": self.why,
            }
        )


CapKey = WarningCode | Literal["unread_damage"]
"""What caps a report's confidence: a warning's code, or a damage phrase left unread."""


class RepairPolicy(DataFile):
    """The whole policy file."""

    format: Literal["partsagent-repair-policy/1"]
    description: str = ""
    default_class: DataId
    secondary_severity: Severity = Severity.SEVERE
    """Parts the propagation rules add are decided at this severity."""
    unpriced_penalty: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.6")
    """How much the confidence drops when all the damage named is unpriced; a share of it
    for a share of the damaged parts (a part with no category or no fitting article)."""
    confidence_caps: dict[CapKey, Annotated[Decimal, Field(ge=0, le=1)]] = {}
    """The most a report is trusted when it carries a warning of a guess (a side assumed, a
    build chosen, a part to confirm), or a damage phrase it could not read ("unread_damage"):
    an estimate resting on a guess never sits high."""
    paint_materials: tuple[str, ...] = ()
    """Consumable categories the paint-materials charge covers: never priced as articles."""
    assemblies: tuple[Assembly, ...] = ()
    """Parts that come with their contents (a mirror with its glass)."""
    classes: tuple[PartClass, ...]
    rows: tuple[PolicyRow, ...]
    damage_rows: tuple[DamageRow, ...] = ()
    """Decisions by kind of damage; they win over ``rows`` (an optional addition)."""

    @model_validator(mode="after")
    def _complete(self) -> RepairPolicy:
        ids = [c.id for c in self.classes]
        if len(set(ids)) != len(ids):
            raise ValueError("class ids must be unique")
        if self.default_class not in ids:
            raise ValueError(f"default_class {self.default_class!r} is not a class")
        row_ids = [r.id for r in self.rows]
        if len(set(row_ids)) != len(row_ids):
            raise ValueError("row ids must be unique")
        seen: set[tuple[str, Severity]] = set()
        for row in self.rows:
            if row.part_class not in ids:
                raise ValueError(f"row {row.id}: unknown class {row.part_class!r}")
            if (row.part_class, row.severity) in seen:
                raise ValueError(f"row {row.id}: a second row for {row.part_class} {row.severity}")
            seen.add((row.part_class, row.severity))
        for damage_row in self.damage_rows:
            if damage_row.part_class not in ids:
                raise ValueError(f"row {damage_row.id}: unknown class {damage_row.part_class!r}")
            if damage_row.id in row_ids:
                raise ValueError("row ids must be unique")
        missing = [f"{c} {s.value}" for c in ids for s in Severity if (c, s) not in seen]
        if missing:
            raise ValueError(f"every class needs a row per severity; missing: {', '.join(missing)}")
        return self

    @functools.cached_property
    def _by_name(self) -> NameIndex[PartClass]:
        return NameIndex((name, c) for c in self.classes for name in c.categories)

    @functools.cached_property
    def _by_group(self) -> dict[str, PartClass]:
        return {g.casefold(): c for c in reversed(self.classes) for g in c.groups}

    @functools.cached_property
    def _rows(self) -> dict[tuple[str, Severity], PolicyRow]:
        return {(r.part_class, r.severity): r for r in self.rows}

    @functools.cached_property
    def _paint(self) -> NameIndex[bool]:
        return NameIndex((name, True) for name in self.paint_materials)

    def is_paint_material(self, category: str) -> bool:
        return self._paint.get(category) is not None

    def part_class(self, category: str, group: str | None = None) -> PartClass:
        """The class of a category: by its name, else its catalog group, else the default."""
        found = self._by_name.get(category)
        if found is None and group is not None:
            found = self._by_group.get(group.casefold())
        if found is None:
            found = next(c for c in self.classes if c.id == self.default_class)
        return found

    @functools.cached_property
    def _assemblies_of(self) -> dict[str, tuple[Assembly, ...]]:
        """The assemblies by each name of their part, in the file's order."""
        out: dict[str, list[Assembly]] = {}
        for a in self.assemblies:
            for name in names_of(a.part):
                out.setdefault(name, []).append(a)
        return {name: tuple(found) for name, found in out.items()}

    def assembly(self, part: str, other: str) -> Assembly | None:
        """The assembly a new ``part`` brings ``other`` in, or None."""
        found = self._assemblies_of.get(part.casefold(), ())
        return next((a for a in found if a.contains(part, other)), None)

    def decide(
        self,
        category: str,
        severity: Severity,
        group: str | None = None,
        damage: Collection[str] = (),
    ) -> PolicyRow:
        """The row for a damaged category at a severity, or for a kind of damage said of it."""
        part_class = self.part_class(category, group).id
        row = self._rows[(part_class, severity)]
        if "replace" in row.operations:
            return row
        for damage_row in self.damage_rows:
            if damage_row.part_class == part_class and damage_row.damage in damage:
                return damage_row.at(severity)
        return row


def load_policy(path: str | Path | None = None) -> RepairPolicy:
    """The packaged policy, or your own file at ``path`` (same format, validated)."""
    return load_data(RepairPolicy, "policy.json", path)
