"""A deterministic catalog generator: the embedded sample and synthetic benchmark buckets.

The shipped sample in ``sample_catalog/`` is this generator's output for
``scale=1, seed=0``, and a test regenerates it byte for byte, so the sample can
never drift from the code. Every random choice comes from a ``random.Random``
seeded with a string naming what it decides (seed, variant, category), so one
variant's articles do not change when another variant is added; article ids
come from one counter in document order.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from .._catalog.packs import PACKS_DIR, iter_packs
from .._exceptions import InputError
from ._articles import CURRENCY, Articles
from ._fleet import ModelSpec, VariantSpec, manufacturer_set
from ._parts import SamplePart, applicable_categories

__all__ = ["FORMAT", "generate_bucket", "iter_bucket"]

FORMAT = "partsagent-catalog/1"
CAMERA_FROM = 2017
"""Model generations launched from this year carry a windscreen camera (lane and brake assist)."""


def _dump(obj: Any) -> bytes:
    """JSON with one list item per line: diff-friendly, yet a third the size of indented JSON."""
    if isinstance(obj, list):
        if not obj:
            return b"[]\n"
        return b"[\n" + b",\n".join(orjson.dumps(item) for item in obj) + b"\n]\n"
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"


def _category_doc(cat: SamplePart) -> dict[str, Any]:
    return {
        "id": cat.id,
        "name": cat.spec.name,
        "group": cat.spec.group,
        "synonyms": list(cat.spec.words[1:]),
        "product_groups": [{"id": pg.id, "name": pg.name} for pg in cat.product_groups],
    }


def _equipment(model: ModelSpec, variant: VariantSpec) -> list[str]:
    kit = ["front_parking_sensors", "rear_parking_sensors"] if variant.parking_sensors else []
    launched = min(v.year_from for v in model.variants if v.generation == variant.generation)
    if launched >= CAMERA_FROM:
        kit.append("windscreen_camera")
    return kit


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
    makers = manufacturer_set(scale, seed)
    articles = Articles(seed)
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
