"""What one report says, read through the evidence words (``evidence.json``): read once per
report, sentence by sentence (a sentence's reading is kept), and part of the report cache's
key through the build preference, so reports that say different things never share an
estimate."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..._models import DamagedPart
from ._phrases import CLAUSE, SENTENCE, affirmed_phrases, find_phrases, normalised, without_phrases
from .evidence import Evidence, Safety, SafetyCode

__all__ = ["SENTENCES_KEPT", "Said", "read_evidence"]

SENTENCES_KEPT = 4096
"""Sentences whose reading is kept (``_sentence``), of every evidence file together."""


@dataclass(frozen=True, slots=True)
class Said:
    """What one report says to the estimator; empty when it says nothing beyond the parts."""

    no_blend: bool = False
    escalate: tuple[str, ...] = ()
    """The words of structure or deployed airbags: the estimate cannot cover them."""
    equipment: tuple[str, ...] = ()
    """Equipment ids the words name ("front radar": ``front_radar``), sorted."""
    hail: bool = False
    hail_count: int | None = None
    """The dents counted for the whole report, when one count is said."""
    phrases: tuple[str, ...] = ()
    """The sentences with a size, a count, 'loose' or a blend: the per-part facts."""
    safety: tuple[tuple[SafetyCode, str], ...] = ()
    """The checks the words call for, each (code, warning): high voltage, do not drive, a
    body measure, the alignment, a tyre, damage that may be old."""
    lacks: tuple[str, ...] = ()
    """Equipment ids the words say the car does not have ("no radar"), sorted."""
    itemised: bool = False
    """An estimator's itemised list (two or more lines that each ask an operation): its
    scope is what it lists, so parts it does not list are at most possible."""

    def clause_of(self, component: str) -> str:
        """A part's words and what follows them up to the next comma ("... loose and cracked")."""
        own = normalised(component)
        for sentence in self.phrases:
            at = sentence.find(own) if own else -1
            if at >= 0:
                rest = sentence[at + len(own) :]
                return f"{component} {CLAUSE.split(rest)[0]}".strip()
        return component

    def heading_of(self, component: str) -> str:
        """The heading before a colon that a part's words follow ("Blend adj panels"), or ''."""
        own = normalised(component)
        for sentence in self.phrases:
            head, colon, rest = sentence.partition(":")
            if colon and own and own in rest:
                return head
        return ""

    def sentence_of(self, component: str) -> str:
        """The sentence of facts a part's words are in, or its words. Where several hold them,
        the one where they stand as a whole part first ("hood: replace", not "hood insulator:
        R&I" or "transfer from old hood"): ended by punctuation, then by a word, then inside one."""
        own = normalised(component)
        best: tuple[int, int, str] | None = None
        for p in self.phrases if own else ():
            at = p.find(own)
            while at >= 0:
                before, after = p[at - 1 : at] if at else "", p[at + len(own) : at + len(own) + 1]
                rank = 2 if before.isalnum() or after.isalnum() else 1 if after == " " else 0
                if best is None or (rank, at) < best[:2]:
                    best = (rank, at, p)
                at = p.find(own, at + 1)
        return best[2] if best is not None else own

    def clause_around(self, component: str) -> str:
        """The clause a part's words are in, from the comma before them to the one after."""
        own = normalised(component)
        sentence = self.sentence_of(component)
        at = sentence.find(own) if own else -1
        if at < 0:
            return own
        starts = [m.end() for m in CLAUSE.finditer(sentence, 0, at)]
        end = CLAUSE.search(sentence, at + len(own))
        return sentence[(starts[-1] if starts else 0) : end.start() if end else len(sentence)]

    def segment(self, component: str, others: Iterable[str]) -> str:
        """A part's words with the words around them up to the next part named on either side.

        "N/S rear door: dent removal, no paint" gives the door all of it; in "front door
        PDR, rear door repaired" the front door's is "front door pdr,".
        """
        own = normalised(component)
        sentence = self.sentence_of(component)
        at = sentence.find(own) if own else -1
        if at < 0:
            return own
        start, end = 0, len(sentence)
        for other in {normalised(o) for o in others} - {own, ""}:
            j = sentence.find(other)
            while j >= 0:
                if j + len(other) <= at:
                    start = max(start, j + len(other))
                elif j >= at + len(own):
                    end = min(end, j)
                j = sentence.find(other, j + 1)
        return sentence[start:end]

    def blend_listed(self, component: str, evidence: Evidence) -> bool:
        """True when the last instruction before a part's words is a blend, not denied, and
        its own words say no damage or work: "blend the LF door and hood" blends the hood."""
        own = normalised(component)
        sentence = self.sentence_of(component)
        at = sentence.find(own) if own else -1
        if (
            at <= 0
            or find_phrases(evidence.damage_words, own)
            or find_phrases(evidence.work_words, own)
        ):
            return False
        before = sentence[:at]
        words = (*evidence.blend_words, *evidence.work_words, *evidence.damage_words)
        found = find_phrases(words, before)
        if not found or found[-1][2] not in evidence.blend_words:
            return False
        clause = CLAUSE.split(before)[-1]
        return not find_phrases(evidence.no_blend, before) and not find_phrases(
            evidence.denials, clause
        )

    def hours_beside(
        self, words: Sequence[str], evidence: Evidence, equipment: str | None = None
    ) -> Decimal | None:
        """The hours given in the clause that names an operation by ``words`` ("radar
        calibration 0.8 hrs"), or by a calibration word and the ``equipment`` it is done on
        ("recalibrate the forward camera 2.0 hrs"), or None."""
        checks = evidence.stated_hours_words.get("check", ())
        kit = tuple(w for w, ids in evidence.equipment_words.items() if equipment in ids)
        for sentence in self.phrases:
            for clause in CLAUSE.split(sentence):
                named = bool(words) and find_phrases(tuple(words), clause)
                if named or (kit and find_phrases(checks, clause) and find_phrases(kit, clause)):
                    found = evidence.stated_hours(clause)
                    if found:
                        return found[0][1]
        return None

    def about(self, component: str) -> str:
        """A part's words, and the one sentence of facts that holds them, if any."""
        own = normalised(component)
        found = [p for p in self.phrases if own and own in p]
        return f"{component} {found[0]}" if len(found) == 1 else component


def read_evidence(damage: Sequence[DamagedPart] | str, evidence: Evidence) -> Said:
    """What the damage says beyond its parts, denials taken into account."""
    texts = [damage] if isinstance(damage, str) else [p.component for p in damage]
    sentences = [
        normalised(s) for t in texts for s in SENTENCE.split(evidence.unabbreviated(t)) if s.strip()
    ]
    read = [_sentence(s, evidence) for s in sentences]
    hail = any(r.hail for r in read)
    counts = [r.hail_count for r in read if r.hail_count is not None]
    equipment = {e for r in read for e in r.equipment}
    escalate = tuple(dict.fromkeys(w for r in read for w in r.escalate))
    return Said(
        lacks=tuple(sorted({e for r in read for e in r.lacks} - equipment)),
        itemised=sum(r.asking for r in read) >= 2,
        no_blend=any(r.no_blend for r in read),
        escalate=escalate,
        equipment=tuple(sorted(equipment)),
        hail=hail,
        hail_count=max(counts) if hail and counts else None,
        phrases=tuple(sorted({s for s, r in zip(sentences, read, strict=True) if r.fact})),
        safety=_safety(
            sentences, read, evidence, [w for w in escalate if not w.endswith(" deployed")]
        ),
    )


def _structure(clause: str, evidence: Evidence) -> list[str]:
    """The structural words of a clause, less those that name what the car hit ("reversed
    into a pillar", "along a concrete post"): ``hit_objects`` after a ``hit_cues`` word."""
    found = affirmed_phrases(evidence.structural, clause, evidence.denials)
    if not found:
        return []
    hit = set()
    for start, _, phrase in find_phrases(evidence.structural, clause):
        before = clause[:start].split()[-3:]
        if phrase in evidence.hit_objects and any(w in evidence.hit_cues for w in before):
            hit.add(phrase)
    return [p for p in found if p not in hit and not _repaired_panel(p, clause, evidence)]


def _repaired_panel(phrase: str, clause: str, evidence: Evidence) -> bool:
    """A structural word the shop repairs as a panel, its repair said and nothing worse:
    "rocker panel dent, rpr 1.0 hrs" is a repair, "sill pushed in" structure."""
    panel = evidence.repairable_structure
    return (
        panel is not None
        and phrase in panel.words
        and bool(find_phrases(panel.repair_words, clause))
        and not find_phrases(panel.escalate_words, clause)
    )


@dataclass(frozen=True, slots=True)
class _Sentence:
    """What one sentence says to the estimator (``read_evidence`` puts a report's together)."""

    no_blend: bool
    escalate: tuple[str, ...]
    equipment: frozenset[str]
    hail: bool
    hail_count: int | None
    fact: bool
    """It holds a size, a count, 'loose', a blend or other words read per part
    (``Evidence.speaks_of``): one of the report's per-part facts."""
    lacks: frozenset[str] = frozenset()
    """Equipment it says the car does not have ("no radar")."""
    asking: int = 0
    """Its clauses that ask an operation ("replace", "repair"): an itemised list's lines."""
    safety: tuple[tuple[str, ...], ...] = ()
    """Per safety check, in the file's order: the words of it the sentence says
    (``_safety`` puts a report's together)."""


_SENTENCES: OrderedDict[tuple[int, str], tuple[Evidence, _Sentence]] = OrderedDict()
_SENTENCES_LOCK = threading.Lock()


def _sentence(sentence: str, evidence: Evidence) -> _Sentence:
    """What one (normalised) sentence says, read once and kept (bounded, most recent last).

    Reports repeat their parts' words ("front bumper cracked") far more than they
    differ. Keyed by the evidence file's identity, kept beside it so the identity
    stays its own; the reading depends on nothing else.
    """
    key = (id(evidence), sentence)
    with _SENTENCES_LOCK:
        known = _SENTENCES.get(key)
        if known is not None and known[0] is evidence:
            _SENTENCES.move_to_end(key)
            return known[1]
    read = _read_sentence(sentence, evidence)
    with _SENTENCES_LOCK:
        _SENTENCES[key] = (evidence, read)
        if len(_SENTENCES) > SENTENCES_KEPT:
            _SENTENCES.popitem(last=False)
    return read


def _read_sentence(sentence: str, evidence: Evidence) -> _Sentence:
    clauses = CLAUSE.split(sentence)
    opens_denied = bool(find_phrases(evidence.denials, clauses[0]))
    escalate: list[str] = []
    equipment: set[str] = set()
    lacks: set[str] = set()
    no_blend = False
    for i, clause in enumerate(clauses):
        # A clause after an opening denial, naming no damage, is in its list.
        listed = i > 0 and opens_denied and not find_phrases(evidence.damage_words, clause)
        no_blend |= bool(find_phrases(evidence.no_blend, clause)) or bool(
            find_phrases(evidence.blend_words, clause) and find_phrases(evidence.denials, clause)
        )
        if listed:
            continue
        cosmetic = find_phrases(evidence.cosmetic_words, clause) and not find_phrases(
            evidence.deformed_words, clause
        )
        if not cosmetic:
            body = without_phrases(evidence.not_structural, clause)
            escalate += _structure(body, evidence)
            escalate += _body_deformed(clause, evidence)
        bags = affirmed_phrases(evidence.airbag_words, clause, evidence.denials)
        if bags and find_phrases(evidence.deployed_words, clause):
            escalate.append(f"{bags[0]} deployed")
        # All equipment words at once: "rear PDC" is the rear's, not every "PDC".
        for phrase in affirmed_phrases(
            evidence.equipment_words, clause, evidence.equipment_denials
        ):
            equipment.update(evidence.equipment_words[phrase])
        if find_phrases(evidence.equipment_denials, clause):
            for _, _, phrase in find_phrases(evidence.equipment_words, clause):
                lacks.update(evidence.equipment_words[phrase])
    count = evidence.hail_count(sentence)
    fact = (
        evidence.size(sentence) is not None
        or bool(find_phrases(evidence.loose, sentence))
        or bool(count)
        or bool(find_phrases(evidence.blend_words, sentence))
        or evidence.speaks_of(sentence)
    )
    asking = (*evidence.work_words, *(w for ws in evidence.action_words.values() for w in ws))
    return _Sentence(
        no_blend=no_blend,
        escalate=tuple(escalate),
        equipment=frozenset(equipment),
        hail=bool(find_phrases(evidence.hail.words, sentence)),
        hail_count=count,
        fact=fact,
        lacks=frozenset(lacks),
        asking=sum(1 for c in clauses if find_phrases(asking, c)),
        safety=tuple(
            tuple(
                w
                for clause in clauses
                for w in (
                    *affirmed_phrases(check.words, clause, evidence.denials),
                    *_hit(check, clause, evidence),
                )
            )
            for check in evidence.safety
        ),
    )


def _body_deformed(clause: str, evidence: Evidence) -> list[str]:
    """A deformation said of the body ("the front end pushed in"), not of a part after it.

    The body word comes first: in "grille pushed in by the car in front" the car
    is the other one, and the grille the part pushed in.
    """
    bent = affirmed_phrases(evidence.deformation_words, clause, evidence.denials)
    if not bent:
        return []
    first = find_phrases(evidence.deformation_words, clause)[0][0]
    return bent if any(s < first for s, _, _ in find_phrases(evidence.body_words, clause)) else []


def _safety(
    sentences: Sequence[str],
    read: Sequence[_Sentence],
    evidence: Evidence,
    structure: Sequence[str],
) -> tuple[tuple[SafetyCode, str], ...]:
    """The checks of the safety words said and not denied, in the file's order.
    ``structure``: the structural words of the banner, which call for the checks marked
    ``structural`` (a body measure)."""
    out: list[tuple[SafetyCode, str]] = []
    whole = " . ".join(sentences)
    for i, check in enumerate(evidence.safety):
        if check.with_ and not find_phrases(check.with_, whole):
            continue
        found = [w for r in read for w in r.safety[i]]
        if check.structural:
            # Words another check answers ("not driveable": do not drive) ask no measure.
            others = [w for c in evidence.safety if c is not check for w in c.words]
            found += [w for w in structure if not find_phrases(others, w)]
        if found:
            words = ", ".join(repr(w) for w in dict.fromkeys(found))
            out.append((check.code, check.warning.replace("{words}", words)))
    return tuple(out)


def _hit(check: Safety, clause: str, evidence: Evidence) -> list[str]:
    """ "wheel ... took the hit": a part word of the check with a hit word in its clause,
    neither denied ("wheels fine" is no hit)."""
    if not check.parts or not check.hits:
        return []
    clause = without_phrases(check.not_parts, clause)
    parts = affirmed_phrases(check.parts, clause, evidence.denials)
    if not parts or not find_phrases(check.hits, clause):
        return []
    return [" ".join(clause.split())]
