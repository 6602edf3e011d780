"""The sample's articles: brands, part numbers, prices and which variants share a list."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from ._fleet import ManufacturerSpec, ModelSpec, VariantSpec
from ._parts import SamplePart

__all__ = ["BRANDS", "CURRENCY", "USD_PER_GBP", "Articles"]

CURRENCY = "GBP"
USD_PER_GBP = Decimal("1.27")
"""US list prices are the GB ones times this: illustrative, like every price of the sample."""

# fmt: off
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


def _price(base_pence: int, percent: int) -> str:
    amount = (Decimal(base_pence) * percent / 10_000).quantize(_CENT)
    return format(max(amount, _CENT), "f")


def _usd(base_pence: int, percent: int) -> str:
    return format((Decimal(_price(base_pence, percent)) * USD_PER_GBP).quantize(_CENT), "f")


def _fitment(
    maker: ManufacturerSpec, model: ModelSpec, variant: VariantSpec, cat: SamplePart
) -> str:
    """Which variants share one article list, as in a real catalog.

    Panels, lamps and fixings fit every variant of a model generation; rear parts differ
    by body (a hatchback's tailgate does not fit the estate); cooling parts
    differ by engine; a bumper cover with holes for parking sensors does not fit
    a car without them; consumables are the same for all of a maker's cars.
    """
    if cat.spec.consumable:
        return f"{maker.id}"
    # An earlier generation's parts are its own; the current one keeps its keys (and articles).
    key = f"{model.id}.{variant.generation}" if variant.generation else model.id
    if cat.spec.group == "Cooling":
        return f"{key}/{variant.engine}"
    fit = key
    if cat.spec.axle == "rear" or cat.rear_doors_only:
        fit = f"{key}/{variant.body}"
    if cat.pdc_holes:
        fit += "/pdc" if variant.parking_sensors else "/plain"
    return fit


class Articles:
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
        self, maker: ManufacturerSpec, model: ModelSpec, variant: VariantSpec, cat: SamplePart
    ) -> list[dict[str, Any]]:
        fit = _fitment(maker, model, variant, cat)
        done = self._built.get((fit, cat.id))
        if done is None:
            done = self._built[(fit, cat.id)] = self._make(
                maker, fit, cat, pdc=variant.parking_sensors
            )
        return done

    def _make(
        self, maker: ManufacturerSpec, fit: str, cat: SamplePart, *, pdc: bool
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
        axle = None if cat.spec.consumable else cat.spec.axle
        sides: tuple[str | None, ...] = ("left", "right") if cat.spec.sided else (None,)
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
