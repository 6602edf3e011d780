"""VIN decoding through the optional ``ultravin`` extra (an offline NHTSA vPIC decoder).

The decoder is optional so the core library stays small; without it a VIN is
refused with the install command. Decoding runs in a worker thread because the
first call loads the vPIC tables. Results are cached: a VIN always decodes the
same way.
"""

from __future__ import annotations

import datetime
import re
from collections import OrderedDict
from typing import Any, Self

import anyio
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .._datafile import DataFile, load_data
from .._exceptions import InputError
from .._metrics.log import get_logger

__all__ = [
    "MISSING_EXTRA",
    "PARTIAL_LENGTHS",
    "VinDecode",
    "decode_partial_vin",
    "decode_vin",
    "normalise_vin",
]

_log = get_logger()

_VIN_LENGTH = 17
_VIN_CHARS = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
PARTIAL_LENGTHS = range(8, 12)
"""A partial VIN is its last 8 to 11 characters, as policy schedules print it."""
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
"""Position 10: the model year, a 30-year cycle from 1980 (A) and 2010 (A)."""


class _VinMaker(DataFile):
    make: str
    wmi: tuple[str, ...]
    positions: tuple[int, int]
    models: dict[str, str]

    @model_validator(mode="after")
    def _codes_fit(self) -> Self:
        first, last = self.positions
        width = last - first + 1
        if not 1 <= first <= last <= 9 or any(len(code) != width for code in self.models):
            raise ValueError(f"{self.make}'s codes do not fit {self.positions}")
        return self


class _VinModels(DataFile):
    format: str
    description: str
    makers: tuple[_VinMaker, ...] = Field(min_length=1)


_VIN_MODELS = load_data(_VinModels, "vin_models.json")


def _maker(make: str | None, wmi: str | None) -> _VinMaker | None:
    for maker in _VIN_MODELS.makers:
        if (wmi is not None and wmi in maker.wmi) or (make is not None and make == maker.make):
            return maker
    return None


def _vds_model(vin: str, maker: _VinMaker, offset: int = 0) -> tuple[str | None, str | None]:
    """The model the VDS names, and a note saying where it was read; ``offset``: of a partial."""
    first, last = maker.positions
    if first - 1 - offset < 0:
        return None, None
    code = vin[first - 1 - offset : last - offset]
    model = maker.models.get(code)
    if model is None:
        return None, None
    where = f"position {first}" if first == last else f"positions {first}-{last}"
    return model, f"the VIN's {where} ({code}) name the {maker.make} {model}"


def _year(code: str) -> int | None:
    """The latest model year position 10 can mean that is not in the future."""
    index = _YEAR_CODES.find(code)
    if index < 0:
        return None
    latest = datetime.date.today().year + 1
    years = [start + index for start in (1980, 2010, 2040) if start + index <= latest]
    return years[-1] if years else None


_CACHE_SIZE = 1024
_cache: OrderedDict[str, VinDecode] = OrderedDict()

MISSING_EXTRA = "VIN decoding needs the 'vin' extra: pip install 'partsagent[vin]'"


class VinDecode(BaseModel):
    """What a VIN says about the vehicle; fields the VIN does not encode are None.

    ``complete`` is True when make, model and year are all known. European VINs
    usually give the make and year only.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    vin: str
    wmi: str | None = None
    make: str | None = None
    model: str | None = None
    series: str | None = None
    year: int | None = None
    body_class: str | None = None
    """The vPIC body class, e.g. "Sedan/Saloon" or "Hatchback/Liftback/Notchback"."""
    displacement_l: str | None = None
    """Engine displacement in litres as the VIN gives it, e.g. "1.8"."""
    fuel: str | None = None
    """The vPIC primary fuel, e.g. "Gasoline", "Diesel" or "Electric"."""
    check_digit_valid: bool
    complete: bool
    partial: bool = False
    """The last 8 to 11 characters only: make and model come from the caller."""
    notes: tuple[str, ...] = ()


def normalise_vin(vin: str, *, partial: bool = False) -> str:
    """Strip and uppercase ``vin``, then check its format; raise InputError saying what is wrong.

    With ``partial``, the last 8 to 11 characters are accepted too.
    """
    if not isinstance(vin, str):
        raise InputError(f"a VIN is a string of 17 characters, got {type(vin).__name__}")
    cleaned = "".join(vin.split()).upper()
    if not cleaned:
        raise InputError("the VIN is empty; give the 17 characters from the V5C or windscreen")
    if partial and len(cleaned) in PARTIAL_LENGTHS:
        if re.fullmatch(r"[A-HJ-NPR-Z0-9]+", cleaned) is None:
            raise InputError(
                f"a partial VIN holds only letters A-Z (never I, O or Q) and digits: {cleaned!r}"
            )
        return cleaned
    if len(cleaned) != _VIN_LENGTH:
        raise InputError(
            f"a VIN has {_VIN_LENGTH} characters, {cleaned!r} has {len(cleaned)}; check for "
            "missing or extra characters"
        )
    if _VIN_CHARS.match(cleaned) is None:
        for pos, char in enumerate(cleaned, start=1):
            if char in "IOQ":
                raise InputError(
                    f"VINs never contain I, O or Q (found {char!r} at position {pos} of "
                    f"{cleaned!r}); it is probably 1 or 0"
                )
            if not ("A" <= char <= "Z" or "0" <= char <= "9"):
                raise InputError(
                    f"a VIN holds only letters A-Z and digits 0-9 (found {char!r} at position "
                    f"{pos} of {cleaned!r})"
                )
    return cleaned


def _text(value: object) -> str | None:
    if isinstance(value, str):
        text = value.strip()
        if text and text.lower() not in ("not applicable", "null"):
            return text
    return None


def _litres(value: object) -> str | None:
    """Litres with one decimal, as catalogs write engines: vPIC gives both "2" and "2.0"."""
    text = _text(value)
    if text is None:
        return None
    try:
        return f"{float(text):.1f}"
    except ValueError:
        return None


def _decode_sync(vin: str, decoder: Any) -> VinDecode:
    """Run the decoder and reduce its answer to what the agent uses."""
    try:
        raw = decoder.decode(vin)
    except Exception as exc:  # the decoder's own errors must not leak to callers
        raise InputError(f"could not decode VIN {vin!r}: {exc}") from exc
    attributes: dict[str, Any] = raw.get("attributes") or {}
    make = _text(attributes.get("Make"))
    maker = _maker(make.upper() if make else None, vin[:3])
    if make is None and maker is not None:
        make = maker.make
    if make is None:
        raise InputError(
            f"VIN {vin!r} decodes to no known manufacturer (WMI {vin[:3]!r}); check the VIN "
            "or give make, model and year instead"
        )
    model = _text(attributes.get("Model"))
    series = _text(attributes.get("Series"))
    year = raw.get("model_year")
    if maker is not None or not isinstance(year, int):
        # Position 7 tells the 30-year cycle in North America only; a European VDS
        # letter or digit there says nothing about it.
        year = _year(vin[9])
    check_ok = bool(raw.get("check_digit_valid"))
    notes: list[str] = []
    if model is None and series is None and maker is not None:
        model, where = _vds_model(vin, maker)
        if where is not None:
            notes.append(where)
    if not check_ok:
        notes.append(
            "the check digit (9th character) does not match; European VINs often carry none, "
            "otherwise check the VIN for a typing error"
        )
    if model is None:
        notes.append(f"the VIN gives the make ({make}) but not the model")
    if year is None:
        notes.append("the VIN gives no model year")
    return VinDecode(
        vin=vin,
        wmi=_text(raw.get("wmi")),
        make=make.upper(),
        model=model,
        series=series,
        year=year,
        body_class=_text(attributes.get("Body Class")),
        displacement_l=_litres(attributes.get("Displacement (L)")),
        fuel=_text(attributes.get("Fuel Type - Primary")),
        check_digit_valid=check_ok,
        complete=model is not None and year is not None,
        notes=tuple(notes),
    )


def decode_partial_vin(vin: str, make: str) -> VinDecode:
    """What the last 8 to 11 characters of a VIN say, for a vehicle whose make is given.

    Position 10 (the first of the last 8) is the model year; the model code, where the
    make writes it in positions 7-9 and enough characters are given. The check digit
    cannot be checked without the whole VIN (``check_digit_valid`` is True: nothing to
    flag).
    """
    cleaned = normalise_vin(vin, partial=True)
    offset = _VIN_LENGTH - len(cleaned)
    maker = _maker(" ".join(make.upper().split()), None)
    model, where = _vds_model(cleaned, maker, offset) if maker else (None, None)
    year = _year(cleaned[9 - offset])
    notes = [f"a partial VIN: positions {offset + 1}-{_VIN_LENGTH} of 17"]
    if where is not None:
        notes.append(where)
    return VinDecode(
        vin=cleaned,
        make=None,
        model=model,
        year=year,
        check_digit_valid=True,
        complete=False,
        partial=True,
        notes=tuple(notes),
    )


async def decode_vin(vin: str) -> VinDecode:
    """Decode ``vin`` into make, model and year; an invalid check digit is a note, not an error.

    Raises InputError for a malformed VIN, one that decodes to no make, or when
    the ``vin`` extra is not installed.
    """
    cleaned = normalise_vin(vin)
    try:
        import ultravin
    except ImportError as exc:
        raise InputError(MISSING_EXTRA) from exc
    cached = _cache.get(cleaned)
    if cached is not None:
        _cache.move_to_end(cleaned)
        return cached
    result = await anyio.to_thread.run_sync(_decode_sync, cleaned, ultravin)
    _cache[cleaned] = result
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return result
