"""What the words ask of a part, against the severity's policy row: an operation ("req.
replacement", "can be repaired", "just needs a paint"), or its broken tabs repaired."""

from __future__ import annotations

from ..._models import ReportWarning, Severity
from ..need import Need
from ._phrases import CLAUSE, affirmed_phrases, normalised
from .evidence import Evidence
from .policy import DecidedOperation, PolicyRow, RepairPolicy

__all__ = ["asked_row", "tab_row"]


def asked_row(
    need: Need,
    row: PolicyRow,
    policy: RepairPolicy,
    evidence: Evidence,
    group: str | None,
    segment: str,
) -> tuple[PolicyRow, ReportWarning | None]:
    """The policy row for the operation the words ask ("replace", "reuse"), and a note when
    the severity's row would decide otherwise; the row as it is when nothing is asked."""
    action = evidence.action(segment, (need.position.axle, need.position.side))
    only = action == "refinish"
    if action is None or (row.operations == ("refinish",) if only else action in row.operations):
        return row, None
    severity = {"replace": Severity.SEVERE, "repair": Severity.MODERATE}.get(action, Severity.MINOR)
    wanted = policy.decide(need.category.name, severity, group)
    if (wanted.operations != ("refinish",)) if only else action not in wanted.operations:
        return row, None  # the policy has no such row for this kind of part (a lamp)
    said = {"replace": "a new part", "repair": "a repair"}.get(action, "a refinish only")
    instead = (
        "a repair"
        if "repair" in row.operations
        else ("a new part" if "replace" in row.operations else "a refinish only")
    )
    rule = f"{wanted.id[:50]}-as-asked"
    why = f"The report asks for {said}: done as asked ({wanted.why})"
    where = f" ({need.position.side})" if need.position.side else ""
    note = ReportWarning(
        code="operation_asked",
        part=need.category.name,
        message=f"{need.category.name}{where}: {said} as the report asks; the policy for "
        f"{need.severity.value} damage would be {instead}",
    )
    return wanted.model_copy(update={"id": rule, "why": why}), note


def tab_row(row: PolicyRow, evidence: Evidence, segment: str) -> PolicyRow:
    """Broken tabs repaired ("tab repair", "weld the lugs"): the part is kept and repaired
    (at the tab hours), never bought or removed and refitted; refinished only when asked."""
    words = evidence.stated_hours_words.get("refinish", ())
    paint = any(
        affirmed_phrases(words, c, evidence.denials) for c in CLAUSE.split(normalised(segment))
    )
    ops: tuple[DecidedOperation, ...] = ("repair", "refinish") if paint else ("repair",)
    return row.model_copy(
        update={
            "id": f"{row.id[:50]}-tab-repair",
            "operations": ops,
            "why": "Broken mounting tabs are repaired (plastic welded or a tab kit); the part "
            "itself is kept.",
        }
    )
