"""Work asked of a list of parts ("transfer the plate lamp and badge"): each part's.

A refit or check word stands once in a list, before its first part or after its
last; the list's other parts take it where they say no damage of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from .mentions import Segment
from .tags import Kind

__all__ = ["carry_work"]

_LIST = frozenset({Kind.COMMA, Kind.COORD})
_ACTION = frozenset({Kind.ACTION})
_PART = frozenset({Kind.PART})


def carry_work(segments: Sequence[Segment]) -> None:
    """Work asked of a list is asked of each of its parts that says no damage of its own:
    forward from work said before its part ("transfer the plate lamp and badge"), back from
    work said after it ("wiper motor and plate lamp to be swapped over", "the tail lamp is
    fine and to be reused": a part to refit may be said to be fine)."""

    def takes(seg: Segment, action: str, bare: bool = False) -> bool:
        """``bare``: the work has no part of its own ("fine and to be reused")."""
        said_fine = seg.denied or any(t.kind is Kind.NEG for t in seg.tags)
        fine = (bare and action == "refit") or not said_fine
        return (
            bool(seg.mentions)
            and seg.action is None
            and seg.severity is None
            and fine
            and not any(t.kind in (Kind.NARR, Kind.TOTAL) for t in seg.tags)
        )

    def give(seg: Segment, action: Literal["refit", "check"]) -> None:
        seg.action, seg.denied, seg.kind_denied = action, False, False

    def first(seg: Segment, kinds: frozenset[Kind]) -> int:
        return next((i for i, t in enumerate(seg.tags) if t.kind in kinds), len(seg.tags))

    for k, seg in enumerate(segments):
        action = seg.action
        if action is None or not seg.mentions or first(seg, _ACTION) > first(seg, _PART):
            continue
        for nxt in segments[k + 1 :]:
            if nxt.joiner not in _LIST or not takes(nxt, action):
                break
            give(nxt, action)
    for k in range(len(segments) - 1, 0, -1):
        seg = segments[k]
        action = seg.action
        if action is None or (seg.mentions and first(seg, _ACTION) < first(seg, _PART)):
            continue
        j, bare = k, not seg.mentions
        while j > 0 and segments[j].joiner in _LIST and takes(segments[j - 1], action, bare):
            give(segments[j - 1], action)
            j -= 1
