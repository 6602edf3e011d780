"""map_component: the user's words for a damaged part -> a catalog category and a position.

Users write "N/S front wing", "hedlight", "passenger door mirror" or "hood";
catalogs name categories "Wing", "Headlamp", "Door Mirror", "Bonnet". The text
is normalised first (lowercase, typos fixed against the vocabulary, UK and US
words folded onto one word, side and axle words taken out into the position),
then scored with rapidfuzz against each category's name and synonyms, folded
the same way.

Sides depend on the market. GB (and other right-hand-drive markets) puts the
driver on the right: driver = right = offside, passenger = left = nearside. US
(and other left-hand-drive markets) puts the driver on the left: driver = left,
passenger = right. The nearside is always the kerb side: left in GB, right in
the US; the offside is the other one.

An unknown component is not an error: the match says "unknown" with the closest
names, so an agent can warn and go on. Only an empty component raises.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz, process

from .._exceptions import InputError
from .._models import Axle, Category, DamagedPart, Position, Severity, Side
from . import taxonomy as _taxonomy

if TYPE_CHECKING:
    from .._catalog.manager import BucketManager

#: DamagedPart.component's limit; a longer run of part words is cut, not refused.
MAX_COMPONENT_CHARS = 200

__all__ = [
    "AMBIGUOUS_MARGIN",
    "MATCH_SCORE",
    "RIGHT_HAND_DRIVE_MARKETS",
    "UNKNOWN_SCORE",
    "ComponentCandidate",
    "ComponentMatch",
    "MatchedCategory",
    "extract_components",
    "map_component",
    "match_component",
    "normalise_market",
]

MATCH_SCORE = 80.0
"""A best score at or above this, clear of the runner-up, is a match."""
UNKNOWN_SCORE = 60.0
"""Below this no category is meant: the component is unknown."""
AMBIGUOUS_MARGIN = 5.0
"""Two categories within this many points of each other make the match ambiguous."""
_AXLE_CONFLICT = 25.0
"""Penalty when the user's axle contradicts the name's or the category's ("rear" vs Bonnet)."""

RIGHT_HAND_DRIVE_MARKETS = frozenset(
    {"GB", "IE", "AU", "NZ", "JP", "ZA", "IN", "HK", "SG", "MY", "TH", "ID", "KE", "CY", "MT"}
)
_MARKET_ALIASES = {"UK": "GB"}

# -- vocabulary ----------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = _words(
    "the a an my our his her their of on in at to for and with is was are were has have "
    "had been be its it side hand"
)
_SEVERE_WORDS = _words(
    "smashed destroyed crushed totalled totaled mangled shattered demolished wrecked "
    "obliterated caved"
)
_SEVERE_PHRASES = ("write off", "written off", "write-off", "hanging off", "ripped off", "torn off")
_MODERATE_WORDS = _words(
    "cracked broken dented bent damaged split punctured buckled creased holed torn missing "
    "snapped loose"
)
_MINOR_WORDS = _words(
    "scratched scuffed chipped scraped marked scratch scuff chip scrape scratches scuffs "
    "chips scrapes"
)
_SEVERITY_WORDS = _SEVERE_WORDS | _MODERATE_WORDS | _MINOR_WORDS
_FILLER = _words(
    "badly completely totally slightly bit little really very quite also both got been all "
    "some just heavily lightly"
)

# Single tokens that carry an axle and/or a side word; side words are resolved per market.
_POSITION_TOKENS: dict[str, tuple[Axle | None, str | None]] = {
    "front": ("front", None),
    "frt": ("front", None),
    "rear": ("rear", None),
    "left": (None, "left"),
    "lh": (None, "left"),
    "lhs": (None, "left"),
    "right": (None, "right"),
    "rh": (None, "right"),
    "rhs": (None, "right"),
    "nearside": (None, "nearside"),
    "ns": (None, "nearside"),
    "nsf": ("front", "nearside"),
    "nsr": ("rear", "nearside"),
    "offside": (None, "offside"),
    "os": (None, "offside"),
    "osf": ("front", "offside"),
    "osr": ("rear", "offside"),
    "driver": (None, "driver"),
    "passenger": (None, "passenger"),
    "fl": ("front", "left"),
    "lf": ("front", "left"),
    "fr": ("front", "right"),
    "rf": ("front", "right"),
    "rl": ("rear", "left"),
    "lr": ("rear", "left"),
    "rr": ("rear", "right"),
}
_SIDE_LABEL = {
    "nearside": "nearside (N/S)",
    "offside": "offside (O/S)",
    "driver": "the driver's side",
    "passenger": "the passenger side",
}

# UK and US words folded onto one word, applied to the user's text and to catalog names alike.
_PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("head", "light"): ("headlamp",),
    ("head", "lamp"): ("headlamp",),
    ("headlight",): ("headlamp",),
    ("tail", "light"): ("tail", "lamp"),
    ("taillight",): ("tail", "lamp"),
    ("taillamp",): ("tail", "lamp"),
    ("foglight",): ("fog", "lamp"),
    ("foglamp",): ("fog", "lamp"),
    ("light",): ("lamp",),
    ("hood",): ("bonnet",),
    ("fender",): ("wing",),
    ("windshield",): ("windscreen",),
    ("wind", "screen"): ("windscreen",),
    ("trunk",): ("boot",),
    ("liftgate",): ("tailgate",),
    ("license", "plate"): ("number", "plate"),
    ("licence", "plate"): ("number", "plate"),
    ("registration", "plate"): ("number", "plate"),
    ("reg", "plate"): ("number", "plate"),
    ("grill",): ("grille",),
    ("back",): ("rear",),
    ("near", "side"): ("nearside",),
    ("off", "side"): ("offside",),
    ("left", "hand"): ("left",),
    ("right", "hand"): ("right",),
    ("aircon",): ("ac",),
    ("air", "con"): ("ac",),
}
_MAX_PHRASE = max(len(k) for k in _PHRASES)
_SLASHED = re.compile(r"\b([a-z])/([a-z])(?:/([a-z]))?\b")
_TOKEN = re.compile(r"[a-z0-9]+")


def normalise_market(market: str) -> str:
    """``market`` as an upper-case ISO 3166 alpha-2 code ("UK" is taken as GB)."""
    if not isinstance(market, str) or not re.fullmatch(r"[A-Za-z]{2}", market.strip()):
        raise InputError(
            f"market must be a two-letter country code such as 'GB' or 'US', got {market!r}"
        )
    code = market.strip().upper()
    return _MARKET_ALIASES.get(code, code)


def _side_in(market: str, word: str) -> Side:
    rhd = market in RIGHT_HAND_DRIVE_MARKETS
    if word in ("left", "right"):
        return word  # type: ignore[return-value]
    if word in ("driver", "offside"):
        return "right" if rhd else "left"
    return "left" if rhd else "right"  # passenger, nearside: the kerb side


def _singular(token: str) -> str:
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _raw_tokens(text: str) -> list[str]:
    """Lowercase tokens; "n/s" -> "ns", "l/h" -> "lh" (position abbreviations), plurals folded."""
    low = text.lower().replace("'", "").replace("\u2019", "")

    def join(m: re.Match[str]) -> str:
        joined = "".join(g for g in m.groups() if g)
        return joined if joined in _POSITION_TOKENS else m.group(0)

    low = _SLASHED.sub(join, low)
    return [_singular(t) for t in _TOKEN.findall(low)]


def _fold(tokens: Sequence[str]) -> list[str]:
    """Apply the UK/US phrase folding, longest phrase first."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            repl = _PHRASES.get(tuple(tokens[i : i + n]))
            if repl is not None:
                out.extend(repl)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


@dataclass(slots=True)
class _Parsed:
    core: str
    axle: Axle | None
    sides: list[tuple[str, str]]  # (side word, the user's token)
    axles: set[str] = field(default_factory=set)


def _parse(tokens: Sequence[str]) -> _Parsed:
    """Split folded tokens into the part words and the axle/side words."""
    core: list[str] = []
    axles: set[str] = set()
    sides: list[tuple[str, str]] = []
    for t in tokens:
        pos = _POSITION_TOKENS.get(t)
        if pos is not None:
            if pos[0] is not None:
                axles.add(pos[0])
            if pos[1] is not None:
                sides.append((pos[1], t))
            continue
        if t in _STOPWORDS or t in _SEVERITY_WORDS or t in _FILLER:
            continue
        core.append(t)
    axle: Axle | None = None
    if len(axles) == 1:
        axle = "front" if "front" in axles else "rear"
    return _Parsed(" ".join(core), axle, sides, axles)


def _taxonomy_words() -> set[str]:
    words: set[str] = set()
    for spec in _taxonomy.CATEGORIES:
        for w in spec.words:
            words.update(_raw_tokens(w))
    return words


_BASE_VOCAB = frozenset(
    _taxonomy_words()
    | {w for k in _PHRASES for w in k}
    | set(_POSITION_TOKENS)
    | {"near", "off", "side"}
)
_SPEC_BY_NAME = {
    n.casefold(): spec for spec in _taxonomy.CATEGORIES for n in (spec.name, spec.us_name)
}


# -- results -------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class MatchedCategory(_Out):
    id: str
    name: str


class ComponentCandidate(_Out):
    id: str
    name: str
    score: float


class ComponentMatch(_Out):
    """One component of a report mapped onto the catalog.

    ``status`` "matched": ``category`` is the part. "ambiguous": ``category`` is
    the best guess and ``candidates`` the others to choose from. "unknown": no
    category is meant; ``notes`` name the closest ones.
    """

    component: str
    status: Literal["matched", "ambiguous", "unknown"]
    category: MatchedCategory | None = None
    position: Position = Position()
    score: float = 0.0
    candidates: tuple[ComponentCandidate, ...] = ()
    notes: tuple[str, ...] = ()


# -- the index -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    cat: int
    axle: Axle | None
    core: str


@dataclass(slots=True)
class _Index:
    """Folded names of one category list, and the matches already made against it."""

    categories: tuple[Category, ...]
    entries: tuple[_Entry, ...]
    cat_axle: tuple[Axle | None, ...]
    cat_sided: tuple[bool, ...]
    vocab: tuple[str, ...]
    vocab_set: frozenset[str]
    corrections: dict[str, str] = field(default_factory=dict)
    results: OrderedDict[tuple[str, str], ComponentMatch] = field(default_factory=OrderedDict)


_INDEXES: OrderedDict[tuple[object, ...], _Index] = OrderedDict()
_MAX_INDEXES = 128
_MAX_RESULTS = 4096


def _category_axle(category: Category, entries: Iterable[_Entry]) -> Axle | None:
    spec = _SPEC_BY_NAME.get(category.name.casefold())
    if spec is not None:
        return spec.axle
    named = {e.axle for e in entries}
    if len(named) == 1:
        return next(iter(named))
    return None


def _build_index(categories: tuple[Category, ...]) -> _Index:
    entries: list[_Entry] = []
    cat_axle: list[Axle | None] = []
    cat_sided: list[bool] = []
    vocab = set(_BASE_VOCAB)
    for i, c in enumerate(categories):
        own: list[_Entry] = []
        seen: set[tuple[Axle | None, str]] = set()
        for name in (c.name, *c.synonyms):
            raw = _raw_tokens(name)
            vocab.update(raw)
            parsed = _parse(_fold(raw))
            if not parsed.core or (parsed.axle, parsed.core) in seen:
                continue
            seen.add((parsed.axle, parsed.core))
            own.append(_Entry(i, parsed.axle, parsed.core))
        entries.extend(own)
        cat_axle.append(_category_axle(c, own))
        spec = _SPEC_BY_NAME.get(c.name.casefold())
        cat_sided.append(spec.sided if spec is not None else False)
    ordered = tuple(sorted(vocab))
    return _Index(
        categories, tuple(entries), tuple(cat_axle), tuple(cat_sided), ordered, frozenset(ordered)
    )


def _index_for(categories: Sequence[Category]) -> _Index:
    """The index of ``categories``, built once per distinct category list (LRU of 128)."""
    cats = tuple(categories)
    key = tuple((c.id, c.name, c.synonyms) for c in cats)
    index = _INDEXES.get(key)
    if index is None:
        index = _build_index(cats)
        _INDEXES[key] = index
        if len(_INDEXES) > _MAX_INDEXES:
            _INDEXES.popitem(last=False)
    else:
        _INDEXES.move_to_end(key)
    return index


def _correct(token: str, index: _Index) -> str:
    """Fix a typo ("frnt", "bumber", "hedlight") against the vocabulary; short tokens stay."""
    if len(token) < 4 or token in index.vocab_set or token.isdigit():
        return token
    if token in _SEVERITY_WORDS or token in _FILLER or token in _STOPWORDS:
        return token
    fixed = index.corrections.get(token)
    if fixed is None:
        best = process.extractOne(token, index.vocab, scorer=fuzz.ratio, score_cutoff=80)
        fixed = best[0] if best is not None else token
        index.corrections[token] = fixed
    return fixed


def _score(query: str, entry: _Entry) -> float:
    # token_set forgives extra words; token_sort punishes names with words the user did not say,
    # so "bumper" prefers "Bumper Cover" over "Bumper Reinforcement".
    return 0.5 * fuzz.token_set_ratio(query, entry.core) + 0.5 * fuzz.token_sort_ratio(
        query, entry.core
    )


def _closest_note(ranked: Sequence[ComponentCandidate]) -> str:
    return ", ".join(f"{c.name} ({c.score:.0f})" for c in ranked[:3]) or "none"


def _match(text: str, index: _Index, market: str) -> ComponentMatch:
    tokens = [_correct(t, index) for t in _raw_tokens(text)]
    parsed = _parse(_fold(tokens))
    notes: list[str] = []
    if len(parsed.axles) > 1:
        notes.append("both front and rear named; the axle is left open")
    side: Side | None = None
    resolved = {(_side_in(market, word), word, raw) for word, raw in parsed.sides}
    if len({s for s, _, _ in resolved}) > 1:
        notes.append("both left and right named; the side is left open")
    elif resolved:
        for s, word, raw in sorted(resolved):
            side = s
            if word not in ("left", "right"):
                label = _SIDE_LABEL[word]
                if raw in ("ns", "os", "nsf", "nsr", "osf", "osr"):
                    label = raw[0].upper() + "/S"
                drive = "right" if market in RIGHT_HAND_DRIVE_MARKETS else "left"
                notes.append(f"{label} means {s} in {market} ({drive}-hand drive)")
    if not parsed.core:
        return ComponentMatch(
            component=text,
            status="unknown",
            position=Position(axle=parsed.axle, side=side),
            notes=(f"{text!r} names a position but no part", *notes),
        )
    best: dict[int, float] = {}
    for entry in index.entries:
        score = _score(parsed.core, entry)
        if parsed.axle is not None and (
            (entry.axle is not None and entry.axle != parsed.axle)
            or (index.cat_axle[entry.cat] is not None and index.cat_axle[entry.cat] != parsed.axle)
        ):
            score -= _AXLE_CONFLICT
        if score > best.get(entry.cat, -1.0):
            best[entry.cat] = score
    ranked_ix = sorted(best, key=lambda i: (-best[i], i))
    ranked = tuple(
        ComponentCandidate(
            id=index.categories[i].id,
            name=index.categories[i].name,
            score=round(max(best[i], 0.0), 1),
        )
        for i in ranked_ix[:5]
    )
    top = ranked[0].score if ranked else 0.0
    if top < UNKNOWN_SCORE:
        return ComponentMatch(
            component=text,
            status="unknown",
            position=Position(axle=parsed.axle, side=side),
            score=top,
            candidates=ranked,
            notes=(f"no catalog part matches {text!r}; closest: {_closest_note(ranked)}", *notes),
        )
    chosen = ranked_ix[0]
    category = index.categories[chosen]
    close = [c for c in ranked[1:] if top - c.score <= AMBIGUOUS_MARGIN]
    status: Literal["matched", "ambiguous"] = (
        "ambiguous" if close or top < MATCH_SCORE else "matched"
    )
    if status == "ambiguous":
        others = ", ".join(c.name for c in close) or "nothing close"
        notes.insert(
            0,
            f"{text!r} could mean {category.name} or {others}; name the part more precisely"
            if close
            else f"{text!r} is only a weak match for {category.name} (score {top:.0f})",
        )
    axle = parsed.axle if parsed.axle is not None else index.cat_axle[chosen]
    if side is None and index.cat_sided[chosen] and not parsed.sides:
        notes.append(f"{category.name} comes as left and right; give the side for one exact part")
    return ComponentMatch(
        component=text,
        status=status,
        category=MatchedCategory(id=category.id, name=category.name),
        position=Position(axle=axle, side=side),
        score=top,
        candidates=ranked,
        notes=tuple(notes),
    )


def match_component(
    text: str, categories: Sequence[Category], *, market: str = "GB"
) -> ComponentMatch:
    """Map the user's ``text`` onto one of ``categories`` with the position it names.

    Never raises for an unrecognised part (status "unknown"); raises InputError
    for an empty text or a malformed market.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("the component is empty; name the damaged part, e.g. 'front bumper'")
    if len(text) > 200:
        raise InputError("the component is longer than 200 characters; name one part at a time")
    mkt = normalise_market(market)
    index = _index_for(categories)
    key = (text, mkt)
    cached = index.results.get(key)
    if cached is not None:
        return cached
    result = _match(text.strip(), index, mkt)
    index.results[key] = result
    if len(index.results) > _MAX_RESULTS:
        index.results.popitem(last=False)
    return result


async def map_component(
    catalog: BucketManager,
    manufacturer_id: str,
    variant_id: str,
    component: str,
    *,
    market: str = "GB",
) -> ComponentMatch:
    """Map ``component`` onto the categories of one variant, loaded through the catalog."""
    if not isinstance(component, str) or not component.strip():
        raise InputError("the component is empty; name the damaged part, e.g. 'front bumper'")
    categories = await catalog.load_categories_for_variant(manufacturer_id, variant_id)
    return match_component(component, categories, market=market)


# -- free text -----------------------------------------------------------------

_PART_VOCAB = frozenset(
    t
    for t in _BASE_VOCAB
    if t not in _POSITION_TOKENS and t not in _STOPWORDS and not t.isdigit() and len(t) > 1
) - {
    "near", "off", "side", "assembly", "unit", "panel", "cover", "set", "outside",
    "exterior", "inner", "engine", "air", "view", "piece", "number", "plate",
} | {
    "bumper", "lamp", "light", "door", "mirror", "glass", "window", "wheel", "tyre", "tire",
    "roof", "sill", "quarter", "pillar", "bonnet", "hood", "wing", "fender", "boot", "trunk",
    "plate", "windscreen", "windshield", "grille", "badge", "sensor", "indicator", "spoiler",
    "skirt", "valance", "panel", "arch", "headlight", "headlamp", "taillight",
}  # fmt: skip
_PART_VOCAB_LIST = tuple(sorted(_PART_VOCAB))
_CLAUSE_SPLIT = re.compile(r"[,;.!?\n]+|\bbut\b|\bthen\b|\bwhile\b")
_AND_SPLIT = re.compile(r"\band\b|&|\bplus\b|\balso\b")


def _clause_severity(text: str) -> Severity | None:
    low = text.lower()
    if any(p in low for p in _SEVERE_PHRASES):
        return Severity.SEVERE
    words = set(_TOKEN.findall(low))
    if words & _SEVERE_WORDS:
        return Severity.SEVERE
    if words & _MODERATE_WORDS:
        return Severity.MODERATE
    if words & _MINOR_WORDS:
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
                for w in _TOKEN.findall(_DROP_PHRASES.sub(" ", chunk.lower().replace("'", "")))
                if w not in _SEVERITY_WORDS and w not in _FILLER and w not in _STOPWORDS
            ]
            # Keep the user's wording of the part, without the severity and filler words.
            kept = [
                w
                for w in re.findall(r"[A-Za-z0-9/']+", _DROP_PHRASES.sub(" ", chunk))
                if w.lower().replace("'", "") not in _SEVERITY_WORDS
                and w.lower().replace("'", "") not in _FILLER
                and (w.lower() not in _STOPWORDS or w.lower() == "side")
            ]
            if not any(_is_part_word(_singular(w)) for w in words):
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
