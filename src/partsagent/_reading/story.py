"""What in a text is story, not a part to price: what happened, what did it, what a part did.

"Clipped a mailbox pulling out" names what was hit; "dented by a shopping trolley, N/S
rear door" names what did the damage before the part it was done to; "the bonnet catch
released" says what a part did. Each is kept as story (to confirm), never priced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .language import lexicon
from .mentions import Mention, Segment
from .phrases import phrase_words
from .tags import Kind, Tag

__all__ = [
    "damage_by",
    "only_story",
    "own_verb",
    "said_after",
    "story_parts",
    "struck",
    "where_only",
    "working",
]


def story_parts(mentions: Sequence[Mention]) -> None:
    """ "The bonnet catch released and the bonnet flew up": in a report that says damage of
    other parts, a part with no damage word of its own and a word the lexicon does not know
    after it (what it did) is part of the story, to confirm, not a part to price."""
    if not any(m.severity is not None for m in mentions):
        return
    for m in mentions:
        if m.severity is not None or m.negated or m.prior or m.action is not None:
            continue
        if said_after(m.segment, m.tag):
            m.narrative = True


def struck(tags: Sequence[Tag], i: int) -> bool:
    """ "TP hit IV in the LR door", "the front bumper was hit": the part at ``i`` is what the
    impact struck, so the story around it does not make its damage doubtful. The part that
    struck ("the other car's bumper hit my door") is not: the impact is after it, active;
    nor a part with no position after the impact ("hit the lights": the traffic's?)."""
    words = phrase_words()
    placed = bool(tags[i].axles or tags[i].sides)  # "hit the lights" may be the traffic's
    k = i - 1
    while k >= 0 and i - k <= 6:
        t = tags[k]
        if t.kind is Kind.NARR:
            return placed and t.words in words.impact
        placed = placed or t.kind is Kind.POS
        if not (t.kind is Kind.POS or all(w in words.struck_between for w in t.words)):
            return False
        k -= 1
    after = [t for t in tags[i + 1 : i + 4] if t.kind is not Kind.POS]
    return (
        len(after) >= 2
        and all(w in words.passive for w in after[0].words)
        and after[1].kind is Kind.NARR
        and after[1].words in words.impact
    )


def said_after(seg: Segment, part: Tag) -> bool:
    """Whether a word the lexicon does not know comes right after ``part`` (past stop words):
    what the part did ("the catch released"), not damage."""
    k = next((k for k, t in enumerate(seg.tags) if t is part), None)
    after = [t for t in seg.tags[k + 1 :] if t.kind is not Kind.STOP] if k is not None else []
    return bool(after) and after[0].kind is Kind.WORD


def own_verb(seg: Segment) -> bool:
    """ "the catch released and the bonnet cracked the screen": a part with a verb of its own
    does not take the damage said after it."""
    return any(said_after(seg, m.tag) for m in seg.mentions)


def damage_by(seg: Segment, segments: Sequence[Segment]) -> bool:
    """ "dented by a shopping trolley, N/S rear door": damage and what did it, then the part
    it was done to; the damage leads the part, the rest is story, not a part to confirm."""
    kinds = {t.kind for t in seg.tags}
    if not {Kind.SEV, Kind.NARR} <= kinds or Kind.WORD in kinds:
        return False
    if not any("by" in t.words for t in seg.tags):
        return False  # "scraped the passenger side in a multi storey": where, not by what
    after = segments[segments.index(seg) + 1 :]
    return bool(after) and bool(after[0].mentions) and after[0].joiner in (Kind.COMMA, Kind.COORD)


def only_story(seg: Segment) -> bool:
    """ "Clipped a mailbox pulling out", "rear-ended at a stop light": what happened, with
    no damage word; what it names is what was hit, not a part to confirm. A warning light
    on the dash is no part either, but a symptom to check: it is listed."""
    kinds = {t.kind for t in seg.tags}
    if Kind.PART in kinds:
        return False
    if all(w in phrase_words().column_headings for t in seg.tags for w in t.words):
        return True  # "Part | Side | Op": the heading row of an estimator's table
    if any(w in phrase_words().paperwork for t in seg.tags for w in t.words):
        return True  # "insurer approved the repair": the claim's handling, not damage
    if Kind.NEG in kinds and Kind.SEV not in kinds:
        return True  # "drove home fine", "engine runs ok": what works is no part to confirm
    lights = [k for k, t in enumerate(seg.tags) if t.words in phrase_words().warning_lights]
    if lights:
        # "no warning lights on": denied, story; "ABS light on" is a symptom to check
        denied = lexicon().negators
        return any(" ".join(t.words) in denied for t in seg.tags[: lights[0]])
    return bool(kinds & {Kind.NARR, Kind.TOTAL}) and Kind.SEV not in kinds


def working(tags: list[Tag]) -> None:
    """ "parking sensor still beeps", "camera is working": a working word right after a part
    (past "still", "is") and ending what is said of it denies its damage; "body work
    needed", "not working", "beeping constantly" (a fault) do not."""
    for k, t in enumerate(tags):
        if t.kind is not Kind.WORD or t.words not in phrase_words().working:
            continue
        if any(a.kind not in (Kind.NEG, Kind.FILLER, Kind.STOP) for a in tags[k + 1 :]):
            continue
        j = k - 1
        while j >= 0 and tags[j].kind in (Kind.FILLER, Kind.STOP):
            j -= 1
        if j >= 0 and tags[j].kind is Kind.PART:
            tags[k] = replace(t, kind=Kind.NEG)


_WHERE = frozenset({Kind.POS, Kind.SEV, Kind.STOP, Kind.FILLER})


def where_only(seg: Segment) -> bool:
    """ "Offside damage", "damage to the right-hand side": where the damage is, kept as the
    context of the parts after it (a side they take); no part to confirm."""
    return any(t.kind is Kind.POS and t.sides for t in seg.tags) and all(
        t.kind in _WHERE for t in seg.tags
    )
