"""A deterministic catalog generator: the embedded sample and synthetic benchmark buckets.

The shipped sample in ``sample_catalog/`` is this generator's output for
``scale=1, seed=0``, and a test regenerates it byte for byte, so the sample can
never drift from the code. Every random choice comes from a ``random.Random``
seeded with a string naming what it decides (seed, variant, category), so one
variant's articles do not change when another variant is added; article ids
come from one counter in document order.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from .._catalog.packs import PACKS_DIR, iter_packs
from .._exceptions import InputError
from .._reading.taxonomy import CategorySpec, applicable_categories

__all__ = ["FORMAT", "generate_bucket", "iter_bucket"]

FORMAT = "partsagent-catalog/1"
CURRENCY = "GBP"
USD_PER_GBP = Decimal("1.27")
"""US list prices are the GB ones times this: illustrative, like every price of the sample."""
CAMERA_FROM = 2017
"""Model generations launched from this year carry a windscreen camera (lane and brake assist)."""


@dataclass(frozen=True, slots=True)
class VariantSpec:
    id: str
    name: str
    body: str
    fuel: str
    engine: str
    power_kw: int
    year_from: int
    year_to: int | None
    turbo: bool
    fog_lamps: bool = True
    parking_sensors: bool = True
    generation: str = ""
    """Empty for the current generation; e.g. "mk3" for an earlier one, whose parts differ."""

    @property
    def rear_doors(self) -> bool:
        return "3-door" not in self.body and "Coupe" not in self.body


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model; its catalog years are its variants' span, so the two can never disagree."""

    id: str
    name: str
    variants: tuple[VariantSpec, ...]
    aliases: tuple[str, ...] = ()
    """The model's names in other markets and its usual codes (Rabbit for Golf, 325d)."""

    @property
    def year_from(self) -> int:
        return min(v.year_from for v in self.variants)

    @property
    def year_to(self) -> int | None:
        ends = [v.year_to for v in self.variants]
        return None if None in ends else max(e for e in ends if e is not None)


@dataclass(frozen=True, slots=True)
class ManufacturerSpec:
    id: str
    name: str
    aliases: tuple[str, ...]
    oe_pattern: str
    """Shape of the maker's part numbers: '#' a digit, '@' a letter, '?' either."""
    premium: Decimal
    """Multiplier on the category's price band: a BMW wing costs more than a Vauxhall one."""
    models: tuple[ModelSpec, ...]


def _v(
    vid: str,
    name: str,
    body: str,
    fuel: str,
    engine: str,
    kw: int,
    years: tuple[int, int | None],
    *,
    turbo: bool,
    fog: bool = True,
    pdc: bool = True,
    gen: str = "",
) -> VariantSpec:
    return VariantSpec(vid, name, body, fuel, engine, kw, years[0], years[1], turbo, fog, pdc, gen)


# Real makes, models and production years (UK market); variant powers are the
# published figures. Ids are stable: tests and examples use 117/127445/CAT001.
# Four models also carry their previous generation (gen=...), listed after the
# current one, so the common VINs and years of the last decade resolve.
# fmt: off
MANUFACTURERS: tuple[ManufacturerSpec, ...] = (
    ManufacturerSpec("117", "VAUXHALL", ("OPEL",), "########", Decimal("1.00"), (
        ModelSpec("40103", "ASTRA", (
            _v("127445", "1.0 Turbo 105hp", "Hatchback", "petrol", "1.0 L I3 turbo", 77,
               (2015, 2019), turbo=True),
            _v("127446", "1.4 Turbo 150hp", "Hatchback", "petrol", "1.4 L I4 turbo", 110,
               (2015, 2019), turbo=True),
            _v("127447", "1.6 CDTi 136hp", "Hatchback", "diesel", "1.6 L I4 turbodiesel", 100,
               (2015, 2019), turbo=True),
            _v("127448", "1.2 Turbo 130hp Sports Tourer", "Estate", "petrol", "1.2 L I3 turbo",
               96, (2019, 2021), turbo=True),
            _v("127431", "1.6 115hp", "Hatchback", "petrol", "1.6 L I4", 85, (2009, 2015),
               turbo=False, pdc=False, gen="j"),
            _v("127432", "1.4 Turbo 140hp", "Hatchback", "petrol", "1.4 L I4 turbo", 103,
               (2010, 2015), turbo=True, gen="j"),
            _v("127433", "1.7 CDTi 110hp", "Hatchback", "diesel", "1.7 L I4 turbodiesel", 81,
               (2009, 2015), turbo=True, gen="j"),
        )),
        ModelSpec("40104", "CORSA", (
            _v("131201", "1.2 75hp", "Hatchback", "petrol", "1.2 L I3", 55, (2019, None),
               turbo=False, pdc=False),
            _v("131202", "1.2 Turbo 100hp", "Hatchback", "petrol", "1.2 L I3 turbo", 74,
               (2019, None), turbo=True),
            _v("131203", "1.5 Turbo D 102hp", "Hatchback", "diesel", "1.5 L I4 turbodiesel", 75,
               (2019, 2022), turbo=True),
            _v("131204", "Corsa-e 136hp", "Hatchback", "electric", "electric motor, 50 kWh", 100,
               (2020, None), turbo=False),
        )),
    )),
    ManufacturerSpec("36", "FORD", ("FORD EUROPE",), "@@#@-#####-@@", Decimal("1.00"), (
        ModelSpec("41501", "FOCUS", (
            _v("141501", "1.0 EcoBoost 125hp", "Hatchback", "petrol", "1.0 L I3 turbo", 92,
               (2018, 2025), turbo=True),
            _v("141502", "1.5 EcoBlue 120hp Estate", "Estate", "diesel", "1.5 L I4 turbodiesel",
               88, (2018, 2025), turbo=True),
            _v("141503", "ST 2.3 EcoBoost 280hp", "Hatchback", "petrol", "2.3 L I4 turbo", 206,
               (2019, 2025), turbo=True),
            _v("141504", "1.0 EcoBoost mHEV 155hp", "Hatchback", "hybrid",
               "1.0 L I3 turbo mild hybrid", 114, (2020, 2025), turbo=True),
            _v("141491", "1.0 EcoBoost 125hp", "Hatchback", "petrol", "1.0 L I3 turbo", 92,
               (2012, 2018), turbo=True, gen="mk3"),
            _v("141492", "1.6 TDCi 115hp", "Hatchback", "diesel", "1.6 L I4 turbodiesel", 85,
               (2011, 2015), turbo=True, gen="mk3"),
            _v("141493", "2.0 TDCi 150hp Estate", "Estate", "diesel", "2.0 L I4 turbodiesel",
               110, (2015, 2018), turbo=True, gen="mk3"),
            _v("141494", "ST 2.0 EcoBoost 250hp", "Hatchback", "petrol", "2.0 L I4 turbo", 184,
               (2012, 2018), turbo=True, gen="mk3"),
        )),
        ModelSpec("41502", "FIESTA", (
            _v("141511", "1.1 75hp", "Hatchback", "petrol", "1.1 L I3", 55, (2017, 2023),
               turbo=False, pdc=False),
            _v("141512", "1.0 EcoBoost 100hp", "Hatchback", "petrol", "1.0 L I3 turbo", 74,
               (2017, 2023), turbo=True),
            _v("141513", "1.5 TDCi 85hp", "Hatchback", "diesel", "1.5 L I4 turbodiesel", 63,
               (2017, 2020), turbo=True),
            _v("141514", "ST 1.5 EcoBoost 200hp", "Hatchback 3-door", "petrol", "1.5 L I3 turbo",
               147, (2018, 2023), turbo=True),
        )),
    )),
    ManufacturerSpec("121", "VOLKSWAGEN", ("VW", "VOLKS WAGEN", "VOLKSWAGON"), "#@# ### ### @",
                     Decimal("1.10"), (
        ModelSpec("42101", "GOLF", (
            _v("142101", "1.0 TSI 110hp", "Hatchback", "petrol", "1.0 L I3 turbo", 81,
               (2015, 2020), turbo=True),
            _v("142102", "1.4 TSI 125hp", "Hatchback", "petrol", "1.4 L I4 turbo", 92,
               (2012, 2017), turbo=True),
            _v("142103", "2.0 TDI 150hp Estate", "Estate", "diesel", "2.0 L I4 turbodiesel", 110,
               (2013, 2020), turbo=True),
            _v("142104", "GTI 2.0 TSI 230hp", "Hatchback", "petrol", "2.0 L I4 turbo", 169,
               (2013, 2020), turbo=True),
            _v("142105", "e-Golf 136hp", "Hatchback", "electric", "electric motor, 35.8 kWh", 100,
               (2017, 2020), turbo=False),
        ), aliases=("RABBIT",)),
    )),
    ManufacturerSpec("16", "BMW", ("BAYERISCHE MOTOREN WERKE",), "###########", Decimal("1.40"), (
        ModelSpec("43101", "3 SERIES", (
            _v("143101", "320i 184hp", "Saloon", "petrol", "2.0 L I4 turbo", 135, (2019, None),
               turbo=True),
            _v("143102", "320d 190hp Touring", "Estate", "diesel", "2.0 L I4 turbodiesel", 140,
               (2019, None), turbo=True),
            _v("143103", "330e 292hp", "Saloon", "hybrid", "2.0 L I4 turbo plug-in hybrid", 215,
               (2019, None), turbo=True),
            _v("143104", "M340i xDrive 374hp", "Saloon", "petrol", "3.0 L I6 turbo", 275,
               (2019, None), turbo=True),
            _v("143091", "320i 184hp", "Saloon", "petrol", "2.0 L I4 turbo", 135, (2012, 2019),
               turbo=True, gen="f30"),
            _v("143092", "320d 190hp", "Saloon", "diesel", "2.0 L I4 turbodiesel", 140,
               (2015, 2019), turbo=True, gen="f30"),
            _v("143093", "318d 150hp Touring", "Estate", "diesel", "2.0 L I4 turbodiesel", 110,
               (2015, 2019), turbo=True, gen="f30"),
            _v("143094", "330e 252hp", "Saloon", "hybrid", "2.0 L I4 turbo plug-in hybrid", 185,
               (2016, 2019), turbo=True, gen="f30"),
        ), aliases=(
            "3ER", "316I", "316D", "318I", "318D", "320I", "320D", "325I", "325D", "328I", "330I",
            "330D", "330E", "335I", "335D", "340I", "M340I", "M340D",
        )),
    )),
    ManufacturerSpec("111", "TOYOTA", (), "#####-##?##", Decimal("1.05"), (
        ModelSpec("44101", "COROLLA", (
            _v("144101", "1.2 T 116hp", "Hatchback", "petrol", "1.2 L I4 turbo", 85, (2019, 2020),
               turbo=True),
            _v("144102", "1.8 Hybrid 122hp", "Hatchback", "hybrid", "1.8 L I4 hybrid", 90,
               (2019, None), turbo=False),
            _v("144103", "2.0 Hybrid 184hp Touring Sports", "Estate", "hybrid", "2.0 L I4 hybrid",
               135, (2019, None), turbo=False),
            _v("144104", "1.8 Hybrid 122hp Saloon", "Saloon", "hybrid", "1.8 L I4 hybrid", 90,
               (2019, None), turbo=False),
        )),
    )),
    ManufacturerSpec("80", "NISSAN", (), "#####-#@@#@", Decimal("1.00"), (
        ModelSpec("45101", "QASHQAI", (
            _v("145101", "1.2 DIG-T 115hp", "SUV", "petrol", "1.2 L I4 turbo", 85, (2014, 2018),
               turbo=True),
            _v("145102", "1.5 dCi 110hp", "SUV", "diesel", "1.5 L I4 turbodiesel", 81,
               (2014, 2021), turbo=True),
            _v("145103", "1.6 dCi 130hp", "SUV", "diesel", "1.6 L I4 turbodiesel", 96,
               (2014, 2018), turbo=True),
            _v("145104", "1.3 DIG-T 140hp", "SUV", "petrol", "1.3 L I4 turbo", 103, (2018, 2021),
               turbo=True),
        ), aliases=("ROGUE SPORT", "DUALIS")),
    )),
    ManufacturerSpec("45", "HONDA", (), "#####-@@#-@##", Decimal("1.05"), (
        ModelSpec("46101", "CIVIC", (
            _v("146101", "1.0 VTEC Turbo 129hp", "Hatchback", "petrol", "1.0 L I3 turbo", 95,
               (2017, 2022), turbo=True),
            _v("146102", "1.5 VTEC Turbo 182hp", "Hatchback", "petrol", "1.5 L I4 turbo", 134,
               (2017, 2022), turbo=True),
            _v("146103", "1.6 i-DTEC 120hp", "Hatchback", "diesel", "1.6 L I4 turbodiesel", 88,
               (2018, 2021), turbo=True),
            _v("146104", "Type R 2.0 VTEC Turbo 320hp", "Hatchback", "petrol", "2.0 L I4 turbo",
               235, (2017, 2022), turbo=True),
            _v("146091", "1.8 i-VTEC 142hp", "Hatchback", "petrol", "1.8 L I4", 104,
               (2012, 2016), turbo=False, pdc=False, gen="9"),
            _v("146092", "1.6 i-DTEC 120hp", "Hatchback", "diesel", "1.6 L I4 turbodiesel", 88,
               (2013, 2016), turbo=True, gen="9"),
            _v("146093", "Type R 2.0 VTEC Turbo 310hp", "Hatchback", "petrol", "2.0 L I4 turbo",
               228, (2015, 2016), turbo=True, gen="9"),
        )),
    )),
    ManufacturerSpec("2858", "TESLA", (), "#######-##-@", Decimal("1.30"), (
        ModelSpec("47101", "MODEL 3", (
            _v("147101", "Standard Range Plus", "Saloon", "electric", "single motor, rear", 225,
               (2019, 2021), turbo=False),
            _v("147102", "Long Range AWD", "Saloon", "electric", "dual motor", 324, (2019, None),
               turbo=False),
            _v("147103", "Performance AWD", "Saloon", "electric", "dual motor", 377, (2019, None),
               turbo=False),
            _v("147104", "RWD", "Saloon", "electric", "single motor, rear", 208, (2021, None),
               turbo=False, fog=False),
        )),
    )),
)

# Part-number shapes of the non-OE brands, and the quality each brand sells.
BRANDS: dict[str, tuple[str, str]] = {
    "HELLA": ("#@@ ### ###-###", "OES"),
    "VALEO": ("######", "OES"),
    "MAGNETI MARELLI": ("711#########", "OES"),
    "BOSCH": ("0 263 ### ###", "OES"),
    "MAHLE": ("@@ #### 000S", "OES"),
    "DENSO": ("DRM#####", "OES"),
    "PILKINGTON": ("####@@@@@", "OES"),
    "SAINT-GOBAIN SEKURIT": ("####AGN@@", "OES"),
    "AGC": ("####AGS@@@", "OES"),
    "GLASURIT": ("90-@ ###", "OES"),
    "STANDOX": ("0200####", "OES"),
    "SPIES HECKER": ("###-##", "OES"),
    "3M": ("#####", "OES"),
    "TEROSON": ("#######", "OES"),
    "DEPO": ("###-####-@@", "aftermarket"),
    "TYC": ("##-#####-##-#", "aftermarket"),
    "VAN WEZEL": ("#######", "aftermarket"),
    "BLIC": ("####-##-#######P", "aftermarket"),
    "PRASCO": ("@@#######", "aftermarket"),
    "KLOKKERHOLM": ("#######", "aftermarket"),
    "NRF": ("#####", "aftermarket"),
    "NISSENS": ("######", "aftermarket"),
    "FUYAO": ("FW####", "aftermarket"),
    "XYG": ("XYG-####", "aftermarket"),
    "METZGER": ("0901###", "aftermarket"),
    "MEAT & DORIA": ("94###", "aftermarket"),
    "FEBI BILSTEIN": ("######", "aftermarket"),
    "VAICO": ("V##-####", "aftermarket"),
    "ROMIX": ("C#####", "aftermarket"),
    "U-POL": ("UP####", "aftermarket"),
    "SIKA": ("###-###", "aftermarket"),
    "COMMA": ("@@@5L", "aftermarket"),
    "TOTAL": ("######", "aftermarket"),
    "MOTUL": ("######", "aftermarket"),
}
# fmt: on

_QUALITY_RANK = {"OE": 0, "OES": 1, "aftermarket": 2}
# Price of an article against the OE price, in percent: OE dearest, aftermarket cheapest.
_PRICE_FACTOR = {"OE": (100, 100), "OES": (72, 88), "aftermarket": (35, 65)}

# Syllables for the fabricated makes and models of scale > 1.
_SYLLABLES = (
    "ka", "ro", "ven", "tal", "mi", "sor", "de", "lan", "vi", "ra", "no", "tes",
    "cor", "bel", "ar", "quin", "zu", "pe", "lo", "dan", "mar", "sel", "ti", "nor",
)  # fmt: skip

_CENT = Decimal("0.01")


def _part_number(rng: random.Random, pattern: str) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            out.append(rng.choice("0123456789"))
        elif ch == "@":
            out.append(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ"))
        elif ch == "?":
            out.append(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ"))
        else:
            out.append(ch)
    return "".join(out)


def _fabricate(rng: random.Random, syllables: int, used: set[str]) -> str:
    while True:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).upper()
        if name not in used:
            used.add(name)
            return name


def _offset_id(value: str, offset: int) -> str:
    return str(int(value) + offset)


def _manufacturer_set(scale: int, seed: int) -> list[ManufacturerSpec]:
    """The real makes, then ``scale - 1`` fabricated copies with distinct names and ids."""
    makers = list(MANUFACTURERS)
    used = {m.name for m in MANUFACTURERS} | {
        model.name for m in MANUFACTURERS for model in m.models
    }
    for copy in range(1, scale):
        rng = random.Random(f"{seed}/names/{copy}")
        for spec in MANUFACTURERS:
            models = tuple(
                replace(
                    model,
                    id=_offset_id(model.id, copy * 100_000),
                    name=_fabricate(rng, 2, used),
                    aliases=(),
                    variants=tuple(
                        replace(v, id=_offset_id(v.id, copy * 1_000_000)) for v in model.variants
                    ),
                )
                for model in spec.models
            )
            makers.append(
                replace(
                    spec,
                    id=_offset_id(spec.id, copy * 10_000),
                    name=_fabricate(rng, 3, used),
                    aliases=(),
                    models=models,
                )
            )
    return makers


def _dump(obj: Any) -> bytes:
    """JSON with one list item per line: diff-friendly, yet a third the size of indented JSON."""
    if isinstance(obj, list):
        if not obj:
            return b"[]\n"
        return b"[\n" + b",\n".join(orjson.dumps(item) for item in obj) + b"\n]\n"
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"


def _category_doc(cat: CategorySpec) -> dict[str, Any]:
    return {
        "id": cat.id,
        "name": cat.name,
        "group": cat.group,
        "synonyms": list(cat.words[1:]),
        "product_groups": [{"id": pg.id, "name": pg.name} for pg in cat.product_groups],
    }


def _price(base_pence: int, percent: int) -> str:
    amount = (Decimal(base_pence) * percent / 10_000).quantize(_CENT)
    return format(max(amount, _CENT), "f")


def _usd(base_pence: int, percent: int) -> str:
    return format((Decimal(_price(base_pence, percent)) * USD_PER_GBP).quantize(_CENT), "f")


def _equipment(model: ModelSpec, variant: VariantSpec) -> list[str]:
    kit = ["front_parking_sensors", "rear_parking_sensors"] if variant.parking_sensors else []
    launched = min(v.year_from for v in model.variants if v.generation == variant.generation)
    if launched >= CAMERA_FROM:
        kit.append("windscreen_camera")
    return kit


def _fitment(
    maker: ManufacturerSpec, model: ModelSpec, variant: VariantSpec, cat: CategorySpec
) -> str:
    """Which variants share one article list, as in a real catalog.

    Panels, lamps and fixings fit every variant of a model generation; rear parts differ
    by body (a hatchback's tailgate does not fit the estate); cooling parts
    differ by engine; a bumper cover with holes for parking sensors does not fit
    a car without them; consumables are the same for all of a maker's cars.
    """
    if cat.consumable:
        return f"{maker.id}"
    # An earlier generation's parts are its own; the current one keeps its keys (and articles).
    key = f"{model.id}.{variant.generation}" if variant.generation else model.id
    if cat.group == "Cooling":
        return f"{key}/{variant.engine}"
    fit = key
    if cat.axle == "rear" or cat.rear_doors_only:
        fit = f"{key}/{variant.body}"
    if cat.pdc_holes:
        fit += "/pdc" if variant.parking_sensors else "/plain"
    return fit


class _Articles:
    """Builds article lists; owns the bucket-wide article id counter.

    One list is built per (fitment, category) and listed under every variant
    it fits, so the same article id appears for several variants.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.next_id = 1_000_001
        self._built: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def _new_id(self) -> str:
        aid = f"A{self.next_id}"
        self.next_id += 1
        return aid

    def build(
        self, maker: ManufacturerSpec, model: ModelSpec, variant: VariantSpec, cat: CategorySpec
    ) -> list[dict[str, Any]]:
        fit = _fitment(maker, model, variant, cat)
        done = self._built.get((fit, cat.id))
        if done is None:
            done = self._built[(fit, cat.id)] = self._make(
                maker, fit, cat, pdc=variant.parking_sensors
            )
        return done

    def _make(
        self, maker: ManufacturerSpec, fit: str, cat: CategorySpec, *, pdc: bool
    ) -> list[dict[str, Any]]:
        rng = random.Random(f"{self.seed}/{fit}/{cat.id}")
        wanted = rng.randint(3, 6)
        others = rng.sample(cat.brands, min(len(cat.brands), wanted - (1 if cat.oe else 0)))
        offers = [(maker.name, "OE")] if cat.oe else []
        offers += sorted(
            ((b, BRANDS[b][1]) for b in others), key=lambda o: (_QUALITY_RANK[o[1]], o[0])
        )
        low, high = cat.price_gbp
        base = int(rng.randint(int(low * 100), int(high * 100)) * maker.premium)
        prices = [rng.randint(*_PRICE_FACTOR[q]) for _, q in offers]
        groups = [rng.choice(cat.product_groups) for _ in offers]
        if cat.pdc_holes:
            # The product groups are (primed, with PDC holes): the holes follow the sensors.
            groups = [cat.product_groups[1 if pdc else 0] for _ in offers]
        axle = None if cat.consumable else cat.axle
        sides: tuple[str | None, ...] = ("left", "right") if cat.sided else (None,)
        out: list[dict[str, Any]] = []
        for side in sides:
            oe_number = _part_number(rng, maker.oe_pattern) if cat.oe else None
            for (brand, quality), percent, group in zip(offers, prices, groups, strict=True):
                if quality == "OE" and oe_number is not None:
                    article_no = oe_number
                else:
                    article_no = _part_number(rng, BRANDS[brand][0])
                out.append(
                    {
                        "id": self._new_id(),
                        "article_no": article_no,
                        "brand": brand,
                        "name": group.name + (f", {side}" if side else ""),
                        "product_group_id": group.id,
                        "quality": quality,
                        "position": {"axle": axle, "side": side},
                        "oe_numbers": [oe_number] if oe_number else [],
                        "price": {"amount": _price(base, percent), "currency": CURRENCY},
                        "prices": {"US": {"amount": _usd(base, percent), "currency": "USD"}},
                    }
                )
        return out


def _validated(scale: int, seed: int) -> None:
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise InputError(f"scale must be a whole number >= 1, got {scale!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"seed must be a whole number, got {seed!r}")


def iter_bucket(*, scale: int = 1, seed: int = 0, pack: bool = True) -> Iterator[tuple[str, bytes]]:
    """Yield ``(relative path, document bytes)`` for a whole bucket, index.json last.

    Lets a server or a test hold a generated bucket in memory without touching disk.
    With ``pack`` the packs of every model follow the standard documents, and the
    index advertises them, exactly as ``partsagent catalog pack`` would write them.
    """
    standard: dict[str, bytes] = {}
    for rel, data in _standard(scale, seed):
        if rel != "index.json":
            standard[rel] = data
            yield rel, data
            continue
        index = orjson.loads(data)
        if pack:
            for path, packed in iter_packs(standard):
                if path == "index.json":
                    index["pack"] = orjson.loads(packed)
                else:
                    yield path, packed
        yield rel, _dump(index)


def _standard(scale: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """The standard documents of the contract, index.json last."""
    _validated(scale, seed)
    makers = _manufacturer_set(scale, seed)
    articles = _Articles(seed)
    counts = dict.fromkeys(("manufacturers", "models", "variants", "categories", "articles"), 0)
    yield (
        "manufacturers.json",
        _dump([{"id": m.id, "name": m.name, "aliases": list(m.aliases)} for m in makers]),
    )
    counts["manufacturers"] = len(makers)
    for maker in makers:
        base = f"manufacturers/{maker.id}"
        yield f"{base}/models.json", _dump([_model_doc(model) for model in maker.models])
        counts["models"] += len(maker.models)
        for model in maker.models:
            for variant in model.variants:
                counts["variants"] += 1
                cats = applicable_categories(
                    fuel=variant.fuel,
                    turbo=variant.turbo,
                    fog_lamps=variant.fog_lamps,
                    rear_doors=variant.rear_doors,
                    parking_sensors=variant.parking_sensors,
                )
                vbase = f"{base}/variants/{variant.id}"
                yield f"{vbase}/categories.json", _dump([_category_doc(c) for c in cats])
                counts["categories"] += len(cats)
                for cat in cats:
                    docs = articles.build(maker, model, variant, cat)
                    counts["articles"] += len(docs)
                    yield f"{vbase}/categories/{cat.id}/articles.json", _dump(docs)
    index = {
        "format": FORMAT,
        "name": f"partsagent sample catalog (scale {scale}, seed {seed})",
        "currency": CURRENCY,
        "counts": counts,
    }
    yield "index.json", _dump(index)


def _model_doc(model: ModelSpec) -> dict[str, Any]:
    aliases = {"aliases": list(model.aliases)} if model.aliases else {}
    return {
        "id": model.id,
        "name": model.name,
        **aliases,
        "year_from": model.year_from,
        "year_to": model.year_to,
        "variants": [
            {
                "id": v.id,
                "name": v.name,
                "body": v.body,
                "fuel": v.fuel,
                "engine": v.engine,
                "power_kw": v.power_kw,
                "year_from": v.year_from,
                "year_to": v.year_to,
                "equipment": _equipment(model, v),
            }
            for v in model.variants
        ],
    }


def _clear(out: Path) -> None:
    """Empty ``out`` if it holds a previous bucket; refuse to touch anything else."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError(f"{str(out)!r} exists and is not a directory; pick another --out")
    if not any(out.iterdir()):
        return
    index = out / "index.json"
    try:
        previous = orjson.loads(index.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        previous = None
    if not isinstance(previous, dict) or previous.get("format") != FORMAT:
        raise InputError(
            f"{str(out)!r} is not empty and holds no catalog bucket; pick an empty directory"
        )
    shutil.rmtree(out / "manufacturers", ignore_errors=True)
    shutil.rmtree(out / PACKS_DIR, ignore_errors=True)
    (out / "manufacturers.json").unlink(missing_ok=True)
    index.unlink()


def generate_bucket(
    out: Path, *, scale: int = 1, seed: int = 0, pack: bool = True
) -> dict[str, int]:
    """Write a complete bucket under ``out`` and return its counts (plus ``documents``).

    The same ``(scale, seed)`` always gives byte-identical files. A directory
    that already holds a bucket is replaced; any other non-empty one is refused.
    ``pack`` also writes the packs (``documents`` counts them too).
    """
    _validated(scale, seed)
    out = Path(out)
    _clear(out)
    made: set[Path] = set()
    documents = 0
    last = b""
    for rel, data in iter_bucket(scale=scale, seed=seed, pack=pack):
        target = out / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)
        documents += 1
        last = data
    counts: dict[str, int] = dict(orjson.loads(last)["counts"])
    counts["documents"] = documents
    return counts
