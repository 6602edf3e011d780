"""``partsagent catalog``: generate a sample bucket, pack it, list what it holds, serve it."""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from .._catalog.open import open_catalog, sample_catalog_path
from .._catalog.packs import pack_bucket, stale_version
from .._exceptions import InputError
from .._models import Article, Category, Manufacturer, Model, Position, Variant
from .._table import render_table
from .arguments import count, non_negative_float, port, positive_int, probability

__all__ = ["DEFAULT_PORT", "register_catalog"]

DEFAULT_PORT = 8765


# ---------------------------------------------------------------- argument types


# ---------------------------------------------------------------- catalog generate


def _catalog_generate(args: argparse.Namespace) -> int:
    from ..testing._generate import generate_bucket

    counts = generate_bucket(Path(args.out), scale=args.scale, seed=args.seed, pack=args.pack)
    print(f"wrote a catalog bucket to {args.out} (scale {args.scale}, seed {args.seed})")
    print(render_table(["what", "count"], list(counts.items())))
    return 0


# ---------------------------------------------------------------- catalog pack


def _catalog_pack(args: argparse.Namespace) -> int:
    if args.check:
        return _check_packs(Path(args.dir))
    summary = pack_bucket(Path(args.dir))
    print(f"wrote {summary['packs']} packs of version {summary['version']} to {args.dir}")
    print(render_table(["what", "value"], list(summary.items())))
    return 0


def _check_packs(directory: Path) -> int:
    """Exit 0 when the packs match the documents (or there are none), 1 when they are stale."""
    if not (directory / "index.json").is_file():
        raise InputError(f"{str(directory)!r} holds no index.json; pass a bucket directory")
    stale = stale_version(directory)
    if stale is None:
        print(f"{directory}: the packs match the documents (or the bucket has none)")
        return 0
    advertised, current = stale
    print(
        f"{directory}: stale packs: index.json names version {advertised}, the documents are "
        f"now version {current}; run 'partsagent catalog pack {directory}'"
    )
    return 1


# ---------------------------------------------------------------- catalog ls


def _years(year_from: int, year_to: int | None) -> str:
    return f"{year_from}-{year_to if year_to is not None else 'now'}"


def _position(position: Position) -> str:
    return " ".join(p for p in (position.axle, position.side) if p) or "-"


def _shorten(words: Sequence[str], keep: int = 3) -> str:
    shown = ", ".join(words[:keep])
    return shown + (", ..." if len(words) > keep else "")


def _manufacturers_table(items: Sequence[Manufacturer]) -> str:
    return render_table(
        ["id", "name", "aliases"],
        [(m.id, m.name, ", ".join(m.aliases)) for m in items],
        align="lll",
    )


def _models_table(items: Sequence[Model]) -> str:
    rows: list[tuple[object, ...]] = []
    for model in items:
        rows.append(
            (model.id, model.name, _years(model.year_from, model.year_to), len(model.variants))
        )
        rows.extend(
            (
                v.id,
                "  " + v.name,
                _years(v.year_from, v.year_to),
                None,
                v.body,
                v.fuel,
                v.engine,
                v.power_kw,
            )
            for v in model.variants
        )
    return render_table(
        ["id", "name", "years", "variants", "body", "fuel", "engine", "kW"], rows, align="lllrlllr"
    )


def _variants_table(items: Sequence[Variant]) -> str:
    return render_table(
        ["id", "name", "years", "body", "fuel", "engine", "kW"],
        [
            (v.id, v.name, _years(v.year_from, v.year_to), v.body, v.fuel, v.engine, v.power_kw)
            for v in items
        ],
        align="llllllr",
    )


def _categories_table(items: Sequence[Category]) -> str:
    return render_table(
        ["id", "name", "group", "synonyms"],
        [(c.id, c.name, c.group, _shorten(c.synonyms)) for c in items],
        align="llll",
    )


def _articles_table(items: Sequence[Article]) -> str:
    return render_table(
        ["id", "article_no", "brand", "quality", "position", "price", "currency", "name"],
        [
            (
                a.id,
                a.article_no,
                a.brand,
                a.quality,
                _position(a.position),
                a.price.amount,
                a.price.currency,
                a.name,
            )
            for a in items
        ],
        align="lllllrll",
    )


async def _fetch(args: argparse.Namespace) -> tuple[Sequence[BaseModel], str]:
    async with open_catalog(args.catalog) as source:
        if args.what == "manufacturers":
            makers = await source.manufacturers()
            return makers, _manufacturers_table(makers)
        if args.what == "models":
            models = await source.models(args.mid)
            return models, _models_table(models)
        if args.what == "variants":
            for model in await source.models(args.mid):
                if model.id == args.model_id:
                    return model.variants, _variants_table(model.variants)
            raise InputError(
                f"manufacturer {args.mid} has no model {args.model_id!r}; "
                f"'partsagent catalog ls models {args.mid}' lists them"
            )
        if args.what == "categories":
            cats = await source.categories(args.mid, args.vid)
            return cats, _categories_table(cats)
        articles = await source.articles(args.mid, args.vid, args.cid)
        return articles, _articles_table(articles)


def _catalog_ls(args: argparse.Namespace) -> int:
    items, table = asyncio.run(_fetch(args))
    if args.json:
        data: list[Any] = [item.model_dump(mode="json") for item in items]
        print(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    else:
        print(table)
    return 0


# ---------------------------------------------------------------- catalog serve


def _catalog_serve(args: argparse.Namespace) -> int:
    from ..testing._connections import DEFAULT_HEADER_TIMEOUT
    from ..testing._server import serve_forever

    directory = Path(args.dir) if args.dir is not None else sample_catalog_path()
    if not directory.is_dir():
        raise InputError(f"catalog directory {str(directory)!r} does not exist; pass --dir DIR")
    from ..testing._faults import ServerOptions

    if args.header_timeout == 0:
        raise InputError("--header-timeout must be more than 0 seconds")
    # A flag left out keeps ServerOptions' default: the defaults live in one place.
    given = {name: getattr(args, name) for name, *_ in _FAULT_FLAGS}
    options = ServerOptions(
        preload=args.preload, **{k: v for k, v in given.items() if v is not None}
    )
    print(f"serving {directory} on {args.host}:{args.port or '(any free port)'}; Ctrl-C to stop")
    try:
        serve_forever(
            directory,
            host=args.host,
            port=args.port,
            options=options,
            header_timeout=(
                DEFAULT_HEADER_TIMEOUT if args.header_timeout is None else args.header_timeout
            ),
            max_connections=args.max_connections,
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                f"port {args.port} is already in use; stop what listens there, or pick another "
                "with --port (0 picks a free one)"
            ) from None
        raise
    return 0


# Every fault of the test server as a flag: (option, type, metavar, help); the names are
# ServerOptions' fields, which POST /_options takes too.
_FAULT_FLAGS: tuple[tuple[str, Any, str, str], ...] = (
    ("latency_ms", non_negative_float, "MS", "added latency per request"),
    ("jitter_ms", non_negative_float, "MS", "random extra latency, 0 to MS"),
    ("error_rate", probability, "R", "share of requests answered 503, 0-1"),
    ("retry_after", non_negative_float, "S", "the Retry-After (seconds) of injected 503s"),
    ("reset_rate", probability, "R", "share of connections closed without a response"),
    ("truncate_rate", probability, "R", "share of bodies cut in half (full Content-Length)"),
    ("invalid_json_rate", probability, "R", "share of 200s whose body is not JSON"),
    ("stall_rate", probability, "R", "share of requests never answered"),
    ("drip_rate", probability, "R", "share of bodies sent a few bytes at a time"),
    ("drip_chunk", positive_int, "BYTES", "bytes per drip (default 64)"),
    ("drip_delay_ms", non_negative_float, "MS", "pause between drips (default 5)"),
    ("spike_rate", probability, "R", "share of requests hit by a latency spike"),
    ("spike_ms", non_negative_float, "MS", "latency a spike adds"),
    ("burst_every", count, "N", "every N-th request starts a burst of 503s (0: none)"),
    ("burst_len", count, "N", "503s in a burst"),
    ("batch_error_rate", probability, "R", "share of batch requests answered 503"),
    ("seed", int, "S", "random seed of the faults, to reproduce a run"),
)


# ---------------------------------------------------------------- parser


def register_catalog(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``partsagent catalog generate|pack|ls|serve`` to the command line."""
    catalog = commands.add_parser(
        "catalog",
        help="generate, list or serve a catalog bucket",
        description="Generate a sample bucket, list what a bucket holds, or serve one over HTTP.",
    )
    actions = catalog.add_subparsers(dest="action", metavar="ACTION", required=True)

    generate = actions.add_parser(
        "generate", help="write a deterministic sample bucket to a directory"
    )
    generate.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    generate.add_argument(
        "--scale", type=positive_int, default=1, metavar="N", help="N copies of the makes"
    )
    generate.add_argument("--seed", type=int, default=0, metavar="S", help="random seed")
    generate.add_argument(
        "--no-pack", dest="pack", action="store_false", help="write the standard documents only"
    )
    generate.set_defaults(handler=_catalog_generate)

    pack = actions.add_parser(
        "pack", help="write packed documents (one per model) next to a bucket's documents"
    )
    pack.add_argument("dir", metavar="DIR", help="bucket directory to pack")
    pack.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the packs no longer match the documents",
    )
    pack.set_defaults(handler=_catalog_pack)

    source = argparse.ArgumentParser(add_help=False)
    source.add_argument(
        "--catalog",
        metavar="DIR_OR_URL",
        default=os.environ.get("PARTSAGENT_CATALOG") or None,
        help="bucket directory or http(s) base URL (default: $PARTSAGENT_CATALOG, else the "
        "embedded sample)",
    )
    source.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls = actions.add_parser(
        "ls", help="list manufacturers, models, variants, categories or articles"
    )
    kinds = ls.add_subparsers(dest="what", metavar="WHAT", required=True)
    kinds.add_parser("manufacturers", parents=[source], help="every manufacturer")
    models = kinds.add_parser("models", parents=[source], help="models and variants of a make")
    models.add_argument("mid", help="manufacturer id, e.g. 117")
    variants = kinds.add_parser("variants", parents=[source], help="variants of a model")
    variants.add_argument("mid", metavar="MANUFACTURER_ID", help="manufacturer id, e.g. 117")
    variants.add_argument("model_id", metavar="MODEL_ID", help="model id, e.g. 40103")
    cats = kinds.add_parser("categories", parents=[source], help="categories of a variant")
    cats.add_argument("mid", help="manufacturer id")
    cats.add_argument("vid", help="variant id, e.g. 127445")
    arts = kinds.add_parser("articles", parents=[source], help="articles of a category")
    arts.add_argument("mid", help="manufacturer id")
    arts.add_argument("vid", help="variant id")
    arts.add_argument("cid", help="category id, e.g. CAT001")
    ls.set_defaults(handler=_catalog_ls)

    serve = actions.add_parser("serve", help="serve a bucket over HTTP, with optional faults")
    serve.add_argument("--dir", metavar="DIR", help="bucket directory (default: embedded sample)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    for name, kind, metavar, what in _FAULT_FLAGS:
        serve.add_argument("--" + name.replace("_", "-"), type=kind, metavar=metavar, help=what)
    serve.add_argument(
        "--preload", action="store_true", help="read the whole bucket into memory at start"
    )
    serve.add_argument(
        "--header-timeout",
        type=non_negative_float,
        default=None,
        metavar="S",
        help="seconds a connection may take to send a complete request (default 20)",
    )
    serve.add_argument(
        "--max-connections",
        type=positive_int,
        default=None,
        metavar="N",
        help="open connections at most (default 1024, fewer under a low ulimit -n)",
    )
    serve.set_defaults(handler=_catalog_serve)
