"""Words keyed by language: a Unicode tokenizer, and a second language that is only data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from partsagent import InputError
from partsagent._markets import load_markets
from partsagent._reading.language import ENGLISH, current, load_language
from partsagent._reading.reader import read_damage
from partsagent._reading.taxonomy import CATEGORIES
from partsagent._reading.tokens import tokenize
from partsagent._reading.vocabulary import LEXICON
from partsagent.catalog import Category

CATS = tuple(
    Category(id=c.id, name=c.name, group=c.group, synonyms=tuple(w for w in c.words if w != c.name))
    for c in CATEGORIES
)


def _words(text: str) -> list[tuple[str, str]]:
    return [(t.word, text[t.start : t.end]) for t in tokenize(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Kotflügel", [("kotflügel", "Kotflügel")], id="umlaut-one-token"),
        pytest.param("STØTFANGER", [("støtfanger", "STØTFANGER")], id="o-slash-folded"),
        pytest.param("Straße", [("strasse", "Straße")], id="eszett-casefolded"),
        pytest.param("pare-choc avant", [("pare", "pare"), ("choc", "choc"), ("avant", "avant")]),
        pytest.param("Éclat côté", [("éclat", "Éclat"), ("côté", "côté")], id="accents"),
    ],
)
def test_tokens_keep_every_letter(text: str, expected: list[tuple[str, str]]) -> None:
    """Letters of any script stay in their word and casefold; spans give the user's text back."""
    assert _words(text) == expected


def test_casefolding_is_unicode() -> None:
    """ "STRASSE" and "Straße" are one word, as Unicode casefolding says."""
    assert [t.word for t in tokenize("STRASSE")] == [t.word for t in tokenize("straße")]


def test_english_tokens_are_as_they_were() -> None:
    """The English abbreviations, plurals and folds read as before (spans included)."""
    assert _words("N.S.F. wing dented, 2x headlights") == [
        ("nearside", "N.S.F"),
        ("front", "N.S.F"),
        ("wing", "wing"),
        ("dented", "dented"),
        (",", ","),
        ("x2", "2x"),
        ("headlamp", "headlights"),
    ]


def _language(folder: Path) -> Path:
    """A tiny German: a few words of its own, nothing else."""
    folder.mkdir()
    lexicon = {
        "format": "partsagent-lexicon/1",
        "description": "a few German words, for a test",
        "stop_words": ["der", "die", "das", "ist"],
        "coordinators": ["und"],
        "severity": {
            "minor": ["zerkratzt"],
            "moderate": ["verbeult"],
            "severe": ["zerstört", "völlig kaputt"],
        },
        "positions": {
            "vorne": {"axle": "front"},
            "hinten": {"axle": "rear"},
            "links": {"side": "left"},
            "rechts": {"side": "right"},
        },
        "confidence": LEXICON.confidence.model_dump(mode="json"),
    }
    categories = {
        "format": "partsagent-category-words/1",
        "categories": {
            "CAT016": {"name": "Kotflügel"},
            "CAT003": {"name": "Motorhaube", "synonyms": ["Haube"]},
        },
    }
    (folder / "lexicon.json").write_text(json.dumps(lexicon), encoding="utf-8")
    (folder / "categories.json").write_text(json.dumps(categories), encoding="utf-8")
    return folder


def test_a_second_language_is_a_data_folder(tmp_path: Path) -> None:
    """A folder with a lexicon and category names reads a report in that language."""
    german = load_language(_language(tmp_path / "de"))
    text = "Der Kotflügel vorne links ist völlig kaputt und die Haube zerkratzt."
    reading = read_damage(text, CATS, market="GB", language=german)
    got = sorted(
        (p.category.id, p.position.axle, p.position.side, p.severity.value) for p in reading.parts
    )
    assert got == [("CAT003", "front", None, "minor"), ("CAT016", "front", "left", "severe")]
    assert german.code == "de"
    assert current() is ENGLISH  # the language was set for that reading only
    assert not read_damage(text, CATS, market="GB").parts  # English has none of these words


def test_english_reads_as_before_beside_another_language(tmp_path: Path) -> None:
    """Loading and reading another language leaves English readings as they were."""
    before = read_damage("front bumper smashed, n/s headlight cracked", CATS, market="GB")
    read_damage("Kotflügel verbeult", CATS, language=load_language(_language(tmp_path / "de")))
    after = read_damage("front bumper smashed, n/s headlight cracked", CATS, market="GB")
    assert after == before
    assert {p.category.id for p in after.parts} == {"CAT001", "CAT002"}


def test_the_market_picks_its_language(tmp_path: Path) -> None:
    """A market reads in the language its data names; one with no words is a clear error."""
    assert load_language(load_markets().get("GB").language) is ENGLISH
    markets = tmp_path / "markets.json"
    markets.write_text(
        json.dumps(
            {
                "format": "partsagent-markets/1",
                "markets": {
                    "AT": {
                        "name": "Austria",
                        "currency": "EUR",
                        "tax": {"name": "USt", "rate": "0.20", "applies_to": ["parts"]},
                        "drive": "left",
                        "language": "de",
                        "words": "en-GB",
                    }
                },
            }
        ),
        encoding="utf-8",
    )
    austria = load_markets(markets).get("AT")
    with pytest.raises(InputError, match="no words for language 'de'"):
        read_damage("Kotflügel verbeult", CATS, market=austria)


def test_a_broken_language_file_names_itself(tmp_path: Path) -> None:
    """A language file of the user's that is not valid is an InputError naming the file."""
    folder = _language(tmp_path / "de")
    (folder / "categories.json").write_text('{"format": "partsagent-category-words/1"}')
    with pytest.raises(InputError, match=r"categories\.json.*categories"):
        load_language(folder)
    with pytest.raises(InputError, match="neither a language code nor a folder"):
        load_language(tmp_path / "missing")
