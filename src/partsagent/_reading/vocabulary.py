"""The words of damage reports, as data: stop words, severity words, sides and axles, UK/US folds.

Sides depend on the market. GB (and other right-hand-drive markets) puts the
driver on the right: driver = right = offside, passenger = left = nearside. US
(and other left-hand-drive markets) puts the driver on the left: driver = left,
passenger = right. The nearside is always the kerb side: left in GB, right in
the US; the offside is the other one.
"""

from __future__ import annotations

from .._models import Axle

__all__ = [
    "FILLER",
    "MARKET_ALIASES",
    "MINOR_WORDS",
    "MODERATE_WORDS",
    "NOT_PART_WORDS",
    "PART_WORDS",
    "PHRASES",
    "POSITION_TOKENS",
    "RIGHT_HAND_DRIVE_MARKETS",
    "SEVERE_PHRASES",
    "SEVERE_WORDS",
    "SEVERITY_WORDS",
    "SIDE_LABEL",
    "STOPWORDS",
    "words",
]

RIGHT_HAND_DRIVE_MARKETS = frozenset(
    {"GB", "IE", "AU", "NZ", "JP", "ZA", "IN", "HK", "SG", "MY", "TH", "ID", "KE", "CY", "MT"}
)
MARKET_ALIASES = {"UK": "GB"}


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = words(
    "the a an my our his her their of on in at to for and with is was are were has have "
    "had been be its it side hand"
)
SEVERE_WORDS = words(
    "smashed destroyed crushed totalled totaled mangled shattered demolished wrecked "
    "obliterated caved"
)
SEVERE_PHRASES = ("write off", "written off", "write-off", "hanging off", "ripped off", "torn off")
MODERATE_WORDS = words(
    "cracked broken dented bent damaged split punctured buckled creased holed torn missing "
    "snapped loose"
)
MINOR_WORDS = words(
    "scratched scuffed chipped scraped marked scratch scuff chip scrape scratches scuffs "
    "chips scrapes"
)
SEVERITY_WORDS = SEVERE_WORDS | MODERATE_WORDS | MINOR_WORDS
FILLER = words(
    "badly completely totally slightly bit little really very quite also both got been all "
    "some just heavily lightly"
)

# Single tokens that carry an axle and/or a side word; side words are resolved per market.
POSITION_TOKENS: dict[str, tuple[Axle | None, str | None]] = {
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
SIDE_LABEL = {
    "nearside": "nearside (N/S)",
    "offside": "offside (O/S)",
    "driver": "the driver's side",
    "passenger": "the passenger side",
}

# UK and US words folded onto one word, applied to the user's text and to catalog names alike.
PHRASES: dict[tuple[str, ...], tuple[str, ...]] = {
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

# Free text: words that name parts beyond the catalog's own, and catalog words that do not.
NOT_PART_WORDS = frozenset({
    "near", "off", "side", "assembly", "unit", "panel", "cover", "set", "outside",
    "exterior", "inner", "engine", "air", "view", "piece", "number", "plate",
})  # fmt: skip
PART_WORDS = frozenset({
    "bumper", "lamp", "light", "door", "mirror", "glass", "window", "wheel", "tyre", "tire",
    "roof", "sill", "quarter", "pillar", "bonnet", "hood", "wing", "fender", "boot", "trunk",
    "plate", "windscreen", "windshield", "grille", "badge", "sensor", "indicator", "spoiler",
    "skirt", "valance", "panel", "arch", "headlight", "headlamp", "taillight",
})  # fmt: skip
