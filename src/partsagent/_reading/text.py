"""Free text -> mentions: each part named, with the positions, count and severity attached to it.

A description is cut into sentences (. ; : ! ? a line break) and each
sentence into segments (commas, spaced dashes, "and", "+", a spaced "/", and clause words
such as "when" or "after"). Words attach to a part by where they stand:

* a side or axle word right before the part ("N/S headlamp", "left front
  fender") or after it at the end of its segment ("tail light smashed N/S",
  "fender dented on the drivers side"); "left", "right", "driver" and
  "passenger" are everyday words too, so they count only there ("cracked right
  across", "left a mark", "making a left turn" name no side);
* a count right before the part ("both", "pair of", "2 x", "all four") or an
  explicit one after it ("x2", "L+R", "(both)"); "both" after a plural
  ("doors both caved in") counts, after two coordinated parts it does not;
* severity words of the part's own segment, else of the next segment joined by
  a comma or "and" ("bumper and grille smashed"), else "too" takes the one
  before ("bonnet too");
* a segment of only positions, counts or severity belongs to the part before
  it ("Headlight Assembly, left", "fog lights, both", "scuffed and cracked");
* a side before the first of coordinated parts covers the others ("passenger
  headlamp and fog lamp");
* "that side", "that corner" and headings ("LHF: ...") take a side named
  elsewhere (reference.py);
* a denial ("is fine", "still works", "isn't cracked") belongs to its part: the
  one it is tied to ("no damage to the grille"), else the one before; it flows
  back over "and" like severity ("bonnet and wings are fine"), and a part with a
  damage word of its own stays damaged ("chipped, isn't cracked");
* "Front bumper: scuffed": damage after a colon is the part's before it.

A segment without a part is the story of what happened: it is handed back as
unread (consecutive ones together) and a side it names ("impact N/S/F", "the
whole driver side") is kept as the context of the parts without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .._models import Axle, Severity
from .actions import carry_work
from .compounds import complete, compound, landmark
from .index import Index
from .mentions import Mention, Passage, Segment
from .phrases import damage_kinds, phrase_words
from .reference import Heading, Referent, heading_ends, heading_of, resolve, side_ok
from .story import damage_by, only_story, own_verb, story_parts, struck, where_only, working
from .tagged import tagged
from .tags import Kind, Tag, worst

__all__ = ["read_passage"]

_ATTACHABLE = frozenset(
    {
        Kind.POS,
        Kind.COUNT,
        Kind.SEV,
        Kind.FILLER,
        Kind.STOP,
        Kind.ECHO,
        Kind.FINISH,
        Kind.PRIOR,
        Kind.ACTION,
        Kind.WORK,
    }
)
_DESCRIPTIVE = frozenset({Kind.VEH, Kind.BODY, Kind.STOP, Kind.FILLER, Kind.NUM, Kind.COUNT})
_SPLIT = {Kind.COMMA, Kind.COORD, Kind.CLAUSE}
_LEAD = frozenset({Kind.POS, Kind.COUNT, Kind.NUM, Kind.FILLER})
_THE = frozenset({("the",)})  # "both the front doors"
_STORY = frozenset({Kind.NARR, Kind.TOTAL, Kind.SEV, Kind.POS, Kind.NEG, Kind.PART})
_TRAIL = _ATTACHABLE - {Kind.PRIOR, Kind.ACTION} | {Kind.NEG}
"""What stands after a part and is said of it ("smashed N/S", "both", "req repl")."""
_DENIAL = frozenset({Kind.NEG, Kind.SEV, Kind.FILLER, Kind.STOP})
_DENIED = "denied"
"""What flows back over "and" from "the wings are fine" to "bonnet" ("bonnet and wings fine")."""
_KIND_DENIED = "kind denied"
_LIST_JOINERS = frozenset({Kind.COMMA, Kind.COORD})


def _sentences(tags: Sequence[Tag], text: str) -> list[tuple[list[Tag], str]]:
    """The sentences, each with the characters that end it (a colon introduces a list)."""
    out: list[tuple[list[Tag], str]] = [([], "")]
    for t in tags:
        if t.kind is Kind.BREAK:
            out[-1] = (out[-1][0], text[t.start : t.end])
            out.append(([], ""))
        else:
            out[-1][0].append(t)
    return [s for s in out if s[0]]


_STRENGTH = {Kind.COMMA: 0, Kind.COORD: 1, Kind.CLAUSE: 2}


def _segments(sentence: Sequence[Tag]) -> list[Segment]:
    out: list[Segment] = []
    current: list[Tag] = []
    joiner: Kind | None = None
    pending: Kind | None = None
    for t in sentence:
        if t.kind in _SPLIT:
            if current:
                out.append(Segment(current, joiner, current[0].start, current[-1].end))
                current = []
            if pending is None or _STRENGTH[t.kind] > _STRENGTH[pending]:
                pending = t.kind
            continue
        if not current:
            joiner = pending if out else None  # a leading "and" joins nothing
            pending = None
        current.append(t)
    if current:
        out.append(Segment(current, joiner, current[0].start, current[-1].end))
    return out


def _add_position(m: Mention, t: Tag) -> None:
    m.axles |= t.axles
    m.sides |= t.sides
    for side in t.sides:
        m.said.setdefault(side, m.segment.text[t.start : t.end])


def _attach_positions(m: Mention, tags: Sequence[Tag], i: int) -> None:
    # Leading: positions and counts right before the part ("both N/S", "2 x front").
    j = i - 1
    while j >= 0 and (tags[j].kind in _LEAD or tags[j].words in _THE):
        t = tags[j]
        if t.kind is Kind.POS:
            _add_position(m, t)
        elif t.kind in (Kind.COUNT, Kind.NUM) and t.count is not None and m.count is None:
            m.count = t.count
        j -= 1
    # Trailing: positions at the end of the part's own words ("smashed N/S", "on the O/S").
    j = i + 1
    if j < len(tags) and tags[j].kind is Kind.NUM and m.plural and m.count is None:
        m.count = tags[j].count  # "backup sensors (2)", "rear sensors (2) on the o/s"
        j += 1
    while j < len(tags) and tags[j].kind in _TRAIL:
        t = tags[j]
        if t.kind is Kind.POS and side_ok(tags, j):
            _add_position(m, t)
        elif (
            t.kind is Kind.COUNT
            and t.count is not None
            and m.count is None
            and (t.explicit_count or m.plural)
        ):
            m.count = t.count  # "doors both caved in"; "bumper and tailgate both" is not one
        j += 1
    if m.sides:
        m.side_from = "words"


def _read_segment(seg: Segment) -> None:
    tags = seg.tags
    parts = [i for i, t in enumerate(tags) if t.kind is Kind.PART]
    if any(tags[i].match != "modifier" for i in parts):
        parts = [i for i in parts if tags[i].match != "modifier"]
    seg.severity = worst(t.severity for t in tags if t.kind is Kind.SEV)
    seg.kinds = damage_kinds(t.words for t in tags if t.kind is Kind.SEV)
    working(tags)
    negations = [k for k, t in enumerate(tags) if t.kind is Kind.NEG]
    if seg.severity is None:
        seg.action = next((t.action for t in tags if t.kind is Kind.ACTION), None)
    # "R&I headlamp (not damaged)": a part to take off and put back is not damaged; the work stays.
    seg.denied = bool(negations) and seg.severity is None and seg.action != "refit"
    seg.paint_intact = any(t.kind is Kind.FINISH for t in tags)
    prior = [k for k, t in enumerate(tags) if t.kind is Kind.PRIOR]
    if seg.action == "refit":
        # "transfer the badge from the old hood": the old panel, not old damage
        prior = [k for k in prior if not any(w in _SOURCE for t in tags[:k] for w in t.words)]
    seg.prior = bool(prior)
    denials = [t for t in tags if t.kind is Kind.NEG or (t.kind is Kind.FINISH and t.kind_denial)]
    if seg.severity is None and denials and all(t.kind_denial for t in denials):
        seg.denied, seg.kind_denied = False, True
    narrative = any(t.kind in (Kind.NARR, Kind.TOTAL) for t in tags)
    for i in [i for i in parts if landmark(tags, i) or compound(tags, i, narrative, seg)]:
        tags[i] = replace(tags[i], kind=Kind.WORD, entries=())
    parts = [i for i in parts if tags[i].kind is Kind.PART]
    if seg.action is not None:
        # "transfer the plate lamp to the new tailgate": the work is on the first part; a
        # part after "to" is where it goes, not another part to work on.
        where = [i for n, i in enumerate(parts) if _destination(tags, parts, n)]
        for i in where:
            tags[i] = replace(tags[i], kind=Kind.WORD, entries=())
        parts = [i for i in parts if i not in where]
    previous = -1
    for i in parts:
        m = Mention(tags[i], seg, narrative=narrative and not struck(tags, i))
        if tags[i].sides or tags[i].axles:
            _add_position(m, tags[i])  # positions inside the part's own words
        _attach_positions(m, tags, i)
        if previous >= 0 and any(
            t.words[-1] in phrase_words().locatives for t in tags[previous + 1 : i]
        ):
            m.location = True  # "dented at the wheel arch", "scratch on the door near the handle"
        m.unexplained = any(
            0 <= k < len(tags) and tags[k].kind is Kind.WORD for k in (i - 1, i + 1)
        )
        seg.mentions.append(m)
        previous = i
    if negations and not seg.denied and len(parts) > 1:
        # "bumper scuffed with no damage to the grille": the denial is the grille's only.
        by_tag = dict(zip(parts, seg.mentions, strict=True))
        for k in negations:
            denied = _qualified(tags, k, parts)
            if denied is not None:
                by_tag[denied].negated = True


_DESTINATION = frozenset({"to", "onto", "into", "from", "for"})
_SOURCE = frozenset({"from", "off"})


def _destination(tags: Sequence[Tag], parts: Sequence[int], n: int) -> bool:
    """Whether the ``n``-th part of an action segment follows "to", "onto", "from" (the first
    too: "Emblem: transfer from old hood" names where it comes from, not more work)."""
    start = parts[n - 1] + 1 if n else 0
    return any(w in _DESTINATION for t in tags[start : parts[n]] for w in t.words)


def _qualified(tags: Sequence[Tag], k: int, parts: Sequence[int]) -> int | None:
    """The part the negation at ``k`` qualifies: the one after it when a link word ties them
    ("no damage to the bonnet"), else the one before it ("bonnet fine, wing dented")."""
    after = next((i for i in parts if i > k), None)
    before = next((i for i in reversed(parts) if i < k), None)
    between = tags[k + 1 : after] if after is not None else ()
    linked = tags[k].forward or (
        any(t.words[-1] in phrase_words().negation_links for t in (tags[k], *between))
        and all(t.kind in (Kind.STOP, Kind.FILLER) for t in between)
    )
    return after if linked or before is None else before


def _is_attachable(seg: Segment) -> bool:
    """Only positions, counts or severity ("left", "both", "cracked"), or a severity first
    and then where ("pushed in at the wheel arch"): it belongs to the part before."""
    if seg.mentions:
        return False
    if any(t.kind is Kind.NEG for t in seg.tags):
        # "still works", "isn't cracked": said of the part before; a side it names is not.
        return all(t.kind in _DENIAL for t in seg.tags)
    if all(t.kind in _ATTACHABLE for t in seg.tags):
        return True
    first = next((t for t in seg.tags if t.kind not in (Kind.STOP, Kind.FILLER)), None)
    return (
        first is not None
        and (
            first.kind in (Kind.SEV, Kind.FINISH, Kind.WORK)
            and seg.joiner in (Kind.COMMA, Kind.COORD)
            or first.kind is Kind.ACTION  # "Emblem: transfer from the old hood"
        )
        and not any(t.kind in (Kind.NARR, Kind.TOTAL, Kind.PART) for t in seg.tags)
    )


def _attach_bare(seg: Segment, to: Segment) -> None:
    """A segment of positions, counts or severity words belongs to the part before it."""
    for i, t in enumerate(seg.tags):
        for m in to.mentions:
            if t.kind is Kind.POS and (not t.strict or side_ok(seg.tags, i)):
                _add_position(m, t)
                m.side_from = m.side_from or ("words" if t.sides else None)
            elif t.kind is Kind.COUNT and t.count is not None and m.count is None:
                m.count = t.count
    to.kinds |= seg.kinds
    to.prior = to.prior or seg.prior  # "scratch on the bumper, that's old"
    to.work = to.work or seg.work  # "LF fender - req repl"
    if to.severity is None and seg.severity is None and to.action is None:
        to.action = seg.action  # "rad support - check", "grille: R&I"
        to.denied = to.denied and to.action != "refit"  # "tail lamp fine, to be reused"
    if seg.severity is not None:
        to.severity = worst([to.severity, seg.severity])
        to.action = None  # "R&I grille, cracked": a damage word wins over the work
    elif seg.denied and to.severity is None and to.action != "refit":
        to.denied = True  # "headlamps R&I for access, not damaged": the refit stands
    elif seg.kind_denied:
        to.kind_denied = True  # "tailgate, no dents": fine, unless other damage is said
    to.paint_intact = to.paint_intact or seg.paint_intact


def _inherit(segments: Sequence[Segment]) -> None:
    """Severity flows back over commas and "and" ("bumper and grille smashed"), not clauses."""
    carry: Severity | str | None = None
    carry_kinds: frozenset[str] = frozenset()
    for seg in reversed(segments):
        story = any(t.kind in (Kind.NARR, Kind.TOTAL) for t in seg.tags)
        if seg.action is not None:
            carry = None  # "check the sensors, bumper cracked": the sensors are not cracked
        elif seg.severity is not None:
            carry, carry_kinds = seg.severity, seg.kinds
        elif seg.denied:
            carry = _DENIED  # "bonnet and wings are fine": the bonnet too
        elif seg.kind_denied and seg.mentions:
            carry = _KIND_DENIED  # "bonnet and wings not dented"
        elif seg.mentions and carry is not None and not story and not own_verb(seg):
            if isinstance(carry, Severity):
                seg.severity, seg.kinds = carry, carry_kinds
            elif not _bare(seg):
                pass  # "rear bar needs a paint, tailgate fine": the denial is the tailgate's
            elif carry == _KIND_DENIED:
                seg.kind_denied = True
            else:
                seg.denied = True
        if seg.joiner is Kind.CLAUSE or seg.joiner is None:
            carry = None
    paint = False
    for seg in reversed(segments):  # "hood and roof dented, paint intact": the hood's too
        if seg.mentions:
            paint = seg.paint_intact = seg.paint_intact or paint
        if seg.joiner is not Kind.COORD:
            paint = False
    lead: Severity | None = None
    lead_kinds: frozenset[str] = frozenset()
    for seg in segments:  # "hail damage to the hood, roof and boot lid": the damage leads
        if seg.joiner is Kind.CLAUSE:
            lead = None
        first_part = next((i for i, t in enumerate(seg.tags) if t.kind is Kind.PART), None)
        if not seg.mentions or first_part is None:
            if seg.severity is not None and not seg.mentions:
                lead, lead_kinds = seg.severity, seg.kinds  # "Keyed down the whole drivers side"
            continue
        if any(t.kind is Kind.SEV for t in seg.tags[:first_part]):
            lead, lead_kinds = seg.severity, seg.kinds
        elif (
            seg.severity is None
            and seg.action is None
            and not seg.denied
            and not any(t.kind_denial for t in seg.tags)
        ):
            seg.severity, seg.kinds = lead, lead_kinds  # not to "paint intact on the wings"
        else:
            lead = None
    for k, seg in enumerate(segments):
        if seg.severity is None and not seg.denied and any(t.kind is Kind.ECHO for t in seg.tags):
            before = [s.severity for s in segments[:k] if s.mentions and s.severity]
            seg.severity = before[-1] if before else None


_PLACE = frozenset({Kind.POS, Kind.COUNT, Kind.NUM})


def _bare(seg: Segment) -> bool:
    """Whether nothing is said after the segment's last part but where and how many: only
    such a part ("bonnet, wings fine") takes a denial said after it."""
    last = max(i for i, t in enumerate(seg.tags) if t.kind is Kind.PART)
    return all(t.kind in _PLACE for t in seg.tags[last + 1 :])


def _deny_lists(segments: Sequence[Segment]) -> None:
    """ "No damage to the mirrors, wheels or sills": a denial before its part covers the
    list that part heads, up to a segment with damage, story or a denial of its own."""
    denying = False
    for seg in segments:
        if seg.joiner not in _LIST_JOINERS:
            denying = False
        own = any(t.kind in (Kind.SEV, Kind.NARR, Kind.TOTAL, Kind.NEG) for t in seg.tags)
        if denying and seg.mentions and not own and seg.severity is None:
            seg.denied = True
            continue
        first_part = next((i for i, t in enumerate(seg.tags) if t.kind is Kind.PART), None)
        denying = (
            seg.denied
            and first_part is not None
            and any(t.kind is Kind.NEG for t in seg.tags[:first_part])
        )


def _both_on_one_side(segments: Sequence[Segment]) -> None:
    """ "Front door and wing both on the left": "both" and a side after the last of
    coordinated parts is the side of each of them, as if said before every one."""
    for n, seg in enumerate(segments):
        if not seg.mentions:
            continue
        last = max(k for k, t in enumerate(seg.tags) if t.kind is Kind.PART)
        after = [t for t in seg.tags[last + 1 :] if t.kind is not Kind.STOP]
        pair = next((k for k, t in enumerate(after) if t.kind is Kind.COUNT), None)
        if pair is None or after[pair].count != 2 or pair + 1 >= len(after):
            continue
        side = after[pair + 1]
        if side.kind is not Kind.POS or len(side.sides) != 1:
            continue
        k = n
        while k > 0 and segments[k].joiner in _LIST_JOINERS and segments[k - 1].mentions:
            k -= 1
        for m in (m for s in segments[k : n + 1] for m in s.mentions):
            if not m.sides:
                _add_position(m, side)
                m.side_from = "words"


def _coordinate_sides(segments: Sequence[Segment]) -> None:
    """ "passenger headlamp and fog lamp": the side before the first covers the next ones.

    Along the sentence, the one side named last carries on to a single part named without
    one ("O/S front wing dented, mirror hanging off"; "N/S front door and rear door"), as
    context: the reader lowers its confidence a little. Never to a pair or a count
    ("headlights"), never over a clause word ("but", "then").
    """
    lead: Mention | None = None
    carried: Mention | None = None
    axle: Axle | None = None
    for seg in segments:
        if seg.joiner not in (Kind.COMMA, Kind.COORD):
            carried = None
            axle = None
        if not seg.mentions:
            continue
        for m in seg.mentions:
            if m.axles:
                axle = next(iter(m.axles)) if len(m.axles) == 1 else None
            else:
                m.carried_axle = axle
        if seg.joiner in (Kind.COMMA, Kind.COORD):
            for m in seg.mentions:
                if m.sides:
                    continue
                if lead is not None and not m.axles:
                    m.sides = set(lead.sides)
                    if m.count is None and not m.plural:
                        # "nearside rear arch liner and trim"; never "N/S front wing and
                        # both doors", which are that side's front and rear doors
                        m.axles = set(lead.axles)
                    m.said = dict(lead.said)
                    m.side_from = "coordination"
                elif carried is not None and not m.plural and m.count is None:
                    m.sides = set(carried.sides)
                    m.said = dict(carried.said)
                    m.side_from = "context"
        own = [m for m in seg.mentions if m.side_from == "words"]
        has_own_severity = any(t.kind is Kind.SEV for t in seg.tags)
        lead = own[0] if own and not has_own_severity else None
        sided = [m for m in seg.mentions if len(m.sides) == 1]
        if sided:
            carried = sided[-1]
        elif any(len(m.sides) > 1 for m in seg.mentions):
            carried = None


def read_passage(
    text: str, index: Index, vehicle_words: frozenset[str], referent: Referent | None = None
) -> Passage:
    """Read one text into its mentions, unread story, descriptions and context.

    ``referent`` is the side named last before this text (in an earlier component).
    """
    tags = tagged(text, index, vehicle_words)
    passage = Passage(text, [], [], [], [], [], [], referent)
    heading: Heading | None = None
    labelled: Segment | None = None
    for sentence, brk in _sentences(tags, text):
        segments = _segments(sentence)
        last: Mention | None = None
        for k, seg in enumerate(segments):
            seg.text = text
            seg.work = _asks_work(segments, k)
            passage.referent = resolve(seg.tags, text, passage.referent)
            if last is not None:
                complete(seg, last, index)
            _read_segment(seg)
            last = seg.mentions[-1] if seg.mentions else last
        if labelled is not None and all(_is_attachable(seg) for seg in segments):
            for seg in segments:  # "Front bumper: scuffed": the damage of the part before
                _attach_bare(seg, labelled)
            _finish(labelled)
            labelled = None
            continue
        with_parts = [seg for seg in segments if seg.mentions]
        labelled = with_parts[-1] if ":" in brk and with_parts else None
        starts = ":" in brk and not any(seg.mentions for seg in segments)
        new = heading_of([seg.tags for seg in segments], text) if starts else None
        _read_story(passage, segments, quiet=new is not None and new.positional)
        _deny_lists(segments)
        carry_work(segments)
        _inherit(segments)
        _both_on_one_side(segments)
        _coordinate_sides(segments)
        if heading is not None:
            _apply_heading(heading, segments)
        for seg in segments:
            _finish(seg)
            passage.mentions.extend(seg.mentions)
        if new is not None:
            heading = new
        elif heading_ends(brk) or ":" in brk:
            heading = None
    story_parts(passage.mentions)
    return passage


def _asks_work(segments: Sequence[Segment], k: int) -> bool:
    """Whether a new part or a repair is asked in segment ``k``, or in the segment after it
    when that one names no part ("front bumper struck in the car park, R&R")."""
    if any(t.kind is Kind.WORK for t in segments[k].tags):
        return True
    after = segments[k + 1] if k + 1 < len(segments) else None
    return (
        after is not None
        and after.joiner in (Kind.COMMA, Kind.COORD)
        and not any(t.kind is Kind.PART for t in after.tags)
        and any(t.kind is Kind.WORK for t in after.tags)
    )


def _finish(seg: Segment) -> None:
    """The segment's damage (or its denial) is its parts'."""
    if seg.kind_denied and seg.severity is None:
        seg.denied = True  # "tailgate not dented", "wings: paint intact": nothing else said
    for m in seg.mentions:
        m.paint_intact = m.paint_intact or seg.paint_intact
        m.prior = m.prior or seg.prior
        m.action = seg.action
        if seg.denied and seg.severity is None:
            m.negated = True
        if seg.severity is not None and not m.negated:
            m.severity = seg.severity
            m.severity_from = "words"
            m.kinds = seg.kinds
        elif seg.work and not m.negated:
            m.severity_from = "words"  # asked to replace or repair: damaged, how badly unsaid


def _read_story(passage: Passage, segments: Sequence[Segment], *, quiet: bool) -> None:
    """Segments without parts: attached to a part, a description, or the story (unread).

    ``quiet``: the sentence is a heading of positions ("LHF:"); it names no story.
    """
    story: tuple[int, int] | None = None
    last_with_parts: Segment | None = None
    for seg in segments:
        for t in seg.tags:
            if t.kind is Kind.TOTAL:
                passage.total_loss.append((t.start, t.end))
        if seg.mentions:
            last_with_parts = seg
            passage.understood = True
            story = None
            continue
        if _is_attachable(seg) and last_with_parts is not None:
            _attach_bare(seg, last_with_parts)
            continue
        if all(t.kind in _DESCRIPTIVE for t in seg.tags):
            if any(t.kind in (Kind.VEH, Kind.BODY) for t in seg.tags):
                passage.descriptions.append((seg.start, seg.end))
                passage.understood = True
            continue
        if all(t.kind in _DENIAL or t.kind in (Kind.FINISH, Kind.WORK) for t in seg.tags):
            continue  # "scuffed", "no damage (except ...)", "paint intact": no part, no story
        for i, t in enumerate(seg.tags):
            if t.kind is Kind.POS and side_ok(seg.tags, i):
                passage.context_sides.extend(sorted(t.sides))
                passage.context_axles.extend(sorted(t.axles))
            elif t.kind is Kind.NARR:
                passage.context_axles.extend(sorted(t.axles))  # "hit from behind"
            if t.kind in _STORY:
                passage.understood = True
        if quiet:
            continue
        if only_story(seg) or damage_by(seg, segments) or where_only(seg):
            passage.stories.append((seg.start, seg.end))
            continue
        if story is not None:
            passage.unread[-1] = (story[0], seg.end)
        else:
            passage.unread.append((seg.start, seg.end))
        story = passage.unread[-1]


def _apply_heading(heading: Heading, segments: Sequence[Segment]) -> None:
    """ "LHF: headlight scuffed, wing scratched": the list takes the heading's side, axle
    and damage where its parts have none of their own."""
    for seg in segments:
        if seg.mentions and seg.severity is None and not seg.denied:
            seg.severity = heading.severity  # "whole n/side scraped: wing and both doors"
            if heading.severity is None and seg.action is None:
                seg.action = heading.action  # "R&I (not bought): grille, N/S fog lamp"
        for m in seg.mentions:
            if not m.sides and heading.side is not None:
                m.sides = {heading.side}
                m.said = {heading.side: heading.said}
                m.side_from = "heading"
            if not m.axles:
                m.heading_axle = heading.axle
