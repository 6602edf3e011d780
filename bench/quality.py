"""Reading quality: the labelled damage reports through the agent, scored aspect by aspect.

Input: the labelled sets of ``tests/data/`` (reports, phrases and two held-out sets)
(one schema, in tests/data/README.md), each report run through ``PartsAgent`` on the
embedded sample catalog with its own market and the rules planner (``--planner llm``
needs a model endpoint). Each aspect is one scoring function over the (case, report)
pairs; it returns its figures, a table and its targets, and adding an aspect is adding
a function to ``ASPECTS``:

* ``lines``: recall and precision of the damaged parts read (``report.damaged``: a
  replaced part has a parts line, a repaired one only operations; category and side,
  matched one to one), exact axle, side and quantity, and severity, over the expected
  lines;
* ``must_not``: the share of "must not appear" entries that appeared as damaged lines;
* ``unread``: the expected unread phrases found under ``not_priced``, and how many of
  them were priced instead (narrative read as a part: the target is 0); the story
  phrases (``expect.story``: what happened) listed to confirm or priced (targets 0);
* ``total_loss``: reports flagged as a possible total loss, against the labels;
* ``calibration``: every phrase read as a part (the damaged parts and the guesses of
  unpriced ones) by confidence bucket against the share that was right; a priced part
  under the price threshold is counted as a failure;
* ``operations`` (the estimate, issue 13): recall and precision of the operations,
  scored as (operation, category, side) against ``expect.operations`` on the reports
  that carry them, from the report's words and from the labelled parts themselves (the
  estimate alone, apart from how the words were read);
* ``work``: the panels the catalog has no part for (``expect.labour``) priced as labour
  with their operations, reports with one that total 0 (target 0), and the labelled hours
  of operations (``expect.hours``: stated hours, hail counts per panel);
* ``builds``: the share of reports whose lines all fit one common set of variants;
* ``silent`` (issue 21): the reports that are wrong with nothing to say so. A report is
  wrong when it has a damaged line that is not expected (a wrong part or side), misses
  an expected one, has an operation the labels do not expect or misses one (on reports
  that carry ``operations``), or prices another vehicle than ``expect.vehicle`` (when
  labelled). A wrong item is flagged when the report's confidence is under 0.5, a
  warning names the part, or (for a missed part) a phrase waits under "please
  confirm"; a report with an unflagged wrong item is *silently wrong* (target 0).

Score a new labelled set (a blind round) with ``--set PATH`` (any number of files in
the schema of tests/data/README.md): ``python bench/quality.py --set blind.jsonl --failures``.

Prints one table per aspect, the targets, and (``--failures``) every miss; writes
``bench/results/quality.json``. The figures and what still fails are in docs/quality.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import _common as c
from _labelled import (
    DATASETS,
    Aspect,
    Case,
    Outcome,
    line_key,
    load,
    match_lines,
    run,
    share_of,
)
from partsagent import PartsAgent, PartsAgentError, PartsReport
from partsagent._reading.reader import PRICE_THRESHOLD
from partsagent._reading.results import ABSENT_PREFIX

BUCKETS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0001)
"""Confidence buckets of the calibration table, [low, high)."""


# -- the aspects ---------------------------------------------------------------------------


def score_lines(outcomes: Sequence[Outcome]) -> Aspect:
    expected = found = produced = exact = side = axle = qty = severity = 0
    failures = []
    for o in outcomes:
        want = o.case.expect["lines"]
        got = o.damaged()
        pairs = match_lines(want, got)
        same = [(e, ln) for e, ln in pairs if ln.position.side == e["side"]]
        expected += len(want)
        produced += len(got)
        found += len(same)
        for e, ln in same:
            a = ln.position.axle == e["axle"]
            q = ln.quantity == e["quantity"]
            axle += a
            qty += q
            side += 1
            exact += a and q
            severity += ln.severity is not None and ln.severity.value == e["severity"]
            if not (a and q) or ln.severity is None or ln.severity.value != e["severity"]:
                failures.append(
                    f"{o.case.id}: {e['category']} {e['side']} wanted axle {e['axle']} "
                    f"x{e['quantity']} {e['severity']}, got {ln.position.axle} x{ln.quantity} "
                    f"{ln.severity.value if ln.severity else None} ({ln.component!r})"
                )
        matched = {id(ln) for _, ln in same}
        for e in want:
            if not any(p[0] is e for p in same):
                failures.append(f"{o.case.id}: missed {e['category']} {e['side']} {o.error or ''}")
        for ln in got:
            if id(ln) not in matched:
                failures.append(f"{o.case.id}: extra {line_key(ln)} from {ln.component!r}")
    recall, precision = share_of(found, expected), share_of(found, produced)
    figures = {
        "expected": expected,
        "produced": produced,
        "matched": found,
        "recall": recall,
        "precision": precision,
        "exact_axle_side_quantity": share_of(exact, expected),
        "axle": share_of(axle, found),
        "quantity": share_of(qty, found),
        "severity": share_of(severity, found),
    }
    rows: list[list[object]] = [
        ["damaged lines expected / produced / matched", f"{expected} / {produced} / {found}"],
        ["recall (category and side)", f"{recall:.3f}"],
        ["precision (category and side)", f"{precision:.3f}"],
        [
            "exact axle, side and quantity (of expected)",
            f"{figures['exact_axle_side_quantity']:.3f}",
        ],
        ["axle right (of matched)", f"{figures['axle']:.3f}"],
        ["quantity right (of matched)", f"{figures['quantity']:.3f}"],
        ["severity right (of matched)", f"{figures['severity']:.3f}"],
    ]
    targets = [
        c.target("recall of damaged lines", recall, ">= 0.97", recall >= 0.97),
        c.target("precision of damaged lines", precision, ">= 0.97", precision >= 0.97),
    ]
    return Aspect("lines", figures, ["measure", "value"], rows, targets, failures)


def score_must_not(outcomes: Sequence[Outcome]) -> Aspect:
    total = hits = 0
    failures = []
    for o in outcomes:
        for m in o.case.expect["must_not"]:
            total += 1
            hit = [
                ln
                for ln in o.damaged()
                if ln.category.id == m["category"]
                and ("side" not in m or ln.position.side == m["side"])
            ]
            if hit:
                hits += 1
                failures.append(f"{o.case.id}: must not {m}, got it from {hit[0].component!r}")
    share = share_of(hits, total)
    return Aspect(
        "must_not",
        {"entries": total, "appeared": hits, "share": share},
        ["measure", "value"],
        [["'must not appear' entries", total], ["appeared", hits], ["share", f"{share:.3f}"]],
        [c.target("'must not appear' lines that appeared", float(hits), "0", hits == 0)],
        failures,
    )


def _loosely(a: str, b: str) -> bool:
    a, b = a.casefold(), b.casefold()
    return a in b or b in a


def score_unread(outcomes: Sequence[Outcome]) -> Aspect:
    total = found = priced = stories = listed = 0
    reasons: Counter[str] = Counter()
    failures = []
    for o in outcomes:
        unread = o.report.not_priced if o.report else ()
        reasons.update(u.reason for u in unread)
        for phrase in o.case.expect.get("story", ()):
            stories += 1  # what happened: neither priced nor offered to confirm (issue 21)
            if any(_loosely(phrase, u.phrase) for u in unread):
                listed += 1
                failures.append(f"{o.case.id}: story {phrase!r} listed to confirm")
            lines = [ln for ln in o.damaged() if _loosely(phrase, ln.component)]
            if lines:
                priced += 1
                failures.append(f"{o.case.id}: story {phrase!r} was priced as {line_key(lines[0])}")
        for phrase in o.case.expect["unread"]:
            total += 1
            if any(_loosely(phrase, u.phrase) for u in unread) or any(
                _loosely(phrase, d.component) for d in o.labour()
            ):
                found += 1  # a panel the catalog lacks, listed or priced as labour only
            else:
                failures.append(f"{o.case.id}: {phrase!r} not in not_priced")
            lines = [ln for ln in o.damaged() if _loosely(phrase, ln.component)]
            if lines:
                priced += 1
                failures.append(f"{o.case.id}: {phrase!r} was priced as {line_key(lines[0])}")
    rows: list[list[object]] = [
        ["unread phrases expected", total],
        ["found under not_priced (or priced as labour)", f"{found} ({share_of(found, total):.3f})"],
        ["story phrases (what happened)", stories],
        ["story listed under not_priced", listed],
        ["priced instead (narrative or absent part read as a part)", priced],
        *([f"not_priced with reason {r}", n] for r, n in sorted(reasons.items())),
    ]
    return Aspect(
        "unread",
        {"expected": total, "found": found, "share": share_of(found, total), "priced": priced,
         "stories": stories, "stories_listed": listed, "reasons": dict(reasons)},
        ["measure", "value"],
        rows,
        [c.target("unread phrases priced", float(priced), "0", priced == 0),
         c.target("story phrases listed to confirm", float(listed), "0", listed == 0)],
        failures,
    )  # fmt: skip


def score_total_loss(outcomes: Sequence[Outcome]) -> Aspect:
    table: Counter[tuple[bool, bool]] = Counter()
    failures = []
    for o in outcomes:
        want = bool(o.case.expect["total_loss"])
        got = bool(o.report and o.report.total_loss)
        table[(want, got)] += 1
        if want != got:
            failures.append(f"{o.case.id}: total loss wanted {want}, got {got}")
    right = table[(True, True)] + table[(False, False)]
    rows: list[list[object]] = [
        ["labelled total loss, flagged", table[(True, True)]],
        ["labelled total loss, not flagged", table[(True, False)]],
        ["not a total loss, flagged", table[(False, True)]],
        ["agreement", f"{share_of(right, len(outcomes)):.3f}"],
    ]
    agreement = share_of(right, len(outcomes))
    return Aspect(
        "total_loss",
        {f"{w}->{g}": n for (w, g), n in table.items()} | {"agreement": agreement},
        ["measure", "value"],
        rows,
        [c.target("total-loss flags agree", agreement, "1.00", right == len(outcomes))],
        failures,
    )


def _phrases(o: Outcome) -> Iterable[tuple[float, bool, str]]:
    """(confidence, right, what) for every part the report read: lines and unpriced guesses."""
    want = [(e["category"], e["side"]) for e in o.case.expect["lines"]]
    for ln in o.damaged():
        yield ln.confidence, line_key(ln) in want, f"part {line_key(ln)} from {ln.component!r}"
    for u in o.report.not_priced if o.report else ():
        if u.reason == "low_confidence" and u.guesses:
            g = u.guesses[0]
            got = (g.category_id, g.position.side)
            yield g.confidence, got in want, f"guess {got} for {u.phrase!r}"


def score_calibration(outcomes: Sequence[Outcome]) -> Aspect:
    counts = [[0, 0] for _ in BUCKETS[:-1]]
    priced_low = 0
    failures = []
    for o in outcomes:
        for conf, right, what in _phrases(o):
            b = next(i for i in range(len(BUCKETS) - 1) if conf < BUCKETS[i + 1])
            counts[b][0] += 1
            counts[b][1] += right
            if what.startswith("part") and conf < PRICE_THRESHOLD:
                priced_low += 1
            if (conf >= 0.9 and not right) or (conf < 0.5 and right and what.startswith("part")):
                failures.append(
                    f"{o.case.id}: {what} at {conf:.2f} is {'right' if right else 'wrong'}"
                )
    rows: list[list[object]] = []
    table = []
    for (lo, hi), (n, right) in zip(itertools.pairwise(BUCKETS), counts, strict=True):
        label = f"[{lo:.1f}, {min(hi, 1.0):.1f}{']' if hi > 1 else ')'}"
        rows.append([label, n, right, f"{share_of(right, n):.3f}" if n else "-"])
        table.append({"bucket": label, "phrases": n, "right": right, "share": share_of(right, n)})
    high_n = counts[-1][0]
    high = share_of(counts[-1][1], high_n)
    total = sum(n for n, _ in counts)
    figures = {
        "phrases": total,
        "buckets": table,
        "at_0.9_right": high,
        "priced_under_threshold": priced_low,
    }
    targets = [
        c.target("phrases in the calibration set", float(total), ">= 100", total >= 100),
        c.target("right among phrases at >= 0.9", high, ">= 0.95", high >= 0.95),
        c.target(f"parts priced under {PRICE_THRESHOLD}", float(priced_low), "0", priced_low == 0),
    ]
    headers = ["confidence", "phrases", "right", "share right"]
    return Aspect("calibration", figures, headers, rows, targets, failures)


OpKey = tuple[str, str, str | None]
"""(operation, category id, side): what a labelled operation is scored on."""


def predicted_operations(report: PartsReport | None) -> set[OpKey]:
    """The report's operations, less those on the lines the propagation rules added."""
    if report is None:
        return set()
    return {
        (op.operation, op.category.id, op.position.side)
        for op in report.operations
        if (op.line is None or report.lines[op.line].reason == "damaged")
        and not op.category.id.startswith(ABSENT_PREFIX)  # scored by ``score_work``
    }


def _operation_figures(
    cases: Sequence[Case], reports: Sequence[PartsReport | None]
) -> dict[str, Any]:
    hits = expected_n = predicted_n = scored = 0
    missed: list[str] = []
    extra: list[str] = []
    for case, report in zip(cases, reports, strict=True):
        labels = case.expect.get("operations")
        if labels is None:
            continue
        scored += 1
        expected = {(o["operation"], o["category"], o["side"]) for o in labels}
        got = predicted_operations(report)
        hits += len(expected & got)
        expected_n += len(expected)
        predicted_n += len(got)
        missed += [
            f"{case.id}: missed {o} {c} {s or '-'}" for o, c, s in sorted(expected - got, key=str)
        ]
        extra += [
            f"{case.id}: extra {o} {c} {s or '-'}" for o, c, s in sorted(got - expected, key=str)
        ]
    return {
        "reports": scored,
        "expected": expected_n,
        "predicted": predicted_n,
        "hits": hits,
        "recall": share_of(hits, expected_n),
        "precision": share_of(hits, predicted_n),
        "failures": missed + extra,
    }  # fmt: skip


async def _run_labelled_parts(cases: Sequence[Case]) -> list[PartsReport | None]:
    """Each report with operations labelled, given as its labelled parts (the words read right)."""
    out: list[PartsReport | None] = []
    async with PartsAgent(warm_vehicle=False) as agent:
        categories = await agent.catalog.load_categories_for_variant("117", "127445")
        names = {c.id: c.name for c in categories}
        for case in cases:
            parts = [
                {"component": f"{ln['side'] or ''} {names[ln['category']]} {ln.get('damage', '')}"
                 .strip(),
                 "severity": ln["severity"]}
                for ln in case.expect["lines"]
            ]  # fmt: skip
            try:
                out.append(await agent.process_damage_report(case.vehicle, parts, market="GB"))
            except PartsAgentError:
                out.append(None)
    return out


def score_operations(outcomes: Sequence[Outcome]) -> Aspect:
    cases = [o.case for o in outcomes]
    words = _operation_figures(cases, [o.report for o in outcomes])
    labelled = [c for c in cases if "operations" in c.expect]
    alone = _operation_figures(labelled, asyncio.run(_run_labelled_parts(labelled)))
    rows: list[list[object]] = [
        [label, f["reports"], f["expected"], f["predicted"], f["hits"],
         f"{f['recall']:.3f}", f"{f['precision']:.3f}"]
        for label, f in (("the report's words", words), ("the labelled parts", alone))
    ]  # fmt: skip
    headers = ["input", "reports", "expected", "predicted", "hits", "recall", "precision"]
    figures = {"words": words, "labelled_parts": alone}
    return Aspect("operations", figures, headers, rows, [], words["failures"])


def _op_for(report: PartsReport, want: dict[str, Any]) -> Any:
    """The report's operation a label names: by operation, category (id or name) and side."""
    return next(
        (
            op
            for op in report.operations
            if op.operation == want["operation"]
            and want["category"] in (op.category.id, op.category.name)
            and op.position.side == want.get("side")
        ),
        None,
    )


def score_work(outcomes: Sequence[Outcome]) -> Aspect:
    """Labour-only panels (``expect.labour``: a panel the catalog lacks, with its operations)
    and the hours of labelled operations (``expect.hours``: stated hours, hail per panel)."""
    panels = priced = ops_right = hours_n = hours_right = zero = 0
    failures = []
    for o in outcomes:
        report = o.report
        for want in o.case.expect.get("labour", ()):
            panels += 1
            got = [
                d for d in o.labour()
                if d.category.name == want["part"] and d.position.side == want.get("side")
            ]  # fmt: skip
            if not got or report is None:
                failures.append(f"{o.case.id}: {want['part']} {want.get('side')} not priced")
                continue
            priced += 1
            ops = sorted(
                op.operation for op in report.operations
                if op.category.name == want["part"] and op.position.side == want.get("side")
                and op.operation != "blend"
            )  # fmt: skip
            if ops == sorted(want["operations"]):
                ops_right += 1
            else:
                failures.append(f"{o.case.id}: {want['part']} operations {ops}")
        if o.case.expect.get("labour") and report is not None and report.totals.total.amount == 0:
            zero += 1
            failures.append(f"{o.case.id}: total 0 with a labour-only panel")
        for want in o.case.expect.get("hours", ()):
            hours_n += 1
            op = _op_for(report, want) if report is not None else None
            if op is not None and str(op.hours) == want["hours"]:
                hours_right += 1
            else:
                got_h = op.hours if op is not None else "no such operation"
                failures.append(f"{o.case.id}: {want} got {got_h}")
    rows: list[list[object]] = [
        ["labour-only panels expected", panels],
        ["priced as labour", f"{priced} ({share_of(priced, panels):.3f})"],
        ["their operations right", f"{ops_right} ({share_of(ops_right, panels):.3f})"],
        ["reports with such a panel totalling 0", zero],
        ["labelled hours (stated, hail per panel)", hours_n],
        ["hours right", f"{hours_right} ({share_of(hours_right, hours_n):.3f})"],
    ]
    figures = {"panels": panels, "priced": priced, "operations_right": ops_right,
               "zero_totals": zero, "hours": hours_n, "hours_right": hours_right}  # fmt: skip
    targets = [c.target("labour-only reports totalling 0", float(zero), "0", zero == 0)]
    return Aspect("work", figures, ["measure", "value"], rows, targets, failures)


def one_build(report: PartsReport) -> bool:
    """True when every line fits every variant of the build the report priced."""
    build = report.vehicle.build
    if build is None:
        return False
    wanted = set(build.variants)
    return bool(wanted) and all(wanted <= set(ln.fits_variants) for ln in report.lines)


def score_builds(outcomes: Sequence[Outcome]) -> Aspect:
    priced = [o for o in outcomes if o.report is not None and o.report.lines]
    ok = [o for o in priced if o.report is not None and one_build(o.report)]
    narrowed = [
        o
        for o in priced
        if o.report is not None
        and o.report.vehicle.build is not None
        and len(o.report.vehicle.build.variants) < len(o.report.vehicle.variants)
    ]
    share = share_of(len(ok), len(priced))
    rows: list[list[object]] = [
        ["reports with lines", len(priced)],
        ["lines share one variant set", f"{len(ok)} ({share:.3f})"],
        ["narrowed to one build", len(narrowed)],
    ]
    figures = {
        "reports_with_lines": len(priced),
        "one_build": len(ok),
        "share": share,
        "narrowed_to_one_build": len(narrowed),
    }
    targets = [c.target("reports whose lines share one variant set", share, "1.00", share == 1.0)]
    failures = [f"{o.case.id}: lines fit no one build" for o in priced if o not in ok]
    return Aspect("builds", figures, ["measure", "value"], rows, targets, failures)


SILENT_CONFIDENCE = 0.5
"""A report at or above this confidence, with no warning naming the part, claims to be right."""
BANNERS = ("inspection_needed", "total_loss")
"""Warning codes that say the whole estimate is incomplete: every item of the report is flagged."""


def _names(report: PartsReport, category_id: str) -> set[str]:
    """The words a warning may use for a category: its name and the market's word."""
    found = {
        n.casefold()
        for item in (*report.damaged, *report.lines, *report.operations)
        if item.category.id == category_id
        for n in (item.category.name, item.category.market_name)
        if n
    }
    return found


def _flagged(report: PartsReport, category_id: str, missed: bool = False) -> bool:
    """True when the report says something is unsure about this part."""
    if report.confidence < SILENT_CONFIDENCE or any(map(report.has_warning, BANNERS)):
        return True
    names = _names(report, category_id)
    if any(n in w.casefold() for w in report.warnings for n in names):
        return True
    return missed and any(u.reason == "low_confidence" for u in report.not_priced)


def wrong_items(o: Outcome) -> list[tuple[str, bool]]:
    """(what is wrong, flagged) for every wrong part, side, operation or vehicle of a report."""
    report = o.report
    if report is None:
        return []  # refused with a typed error: never silent
    out: list[tuple[str, bool]] = []
    want_model = o.case.expect.get("vehicle", {}).get("model")
    if want_model and report.vehicle.model.name.casefold() != str(want_model).casefold():
        got = report.vehicle.model.name
        out.append((f"vehicle {got} for {want_model}", _flagged(report, "")))
    want = o.case.expect["lines"]
    got_lines = o.damaged()
    same = [(e, ln) for e, ln in match_lines(want, got_lines) if ln.position.side == e["side"]]
    for ln in got_lines:
        if not any(ln is g for _, g in same):
            conf = ln.confidence < PRICE_THRESHOLD
            out.append((f"extra {line_key(ln)}", conf or _flagged(report, ln.category.id)))
    for e in want:
        if not any(e is w for w, _ in same):
            flag = _flagged(report, e["category"], missed=True)
            out.append((f"missed {e['category']} {e['side']}", flag))
    labels = o.case.expect.get("operations")
    if labels is not None:
        expected = {(x["operation"], x["category"], x["side"]) for x in labels}
        got_ops = predicted_operations(report)
        for op, cat, side in sorted(got_ops ^ expected, key=str):
            kind = "extra" if (op, cat, side) in got_ops else "missed"
            out.append((f"{kind} {op} {cat} {side or '-'}", _flagged(report, cat)))
    return out


def score_silent(outcomes: Sequence[Outcome]) -> Aspect:
    wrong = silent = 0
    failures = []
    for o in outcomes:
        items = wrong_items(o)
        if not items:
            continue
        wrong += 1
        unflagged = [what for what, flagged in items if not flagged]
        if unflagged:
            silent += 1
            conf = o.report.confidence if o.report else 0.0
            failures.append(f"{o.case.id}: silently wrong at {conf:.2f}: {'; '.join(unflagged)}")
    n = len(outcomes)
    rows: list[list[object]] = [
        ["reports", n],
        ["right as they stand", f"{n - wrong} ({share_of(n - wrong, n):.3f})"],
        ["wrong, and saying so", wrong - silent],
        ["silently wrong", silent],
    ]
    figures = {"reports": n, "right": n - wrong, "wrong_flagged": wrong - silent, "silent": silent}
    targets = [c.target("silently wrong reports", float(silent), "0", silent == 0)]
    return Aspect("silent", figures, ["measure", "value"], rows, targets, failures)


ASPECTS: list[Callable[[Sequence[Outcome]], Aspect]] = [
    score_lines,
    score_must_not,
    score_unread,
    score_total_loss,
    score_calibration,
    score_operations,
    score_work,
    score_builds,
    score_silent,
]


def evaluate(path: Path, planner: str) -> tuple[list[Aspect], list[str]]:
    """Every aspect of one labelled file, and the reports that raised."""
    outcomes = asyncio.run(run(load(path), planner))
    errors = [f"{o.case.id}: {o.error}" for o in outcomes if o.error]
    return [score(outcomes) for score in ASPECTS], errors


def main() -> None:
    def extra(p: argparse.ArgumentParser) -> None:
        p.add_argument("--planner", choices=("rules", "llm"), default="rules")
        p.add_argument("--failures", action="store_true", help="print every miss")
        p.add_argument(
            "--set",
            "--data",
            dest="data",
            type=Path,
            nargs="+",
            default=list(DATASETS),
            help="labelled JSONL files to score (default: the sets of tests/data)",
        )

    args = c.parse_args(__doc__.splitlines()[0], extra)
    c.quiet_logs()
    targets: list[dict[str, Any]] = []
    results: dict[str, Any] = {}
    for path in args.data:
        aspects, errors = evaluate(path, args.planner)
        name = path.stem
        print(f"\n== {name} ({path.name})")
        for a in aspects:
            c.print_table(f"{a.name}", a.headers, a.rows)
            targets += [{**t, "name": f"{name}: {t['name']}"} for t in a.targets]
        if errors:
            print("\nerrors:\n  " + "\n  ".join(errors))
        if args.failures:
            for a in aspects:
                if a.failures:
                    print(f"\n{a.name} misses:\n  " + "\n  ".join(a.failures))
        results[name] = {a.name: {**a.figures, "failures": a.failures} for a in aspects}
        results[name]["errors"] = errors
    c.print_targets(targets)
    c.write_result(
        "quality",
        {
            "datasets": [str(p.name) for p in args.data],
            "planner": args.planner,
            "price_threshold": PRICE_THRESHOLD,
        },
        results,
        targets,
    )


if __name__ == "__main__":
    main()
