"""How many hail dents one panel has: its own count, never another panel's."""

from __future__ import annotations

import re
from collections.abc import Collection

from ._phrases import find_phrases, normalised
from .evidence import Evidence
from .said import Said

__all__ = ["hail_count_of"]


def hail_count_of(text: str, said: Said, evidence: Evidence, others: Collection[str]) -> int | None:
    """The dents counted on the panel of ``text`` (its words), ``others`` being the words of
    the other damaged parts.

    Its own words, up to the parts named beside it ("roof about 40 dents, hood 10"); else,
    when they say it is the same ("roof the same", "and the boot lid too"), the count of the
    nearest panel before it in the sentence; else a count said in a sentence that names no
    part (the whole car's: "about 60 dents in all"). None when no count is said for it: the
    caller prices the default and asks for the count.
    """
    words = said.segment(text, others)
    own = evidence.hail_count(words)
    if own is None:
        own = _bare_count(normalised(words))
    if own is not None:
        return own
    segment = normalised(said.segment(text, others))
    if find_phrases(evidence.hail.same_words, segment):
        sentence = said.sentence_of(text)
        at = sentence.find(normalised(text))
        before = sorted(
            (sentence.rfind(normalised(o), 0, max(at, 0)), o)
            for o in others
            if o != text and normalised(o) and sentence.rfind(normalised(o), 0, max(at, 0)) >= 0
        )
        for _, other in reversed(before):
            count = evidence.hail_count(said.segment(other, others))
            if count is not None:
                return count
    named = [normalised(o) for o in others if normalised(o)]
    general = [
        count
        for sentence in said.phrases
        if not any(n in sentence for n in named)
        and (count := evidence.hail_count(sentence)) is not None
    ]
    return max(general) if general else None


# A number standing alone by a panel in a hail report is its count ("Roof x35", "about 15
# on the hood", "bonnet maybe 20"), never a time, a size or a price ("1.5h", "5 cm", "40p").
_BARE = re.compile(
    r"(?:\bx\s*|(?<![\w.£$€/-]))(\d{1,3})(?![\d.,]\d|\s*(?:x\b|h\b|hrs?\b|hours?\b|mm\b"
    r"|cm\b|in\b|inch|\"|%|p\b|pence|quid|pounds?\b|dollars?\b|euros?\b|mph\b|km|miles?\b"
    r"|years?\b|yrs?\b|am\b|pm\b|/))"
)


def _bare_count(words: str) -> int | None:
    found = {int(m.group(1)) for m in _BARE.finditer(words)}
    return found.pop() if len(found) == 1 else None
