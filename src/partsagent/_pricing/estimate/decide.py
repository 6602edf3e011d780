"""From needs to work: what the policy decides per part, then the hours of every operation.

A damaged part is decided at its severity (``Need.severity``); a part the
propagation rules added is decided at the policy's ``secondary_severity``;
consumables are bought, with no operation. What the words say of a part moves
the decision (``evidence.json``): knocked loose but sound is refitted; a dent's
size picks its repair time, or rules paintless repair out, or calls for a new
panel; hail dents are timed by their count; a part inside a new assembly (the
glass of a new mirror) is not bought again. The work is the decided
operations with their hours from the labour times, the blends, the included
operations, then the overlap deductions, in one canonical order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from ..._models import Axle, Position, ReportWarning, Severity, Side, WarningCode
from ..names import names_of
from ..need import Need
from ..propagation import Rule, rules_adding
from ..report import CategoryRef, OperationKind
from ._work import Part, Work
from .blend import asked_blends, blends, deduct_overlaps, deduct_shared_access
from .data import EstimateData
from .evidence import DentSize, Evidence
from .hail import hail_count_of
from .labour import BodyClass
from .operations import included_work
from .policy import DecidedOperation, PolicyRow, refit_row
from .said import Said

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
STATED_HOURS = "{hours} h as the report states: taken from its words, not the labour times."
"""The note on an operation whose hours the report gave ("repair 2.0h")."""


@dataclass(frozen=True, slots=True)
class Decision:
    """A need and what the policy decided for it; ``row`` is None for a consumable."""

    need: Need
    row: PolicyRow | None
    repair_at: Severity | None = None
    """The repair-time column the dent's size chose, when it differs from the severity."""
    repair_hours: Decimal | None = None
    """Paintless repair hours from the dent or hail tables."""
    repair_label: str | None = None
    note: ReportWarning | None = None
    """What the estimator should know about this decision (a warning)."""
    included_in: str | None = None
    """The new assembly this part comes inside (a mirror's glass): no line, no operation."""
    not_damaged: Literal["blend", "equipment", "refit"] | None = None
    """Named only as a blend target ("blend into the LF door": blended), as the carrier
    of equipment ("the mirror has the 360 camera": not worked on) or as work only ("R&I
    grille": removed and refitted): not damaged, not bought."""
    possible: bool = False
    """A secondary part of a light or moderate impact: not bought, to confirm at teardown."""
    stated: tuple[tuple[str, Decimal], ...] = ()
    """Hours the words give per operation ("repair 2.0h"): they win over the labour times."""
    sublet: bool = False
    """The words send this part's work to a specialist ("sublet screen", "glass company")."""
    end: Axle | None = None
    """The end of the car a part with no axle is at, by its words ("tailgate badge": rear)."""

    @property
    def operations(self) -> tuple[DecidedOperation, ...]:
        if self.row is None or self.included_in is not None or self.possible:
            return ()
        if self.not_damaged in ("blend", "equipment"):
            return ()
        return self.row.operations

    @property
    def bought(self) -> bool:
        """True when the part gets a parts line: it is replaced, or it is a consumable."""
        return (
            self.included_in is None
            and not self.not_damaged
            and not self.possible
            and (self.row is None or "replace" in self.row.operations)
        )


def decide(
    needs: Sequence[Need],
    data: EstimateData,
    groups: Mapping[str, str],
    said: Said | None = None,
    words: Mapping[tuple[str, Axle | None, Side | None], str] | None = None,
) -> list[Decision]:
    """The policy's decision for each need; ``groups`` gives catalog groups by category id.

    ``words`` are the damaged parts' own words by (category id, axle, side), when the
    needs no longer carry them: a part's size or looseness is read from them.
    """
    said = said if said is not None else Said()
    own = dict(words or {})
    out = []
    for need in needs:
        if need.reason == "consumable":
            out.append(Decision(need, None))
            continue
        severity = need.severity if need.reason == "damaged" else data.policy.secondary_severity
        group = groups.get(need.category.id)
        kinds = need.damage_kinds if need.reason == "damaged" else ()
        row = data.policy.decide(need.category.name, severity, group, kinds)
        if need.reason != "damaged":
            out.append(_secondary(need, row, needs, data, said, own))
            continue
        text = _words_of(need, own)
        heading = said.heading_of(text)
        segment = said.segment(text, own.values())
        stated = _stated(data.evidence.stated_hours(segment))
        if need.refit_only or data.evidence.refit_asked(segment):
            out.append(
                Decision(need, refit_row(row, asked=True), not_damaged="refit", stated=stated)
            )
        elif (
            data.evidence.is_blend_target(text)
            or (heading and data.evidence.is_blend_target(f"{heading}: {text}"))
            or said.blend_listed(text, data.evidence)
            or data.evidence.blended_after(text, segment)
        ):
            out.append(Decision(need, row, not_damaged="blend", stated=stated))
        elif data.evidence.only_equipment(text):
            out.append(Decision(need, row, not_damaged="equipment"))
        elif data.evidence.is_loose(said.clause_of(text)):
            out.append(Decision(need, refit_row(row), stated=stated))
        else:
            row, asked = _asked(need, row, data, group, segment)
            decided = _dent(need, text, row, data, said, group, segment, own.values())
            if asked and not decided.note:
                decided = replace(decided, note=asked)
            out.append(replace(decided, stated=stated) if stated else decided)
        if data.evidence.sublet(segment) and out[-1].operations:
            where = f" ({need.position.side})" if need.position.side else ""
            note = _warning(
                "sublet",
                need,
                f"SUBLET: the report sends the {need.category.name}{where} to a specialist: its "
                "work is a sublet, priced at the in-house time until their price is known; "
                "replace it with their invoice",
            )
            out[-1] = replace(out[-1], sublet=True, note=note)
    return [_at_end(d, data.evidence, own) for d in _assemblies(out, data)]


def _at_end(
    decision: Decision,
    evidence: Evidence,
    own: Mapping[tuple[str, Axle | None, Side | None], str],
) -> Decision:
    """The decision with the end of the car its words name, for a part with no axle."""
    need = decision.need
    if need.position.axle is not None or need.reason != "damaged":
        return decision
    end = evidence.end_of(_words_of(need, own))
    return replace(decision, end=end) if end else decision


def _warning(code: WarningCode, need: Need, message: str) -> ReportWarning:
    return ReportWarning(code=code, message=message, part=need.category.name)


def _asked(
    need: Need, row: PolicyRow, data: EstimateData, group: str | None, segment: str
) -> tuple[PolicyRow, ReportWarning | None]:
    """The policy row for the operation the words ask ("replace", "reuse"), and a note when
    the severity's row would decide otherwise; the row as it is when nothing is asked."""
    action = data.evidence.action(segment)
    if action is None or action in row.operations:
        return row, None
    if action == "replace":
        wanted = data.policy.decide(need.category.name, Severity.SEVERE, group)
    else:
        wanted = data.policy.decide(need.category.name, Severity.MODERATE, group)
    if action not in wanted.operations:
        return row, None  # the policy has no such row for this kind of part (a lamp)
    said = "a new part" if action == "replace" else "a repair"
    policy = (
        "a repair"
        if "repair" in row.operations
        else ("a new part" if "replace" in row.operations else "a refinish only")
    )
    rule = f"{wanted.id[:50]}-as-asked"
    why = f"The report asks for {said}: done as asked ({wanted.why})"
    where = f" ({need.position.side})" if need.position.side else ""
    note = _warning(
        "operation_asked",
        need,
        f"{need.category.name}{where}: {said} as the report asks; the policy for "
        f"{need.severity.value} damage would be {policy}",
    )
    return wanted.model_copy(update={"id": rule, "why": why}), note


def _words_of(need: Need, own: Mapping[tuple[str, Axle | None, Side | None], str]) -> str:
    pos = need.position
    return own.get((need.category.id, pos.axle, pos.side), need.component)


def _stated(found: Sequence[tuple[str | None, Decimal]]) -> tuple[tuple[str, Decimal], ...]:
    """Hours given in the words, by operation; hours with no operation word are the part's
    main work (its repair, else its only operation), kept under "*"."""
    out: dict[str, Decimal] = {}
    for op, hours in found:
        out.setdefault(op or "*", hours)
    return tuple(out.items())


def _secondary(
    need: Need,
    row: PolicyRow,
    needs: Sequence[Need],
    data: EstimateData,
    said: Said,
    words: Mapping[tuple[str, Axle | None, Side | None], str],
) -> Decision:
    """A secondary part, firm only when a part that brings it is damaged enough.

    The propagation rules add a bumper's clips or brackets for the damage they
    usually go with; below a rule's ``firm_from``, or where a ``firm_when_said``
    rule's part has words that give no grounds for damage behind it ("scraped,
    replace cover"), or in an estimator's itemised list (its scope is what it lists,
    whatever the rule), there is no evidence they are damaged, so they are not bought
    and a warning asks to confirm them at teardown.
    """
    rules = rules_adding(need.category.name, data.secondary_parts)
    triggers = [
        (rule, n)
        for rule in rules
        for n in needs
        if n.reason == "damaged"
        and any(n.category.name.casefold() in names_of(w) for w in rule.when)
        and rule.applies(n.severity)
    ]

    def firm(rule: Rule, n: Need) -> bool:
        if not rule.firm(n.severity) or said.itemised:
            return False
        if not rule.firm_when_said:
            return True
        text = _words_of(n, words)
        return data.evidence.reaches_behind(said.sentence_of(text), said.clause_around(text))

    if not triggers or any(firm(rule, n) for rule, n in triggers):
        return Decision(need, row)
    by = ", ".join(dict.fromkeys(f"{n.category.name} ({n.severity.value})" for _, n in triggers))
    where = f" ({need.position.side})" if need.position.side else ""
    return Decision(
        need,
        row,
        possible=True,
        note=ReportWarning(
            code="confirm_at_teardown",
            part=need.category.name,
            message=f"possible, confirm at teardown: {need.category.name}{where} may be needed for "
            f"the {by} but nothing says it is damaged; not priced, add it if found",
        ),
    )


def _dent(
    need: Need,
    text: str,
    row: PolicyRow,
    data: EstimateData,
    said: Said,
    group: str | None,
    segment: str,
    others: Collection[str] = (),
) -> Decision:
    """A damaged part's decision, with its dent's size or hail count (from ``text``)."""
    evidence = data.evidence
    panel = data.adjacency.panel(need.category.name)
    metal = panel is not None and panel.material == "metal"
    if said.hail and metal and "repair" in row.operations:
        count = hail_count_of(text, said, evidence, others)
        counted = count is not None
        count = count if count is not None else evidence.hail.default_count
        band = evidence.hail.band(count)
        unsure = "" if counted else f" (no count given: priced as {count}; give the count)"
        if band.pdr is None:
            return Decision(
                need,
                row,
                repair_at=Severity.SEVERE,
                note=ReportWarning(
                    code="hail_too_many",
                    part=need.category.name,
                    message=f"{need.category.name}: about {count} hail dents are too many for "
                    f"paintless repair: repaired and refinished; check whether a new panel costs "
                    f"less{unsure}",
                ),
            )
        return Decision(
            need,
            _paintless(row, "hail", f"Hail: about {count} dents worked out paintless."),
            repair_hours=band.pdr,
            repair_label=f"Paintless hail repair (about {count} dents)",
            note=ReportWarning(
                code="hail_count_assumed",
                part=need.category.name,
                message=f"{need.category.name}: hail dent count not given; priced as {count}; "
                "give the count per panel",
            )
            if not counted
            else None,
        )
    paintless = need.paint_intact or evidence.paintless(segment)
    size = evidence.size(_own_or_sentence(text, said, evidence))
    if paintless and size is None and "repair" in row.operations:
        return _pdr(need, row, evidence, segment, None)
    asked = evidence.paintless(segment) and not evidence.reaches_behind_in(segment)
    if asked and "replace" in row.operations and (size is None or size.pdr is not None):
        # Asked for paintless repair: a dent it can work out is repaired, whatever the
        # severity word ("badly dented, PDR"); a part the policy replaces at any severity
        # (a lamp) has no repair row and stays replaced.
        moderate = data.policy.decide(need.category.name, Severity.MODERATE, group)
        if "repair" in moderate.operations:
            return _pdr(need, moderate, evidence, segment, size)
    if paintless and size is not None and size.pdr is None and "replace" in row.operations:
        note = f"{need.category.name}: a {size.id} dent is too large for paintless repair "
        told = note + "(the report asks for it): the panel is replaced"
        return Decision(need, row, note=_warning("dent_too_large", need, told))
    size = size if "repair" in row.operations else None
    if size is None:
        return Decision(need, row.paint_intact() if paintless else row)
    past = (
        f"{need.category.name}: a {size.id} dent is too large for paintless repair (the "
        "report asks for it): "
        if paintless
        else None
    )
    if size.repair == "replace":
        new = data.policy.decide(need.category.name, Severity.SEVERE, group)
        if "replace" in new.operations:
            why = f"A {size.id} dent is past repair: the panel is replaced."
            rule = f"{new.id[:40]}-dent-{size.id}"[:64]
            warned = (
                _warning("dent_too_large", need, f"{past}the panel is replaced") if past else None
            )
            return Decision(need, new.model_copy(update={"id": rule, "why": why}), note=warned)
        return Decision(need, row, repair_at=Severity.SEVERE)
    if paintless and size.pdr is not None:
        return _pdr(need, row, evidence, segment, size)
    warned = _warning("dent_too_large", need, f"{past}repaired and refinished") if past else None
    return Decision(need, row, repair_at=size.repair, note=warned)


def _pdr(
    need: Need, row: PolicyRow, evidence: Evidence, segment: str, size: DentSize | None
) -> Decision:
    """Paintless repair as asked: the PDR table's hours for the dent's size, per dent counted."""
    note = None
    if size is None:
        default = evidence.dent_count_default_size
        size = next((s for s in evidence.dent_sizes if s.id == default), None)
        if size is None or size.pdr is None:
            return Decision(need, row.paint_intact())
        note = _warning(
            "dent_size_assumed",
            need,
            f"{need.category.name}: paintless repair with no dent size given: timed as a "
            f"{size.id} dent; give the size",
        )
    assert size.pdr is not None
    count = evidence.dent_count(segment) or 1
    dents = f"{count} {size.id} dents" if count > 1 else f"{size.id} dent"
    return Decision(
        need,
        row.paint_intact(),
        repair_hours=size.pdr * count,
        repair_label=f"Paintless dent repair ({dents})",
        note=note,
    )


def _own_or_sentence(component: str, said: Said, evidence: Evidence) -> str:
    """A part's own words when they give a size, else its sentence when that gives one size.

    "O/S wing dented, about the size of a dinner plate" reads the wing's dent
    from its sentence; a sentence with two sizes gives each part only its own.
    """
    if evidence.size(component) is not None:
        return component
    sentence = said.about(component)
    return sentence if len(evidence.sizes_in(sentence)) == 1 else component


def _paintless(row: PolicyRow, tag: str, why: str) -> PolicyRow:
    ops = tuple(op for op in row.operations if op != "refinish")
    return row.model_copy(update={"id": f"{row.id[:50]}-{tag}", "operations": ops, "why": why})


def _assemblies(decisions: list[Decision], data: EstimateData) -> list[Decision]:
    """Mark the parts a new assembly at the same place brings with it (a mirror's glass)."""
    new = [d.need for d in decisions if d.row is not None and "replace" in d.row.operations]
    out = []
    for d in decisions:
        inside = next(
            (
                (n, a)
                for n in new
                if n.position.side == d.need.position.side
                and (a := data.policy.assembly(n.category.name, d.need.category.name)) is not None
            ),
            None,
        )
        if inside is None or d.row is None:
            out.append(d)
            continue
        n, a = inside
        where = f" ({d.need.position.side})" if d.need.position.side else ""
        note = ReportWarning(
            code="comes_with_assembly",
            part=d.need.category.name,
            message=f"{d.need.category.name}{where}: comes with the new {n.category.name} ({a.id})",
        )
        out.append(replace(d, included_in=n.category.name, note=note))
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
        operations=decision.operations,
        rule=row.id,
        why=row.why,
        source="llm" if need.source == "llm" else "rule",
        line=line,
        paintless=(need.paint_intact or decision.repair_hours is not None)
        and "refinish" not in row.operations,
        repair_at=decision.repair_at,
        repair_hours=decision.repair_hours,
        repair_label=decision.repair_label,
        blend=decision.not_damaged == "blend",
        stated=_by_operation(decision.stated, decision.operations),
        sublet=decision.sublet,
        end=decision.end,
    )


def _by_operation(
    stated: Sequence[tuple[str, Decimal]], operations: Sequence[DecidedOperation]
) -> tuple[tuple[str, Decimal], ...]:
    """Stated hours by operation: hours with no operation word go to the main one."""
    out = dict(stated)
    main = "repair" if "repair" in operations else (operations[0] if operations else "blend")
    if "*" in out:
        out.setdefault(main, out.pop("*"))
        out.pop("*", None)
    return tuple(out.items())


def work_for(
    parts: Sequence[Part],
    data: EstimateData,
    body_class: BodyClass,
    equipment: Collection[str],
    present: Callable[[str], CategoryRef | None],
    said: Said | None = None,
    unsure: Collection[str] = (),
) -> tuple[list[Work], list[ReportWarning]]:
    """Every operation of the estimate with its hours, in canonical order, and warnings;
    ``unsure``: equipment only some variants of the build have, the words not naming it."""
    works: list[Work] = []
    warnings: list[ReportWarning] = []
    stated: dict[tuple[str, str, Position], Decimal] = {}
    for part in parts:
        found = data.labour.times(part.category.name, body_class)
        for op in part.operations:
            hours: Decimal | None = None
            if found is not None:
                t = found[0]
                at = part.repair_at or part.severity
                hours = t.repair.at(at) if op == "repair" and t.repair else None
                if op != "repair":
                    hours = getattr(t, op)
            if op == "repair" and part.repair_hours is not None:
                hours = part.repair_hours
            why = part.why
            given = dict(part.stated).get(op)
            if given is not None:
                hours = given
                why += f" {STATED_HOURS.format(hours=given)}"
                stated[(op, part.category.id, part.position)] = given
            if hours is None:
                warnings.append(
                    ReportWarning(
                        code="no_labour_time",
                        part=part.category.name,
                        message=f"no {op} time for {part.category.name} ({body_class}) in the "
                        "labour times: estimated at 0.0 h; add it to your labour file",
                    )
                )
            label = _LABEL[op] + (f" ({part.severity.value} damage)" if op == "repair" else "")
            if op == "repair" and part.paintless:
                label = "Paintless dent " + label.lower()
            if op == "repair" and part.repair_label:
                label = part.repair_label
            if given is not None:
                label += f", {given} h as stated"
            if part.sublet:
                label = f"Sublet to a specialist, as the report asks: {label.lower()}"
            works.append(
                Work(
                    kind="sublet" if part.sublet else op,
                    description=label,
                    category=part.category,
                    position=part.position,
                    hours=hours if hours is not None else _ZERO,
                    why=why,
                    source=part.source,
                    rule=part.rule,
                    times=found[1] if found is not None else None,
                    line=part.line,
                    on_part=not part.sublet,
                    sublet_of=op if part.sublet else None,
                )
            )
    blended: list[Work] = []
    if said is None or not said.no_blend:
        blended, notes = blends(works, data.adjacency, data.labour, body_class, present)
        warnings += notes
    asked, notes = asked_blends(parts, blended, data.labour, body_class)
    blended += asked
    warnings += notes
    lacking = said.lacks if said is not None else ()
    included, notes = included_work(
        parts, data.included, data.labour, body_class, equipment, present, lacking, unsure
    )
    warnings += notes
    # A refit the words ask for that an included operation already does ("transfer the
    # sensors" to a new bumper) is paid once: at the hours the words give, if any, else at
    # the included operation's time.
    for w in included:
        given = stated.get((w.kind, w.category.id, w.position))
        if given is not None:
            w.hours = given
            w.description += f", {given} h as stated"
            w.why += f" {STATED_HOURS.format(hours=given)}"
    done = {(w.kind, w.category.id, w.position) for w in included}
    works = [
        w
        for w in works
        if w.kind != "remove_refit" or (w.kind, w.category.id, w.position) not in done
    ]
    works += blended + included
    deduct_overlaps(works, data.adjacency, data.labour)
    deduct_shared_access(works, data.labour)
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
