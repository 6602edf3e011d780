"""The catalog generator, the taxonomy and the embedded sample it produced."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from partsagent import InputError
from partsagent._catalog import documents as doc
from partsagent._reading.taxonomy import CATEGORIES, category, spec_of
from partsagent.catalog import Manufacturer, Model
from partsagent.testing._generate import generate_bucket, iter_bucket
from partsagent.testing._parts import applicable_categories, sample_parts

ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
AMOUNT = re.compile(r"\d+\.\d{2}")
QUALITY_RANK = {"OE": 0, "OES": 1, "aftermarket": 2}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def sample() -> dict[str, bytes]:
    """Every document of the embedded sample, by relative path."""
    from partsagent.catalog import sample_catalog_path

    return _tree(sample_catalog_path())


def _json(sample: dict[str, bytes], path: str) -> Any:
    return orjson.loads(sample[path])


def _articles_docs(sample: dict[str, bytes]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    out = {}
    for path, data in sample.items():
        parts = path.split("/")
        if parts[-1] == "articles.json":
            out[(parts[1], parts[3], parts[5])] = orjson.loads(data)
    return out


def test_sample_is_the_generator_output(tmp_path: Path, sample: dict[str, bytes]) -> None:
    """Regenerating with scale=1, seed=0 gives the shipped sample byte for byte."""
    generate_bucket(tmp_path / "b", scale=1, seed=0)
    fresh = _tree(tmp_path / "b")
    assert sorted(fresh) == sorted(sample)
    assert [p for p in fresh if fresh[p] != sample[p]] == []


def test_every_document_validates(sample: dict[str, bytes]) -> None:
    """Each document parses with the contract's TypeAdapters and the index counts add up."""
    index = doc.parse(doc.INDEX, "index.json", sample["index.json"])
    makers = doc.parse(doc.MANUFACTURERS, "manufacturers.json", sample["manufacturers.json"])
    counts: dict[str, int] = defaultdict(int)
    counts["manufacturers"] = len(makers)
    for maker in makers:
        models = doc.parse(doc.MODELS, doc.models_path(maker.id), sample[doc.models_path(maker.id)])
        counts["models"] += len(models)
        for model in models:
            for variant in model.variants:
                counts["variants"] += 1
                path = doc.categories_path(maker.id, variant.id)
                cats = doc.parse(doc.CATEGORIES, path, sample[path])
                counts["categories"] += len(cats)
                for cat in cats:
                    apath = doc.articles_path(maker.id, variant.id, cat.id)
                    arts = doc.parse(doc.ARTICLES, apath, sample[apath])
                    assert 3 <= len(arts) <= 12
                    assert {a.product_group_id for a in arts} <= {g.id for g in cat.product_groups}
                    counts["articles"] += len(arts)
    assert index.format == "partsagent-catalog/1"
    assert index.currency == "GBP"
    assert index.counts == dict(counts)
    packs = counts["models"]  # one pack per model
    assert (
        len(sample)
        == 2 + counts["manufacturers"] + counts["variants"] + counts["categories"] + packs
    )


def test_ids_follow_the_contract_and_articles_are_unique(sample: dict[str, bytes]) -> None:
    """Ids match the contract pattern; an article id always names the same article."""
    makers = _json(sample, "manufacturers.json")
    assert all(m["id"].isdigit() for m in makers)
    variant_ids = []
    for m in makers:
        for model in _json(sample, f"manufacturers/{m['id']}/models.json"):
            assert model["id"].isdigit()
            variant_ids += [v["id"] for v in model["variants"]]
    assert all(v.isdigit() for v in variant_ids)
    assert len(set(variant_ids)) == len(variant_ids)
    seen: dict[str, dict[str, object]] = {}
    for (_, _, cid), arts in _articles_docs(sample).items():
        assert re.fullmatch(r"CAT\d{3}", cid)
        ids = [a["id"] for a in arts]
        assert len(set(ids)) == len(ids)
        for a in arts:
            assert ID.fullmatch(a["id"])
            assert seen.setdefault(a["id"], a) == a


def test_articles_are_shared_by_the_variants_they_fit(sample: dict[str, bytes]) -> None:
    """Panels fit every Astra variant; cooling parts differ by engine; rear parts by body."""
    docs = _articles_docs(sample)

    def ids(vid: str, cid: str) -> set[str]:
        return {a["id"] for a in docs[("117", vid, cid)]}

    assert ids("127445", "CAT001") == ids("127446", "CAT001") == ids("127447", "CAT001")
    assert ids("127445", "CAT019") != ids("127447", "CAT019")  # petrol vs diesel radiator
    assert ids("127445", "CAT027") != ids("127448", "CAT027")  # hatchback vs estate tailgate


def test_sided_parts_are_separate_left_and_right_articles(sample: dict[str, bytes]) -> None:
    """Sided categories list each brand once per side; others and consumables have no side."""
    for (_, _, cid), arts in _articles_docs(sample).items():
        spec = category(cid)
        sides = [a["position"]["side"] for a in arts]
        if spec.sided:
            assert sides.count("left") == sides.count("right") == len(arts) // 2
            left = [
                (a["brand"], a["price"]["amount"]) for a in arts if a["position"]["side"] == "left"
            ]
            right = [
                (a["brand"], a["price"]["amount"]) for a in arts if a["position"]["side"] == "right"
            ]
            assert left == right
        else:
            assert set(sides) == {None}
        if spec.consumable:
            assert all(a["position"] == {"axle": None, "side": None} for a in arts)
        else:
            assert {a["position"]["axle"] for a in arts} == {spec.axle}


def test_prices_are_decimal_strings_and_oe_costs_most(sample: dict[str, bytes]) -> None:
    """Amounts are 2-decimal strings in GBP; OE > OES > aftermarket within a side."""
    for arts in _articles_docs(sample).values():
        by_side: dict[object, list[dict[str, Any]]] = defaultdict(list)
        for a in arts:
            assert isinstance(a["price"]["amount"], str)
            assert AMOUNT.fullmatch(a["price"]["amount"])
            assert a["price"]["currency"] == "GBP"
            by_side[a["position"]["side"]].append(a)
        for group in by_side.values():
            ordered = sorted(group, key=lambda a: QUALITY_RANK[a["quality"]])
            cheapest_better = None
            for quality in ("OE", "OES", "aftermarket"):
                prices = [Decimal(a["price"]["amount"]) for a in ordered if a["quality"] == quality]
                if prices and cheapest_better is not None:
                    assert max(prices) < cheapest_better
                if prices:
                    cheapest_better = min(prices)


def test_oe_number_is_on_every_article_of_a_side(sample: dict[str, bytes]) -> None:
    """Where the maker sells the part, all qualities cite the OE article's number."""
    arts = _articles_docs(sample)[("117", "127445", "CAT002")]
    for side in ("left", "right"):
        group = [a for a in arts if a["position"]["side"] == side]
        oe = [a for a in group if a["quality"] == "OE"]
        assert len(oe) == 1
        assert oe[0]["brand"] == "VAUXHALL"
        assert all(a["oe_numbers"] == [oe[0]["article_no"]] for a in group)


def test_required_makes_models_and_example_ids(sample: dict[str, bytes]) -> None:
    """The contract's example ids and the real makes, models and years are present."""
    makers = {
        m.name: m
        for m in doc.parse(doc.MANUFACTURERS, "manufacturers.json", sample["manufacturers.json"])
    }
    assert makers["VAUXHALL"] == Manufacturer(id="117", name="VAUXHALL", aliases=("OPEL",))
    assert "VW" in makers["VOLKSWAGEN"].aliases
    wanted = {
        ("VAUXHALL", "ASTRA"): (2009, 2021),
        ("VAUXHALL", "CORSA"): None,
        ("FORD", "FOCUS"): (2011, 2025),
        ("FORD", "FIESTA"): None,
        ("VOLKSWAGEN", "GOLF"): None,
        ("BMW", "3 SERIES"): (2012, None),
        ("TOYOTA", "COROLLA"): None,
        ("NISSAN", "QASHQAI"): None,
        ("HONDA", "CIVIC"): (2012, 2022),
        ("TESLA", "MODEL 3"): (2019, None),
    }
    for (make, name), years in wanted.items():
        path = doc.models_path(makers[make].id)
        models: dict[str, Model] = {m.name: m for m in doc.parse(doc.MODELS, path, sample[path])}
        model = models[name]
        if years is not None:
            assert (model.year_from, model.year_to) == years
        assert 3 <= len(model.variants) <= 8
        # The catalog keeps its own promise: a model's years are exactly its variants' span.
        ends = [v.year_to for v in model.variants]
        assert model.year_from == min(v.year_from for v in model.variants), name
        assert model.year_to == (None if None in ends else max(e for e in ends if e)), name
        for v in model.variants:
            assert model.year_from <= v.year_from
            assert v.year_to is None or model.year_to is None or v.year_to <= model.year_to
            assert v.power_kw > 0
    astra = {
        v.id
        for v in doc.parse(doc.MODELS, "m", sample["manufacturers/117/models.json"])[0].variants
    }
    assert {"127445", "127446", "127447"} <= astra
    for vid in ("127445", "127446", "127447"):
        for cid in ("CAT001", "CAT002", "CAT003"):
            assert doc.articles_path("117", vid, cid) in sample


def test_categories_follow_the_drivetrain(sample: dict[str, bytes]) -> None:
    """No intercooler on an EV or a non-turbo engine; EVs keep coolant; 3-doors lack rear doors."""

    def cats(mid: str, vid: str) -> set[str]:
        return {c["id"] for c in _json(sample, doc.categories_path(mid, vid))}

    assert "CAT021" in cats("117", "127445")  # Astra 1.0 Turbo
    assert "CAT021" not in cats("2858", "147102")  # Model 3
    assert "CAT040" in cats("2858", "147102")
    assert "CAT021" not in cats("111", "144102")  # Corolla 1.8 Hybrid, no turbo
    assert "CAT012" not in cats("2858", "147104")  # Model 3 RWD, no fog lamps
    assert "CAT024" not in cats("36", "141514")  # Fiesta ST 3-door


def test_taxonomy_ids_and_words() -> None:
    """Category ids are CAT001.. in order with the contract's first three and their synonyms."""
    assert [c.id for c in CATEGORIES] == [f"CAT{i:03d}" for i in range(1, len(CATEGORIES) + 1)]
    assert [category(f"CAT00{i}").name for i in (1, 2, 3)] == [
        "Front Bumper Cover",
        "Headlamp",
        "Bonnet",
    ]
    assert {"Headlight Assembly", "Headlight"} <= set(category("CAT002").words)
    assert category("CAT003").names == ("Hood",)
    assert category("CAT016").names == ("Fender",)
    assert spec_of("hood") is spec_of("Bonnet") is category("CAT003")


def test_the_generator_keeps_its_own_fields() -> None:
    """Price bands, brands and the variants a part fits are the generator's data, for every id."""
    parts = sample_parts()
    assert [p.id for p in parts] == [c.id for c in CATEGORIES]
    assert all(low < high for p in parts for low, high in [p.price_gbp])
    assert all(p.brands for p in parts)
    assert not any(hasattr(c, "price_gbp") or hasattr(c, "brands") for c in CATEGORIES)
    ev = {c.id for c in applicable_categories(fuel="electric", turbo=False)}
    assert "CAT021" not in ev
    assert "CAT019" in ev


def test_same_seed_same_bytes_other_seed_differs() -> None:
    """iter_bucket is deterministic in (scale, seed) and the seed changes the articles."""
    first = dict(iter_bucket(scale=1, seed=3))
    assert dict(iter_bucket(scale=1, seed=3)) == first
    other = dict(iter_bucket(scale=1, seed=4))
    # The packs' version is a hash of the documents: another seed, other pack paths.
    assert {p for p in other if not p.startswith("packs/")} == {
        p for p in first if not p.startswith("packs/")
    }
    assert orjson.loads(other["index.json"])["pack"] != orjson.loads(first["index.json"])["pack"]
    assert (
        other[doc.articles_path("117", "127445", "CAT001")]
        != first[doc.articles_path("117", "127445", "CAT001")]
    )


def test_scale_two_grows_with_distinct_makes(tmp_path: Path) -> None:
    """scale=2 doubles makes, variants and articles under new names and ids."""
    one = generate_bucket(tmp_path / "one", scale=1, pack=False)
    two = generate_bucket(tmp_path / "two", scale=2, pack=False)
    for key in ("manufacturers", "models", "variants"):
        assert two[key] == 2 * one[key]
    assert two["articles"] > 1.8 * one["articles"]
    makers = orjson.loads((tmp_path / "two" / "manufacturers.json").read_bytes())
    assert len({m["id"] for m in makers}) == len({m["name"] for m in makers}) == len(makers)
    # The real makes come first and are unchanged, so scale=1 is a prefix of every scale.
    small, big = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    changed = {p for p in small if small[p] != big.get(p)}
    assert changed == {"index.json", "manufacturers.json"}


def test_regenerate_replaces_a_bucket_but_refuses_other_dirs(tmp_path: Path) -> None:
    """Generating over a bucket leaves no stale files; a foreign non-empty dir is refused."""
    out = tmp_path / "b"
    generate_bucket(out, scale=2)
    generate_bucket(out, scale=1)
    assert len(orjson.loads((out / "manufacturers.json").read_bytes())) == len(
        list((out / "manufacturers").iterdir())
    )
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not empty"):
        generate_bucket(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("scale", [pytest.param(0, id="zero"), pytest.param(-1, id="negative")])
def test_bad_scale_is_input_error(tmp_path: Path, scale: int) -> None:
    """A scale below 1 is refused before anything is written."""
    with pytest.raises(InputError, match="scale"):
        generate_bucket(tmp_path / "b", scale=scale)
    assert not (tmp_path / "b").exists()
