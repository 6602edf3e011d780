"""The sample's fleet: real makes, models and variants, and fabricated copies for scale > 1."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from decimal import Decimal

__all__ = ["ManufacturerSpec", "ModelSpec", "VariantSpec", "MANUFACTURERS", "manufacturer_set"]


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
# fmt: on

# Syllables for the fabricated makes and models of scale > 1.
_SYLLABLES = (
    "ka", "ro", "ven", "tal", "mi", "sor", "de", "lan", "vi", "ra", "no", "tes",
    "cor", "bel", "ar", "quin", "zu", "pe", "lo", "dan", "mar", "sel", "ti", "nor",
)  # fmt: skip


def _fabricate(rng: random.Random, syllables: int, used: set[str]) -> str:
    while True:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).upper()
        if name not in used:
            used.add(name)
            return name


def _offset_id(value: str, offset: int) -> str:
    return str(int(value) + offset)


def manufacturer_set(scale: int, seed: int) -> list[ManufacturerSpec]:
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
