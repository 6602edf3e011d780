"""One part named twice is one part: the reader keeps one line for it, the worse damage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .._models import Severity
from .results import ReadPart
from .vocabulary import LEXICON

__all__ = ["same_part_once"]

_PRICED = LEXICON.confidence.price_threshold


def same_part_once(parts: Sequence[ReadPart]) -> list[ReadPart]:
    """One part named twice is one part: "the O/S front door is dented ... the door won't
    open" (the part without a side, beside the one part of its kind with one), or a part
    in the story and again with its damage ("reversed into the rear bumper, bumper
    cracked"). The part kept takes the worse damage."""
    priced = [p for p in parts if p.confidence >= _PRICED]
    into: dict[int, ReadPart] = {}
    dropped: set[int] = set()
    for k, p in enumerate(parts):
        same = [
            j
            for j, q in enumerate(parts)
            if j != k
            and j not in dropped
            and q in priced
            and q.category.id == p.category.id
            and q.position.axle == p.position.axle
            and q.quantity == p.quantity
        ]
        sided = [j for j in same if parts[j].position.side is not None]
        if p.confidence < _PRICED and any(parts[j].position.side == p.position.side for j in same):
            dropped.add(k)
        elif p.position.side is None and len(sided) == 1 and not p.ambiguous:
            dropped.add(k)
            j = sided[0]
            kept = into.get(j, parts[j])
            if _RANK[p.severity] > _RANK[kept.severity]:
                into[j] = replace(kept, severity=p.severity, damage_kinds=p.damage_kinds)
    return [into.get(k, p) for k, p in enumerate(parts) if k not in dropped]


_RANK = {Severity.MINOR: 0, Severity.MODERATE: 1, Severity.SEVERE: 2}
