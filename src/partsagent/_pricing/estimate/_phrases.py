"""The phrase matching the evidence words are read with: one normal form, phrases found
longest first and never inside another, denials, sentences, clauses, hours and measures."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from decimal import Decimal

from ..._reading.tokens import pillar_posts, pillars_hit

__all__ = [
    "BARE_HOURS",
    "CLAUSE",
    "HOURS",
    "OP_HOURS",
    "SENTENCE",
    "affirmed_phrases",
    "find_phrases",
    "measure_cm",
    "normalised",
    "without_phrases",
]


SENTENCE = re.compile(r"(?:\.(?!\d)|(?<!\d)\.|[;!?\n])+")
"""Sentence ends; a dot between digits ("2.0h", "5.5 cm") is a decimal point."""
CLAUSE = re.compile(r",|\bbut\b|\bhowever\b|\bwhereas\b|\balthough\b")
BARE_HOURS = re.compile(r"(?<![\w.,£$€/])(\d{1,2}\.\d)(?=[\s|]*(?:;|$))")
"""Hours as a line's last column, with no unit: one decimal, so no count, price or size."""
OP_HOURS = re.compile(
    r"\s*[:=-]?\s*(\d{1,2}\.\d)(?![\d.]|\s*(?:%|x\b|cm|mm|in\b|inch|\"|dent|ding|panel))"
)
"""One decimal right after an operation word ("repair 3.5,"): matched at the word's end."""
HOURS = re.compile(r"(?<![\w.])(\d{1,2}(?:\.\d)?)\s*(?:h|hr|hrs|hour|hours)(?![a-z])")
_UNITS = {"mm": Decimal("0.1"), "cm": Decimal(1), "in": Decimal("2.54"), "inch": Decimal("2.54"),
          "inches": Decimal("2.54"), '"': Decimal("2.54")}  # fmt: skip
_MEASURE = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(mm|cm|inches|inch|\")|(in))(?![a-z])")


@functools.lru_cache(maxsize=4096)
def normalised(text: str) -> str:
    """The one form phrases are compared in; kept per text, as a report asks it of the same
    few words dozens of times."""
    # "B post" is a pillar; "hit a post", "into a pillar" are things hit
    edits = [(at, 4, "pillar") for at in pillar_posts(text)]
    edits += [(at, 6, "post") for at in pillars_hit(text)]
    for at, n, word in sorted(edits, reverse=True):
        text = f"{text[: at - 1]} {word}{text[at + n :]}"
    return " ".join(text.casefold().replace("-", " ").replace("’", "'").split())


@functools.cache
def _pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'])" + re.escape(normalised(phrase)) + r"(?![\w'])")


@functools.lru_cache(maxsize=1024)
def _longest_first(phrases: tuple[str, ...]) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """One pattern that matches where any of the phrases does, and the phrases longest first.

    Most clauses hold none of a class's words: one search then settles it, instead of
    one search per phrase (the reading of the evidence was a third of a report's CPU).
    """
    ordered = tuple(sorted(phrases, key=len, reverse=True))
    alternatives = "|".join(re.escape(normalised(p)) for p in ordered) or "(?!)"
    return re.compile(r"(?<![\w'])(?:" + alternatives + r")(?![\w'])"), ordered


def find_phrases(phrases: Iterable[str], text: str) -> list[tuple[int, int, str]]:
    """Every phrase found, longest first, none inside another: (start, end, phrase)."""
    anywhere, ordered = _longest_first(phrases if isinstance(phrases, tuple) else tuple(phrases))
    if anywhere.search(text) is None:
        return []
    taken: list[tuple[int, int, str]] = []
    for phrase in ordered:
        for m in _pattern(phrase).finditer(text):
            if not any(m.start() < e and s < m.end() for s, e, _ in taken):
                taken.append((m.start(), m.end(), phrase))
    return sorted(taken)


def without_phrases(phrases: Iterable[str], text: str) -> str:
    """``text`` with every phrase found blanked out (spans kept)."""
    for start, end, _ in find_phrases(phrases, text):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def affirmed_phrases(phrases: Iterable[str], clause: str, denials: Iterable[str]) -> list[str]:
    """The phrases said in a clause with no denial outside them ("not driveable" is one)."""
    found = find_phrases(phrases, clause)
    if not found:
        return []
    spans = [(s, e) for s, e, _ in found]
    denied = [
        d
        for s, e, d in find_phrases(denials, clause)
        if not any(a <= s and e <= b for a, b in spans)
    ]
    if denied:
        return []
    return [p for _, _, p in found]


def measure_cm(text: str) -> Decimal | None:
    """The largest measure said ("5 cm", "50mm", "2 inch"), in centimetres."""
    found = [Decimal(n) * _UNITS[unit or bare] for n, unit, bare in _MEASURE.findall(text)]
    return max(found) if found else None
