"""extract_components: damaged parts and their severity out of a free-text description."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from .._exceptions import InputError
from .._models import DamagedPart, Severity
from .components import MAX_COMPONENT_CHARS
from .tokens import BASE_VOCAB, TOKEN, normalise_market, singular
from .vocabulary import (
    FILLER,
    MINOR_WORDS,
    MODERATE_WORDS,
    NOT_PART_WORDS,
    PART_WORDS,
    POSITION_TOKENS,
    SEVERE_PHRASES,
    SEVERE_WORDS,
    SEVERITY_WORDS,
    STOPWORDS,
)

__all__ = ["extract_components"]

_PART_VOCAB = (
    frozenset(
        t
        for t in BASE_VOCAB
        if t not in POSITION_TOKENS and t not in STOPWORDS and not t.isdigit() and len(t) > 1
    )
    - NOT_PART_WORDS
) | PART_WORDS
_PART_VOCAB_LIST = tuple(sorted(_PART_VOCAB))
_CLAUSE_SPLIT = re.compile(r"[,;.!?\n]+|\bbut\b|\bthen\b|\bwhile\b")
_AND_SPLIT = re.compile(r"\band\b|&|\bplus\b|\balso\b")


def _clause_severity(text: str) -> Severity | None:
    low = text.lower()
    if any(p in low for p in SEVERE_PHRASES):
        return Severity.SEVERE
    words = set(TOKEN.findall(low))
    if words & SEVERE_WORDS:
        return Severity.SEVERE
    if words & MODERATE_WORDS:
        return Severity.MODERATE
    if words & MINOR_WORDS:
        return Severity.MINOR
    return None


def _is_part_word(token: str) -> bool:
    if token in _PART_VOCAB:
        return True
    if len(token) < 4:
        return False
    return (
        process.extractOne(token, _PART_VOCAB_LIST, scorer=fuzz.ratio, score_cutoff=80) is not None
    )


_DROP_PHRASES = re.compile(
    r"\b(write[- ]off|written off|hanging off|ripped off|torn off|caved in)\b", re.IGNORECASE
)


def extract_components(text: str, *, market: str = "GB") -> tuple[list[DamagedPart], list[str]]:
    """Read damaged parts and their severity out of a free-text description.

    "hit a bollard, front bumper smashed and the left fog light is broken" gives
    front bumper (severe) and left fog light (moderate), and the warning
    "could not read 'hit a bollard' as a damaged part". Severity comes from words
    (smashed -> severe, cracked -> moderate, scratched -> minor; default moderate);
    a part without a severity word takes its clause's ("bumper and grille smashed").
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("the damage description is empty; describe the damaged parts")
    normalise_market(market)
    parts: list[DamagedPart] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for clause in _CLAUSE_SPLIT.split(text):
        clause = clause.strip()
        if not clause:
            continue
        clause_severity = _clause_severity(clause)
        found_part = False
        for chunk in _AND_SPLIT.split(clause):
            chunk = chunk.strip()
            if not chunk:
                continue
            severity = _clause_severity(chunk) or clause_severity
            words = [
                w
                for w in TOKEN.findall(_DROP_PHRASES.sub(" ", chunk.lower().replace("'", "")))
                if w not in SEVERITY_WORDS and w not in FILLER and w not in STOPWORDS
            ]
            # Keep the user's wording of the part, without the severity and filler words.
            kept = [
                w
                for w in re.findall(r"[A-Za-z0-9/']+", _DROP_PHRASES.sub(" ", chunk))
                if w.lower().replace("'", "") not in SEVERITY_WORDS
                and w.lower().replace("'", "") not in FILLER
                and (w.lower() not in STOPWORDS or w.lower() == "side")
            ]
            if not any(_is_part_word(singular(w)) for w in words):
                if severity is not None and not kept and parts and not found_part:
                    # "front bumper, smashed": a bare severity belongs to the part before.
                    last = parts[-1]
                    parts[-1] = last.model_copy(update={"severity": severity})
                    continue
                if kept:
                    warnings.append(f"could not read {chunk!r} as a damaged part")
                continue
            found_part = True
            component = " ".join(kept)
            if component.lower() in seen:
                continue
            seen.add(component.lower())
            parts.append(
                DamagedPart(
                    component=component[:MAX_COMPONENT_CHARS],
                    severity=severity or Severity.MODERATE,
                )
            )
    return parts, warnings
