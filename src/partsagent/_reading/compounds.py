"""Which words make one part: a weak or head word completing the part before it, a story's
compound ("a light pole"), a landmark ("a dent near the windscreen")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .index import Index, part_words
from .language import lexicon
from .mentions import Mention, Segment
from .phrases import phrase_words
from .tags import Kind, Tag

__all__ = ["complete", "compound", "landmark"]

_ARTICLES = frozenset({"the", "a", "an", "my", "your", "their", "his", "her", "our", "its", "some"})


def complete(seg: Segment, last: Mention, index: Index) -> None:
    """ "wing mirrors ... and both glasses cracked": a weak word completes the part before,
    and so does a head word that names a part only with another's name ("door edge
    chipped and hinge bent" is the door's hinge, not the bonnet's)."""
    if any(t.kind is Kind.PART and t.match not in ("modifier", "head") for t in seg.tags):
        return
    cores = {e.core for e in last.tag.entries}
    for k, t in enumerate(seg.tags):
        head = t.kind is Kind.PART and t.match == "head"
        if head or (t.kind in (Kind.WORD, Kind.PART) and t.words[-1] in part_words().weak):
            w = t.words[-1]
            entries = tuple(e for c in cores for e in index.terms.get((*c, w), ()))
            # "arch liner and trim": the modifier before the first part is the second's too.
            entries = entries or tuple(
                e for c in cores if len(c) > 1 for e in index.terms.get((*c[:-1], w), ())
            )
            # "rear sensor and bracket": the catalog's sensor bracket, not an absent radar's
            real = tuple(e for e in entries if index.targets[e.target].category is not None)
            entries = real or entries
            if entries:
                seg.tags[k] = replace(t, kind=Kind.PART, entries=entries, match="term")


def landmark(tags: Sequence[Tag], i: int) -> bool:
    """ "a dent near the windscreen": the windscreen only says where; it is not damaged."""
    words: list[str] = []
    for t in tags[:i]:
        words.extend(t.words)
    while words and (words[-1] in _ARTICLES or words[-1] in lexicon().positions):
        words.pop()
    return any(tuple(words[-n:]) in phrase_words().landmarks for n in (1, 2, 3) if len(words) >= n)


def compound(tags: Sequence[Tag], i: int, narrative: bool, seg: Segment) -> bool:
    """ "Backed into a light pole": in a story with no damage word, a part word right before
    a word it does not know names that thing (English compounds end in their head)."""
    return (
        narrative
        and seg.severity is None
        and not seg.work
        and i + 1 < len(tags)
        # "Windshield took a rock", "The bonnet took a hit": a part that leads its segment,
        # before a word the lexicon does not know, is what the story happened to
        and (
            tags[i + 1].kind is Kind.NARR
            or any(t.kind not in (Kind.STOP, Kind.POS) for t in tags[:i])
        )
        and tags[i].last - tags[i].first == 1
        and tags[i + 1].kind in (Kind.WORD, Kind.NARR)
        and tags[i].last == tags[i + 1].first
    )
