"""The collision-parts vocabulary as data: categories, their words, sides and price bands.

One table feeds the sample-catalog generator and anything that maps a user's
words ("hood", "wing mirror", "headlight") to a category id. The ids are
stable: CAT001 is the front bumper cover, CAT002 the headlamp, CAT003 the
bonnet, and so on; new categories only ever get new ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = [
    "CATEGORIES",
    "CategorySpec",
    "ProductGroupSpec",
    "applicable_categories",
    "category",
    "spec_of",
]

Axle = Literal["front", "rear"]


@dataclass(frozen=True, slots=True)
class ProductGroupSpec:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class CategorySpec:
    """One category of the vocabulary.

    ``sided`` means left and right are separate articles; ``axle`` is where the
    part sits (None for parts that have no front or rear, and for consumables).
    ``price_gbp`` is the band of an OE article's price before the make's premium.
    """

    id: str
    name: str
    us_name: str
    group: str
    synonyms: tuple[str, ...]
    sided: bool
    axle: Axle | None
    product_groups: tuple[ProductGroupSpec, ...]
    price_gbp: tuple[Decimal, Decimal]
    brands: tuple[str, ...]
    """Non-OE brands that make this part; the generator picks some of them."""
    oe: bool = True
    """Whether the vehicle maker sells it under its own brand."""
    consumable: bool = False
    on_electric: bool = True
    turbo_only: bool = False
    fog_lamp: bool = False
    rear_doors_only: bool = False
    parking_sensor: bool = False
    """Only on variants with parking sensors."""
    pdc_holes: bool = False
    """Variants with and without parking sensors take different articles (holes for sensors)."""

    @property
    def words(self) -> tuple[str, ...]:
        """Every name a user might use for this category, UK first."""
        seen: dict[str, None] = {self.name: None, self.us_name: None}
        seen.update(dict.fromkeys(self.synonyms))
        return tuple(seen)


# Brand pools, by the kind of supplier that makes the part.
_BODY = ("BLIC", "VAN WEZEL", "PRASCO", "KLOKKERHOLM")
_LIGHTS = ("HELLA", "VALEO", "MAGNETI MARELLI", "DEPO", "TYC", "VAN WEZEL", "BLIC")
_COOLING = ("VALEO", "MAHLE", "DENSO", "NRF", "NISSENS", "VAN WEZEL")
_GLASS = ("PILKINGTON", "SAINT-GOBAIN SEKURIT", "AGC", "FUYAO", "XYG")
_MIRRORS = ("BLIC", "VAN WEZEL", "TYC", "PRASCO", "KLOKKERHOLM")
_SENSORS = ("BOSCH", "VALEO", "METZGER", "MEAT & DORIA", "BLIC")
_FIXINGS = ("FEBI BILSTEIN", "VAICO", "ROMIX", "BLIC")
_PAINT = ("GLASURIT", "STANDOX", "SPIES HECKER", "U-POL")
_ADHESIVE = ("3M", "TEROSON", "SIKA", "U-POL")
_COOLANT = ("COMMA", "TOTAL", "MOTUL", "FEBI BILSTEIN")


def _pg(cid: str, *names: str) -> tuple[ProductGroupSpec, ...]:
    num = cid.removeprefix("CAT")
    return tuple(ProductGroupSpec(f"PG{num}{i}", name) for i, name in enumerate(names, 1))


def _gbp(low: str, high: str) -> tuple[Decimal, Decimal]:
    return Decimal(low), Decimal(high)


# fmt: off
CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("CAT001", "Front Bumper Cover", "Front Bumper Cover", "Body",
                 ("Front Bumper", "Bumper", "Front Bumper Fascia", "Bumper Cover", "Front Fascia"),
                 False, "front", _pg("CAT001", "Front Bumper Cover, primed",
                                     "Front Bumper Cover, with PDC holes"),
                 _gbp("180", "420"), _BODY, pdc_holes=True),
    CategorySpec("CAT002", "Headlamp", "Headlight Assembly", "Lighting",
                 ("Headlight Assembly", "Headlight", "Headlamp Unit", "Head Lamp", "Front Light"),
                 True, "front", _pg("CAT002", "Headlamp, halogen", "Headlamp, LED"),
                 _gbp("250", "900"), _LIGHTS),
    CategorySpec("CAT003", "Bonnet", "Hood", "Body",
                 ("Hood", "Engine Cover Panel", "Bonnet Panel", "Engine Hood"),
                 False, "front", _pg("CAT003", "Bonnet, steel", "Bonnet, aluminium"),
                 _gbp("250", "600"), _BODY),
    CategorySpec("CAT004", "Rear Bumper Cover", "Rear Bumper Cover", "Body",
                 ("Rear Bumper", "Rear Bumper Fascia", "Back Bumper", "Rear Fascia"),
                 False, "rear", _pg("CAT004", "Rear Bumper Cover, primed",
                                    "Rear Bumper Cover, with PDC holes"),
                 _gbp("170", "400"), _BODY, pdc_holes=True),
    CategorySpec("CAT005", "Front Bumper Reinforcement", "Front Bumper Reinforcement", "Body",
                 ("Front Bumper Beam", "Bumper Reinforcement", "Bumper Beam", "Crash Bar",
                  "Front Crash Bar", "Impact Bar", "Bumper Carrier"),
                 False, "front", _pg("CAT005", "Bumper Reinforcement"),
                 _gbp("90", "260"), _BODY),
    CategorySpec("CAT006", "Rear Bumper Reinforcement", "Rear Bumper Reinforcement", "Body",
                 ("Rear Bumper Beam", "Rear Crash Bar", "Rear Impact Bar"),
                 False, "rear", _pg("CAT006", "Bumper Reinforcement"),
                 _gbp("80", "220"), _BODY),
    CategorySpec("CAT007", "Front Energy Absorber", "Front Bumper Absorber", "Body",
                 ("Energy Absorber", "Bumper Foam", "Bumper Absorber", "Front Bumper Foam",
                  "Impact Absorber"),
                 False, "front", _pg("CAT007", "Energy Absorber"),
                 _gbp("25", "90"), _BODY),
    CategorySpec("CAT008", "Rear Energy Absorber", "Rear Bumper Absorber", "Body",
                 ("Rear Bumper Foam", "Rear Bumper Absorber"),
                 False, "rear", _pg("CAT008", "Energy Absorber"),
                 _gbp("25", "80"), _BODY),
    CategorySpec("CAT009", "Front Bumper Bracket", "Front Bumper Bracket", "Fixings",
                 ("Bumper Bracket", "Bumper Mounting Bracket", "Bumper Guide", "Bumper Slide"),
                 True, "front", _pg("CAT009", "Bumper Bracket"),
                 _gbp("8", "35"), _FIXINGS),
    CategorySpec("CAT010", "Rear Bumper Bracket", "Rear Bumper Bracket", "Fixings",
                 ("Rear Bumper Mounting Bracket", "Rear Bumper Guide"),
                 True, "rear", _pg("CAT010", "Bumper Bracket"),
                 _gbp("8", "30"), _FIXINGS),
    CategorySpec("CAT011", "Radiator Grille", "Grille", "Body",
                 ("Grille", "Front Grille", "Grill", "Radiator Grill"),
                 False, "front", _pg("CAT011", "Radiator Grille", "Radiator Grille, chrome trim"),
                 _gbp("60", "250"), _BODY),
    CategorySpec("CAT012", "Fog Lamp", "Fog Light", "Lighting",
                 ("Fog Light", "Front Fog Lamp", "Foglamp", "Front Fog Light"),
                 True, "front", _pg("CAT012", "Fog Lamp"),
                 _gbp("45", "160"), _LIGHTS, fog_lamp=True),
    CategorySpec("CAT013", "Tail Lamp", "Taillight", "Lighting",
                 ("Rear Light Cluster", "Taillight", "Tail Light", "Rear Lamp", "Rear Light",
                  "Tail Lamp Assembly"),
                 True, "rear", _pg("CAT013", "Tail Lamp", "Tail Lamp, LED"),
                 _gbp("120", "450"), _LIGHTS),
    CategorySpec("CAT014", "Bonnet Hinge", "Hood Hinge", "Body",
                 ("Hood Hinge", "Bonnet Hinges"),
                 True, "front", _pg("CAT014", "Bonnet Hinge"),
                 _gbp("20", "70"), _FIXINGS),
    CategorySpec("CAT015", "Bonnet Catch", "Hood Latch", "Body",
                 ("Hood Latch", "Bonnet Latch", "Bonnet Lock", "Hood Lock"),
                 False, "front", _pg("CAT015", "Bonnet Catch"),
                 _gbp("30", "90"), _FIXINGS),
    CategorySpec("CAT016", "Wing", "Fender", "Body",
                 ("Fender", "Front Wing", "Front Fender", "Wing Panel"),
                 True, "front", _pg("CAT016", "Wing, primed"),
                 _gbp("110", "320"), _BODY),
    CategorySpec("CAT017", "Wing Liner", "Fender Liner", "Body",
                 ("Fender Liner", "Arch Liner", "Wheel Arch Liner", "Splash Shield",
                  "Inner Wing"),
                 True, "front", _pg("CAT017", "Wing Liner"),
                 _gbp("25", "80"), _BODY),
    CategorySpec("CAT018", "Slam Panel", "Radiator Support", "Body",
                 ("Radiator Support", "Front Panel", "Radiator Support Panel", "Front End Carrier",
                  "Lock Carrier"),
                 False, "front", _pg("CAT018", "Front Panel"),
                 _gbp("150", "450"), _BODY),
    CategorySpec("CAT019", "Radiator", "Radiator", "Cooling",
                 ("Engine Radiator", "Cooling Radiator", "Rad"),
                 False, "front", _pg("CAT019", "Radiator, engine cooling"),
                 _gbp("120", "380"), _COOLING),
    CategorySpec("CAT020", "AC Condenser", "AC Condenser", "Cooling",
                 ("Air Conditioning Condenser", "A/C Condenser", "Aircon Condenser", "Condenser"),
                 False, "front", _pg("CAT020", "Condenser, air conditioning"),
                 _gbp("110", "340"), _COOLING),
    CategorySpec("CAT021", "Intercooler", "Intercooler", "Cooling",
                 ("Charge Air Cooler", "Turbo Intercooler"),
                 False, "front", _pg("CAT021", "Charge Air Cooler"),
                 _gbp("140", "420"), _COOLING, on_electric=False, turbo_only=True),
    CategorySpec("CAT022", "Windscreen", "Windshield", "Glass",
                 ("Windshield", "Front Windscreen", "Front Glass", "Windscreen Glass"),
                 False, "front", _pg("CAT022", "Windscreen, green tint",
                                     "Windscreen, with sensor bracket"),
                 _gbp("250", "900"), _GLASS),
    CategorySpec("CAT023", "Front Door Shell", "Front Door Shell", "Body",
                 ("Front Door", "Door Shell", "Door Panel", "Front Door Skin"),
                 True, "front", _pg("CAT023", "Door Shell, primed"),
                 _gbp("350", "900"), _BODY),
    CategorySpec("CAT024", "Rear Door Shell", "Rear Door Shell", "Body",
                 ("Rear Door", "Rear Door Skin", "Back Door"),
                 True, "rear", _pg("CAT024", "Door Shell, primed"),
                 _gbp("320", "850"), _BODY, rear_doors_only=True),
    CategorySpec("CAT025", "Door Mirror", "Side Mirror", "Mirrors",
                 ("Side Mirror", "Wing Mirror", "Outside Mirror", "Exterior Mirror",
                  "Side View Mirror"),
                 True, None, _pg("CAT025", "Door Mirror, electric, heated",
                                 "Door Mirror, power folding"),
                 _gbp("120", "450"), _MIRRORS),
    CategorySpec("CAT026", "Mirror Glass", "Mirror Glass", "Mirrors",
                 ("Wing Mirror Glass", "Side Mirror Glass", "Door Mirror Glass"),
                 True, None, _pg("CAT026", "Mirror Glass, heated"),
                 _gbp("25", "90"), _MIRRORS),
    CategorySpec("CAT027", "Tailgate", "Liftgate", "Body",
                 ("Boot Lid", "Trunk Lid", "Liftgate", "Hatch", "Rear Hatch", "Boot"),
                 False, "rear", _pg("CAT027", "Tailgate, primed"),
                 _gbp("400", "1100"), _BODY),
    CategorySpec("CAT028", "Number Plate Lamp", "License Plate Light", "Lighting",
                 ("License Plate Light", "Licence Plate Lamp", "Number Plate Light",
                  "Registration Plate Lamp"),
                 False, "rear", _pg("CAT028", "Number Plate Lamp, LED"),
                 _gbp("10", "45"), _LIGHTS),
    CategorySpec("CAT029", "Front Parking Sensor", "Front Parking Sensor", "Electrics",
                 ("Parking Sensor", "PDC Sensor", "Park Assist Sensor", "Ultrasonic Sensor"),
                 False, "front", _pg("CAT029", "Parking Sensor"),
                 _gbp("35", "110"), _SENSORS, parking_sensor=True),
    CategorySpec("CAT030", "Rear Parking Sensor", "Rear Parking Sensor", "Electrics",
                 ("Reversing Sensor", "Rear PDC Sensor", "Backup Sensor"),
                 False, "rear", _pg("CAT030", "Parking Sensor"),
                 _gbp("35", "110"), _SENSORS, parking_sensor=True),
    CategorySpec("CAT031", "Parking Sensor Bracket", "Parking Sensor Bracket", "Fixings",
                 ("PDC Bracket", "Sensor Holder", "Parking Sensor Holder"),
                 False, None, _pg("CAT031", "Sensor Holder"),
                 _gbp("6", "25"), _FIXINGS, parking_sensor=True),
    CategorySpec("CAT032", "Wheel Arch Trim", "Fender Flare", "Body",
                 ("Fender Flare", "Arch Trim", "Wheel Arch Moulding", "Arch Extension"),
                 True, "front", _pg("CAT032", "Wheel Arch Trim"),
                 _gbp("30", "110"), _BODY),
    CategorySpec("CAT033", "Emblem", "Emblem", "Body",
                 ("Badge", "Logo", "Front Badge", "Rear Badge"),
                 False, None, _pg("CAT033", "Emblem"),
                 _gbp("15", "60"), ("BLIC", "VAICO")),
    CategorySpec("CAT034", "Bumper Clips", "Bumper Clips", "Fixings",
                 ("Clips", "Fasteners", "Trim Clips", "Push Clips", "Bumper Fasteners"),
                 False, None, _pg("CAT034", "Clip set, 10 pieces"),
                 _gbp("4", "15"), _FIXINGS),
    CategorySpec("CAT035", "Paint", "Paint", "Consumables",
                 ("Basecoat", "Base Coat", "Colour Coat", "Topcoat"),
                 False, None, _pg("CAT035", "Basecoat, waterborne, 1 l", "Basecoat, solvent, 1 l"),
                 _gbp("45", "120"), _PAINT, oe=False, consumable=True),
    CategorySpec("CAT036", "Primer", "Primer", "Consumables",
                 ("Primer Surfacer", "Filler Primer", "Etch Primer"),
                 False, None, _pg("CAT036", "Primer, 1 l"),
                 _gbp("25", "60"), _PAINT, oe=False, consumable=True),
    CategorySpec("CAT037", "Clear Coat", "Clear Coat", "Consumables",
                 ("Lacquer", "Clearcoat", "Clear Lacquer", "Varnish"),
                 False, None, _pg("CAT037", "Clear Coat, 1 l"),
                 _gbp("35", "90"), _PAINT, oe=False, consumable=True),
    CategorySpec("CAT038", "Adhesive", "Adhesive", "Consumables",
                 ("Glue", "Panel Bond", "Structural Adhesive", "Plastic Repair Adhesive"),
                 False, None, _pg("CAT038", "Adhesive, cartridge"),
                 _gbp("15", "45"), _ADHESIVE, oe=False, consumable=True),
    CategorySpec("CAT039", "Seam Sealer", "Seam Sealer", "Consumables",
                 ("Seam Sealant", "Body Sealer", "Sealant"),
                 False, None, _pg("CAT039", "Seam Sealer, cartridge"),
                 _gbp("10", "30"), _ADHESIVE, oe=False, consumable=True),
    CategorySpec("CAT040", "Coolant", "Coolant", "Consumables",
                 ("Antifreeze", "Engine Coolant", "Radiator Coolant"),
                 False, None, _pg("CAT040", "Coolant, ready mixed, 5 l"),
                 _gbp("18", "45"), _COOLANT, consumable=True),
    CategorySpec("CAT041", "Windscreen Moulding", "Windshield Molding", "Glass",
                 ("Windshield Molding", "Windshield Moulding", "Windscreen Moulding Strip"),
                 False, "front", _pg("CAT041", "Windscreen Moulding set"),
                 _gbp("20", "70"), _GLASS),
)
# fmt: on

_BY_ID = {c.id: c for c in CATEGORIES}


def category(cid: str) -> CategorySpec:
    """The category with id ``cid``; KeyError if the vocabulary has none."""
    return _BY_ID[cid]


def applicable_categories(
    *,
    fuel: str,
    turbo: bool,
    fog_lamps: bool = True,
    rear_doors: bool = True,
    parking_sensors: bool = True,
) -> tuple[CategorySpec, ...]:
    """The categories a variant has: no intercooler without a turbo or on an EV, and so on."""
    electric = fuel == "electric"
    return tuple(
        c
        for c in CATEGORIES
        if not (electric and not c.on_electric)
        and not (c.turbo_only and not turbo)
        and not (c.fog_lamp and not fog_lamps)
        and not (c.rear_doors_only and not rear_doors)
        and not (c.parking_sensor and not parking_sensors)
    )


_BY_NAME = {n.casefold(): spec for spec in CATEGORIES for n in (spec.name, spec.us_name)}


def spec_of(name: str) -> CategorySpec | None:
    """The vocabulary's entry for a category name (its UK or US name), or None."""
    return _BY_NAME.get(name.casefold())
