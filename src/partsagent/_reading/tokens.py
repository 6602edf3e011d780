"""Words -> tokens: lowercased, plurals folded, abbreviations expanded, UK/US words folded.

Every token keeps the span of the user's characters it came from, so that a
phrase can be handed back in the user's own words ("not priced: 'Hit a kerb'").
The same pipeline (without typo correction) normalises the lexicon's phrases
and the catalog's names, so both sides of every comparison are read alike.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from .._markets import Market, load_markets
from .._models import Side
from .language import Language, current, lexicon, per_language

__all__ = [
    "BREAK",
    "COMMA",
    "Correct",
    "Token",
    "normalise",
    "normalise_market",
    "phrase_key",
    "side_in",
    "singular",
    "tokenize",
]

BREAK = "."
"""The word of a token that ends a sentence (. ; : ! ? or a line break)."""
COMMA = ","
"""The word of a token that separates parts of a sentence (a comma or a spaced dash)."""

# Letters and digits of any script ("kotflügel", "støtfanger"): [^\W_] is a word character
# that is not the underscore, [^\W\d_] a letter.
_SCANNER = re.compile(
    r"(?P<word>[^\W_](?:[^\W_]|['\u2019]|(?<=\d)\.(?=\d)|[/+&](?=[^\W_]))*)"
    r"|(?P<stop>[.;:!?\n]+)"
    r"|(?P<comma>,|\s[-\u2013\u2014]+\s)"
    r"|(?P<joiner>[&+]|(?<=\s)/(?=\s))"
)
_COUNT_X = re.compile(r"^(?:x(\d)|(\d)x)$")


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised word and where in the user's text it came from."""

    word: str
    start: int
    end: int
    plural: bool = False
    corrected: bool = False


def normalise_market(market: str | Market) -> Market:
    """The Market of ``market``: a Market, or the code of a packaged one ("UK" is GB)."""
    return load_markets().get(market)


def side_in(market: Market, word: str) -> Side:
    """The left/right of a side word in ``market`` (driver, nearside... depend on the market)."""
    if word in ("left", "right"):
        return word  # type: ignore[return-value]
    return market.side_of(word)  # type: ignore[arg-type]


def singular(word: str) -> tuple[str, bool]:
    """The singular of ``word`` and whether it was a plural ("glasses" -> "glass").

    The language's ``plurals`` say how (lexicon.json): the first ending that fits.
    """
    plurals = lexicon().plurals
    if not word.isalpha() or word in plurals.never:
        return word, False
    for rule in plurals.endings:
        if (
            len(word) >= rule.min_length
            and word.endswith(rule.ending)
            and not word.endswith(rule.unless)
        ):
            return word[: -len(rule.ending)] + rule.becomes, True
    return word, False


_APOSTROPHE_S = re.compile(r"(?<=[^\W\d_]{3})['\u2019]s$")


def _split_word(raw: str, start: int, end: int) -> list[Token]:
    """One scanned word -> tokens: slashed abbreviations joined or split, x2 read as a count."""
    # "bumper's ripped", "the door's edge": 's is "is" or a possessive, never a plural
    # ("it's" stays "its", the word the phrases use).
    word = _APOSTROPHE_S.sub("", raw).replace("'", "").replace("\u2019", "")
    words = lexicon()
    if word in _spelling().one_word or word in words.positions:
        return [Token(word, start, end)]
    m = _COUNT_X.match(word)
    if m:
        return [Token("x" + (m.group(1) or m.group(2)), start, end)]
    if "/" in word:
        parts = [p for p in word.split("/") if p]
        if all(len(p) == 1 for p in parts):
            return [Token("".join(parts), start, end)]
        if len(parts) == 2 and parts[0] in words.axle_letters and len(parts[1]) >= 2:
            return [Token(words.axle_letters[parts[0]], start, end), Token(parts[1], start, end)]
        out: list[Token] = []
        for i, p in enumerate(parts):
            if i:
                out.append(Token("and", start, end))
            out.extend(_split_word(p, start, end))
        return out
    if "+" in word or "&" in word:
        out = []
        for i, p in enumerate(re.split(r"[+&]", word)):
            if i:
                out.append(Token("and", start, end))
            if p:
                out.extend(_split_word(p, start, end))
        return out
    return [Token(word, start, end)]


_DOTTED = re.compile(r"(?<![^\W_]|\.)([^\W\d_])\.([^\W\d_])(?:\.([^\W\d_]))?\.?(?![^\W_])")


def _undot(m: re.Match[str]) -> str:
    """ "o.s.f." -> "o/s/f" if the letters are a known abbreviation; same length: spans hold."""
    letters = [g for g in m.groups() if g]
    joined = "".join(letters)
    words = lexicon()
    if joined not in words.positions and "/".join(letters) not in words.abbreviations:
        return m.group()
    return ("/".join(letters)).ljust(len(m.group()))


_WORD_DOT = re.compile(r"(?<![^\W_]|\.)([^\W\d_]+)\.(\s+)([^\W\d_]+)")


def _word_dot(m: re.Match[str]) -> str:
    """ "pass. side" -> "pass  side": a full stop inside a phrase the lexicon knows abbreviates."""
    if (m.group(1), m.group(3)) not in _spelling().dotted_pairs:
        return m.group()
    return f"{m.group(1)} {m.group(2)}{m.group(3)}"


def _fold_char(c: str) -> str:
    folded = c.casefold()
    return folded if len(folded) == 1 else c.lower() if len(c.lower()) == 1 else c


def _lowered(text: str) -> str:
    """``text`` casefolded character by character, so every span still points into it."""
    folded = text.casefold()
    return folded if len(folded) == len(text) else "".join(map(_fold_char, text))


_PILLAR_POST = re.compile(
    r"(?<![\w'/])(?:(?P<caps>[A-D])[-/ ]|(?P<mark>[a-d])[-/]|(?P<low>[b-d]) )(?P<post>(?i:posts?))"
    r"(?![\w'])"
)
_HIT_WORDS = frozenset(
    {"hit", "into", "struck", "against", "clipped", "onto", "past", "by", "round", "around"}
)


_THING_HIT = re.compile(
    r"(?i)(?<![\w'])(?:hit|into|struck|against|clipped|onto)\s+(?:(?:a|an|the|some)\s+)?"
    r"(?:(?![a-d]\s)[a-z]+\s+)?(?P<pillar>pillars?)(?![\w'])"
)


def pillars_hit(text: str) -> list[int]:
    """Where "pillar" is a thing the car hit ("reversed into a pillar", "hit a concrete
    pillar"), not the car's own: the start of each such "pillar" in ``text``."""
    return [m.start("pillar") for m in _THING_HIT.finditer(text)]


def pillar_posts(text: str) -> list[int]:
    """Where "post" means a pillar: "B post", "A-post", "c/post", "A post" (not "hit a post").

    A lowercase "a post" is an article and a post (a thing hit); a capital A is the
    pillar, unless a word of contact comes right before it ("HIT A POST"). Returns the
    start of each such "post" in ``text``.
    """
    out = []
    for m in _PILLAR_POST.finditer(text):
        before = text[: m.start()].split()
        if m.group("caps") == "A" and before and before[-1].casefold() in _HIT_WORDS:
            continue
        out.append(m.start("post"))
    return out


def _scan(text: str) -> list[Token]:
    out: list[Token] = []
    posts, hit = pillar_posts(text), pillars_hit(text)
    if posts:  # "A-post", "c/post": one letter and the post, spans kept
        chars = list(text)
        for at in posts:
            chars[at - 1] = " "
        text = "".join(chars)
    # Letters with dots ("N.S.F.", "l.h.") are the slashed abbreviations of another hand;
    # "req. repl." ends no sentence (lexicon ``dotted_words``).
    lowered = _WORD_DOT.sub(_word_dot, _DOTTED.sub(_undot, _lowered(text)))
    lowered = _spelling().dotted.sub(functools.partial(_dotted, text), lowered)
    for m in _SCANNER.finditer(lowered):
        kind = m.lastgroup
        if kind == "word":
            # The whole word casefolded ("straße" is "strasse"); its span stays the user's.
            for t in _split_word(m.group().casefold(), m.start(), m.end()):
                w, plural = singular(t.word)
                w = "pillar" if w == "post" and t.start in posts else w
                w = "post" if w == "pillar" and t.start in hit else w
                out.append(replace(t, word=w, plural=plural))
        elif kind == "stop":
            out.append(Token(BREAK, m.start(), m.end()))
        elif kind == "comma":
            out.append(Token(COMMA, m.start(), m.end()))
        else:
            out.append(Token("and", m.start(), m.end()))
    return out


def _capitalised(word: str) -> bool:
    """ "Front", "Req": a capital then a small letter (not "LH", "RPL", "R&I")."""
    return word[:1].isupper() and word[1:2].islower()


def _dotted(text: str, m: re.Match[str]) -> str:
    """ "req. repl.", "rpl. rfn." keep their sentence; "F/BMP rpl + refin. Front radar
    calibrate", "Hood R&I. Headlamp LH rpl." do not: a capitalised word after the dot
    starts the next sentence, unless the dotted word is capitalised too ("Req. Replacement")."""
    after = text[m.end() :].lstrip(" \t")
    if _capitalised(after) and not _capitalised(text[m.start(1) : m.end(1)]):
        return m.group()
    return m.group(1) + " "


class _Rewrites(dict[tuple[str, ...], tuple[str, ...]]):
    """A rewrite table that knows its longest key (asked on every token otherwise)."""

    def __init__(self, entries: dict[tuple[str, ...], tuple[str, ...]]) -> None:
        super().__init__(entries)
        self.longest = max((len(k) for k in entries), default=1)


def _rewrite(tokens: Sequence[Token], table: _Rewrites) -> list[Token]:
    """Replace runs of words found in ``table``, longest first; spans cover the run."""
    longest = table.longest
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            run = tokens[i : i + n]
            repl = table.get(tuple(t.word for t in run))
            if repl is not None:
                plural = any(t.plural for t in run)
                corrected = any(t.corrected for t in run)
                out.extend(Token(w, run[0].start, run[-1].end, plural, corrected) for w in repl)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _dedupe(tokens: Sequence[Token]) -> list[Token]:
    """ "fog lamp lamp" (from "fog" + "light") -> "fog lamp": a repeat adds nothing."""
    out: list[Token] = []
    for t in tokens:
        if out and out[-1].word == t.word and t.word.isalpha():
            prev = out[-1]
            out[-1] = Token(
                t.word, prev.start, max(prev.end, t.end), prev.plural or t.plural, prev.corrected
            )
        else:
            out.append(t)
    return out


def normalise(tokens: Sequence[Token]) -> list[Token]:
    """Abbreviations expanded, then UK/US words folded, then repeats dropped."""
    rewrites = _rewrites()
    return _dedupe(_rewrite(_rewrite(tokens, rewrites.abbreviations), rewrites.folds))


def tokenize(text: str, correct: Correct | None = None) -> list[Token]:
    """The user's ``text`` as normalised tokens (``correct`` fixes typos of unknown words)."""
    scanned = _scan(text)
    if correct is not None:
        scanned = [correct(t) for t in scanned]
    return normalise(scanned)


def phrase_key(text: str) -> tuple[str, ...]:
    """A lexicon phrase or catalog name as the tuple of words the reader compares.

    Cached per language: every report reads the vehicle's and the catalog's names again.
    """
    return _phrase_key(text, current())


@functools.lru_cache(maxsize=4096)
def _phrase_key(text: str, language: Language) -> tuple[str, ...]:
    return tuple(t.word for t in tokenize(text))


_INFLECTIONS = frozenset({"ed", "d", "ing", "er", "ers", "s", "es"})
"""Endings of another form of a word: a word that is a target plus one of these is no typo."""


class Correct:
    """A typo fixer: a word of 4+ letters that no vocabulary knows becomes the closest one.

    Only towards words that matter, with the same first letter and at most one
    edit (two for words of 6+ letters; a swap of two letters is one): part and
    side words at a ratio of 80 or more ("hedlight", "nearsdie", "fendor"),
    severity words at 88 or more ("scratchd"). Every other known word is left
    alone and is never a target, so everyday words do not become parts ("night"
    is not "light", "customer" is not "cluster", "leading edge" is not "leaking").
    """

    def __init__(self, known: Iterable[str], parts: Iterable[str], severity: Iterable[str]) -> None:
        self.known = frozenset(known) | frozenset(parts) | frozenset(severity)
        self._targets: dict[str, list[tuple[str, int]]] = {}
        for words, cutoff in ((parts, 80), (severity, 88)):
            for w in sorted(set(words)):
                if w.isalpha() and len(w) >= 4:
                    self._targets.setdefault(w[0], []).append((w, cutoff))
        self._cache: dict[str, str] = {}

    def word(self, word: str) -> str:
        if len(word) < 4 or not word.isalpha() or word in self.known:
            return word
        fixed = self._cache.get(word)
        if fixed is None:
            fixed = word
            best = 0.0
            edits = 1 if len(word) <= 5 else 2
            for target, cutoff in self._targets.get(word[0], ()):
                if word.startswith(target) and word[len(target) :] in _INFLECTIONS:
                    continue  # "kicked" is a verb, not a typo of "kick" (panel)
                score = fuzz.ratio(word, target)
                if score >= cutoff and score > best and OSA.distance(word, target) <= edits:
                    fixed, best = target, score
            if len(self._cache) < 4096:
                self._cache[word] = fixed
        return fixed

    def __call__(self, token: Token) -> Token:
        fixed = self.word(token.word)
        if fixed == token.word:
            return token
        return replace(token, word=fixed, corrected=True)


def _table(entries: dict[str, str]) -> dict[tuple[str, ...], tuple[str, ...]]:
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for key, value in entries.items():
        k = tuple(t.word for t in _scan(key))
        table[k] = tuple(value.split())
    return table


@dataclass(frozen=True, slots=True)
class _Spelling:
    one_word: frozenset[str]
    """The abbreviations of one word ("o/s/f"): kept whole by the scanner."""
    dotted_pairs: frozenset[tuple[str, str]]
    """The first two words of every abbreviation and fold: "pass. side" is "pass side"."""
    dotted: re.Pattern[str]
    """A word of ``dotted_words`` and its dot, before more words: the dot is no full stop."""


@per_language
def _spelling(language: Language) -> _Spelling:
    words = language.lexicon
    return _Spelling(
        frozenset(k for k in words.abbreviations if " " not in k),
        frozenset(
            (w[0], w[1])
            for key in (*words.abbreviations, *words.folds)
            if len(w := key.split()) >= 2 and w[0].isalpha() and w[1].isalpha()
        ),
        re.compile(
            r"(?<![\w.])("
            + ("|".join(re.escape(w) for w in words.dotted_words) or "(?!)")
            + r")\.(?=[ \t]+[^\W\d_])"
        ),
    )


@dataclass(frozen=True, slots=True)
class _RewriteTables:
    abbreviations: _Rewrites
    folds: _Rewrites


@per_language
def _rewrites(language: Language) -> _RewriteTables:
    words = language.lexicon
    return _RewriteTables(_Rewrites(_table(words.abbreviations)), _Rewrites(_table(words.folds)))
