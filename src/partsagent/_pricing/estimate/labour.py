"""Labour times as data (``labour.json``): hours per category and body class.

Each row gives, for the hatch, saloon, estate and SUV body classes, the hours
to replace a part, to remove and refit it, to repair it by severity and to
refinish it. Blending is a share of the refinish time; adjacent panels both
replaced or both refinished share work, and the overlap is deducted. The
packaged figures are illustrative (real ones are licensed): bring your own.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..._datafile import DataFile, load_data
from ..._models import Severity
from ..names import NameIndex
from ._data import DataId, Hours, Share

__all__ = [
    "BODY_CLASSES",
    "BodyClass",
    "LabourRow",
    "LabourTimes",
    "Overlap",
    "RepairTimes",
    "SharedAccess",
    "Times",
    "load_labour",
]

BodyClass = Literal["hatch", "saloon", "estate", "suv"]
BODY_CLASSES: tuple[BodyClass, ...] = ("hatch", "saloon", "estate", "suv")


class RepairTimes(DataFile):
    minor: Hours
    moderate: Hours
    severe: Hours

    def at(self, severity: Severity) -> Decimal:
        return {
            Severity.MINOR: self.minor,
            Severity.MODERATE: self.moderate,
            Severity.SEVERE: self.severe,
        }[severity]


class Times(DataFile):
    """The hours of one category on one body class; a missing time means "not done"."""

    replace: Hours | None = None
    remove_refit: Hours | None = None
    repair: RepairTimes | None = None
    refinish: Hours | None = None
    blend: Hours | None = None
    """Blending this panel next to a refinished one; None: ``blend_share`` of its refinish."""


class LabourRow(DataFile):
    id: DataId
    categories: Annotated[tuple[str, ...], Field(min_length=1)]
    hours: dict[BodyClass, Times]

    @model_validator(mode="after")
    def _every_body(self) -> LabourRow:
        missing = [b for b in BODY_CLASSES if b not in self.hours]
        if missing:
            raise ValueError(f"row {self.id}: no hours for {', '.join(missing)}")
        return self


class Overlap(DataFile):
    """Hours deducted once from a panel adjacent to another panel with the same operation."""

    replace: Hours
    refinish: Hours


class SharedAccess(DataFile):
    """Parts removed together (the cooling pack): the work of getting at them is paid once."""

    id: DataId
    categories: Annotated[tuple[str, ...], Field(min_length=2)]
    hours: Hours
    why: Annotated[str, Field(min_length=1)]


class LabourTimes(DataFile):
    """The whole labour-time file."""

    format: Literal["partsagent-labour-times/1"]
    description: str = ""
    body_classes: dict[BodyClass, tuple[str, ...]]
    """Catalog body names per body class ("Estate" -> estate)."""
    default_body_class: BodyClass
    blend_share: Share
    """Blending a panel takes this share of its refinish time."""
    overlap: Overlap
    shared_access: tuple[SharedAccess, ...] = ()
    """Every part of a group after the longest has the group's hours deducted, once."""
    rows: tuple[LabourRow, ...]

    @model_validator(mode="after")
    def _unique(self) -> LabourTimes:
        ids = [r.id for r in self.rows]
        if len(set(ids)) != len(ids):
            raise ValueError("row ids must be unique")
        return self

    @functools.cached_property
    def _index(self) -> NameIndex[LabourRow]:
        return NameIndex((name, r) for r in self.rows for name in r.categories)

    @functools.cached_property
    def _bodies(self) -> dict[str, BodyClass]:
        return {b.casefold(): cls for cls, bodies in self.body_classes.items() for b in bodies}

    def body_class(self, body: str) -> BodyClass | None:
        """The body class of a catalog body name, or None when the file does not list it."""
        return self._bodies.get(body.casefold())

    def row(self, category: str) -> LabourRow | None:
        """The times of a category (by its UK or US name), or None."""
        return self._index.get(category)

    def times(self, category: str, body_class: BodyClass) -> tuple[Times, str] | None:
        """The times of a category on a body class, and their id ("wing/hatch")."""
        row = self.row(category)
        if row is None:
            return None
        return row.hours[body_class], f"{row.id}/{body_class}"


def load_labour(path: str | Path | None = None) -> LabourTimes:
    """The packaged (illustrative) labour times, or your own file at ``path``."""
    return load_data(LabourTimes, "labour.json", path)
