"""UnresolvedVehicle: every unsettled vehicle carries candidates a program can retry with."""

from __future__ import annotations

from typing import Any

import pytest

from partsagent import InputError, PartsAgent, UnresolvedVehicle, VehicleCandidate


async def _refusal(vehicle: dict[str, Any]) -> UnresolvedVehicle:
    async with PartsAgent() as agent:
        with pytest.raises(UnresolvedVehicle) as caught:
            await agent.process_damage_report(vehicle, "bonnet dented")
    return caught.value


@pytest.mark.parametrize(
    ("vehicle", "names", "missing"),
    [
        pytest.param(
            {"make": "Ford", "year": 2019}, ["FORD FIESTA", "FORD FOCUS"], "model", id="make-year"
        ),
        pytest.param({"model": "Golf"}, ["VOLKSWAGEN GOLF"], "make", id="model-no-make"),
        pytest.param({"vin": "W0LBD6EA5HG000000"}, ["VAUXHALL ASTRA"], "model", id="partial-vin"),
        pytest.param(
            {"make": "Vauxhall", "model": "Astrx", "year": 2018},
            ["VAUXHALL ASTRA"],
            "model",
            id="one-rough-match",
        ),
        pytest.param(
            {"make": "Ford", "model": "F", "year": 2019},
            ["FORD FOCUS", "FORD FIESTA"],
            "model",
            id="two-close-models",
        ),
    ],
)
async def test_candidates_in_every_unsettled_case(
    vehicle: dict[str, Any], names: list[str], missing: str
) -> None:
    """Each case raises UnresolvedVehicle (an InputError) with scored, retryable candidates."""
    exc = await _refusal(vehicle)
    assert isinstance(exc, InputError)
    assert [c.name for c in exc.candidates] == names
    assert exc.missing == missing
    scores = [c.score for c in exc.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < c.score <= 100 and c.manufacturer_id for c in exc.candidates)
    assert all(c.model_id is not None for c in exc.candidates)


async def test_one_candidate_is_did_you_mean_not_ambiguous() -> None:
    """With one candidate the message asks "did you mean", naming it; never "ambiguous"."""
    exc = await _refusal({"model": "Golf"})
    assert "did you mean VOLKSWAGEN GOLF?" in str(exc)
    assert "ambiguous" not in str(exc)


async def test_message_asks_only_for_what_is_missing() -> None:
    """'Ford 2019' gave make and year: the message asks for the model, not make and year again."""
    exc = await _refusal({"make": "Ford", "year": 2019})
    message = str(exc)
    assert "give the model" in message
    assert "make, model and year" not in message
    assert "FORD FIESTA" in message


async def test_a_candidate_retries_into_a_report() -> None:
    """Retrying with the best candidate's make and model (and the year) gives a report."""
    exc = await _refusal({"make": "Ford", "year": 2019})
    best = exc.candidates[0]
    async with PartsAgent() as agent:
        report = await agent.process_damage_report(
            {"make": best.make, "model": best.model, "year": 2019}, "bonnet dented"
        )
    assert report.vehicle.model.id == best.model_id
    assert report.vehicle.manufacturer.id == best.manufacturer_id


def test_candidate_as_dict_is_json_ready() -> None:
    """as_dict() holds the name, score, ids and years a client needs to retry."""
    c = VehicleCandidate(
        name="FORD FOCUS", score=100.0, make="FORD", manufacturer_id="36", model="FOCUS",
        model_id="41501", year_from=2011, year_to=2025,
    )  # fmt: skip
    assert c.as_dict() == {
        "name": "FORD FOCUS",
        "score": 100.0,
        "make": "FORD",
        "manufacturer_id": "36",
        "model": "FOCUS",
        "model_id": "41501",
        "year_from": 2011,
        "year_to": 2025,
    }
    assert c.describe() == (
        "FORD FOCUS (2011-2025 in the catalog, score 100, manufacturer 36, model 41501)"
    )


async def test_report_without_year_and_bad_check_digit_warn() -> None:
    """No year, or a VIN whose check digit is wrong, is a warning of the report itself."""
    async with PartsAgent() as agent:
        no_year = await agent.process_damage_report(
            {"make": "Vauxhall", "model": "Astra"}, "bonnet dented"
        )
        bad_digit = await agent.process_damage_report({"vin": "1FADP3F29JL000001"}, "bonnet dented")
        good = await agent.process_damage_report(
            {"make": "Ford", "model": "Focus", "year": 2018}, "bonnet dented"
        )
    assert no_year.warnings[0].startswith("no year given: priced across all 7 variants of ASTRA")
    assert any("check digit" in w and "1FADP3F29JL000001" in w for w in bad_digit.warnings)
    assert not any("check digit" in w or "no year" in w for w in good.warnings)
