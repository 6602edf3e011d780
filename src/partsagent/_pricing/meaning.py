"""The report the cache shares, and each caller's report made from it.

``price_plan`` prices a plan with every word of the caller taken out
(``without_words``); what it gives, a ``Meaning``, is what the report cache may
share. ``in_their_words`` puts one caller's words back on it: what each line was
called and why, how sure the reading is, what was not priced, the report-wide
warnings (an inspection, a total loss, parts not priced, the vehicle) and the
confidence. A damaged need under the price threshold is never priced, whichever
planner made it: it goes to ``not_priced`` with its guesses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from .._models import ReportWarning
from .._reading.reader import PRICE_THRESHOLD, low_confidence
from .._reading.results import UnreadPhrase
from .estimate import EstimateData
from .estimate._phrases import find_phrases, normalised
from .estimate.evidence import Evidence
from .estimate.policy import RepairPolicy
from .lines import REASON_ORDER
from .need import Need
from .plan import Plan
from .report import Build, PartsReport, Ref, ReportLine, ReportVehicle

__all__ = [
    "Meaning",
    "dedupe",
    "in_their_words",
    "not_priced",
    "once",
    "priced_needs",
    "report_vehicle",
    "without_words",
]


@dataclass(frozen=True, slots=True)
class Meaning:
    """A report priced from a plan without its words: what the report cache may share.

    Parts, prices, operations and totals; no phrase, reason, note, VIN or
    confidence of any caller. Only ``in_their_words`` turns it into a report.
    """

    report: PartsReport
    escalate: tuple[str, ...] = ()
    """The evidence words of structure or deployed airbags ('b pillar'): a banner first."""


def without_words(plan: Plan) -> Plan:
    """The plan with every word of the caller taken out, and its needs in canonical order.

    A need is named by its catalog category; reasons, guesses and confidences
    (the reading's) are dropped, and so are the unread phrases, the planner's
    warnings and trace, and how the vehicle was found (its VIN, its notes).
    Equal meanings give equal plans, whoever sent them.
    """
    needs = [
        replace(n, component=n.category.name, why="", confidence=1.0, guesses=())
        for n in priced_needs(plan)
    ]
    needs.sort(
        key=lambda n: (
            REASON_ORDER[n.reason],
            n.category.id,
            n.position.axle or "",
            n.position.side or "",
            n.quantity,
            n.severity.value,
            n.paint_intact,
            n.refit_only,
            n.source,
        )
    )
    resolution = plan.resolution.model_copy(
        update={
            "vin": None,
            "notes": (),
            "candidates": (),
            "query": "",
            "resolved_by": "",
            "score": 1.0,
        }
    )
    return Plan(resolution=resolution, needs=needs, incomplete=plan.incomplete)


def in_their_words(meaning: Meaning, plan: Plan, data: EstimateData) -> PartsReport:
    """The report this caller reads: the shared meaning, and everything from its own plan.

    The parts, operations and prices are the meaning's; what each line and damaged
    part was called and why, how sure the reading is, what was not priced, the
    planner's warnings, the vehicle as it was found and the trace are this plan's.
    """
    report = meaning.report
    needs = [
        n for n in dedupe(priced_needs(plan)) if not data.policy.is_paint_material(n.category.name)
    ]
    said = {(n.category.id, n.position): n for n in needs}
    lines = []
    for ln in report.lines:
        need = said.get((ln.category.id, ln.position))
        if need is not None:
            ln = ln.model_copy(
                update={
                    "component": need.component,
                    "why": need.why,
                    "confidence": round(need.confidence, 3),
                }
            )
        lines.append(ln)
    damaged = []
    for r in report.damaged:
        need = said.get((r.category.id, r.position))
        if need is not None:
            r = r.model_copy(
                update={"component": need.component, "confidence": round(need.confidence, 3)}
            )
        damaged.append(r)
    unread = not_priced(plan, data.evidence)
    no_category, no_article = _damage_unpriced(report, unread, data)
    unpriced = [*no_category, *no_article]
    # An incomplete report says so first, before anything else (docs/failures.md).
    first = [
        w for w in report.coded_warnings if w.code == "incomplete_report" and not report.complete
    ]
    warnings = [
        *first,
        *_escalation(meaning.escalate),
        *_total_loss_warning(plan),
        *_lacks(unpriced),
        *_vehicle_warnings(plan),
        *(_coded(w) for w in plan.warnings),
        *report.coded_warnings,
    ]
    confidence = _confidence(
        plan,
        needs,
        lines,
        escalated=bool(meaning.escalate),
        unpriced=len(unpriced),
        priced=len(report.damaged) - len(no_article),
        penalty=data.policy.unpriced_penalty,
        other_body=report.has_warning("vin_body_mismatch")
        or report.has_warning("build_not_in_catalog"),
    )
    confidence, capped = _capped(confidence, _guesses(warnings, unread, data), data.policy)
    return report.model_copy(
        update={
            "vehicle": report_vehicle(plan, report.vehicle.build),
            "lines": tuple(lines),
            "damaged": tuple(damaged),
            "confidence": confidence,
            "not_priced": unread,
            "coded_warnings": once([*warnings, *capped]),
            "total_loss": bool(plan.total_loss),
            "trace": tuple(plan.trace),
            "performance": {"llm_usage": dict(plan.usage)} if plan.usage else {},
        }
    )


def once(warnings: Sequence[ReportWarning]) -> tuple[ReportWarning, ...]:
    """Each message once, where it first comes."""
    seen: dict[str, ReportWarning] = {}
    for w in warnings:
        seen.setdefault(w.message, w)
    return tuple(seen.values())


def _coded(warning: ReportWarning | str) -> ReportWarning:
    """A planner's warning; a plain string (a planner of your own) is a ``planner_note``."""
    if isinstance(warning, str):
        return ReportWarning(code="planner_note", message=warning)
    return warning


def priced_needs(plan: Plan) -> list[Need]:
    """The needs to price: every damaged need at or above the threshold, and what they bring."""
    return [n for n in plan.needs if n.reason != "damaged" or n.confidence >= PRICE_THRESHOLD]


_NOT_TO_CONFIRM = frozenset({"undamaged"})
"""Reasons never listed to confirm: a part said to be fine ("glass ok", "sensors beep") names
nothing damaged (issue 21: the list holds only phrases that may name a damaged part)."""


_WORK_ONLY_REASONS = frozenset({"no_part", "operation"})
"""Reasons of phrases that may be work words alone ("renew", "req"): a part to confirm only
when they carry more than work."""


def not_priced(plan: Plan, evidence: Evidence) -> tuple[UnreadPhrase, ...]:
    """The phrases the plan leaves unpriced that may name a damaged part, and any damaged
    need under the threshold; never a part said to be fine or only to be refitted, nor
    words that only ask work of a part read elsewhere ("tab repair only, refit")."""
    low = [
        low_confidence(n.component, n.category, n.position, n.confidence, n.guesses)
        for n in plan.needs
        if n.reason == "damaged" and n.confidence < PRICE_THRESHOLD
    ]
    # Each phrase once, and never beside the part it priced (a part the catalog lacks, named
    # in the same words as a priced one, is still said).
    priced = {n.component for n in priced_needs(plan) if n.reason == "damaged"}
    out: dict[str, UnreadPhrase] = {}
    for u in (*plan.unread, *low):
        if u.reason in _NOT_TO_CONFIRM or (u.reason == "operation" and u.action_hint == "refit"):
            continue
        if u.reason in _WORK_ONLY_REASONS and evidence.only_work(u.phrase):
            continue
        if u.phrase not in out and (u.phrase not in priced or u.reason == "not_in_catalog"):
            out[u.phrase] = u
    return tuple(out.values())


def dedupe(needs: Sequence[Need]) -> list[Need]:
    """One need per (category, position): damaged beats secondary beats consumable."""
    chosen: dict[tuple[str, str | None, str | None], Need] = {}
    for need in needs:
        slot = (need.category.id, need.position.axle, need.position.side)
        old = chosen.get(slot)
        if (
            old is None
            or REASON_ORDER[need.reason] < REASON_ORDER[old.reason]
            or old.reason == need.reason
            and need.quantity > old.quantity
        ):
            chosen[slot] = need
    return list(chosen.values())


def report_vehicle(plan: Plan, build: Build | None = None) -> ReportVehicle:
    r = plan.resolution
    return ReportVehicle(
        manufacturer=Ref(id=plan.manufacturer.id, name=plan.manufacturer.name),
        model=Ref(id=plan.model.id, name=plan.model.name),
        year=r.year,
        variants=tuple(r.variants),
        resolved_by=r.resolved_by,
        vin=r.vin.vin if r.vin is not None else None,
        notes=tuple(r.notes),
        build=build,
    )


def _vehicle_warnings(plan: Plan) -> list[ReportWarning]:
    """What the caller should know about their vehicle: shown with the report, not only in notes."""
    r = plan.resolution
    warnings = []
    if r.year is None:
        warnings.append(
            ReportWarning(
                code="year_missing",
                message=f"no year given: priced across all {len(r.variants)} variants of "
                f"{plan.model.name}; give the year (or the VIN) to price the right one",
            )
        )
    if r.vin is not None and not r.vin.check_digit_valid:
        warnings.append(
            ReportWarning(
                code="vin_check_digit",
                message=f"the VIN's check digit (9th character of {r.vin.vin}) does not match: "
                "European VINs often carry none, otherwise check the VIN for a typing error",
            )
        )
    return warnings


def _total_loss_warning(plan: Plan) -> list[ReportWarning]:
    if not plan.total_loss:
        return []
    said = ", ".join(repr(w) for w in plan.total_loss)
    return [
        ReportWarning(
            code="total_loss",
            message=f"POSSIBLE TOTAL LOSS: the report says {said}; the vehicle may be a total "
            "loss. Only the parts named are priced; have it assessed before ordering parts",
        )
    ]


_ESCALATED_CONFIDENCE = 0.5
"""The most a report with structural damage or deployed airbags is trusted."""


def _escalation(said: Sequence[str]) -> list[ReportWarning]:
    """The banner that comes first when the words name what no parts estimate covers."""
    if not said:
        return []
    words = ", ".join(repr(w) for w in said)
    return [
        ReportWarning(
            code="inspection_needed",
            message=f"INSPECTION NEEDED: the report says {words}: structural damage or deployed "
            "airbags. This estimate is incomplete (it prices only the parts named); the car "
            "needs an inspection on a jig or by the maker's repair data, and a total-loss review",
        )
    ]


def _damage_unpriced(
    report: PartsReport, unread: Sequence[UnreadPhrase], data: EstimateData
) -> tuple[list[str], list[str]]:
    """The damaged parts named but not priced: with no category, and with no fitting article."""
    # Equipment named to say the car has it ("radar behind the badge") is not a damaged part.
    no_category = [
        repr(u.phrase)
        for u in unread
        if u.reason == "not_in_catalog"
        and not data.evidence.denies(u.phrase)
        and not data.evidence.only_equipment(u.phrase)
    ]
    # A part read too unsurely to price is damage the estimate lacks too (the main part
    # left under the threshold used to leave the report's confidence high).
    no_category += [
        f"{u.phrase!r} (read too unsurely to price"
        + (f": perhaps the {u.guesses[0].category_name}" if u.guesses else "")
        + ")"
        for u in unread
        if u.reason == "low_confidence" and not data.evidence.denies(u.phrase)
    ]
    no_article = [
        r.category.name + (f" ({r.position.side})" if r.position.side else "")
        for r in report.damaged
        if r.line is None
        and any(
            op.operation == "replace"
            and op.line is None
            and op.category.id == r.category.id
            and op.position == r.position
            for op in report.operations
        )
    ]
    return list(dict.fromkeys(no_category)), list(dict.fromkeys(no_article))


def _lacks(unpriced: Sequence[str]) -> list[ReportWarning]:
    if not unpriced:
        return []
    return [
        ReportWarning(
            code="not_priced",
            message=f"NOT PRICED: the estimate lacks {len(unpriced)} damaged part(s) the report "
            f"names: {', '.join(unpriced)} (no catalog category, no fitting article, or read too "
            "unsurely); price them by hand; the confidence is lowered for them",
        )
    ]


def _guesses(
    warnings: Sequence[ReportWarning], unread: Sequence[UnreadPhrase], data: EstimateData
) -> list[str]:
    """What the estimate guessed: the codes of its warnings, and "unread_damage" when a
    phrase left unread says damage ("the thing by the lights is broken") and is neither
    denied nor an instruction ("tab repair kit")."""
    out: list[str] = [w.code for w in warnings]
    evidence = data.evidence
    said = [normalised(u.phrase) for u in unread if u.reason == "no_part"]
    if any(
        find_phrases(evidence.damage_words, text)
        and not evidence.denies(text)
        and not find_phrases((*evidence.work_words, *evidence.refit_words), text)
        for text in said
    ):
        out.append("unread_damage")
    return out


def _capped(
    confidence: float, guesses: Sequence[str], policy: RepairPolicy
) -> tuple[float, list[ReportWarning]]:
    """The confidence under the caps of the guesses made (``confidence_caps`` of the policy),
    and a warning naming them when they lowered it."""
    caps = policy.confidence_caps
    found = {g: caps[g] for g in guesses if g in caps}
    if not found:
        return confidence, []
    cap = float(min(found.values()))
    if confidence <= cap:
        return confidence, []
    why = ", ".join(g.replace("_", " ") for g in sorted(found, key=found.__getitem__))
    return cap, [
        ReportWarning(
            code="confidence_capped",
            message=f"confidence capped at {cap:.2f}: the estimate rests on a guess ({why}); "
            "see the warnings above",
        )
    ]


def _confidence(
    plan: Plan,
    needs: Sequence[Need],
    lines: Sequence[ReportLine],
    *,
    escalated: bool = False,
    unpriced: int = 0,
    priced: int = 0,
    penalty: Decimal = Decimal(0),
    other_body: bool = False,
) -> float:
    """The mean confidence of the report's parts, bought or not, capped by the vehicle's.

    ``needs`` are the decided ones; a consumable counts only when it got a line. A
    report whose words name structure or deployed airbags is capped at 0.5: its
    estimate cannot be complete. ``unpriced`` damaged parts of ``priced`` + ``unpriced``
    lower it by their share of ``penalty``: the more of the damage missing, the lower.
    ``other_body``: the VIN says a body the catalog does not build (a saloon of a hatch):
    or the words name a build the catalog lacks (a Type R): every article may be the wrong
    one, so it is capped as an escalated report is.
    """
    bought = {(ln.category.id, ln.position) for ln in lines}
    scores = [
        n.confidence
        for n in needs
        if n.reason != "consumable" or (n.category.id, n.position) in bought
    ]
    if not scores:
        return 0.0
    doubt = escalated or other_body
    cap = min(plan.resolution.score, _ESCALATED_CONFIDENCE if doubt else 1.0)
    missing = float(penalty) * unpriced / (priced + unpriced) if unpriced else 0.0
    return round(min(cap, sum(scores) / len(scores)) * (1 - missing), 3)
