"""decode_vin: real VINs through the ultravin extra, format checks, and the missing extra."""

from __future__ import annotations

import sys

import pytest

from partsagent import InputError
from partsagent._reading.vin import MISSING_EXTRA, VinDecode, decode_vin


@pytest.mark.parametrize(
    ("vin", "make", "model", "year"),
    [
        pytest.param("1HGCM82633A004352", "HONDA", "Accord", 2003, id="honda-accord"),
        pytest.param("5YJ3E1EA2KF317000", "TESLA", "Model 3", 2019, id="tesla-model-3"),
        pytest.param("1FADP3F22JL000000", "FORD", "Focus", 2018, id="ford-focus"),
    ],
)
async def test_real_vin_decodes_make_model_year(vin: str, make: str, model: str, year: int) -> None:
    """A North American VIN gives make, model and year with a valid check digit."""
    decoded = await decode_vin(vin)
    assert (decoded.make, decoded.model, decoded.year) == (make, model, year)
    assert decoded.check_digit_valid
    assert decoded.complete
    assert decoded.notes == ()


async def test_european_vin_is_partial() -> None:
    """A European VIN gives the make and year only, and says so."""
    decoded = await decode_vin("W0LBD6EA5HG000000")
    assert (decoded.make, decoded.model, decoded.year) == ("OPEL", None, 2017)
    assert not decoded.complete
    assert any("not the model" in note for note in decoded.notes)


async def test_series_is_kept_for_model_fallback() -> None:
    """A BMW VIN names the trim as model and the range as series; both are kept."""
    decoded = await decode_vin("WBA5R1C08LA000000")
    assert (decoded.make, decoded.model, decoded.series, decoded.year) == (
        "BMW",
        "330i",
        "3-Series",
        2020,
    )


async def test_bad_check_digit_is_a_note_not_an_error() -> None:
    """A wrong 9th character is reported in the notes, and the VIN still decodes."""
    decoded = await decode_vin("1HGCM82643A004352")
    assert decoded.make == "HONDA"
    assert not decoded.check_digit_valid
    assert any("check digit" in note for note in decoded.notes)


async def test_lowercase_and_spaces_are_normalised() -> None:
    """A VIN typed in lower case with spaces decodes like the clean one."""
    decoded = await decode_vin(" 1hgcm826 33a004352 ")
    assert decoded.vin == "1HGCM82633A004352"
    assert decoded.model == "Accord"


async def test_result_is_json_friendly() -> None:
    """The decode dumps to plain JSON types for an LLM tool call."""
    decoded = await decode_vin("1HGCM82633A004352")
    dumped = decoded.model_dump(mode="json")
    assert dumped["make"] == "HONDA"
    assert VinDecode.model_validate(dumped) == decoded


@pytest.mark.parametrize(
    ("vin", "message"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("1HGCM82633A00435", "has 16", id="too-short"),
        pytest.param("1HGCM82633A0043521", "has 18", id="too-long"),
        pytest.param("1HGCM82633AO04352", "'O' at position 12", id="letter-o"),
        pytest.param("IHGCM82633A004352", "'I' at position 1", id="letter-i"),
        pytest.param("1HGCM82633A00435-", "'-' at position 17", id="punctuation"),
    ],
)
async def test_malformed_vin_says_what_is_wrong(vin: str, message: str) -> None:
    """A VIN of the wrong length or with forbidden characters is refused with the reason."""
    with pytest.raises(InputError, match=message):
        await decode_vin(vin)


async def test_vin_without_make_is_refused() -> None:
    """A well-formed VIN whose WMI is unknown raises InputError."""
    with pytest.raises(InputError, match="no known manufacturer"):
        await decode_vin("00000000000000000")


async def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ultravin installed, decoding says how to install the extra."""
    monkeypatch.setitem(sys.modules, "ultravin", None)
    with pytest.raises(InputError) as info:
        await decode_vin("1HGCM82633A004352")
    assert str(info.value) == MISSING_EXTRA
    assert "pip install 'partsagent[vin]'" in str(info.value)
