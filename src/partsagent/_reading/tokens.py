"""Words -> tokens: lowercased, abbreviations joined, plurals and UK/US words folded."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .._exceptions import InputError
from .._models import Axle, Side
from . import taxonomy
from .vocabulary import (
    FILLER,
    MARKET_ALIASES,
    PHRASES,
    POSITION_TOKENS,
    RIGHT_HAND_DRIVE_MARKETS,
    SEVERITY_WORDS,
    STOPWORDS,
)

__all__ = [
    "BASE_VOCAB",
    "SPEC_BY_NAME",
    "TOKEN",
    "Parsed",
    "fold",
    "normalise_market",
    "parse",
    "raw_tokens",
    "side_in",
    "singular",
]

MAX_PHRASE = max(len(k) for k in PHRASES)
_SLASHED = re.compile(r"\b([a-z])/([a-z])(?:/([a-z]))?\b")
TOKEN = re.compile(r"[a-z0-9]+")


def normalise_market(market: str) -> str:
    """``market`` as an upper-case ISO 3166 alpha-2 code ("UK" is taken as GB)."""
    if not isinstance(market, str) or not re.fullmatch(r"[A-Za-z]{2}", market.strip()):
        raise InputError(
            f"market must be a two-letter country code such as 'GB' or 'US', got {market!r}"
        )
    code = market.strip().upper()
    return MARKET_ALIASES.get(code, code)


def side_in(market: str, word: str) -> Side:
    rhd = market in RIGHT_HAND_DRIVE_MARKETS
    if word in ("left", "right"):
        return word  # type: ignore[return-value]
    if word in ("driver", "offside"):
        return "right" if rhd else "left"
    return "left" if rhd else "right"  # passenger, nearside: the kerb side


def singular(token: str) -> str:
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def raw_tokens(text: str) -> list[str]:
    """Lowercase tokens; "n/s" -> "ns", "l/h" -> "lh" (position abbreviations), plurals folded."""
    low = text.lower().replace("'", "").replace("\u2019", "")

    def join(m: re.Match[str]) -> str:
        joined = "".join(g for g in m.groups() if g)
        return joined if joined in POSITION_TOKENS else m.group(0)

    low = _SLASHED.sub(join, low)
    return [singular(t) for t in TOKEN.findall(low)]


def fold(tokens: Sequence[str]) -> list[str]:
    """Apply the UK/US phrase folding, longest phrase first."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
            repl = PHRASES.get(tuple(tokens[i : i + n]))
            if repl is not None:
                out.extend(repl)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


@dataclass(slots=True)
class Parsed:
    core: str
    axle: Axle | None
    sides: list[tuple[str, str]]  # (side word, the user's token)
    axles: set[str] = field(default_factory=set)


def parse(tokens: Sequence[str]) -> Parsed:
    """Split folded tokens into the part words and the axle/side words."""
    core: list[str] = []
    axles: set[str] = set()
    sides: list[tuple[str, str]] = []
    for t in tokens:
        pos = POSITION_TOKENS.get(t)
        if pos is not None:
            if pos[0] is not None:
                axles.add(pos[0])
            if pos[1] is not None:
                sides.append((pos[1], t))
            continue
        if t in STOPWORDS or t in SEVERITY_WORDS or t in FILLER:
            continue
        core.append(t)
    axle: Axle | None = None
    if len(axles) == 1:
        axle = "front" if "front" in axles else "rear"
    return Parsed(" ".join(core), axle, sides, axles)


def _taxonomy_words() -> set[str]:
    words: set[str] = set()
    for spec in taxonomy.CATEGORIES:
        for w in spec.words:
            words.update(raw_tokens(w))
    return words


BASE_VOCAB = frozenset(
    _taxonomy_words()
    | {w for k in PHRASES for w in k}
    | set(POSITION_TOKENS)
    | {"near", "off", "side"}
)
SPEC_BY_NAME = {
    n.casefold(): spec for spec in taxonomy.CATEGORIES for n in (spec.name, spec.us_name)
}
