"""Blends and overlaps: which painted panels touch (``adjacency.json``), and what follows.

Refinishing a panel blends each adjacent panel that is not itself refinished,
so the colour matches across the gap, where both are of a material the policy
blends (metal, by default: a plastic bumper is painted apart, and nothing is
blended into or out of it) and the report does not rule blending out. A blend
takes the panel's blend time, or a share of its refinish time. Adjacent panels
both refinished (or both replaced) share masking, set-up and access, so the one
with the smaller time has the overlap deducted, once; parts removed together
(``shared_access``: the cooling pack) pay their common access once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..._datafile import DataFile, load_data
from ..._models import Axle, Position, ReportWarning, Side
from ..names import NameIndex, names_of
from ..report import CategoryRef
from ._data import DataId, round_hours
from ._work import Part, Work
from .labour import BodyClass, LabourTimes

__all__ = [
    "Adjacency",
    "Edge",
    "Panel",
    "asked_blends",
    "blends",
    "deduct_overlaps",
    "deduct_shared_access",
    "load_adjacency",
]

_SIDES: tuple[Side, Side] = ("left", "right")


class Panel(DataFile):
    category: Annotated[str, Field(min_length=1)]
    axle: Axle | None = None
    sided: bool
    material: Annotated[str, Field(min_length=1)] = "metal"


class Edge(DataFile):
    id: DataId
    between: tuple[str, str]
    blend: tuple[str, ...] | None = None
    """The panels of this edge that are blended when the other one is refinished; None: both.
    A wing refinished does not blend the bonnet (another plane, across a gap an insurer
    does not pay to match), a bonnet refinished blends the wings: ``["Wing"]``."""

    def blends_into(self, panel: Panel) -> bool:
        """True when ``panel`` is blended across this edge when its neighbour is refinished."""
        if self.blend is None:
            return True
        return panel.category.casefold() in {b.casefold() for b in self.blend}


PanelKey = tuple[Panel, Side | None]


class Adjacency(DataFile):
    """The whole adjacency file: panels, and the edges where two of them touch."""

    format: Literal["partsagent-panel-adjacency/1"]
    description: str = ""
    blend_materials: tuple[str, ...] = ("metal",)
    """Panels of these materials blend into neighbours of the same material."""
    blend_when_flanked: tuple[str, ...] = ()
    """Panels an edge does not blend into from one side, blended all the same when refinished
    panels touch them on both sides (the bonnet between two refinished wings)."""
    panels: tuple[Panel, ...]
    edges: tuple[Edge, ...]

    @model_validator(mode="after")
    def _known(self) -> Adjacency:
        names = {p.category.casefold() for p in self.panels}
        ids = [e.id for e in self.edges]
        if len(set(ids)) != len(ids):
            raise ValueError("edge ids must be unique")
        for edge in self.edges:
            unknown = [n for n in edge.between if n.casefold() not in names]
            if unknown:
                raise ValueError(f"edge {edge.id}: {', '.join(unknown)} is not a panel")
            ends = {n.casefold() for n in edge.between}
            stray = [n for n in edge.blend or () if n.casefold() not in ends]
            if stray:
                raise ValueError(f"edge {edge.id}: blends {', '.join(stray)}, not one of its ends")
        return self

    @functools.cached_property
    def _panels(self) -> NameIndex[Panel]:
        return NameIndex((p.category, p) for p in self.panels)

    def panel(self, category: str) -> Panel | None:
        return self._panels.get(category)

    def neighbours(self, panel: Panel, side: Side | None) -> list[tuple[Edge, Panel, Side | None]]:
        """The panels touching ``panel`` at ``side``, each with the edge that joins them."""
        out: list[tuple[Edge, Panel, Side | None]] = []
        for edge, other in self._touching(panel):
            if not other.sided:
                out.append((edge, other, None))
            elif panel.sided:
                out.append((edge, other, side))
            else:
                out.extend((edge, other, s) for s in _SIDES)
        return out

    def _touching(self, panel: Panel) -> list[tuple[Edge, Panel]]:
        """The edges of ``panel`` and the panel at their other end, worked out once per panel
        (every refinished panel of every report asked for them again)."""
        known = self._edges_of.get(id(panel))
        if known is not None and known[0] is panel:
            return known[1]
        found: list[tuple[Edge, Panel]] = []
        for edge in self.edges:
            ends = [self.panel(n) for n in edge.between]
            if panel not in ends:
                continue
            other = ends[1] if ends[0] == panel else ends[0]
            assert other is not None  # validated: every end is a panel
            found.append((edge, other))
        if len(self._edges_of) < len(self.panels) * 2:  # the file's own panels: bounded
            self._edges_of[id(panel)] = (panel, found)
        return found

    @functools.cached_property
    def _edges_of(self) -> dict[int, tuple[Panel, list[tuple[Edge, Panel]]]]:
        return {}

    def blends(self, a: Panel, b: Panel) -> bool:
        """True when a refinish of ``a`` calls for a blend of ``b``: one material, blended."""
        return a.material == b.material and a.material in self.blend_materials

    def edge(self, a: PanelKey, b: PanelKey) -> Edge | None:
        """The edge joining two panels at their sides, or None when they do not touch."""
        for edge, other, side in self.neighbours(*a):
            if other == b[0] and side == b[1]:
                return edge
        return None


def load_adjacency(path: str | Path | None = None) -> Adjacency:
    """The packaged adjacency, or your own file at ``path``."""
    return load_data(Adjacency, "adjacency.json", path)


def _flanked(adjacency: Adjacency, panel: Panel, painted: set[PanelKey]) -> bool:
    """True when ``panel`` is a flanked panel with refinished neighbours on its left and right."""
    if panel.category.casefold() not in {n.casefold() for n in adjacency.blend_when_flanked}:
        return False
    sides = {
        side for _, other, side in adjacency.neighbours(panel, None) if (other, side) in painted
    }
    return set(_SIDES) <= sides


def _where(panel_name: str, side: Side | None) -> str:
    return f"{side} {panel_name}" if side else panel_name


def blends(
    works: Sequence[Work],
    adjacency: Adjacency,
    labour: LabourTimes,
    body_class: BodyClass,
    present: Callable[[str], CategoryRef | None],
) -> tuple[list[Work], list[ReportWarning]]:
    """The blends the refinished panels call for, and warnings for missing times.

    ``present`` gives the build's catalog category for a panel name, or None
    when the vehicle has no such panel (no rear doors on a 3-door).
    """
    if not adjacency.blend_materials:
        return [], []
    refinished: list[tuple[PanelKey, Work]] = []
    for w in works:
        panel = adjacency.panel(w.category.name) if w.kind == "refinish" and w.on_part else None
        if panel is not None:
            refinished.append(((panel, w.position.side), w))
    painted = {key for key, _ in refinished}
    out: list[Work] = []
    warnings: list[ReportWarning] = []
    done: set[PanelKey] = set()
    for (panel, side), source in refinished:
        for edge, other, other_side in adjacency.neighbours(panel, side):
            key = (other, other_side)
            if key in painted or key in done or not adjacency.blends(panel, other):
                continue
            if not edge.blends_into(other) and not _flanked(adjacency, other, painted):
                continue
            category = present(other.category)
            if category is None:
                continue
            done.add(key)
            timed = _blend_time(category, labour, body_class, warnings)
            if timed is None:
                continue
            hours, how, times = timed
            out.append(
                Work(
                    kind="blend",
                    description="Blend into the adjacent new paint",
                    category=category,
                    position=Position(axle=other.axle, side=other_side),
                    hours=hours,
                    why=(
                        f"The {_where(source.category.name, side)} is refinished: the "
                        f"{_where(category.name, other_side)} next to it is blended so the colour "
                        f"matches across the gap ({how})."
                    ),
                    source=source.source,
                    rule=edge.id,
                    times=times,
                )
            )
    return out, warnings


def _blend_time(
    category: CategoryRef, labour: LabourTimes, body_class: BodyClass, warnings: list[ReportWarning]
) -> tuple[Decimal, str, str] | None:
    """A panel's blend hours, how they were found and its times row; None (warned) if untimed."""
    found = labour.times(category.name, body_class)
    refinish = found[0].refinish if found else None
    if found is None or refinish is None:
        warnings.append(
            ReportWarning(
                code="no_labour_time",
                part=category.name,
                message=f"no refinish time for {category.name} ({body_class}) in the labour times: "
                f"its blend is not estimated",
            )
        )
        return None
    share = labour.blend_share
    own = found[0].blend
    hours = own if own is not None else round_hours(refinish * share)
    how = (
        f"its {own} h blend time"
        if own is not None
        else f"{share} of its {refinish} h refinish time"
    )
    return hours, how, found[1]


def asked_blends(
    parts: Sequence[Part],
    blended: Sequence[Work],
    labour: LabourTimes,
    body_class: BodyClass,
) -> tuple[list[Work], list[ReportWarning]]:
    """The blends the words ask for on panels named only as blend targets, once each.

    "Blend into the LF door" is a blend of that door even where the adjacency
    would blend nothing (next to a plastic bumper), and never a refinish of it.
    """
    have = {(w.category.id, w.position.side) for w in blended}
    out: list[Work] = []
    warnings: list[ReportWarning] = []
    for part in parts:
        if not part.blend:
            continue
        sided = [w for w in blended if w.category.id == part.category.id]
        if part.position.side is not None:
            sided = [w for w in sided if w.position.side == part.position.side]
        if len(sided) == 1:
            # "Blend door 0.8h": the one door the refinish blends already takes the hours.
            given = dict(part.stated).get("blend")
            if given is not None:
                sided[0].hours = given
                sided[0].why += f" {given} h as the report states, not the labour times."
            continue
        if (part.category.id, part.position.side) in have:
            continue
        have.add((part.category.id, part.position.side))
        timed = _blend_time(part.category, labour, body_class, warnings)
        if timed is None:
            continue
        hours, how, times = timed
        given = dict(part.stated).get("blend")
        if given is not None:
            hours, how = given, f"{given} h as the report states, not the labour times"
        out.append(
            Work(
                kind="blend",
                description="Blend, as the report asks",
                category=part.category,
                position=part.position,
                hours=hours,
                why=(
                    "The report asks for this panel to be blended, and names no damage to it "
                    f"({how})."
                ),
                source=part.source,
                rule="blend-asked",
                times=times,
            )
        )
    return out, warnings


def deduct_overlaps(works: Sequence[Work], adjacency: Adjacency, labour: LabourTimes) -> None:
    """Deduct the overlap, once, from each panel adjacent to a larger one with the same work.

    Panels are taken largest time first (then by category and side, so the
    result does not depend on the order of the report); each later panel that
    touches an earlier one has ``overlap.replace`` or ``overlap.refinish``
    hours deducted, never below zero.
    """
    cuts = labour.overlap
    for kind, overlap in (("replace", cuts.replace), ("refinish", cuts.refinish)):
        if overlap == 0:
            continue
        keyed: list[tuple[PanelKey, Work]] = []
        for w in works:
            panel = adjacency.panel(w.category.name) if w.kind == kind and w.on_part else None
            if panel is not None:
                keyed.append(((panel, w.position.side), w))
        keyed.sort(key=lambda kw: (-kw[1].hours, kw[1].category.id, kw[1].position.side or ""))
        seen: list[tuple[PanelKey, Work]] = []
        for key, w in keyed:
            touching = next(((k, o) for k, o in seen if adjacency.edge(k, key)), None)
            seen.append((key, w))
            if touching is None or w.hours == 0:
                continue
            cut = min(overlap, w.hours)
            w.hours -= cut
            other = touching[1]
            w.why += (
                f" Less {cut} h overlap with the {_where(other.category.name, other.position.side)}"
                f", {'replaced' if kind == 'replace' else 'refinished'} too."
            )


def deduct_shared_access(works: Sequence[Work], labour: LabourTimes) -> None:
    """Parts removed together pay their common access once: each after the longest loses it."""
    for group in labour.shared_access:
        names = frozenset().union(*(names_of(n) for n in group.categories))
        replaced = [
            w
            for w in works
            if w.on_part
            and w.kind in ("replace", "remove_refit")
            and w.category.name.casefold() in names
        ]
        replaced.sort(key=lambda w: (-w.hours, w.category.id, w.position.side or ""))
        for w in replaced[1:]:
            cut = min(group.hours, w.hours)
            if cut == 0:
                continue
            w.hours -= cut
            w.why += (
                f" Less {cut} h shared access with the {replaced[0].category.name} "
                f"({group.id}): {group.why}"
            )
