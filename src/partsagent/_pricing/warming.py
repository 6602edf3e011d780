"""Warming a vehicle's article lists: once per vehicle, not once per report.

A report on a vehicle starts loading the rest of that vehicle's lists in the
background, so the next report on it finds them cached. Asking again on every
report cost a cache look-up per (variant, category), most of a warm report's
catalog time; the vehicles warmed lately are remembered per catalog (bounded,
and forgotten after a while, so a vehicle whose lists have since left the cache
is warmed again). Warming only ever starts loads: what a report prices is what
its own look-ups find, whether or not its vehicle was warmed.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from .._catalog.cache import MISSING, BoundedStore
from .._catalog.manager import ArticleRequest, BucketManager
from .search import PartNeed

__all__ = ["warm_vehicle"]

REMEMBERED = 1_000
"""Vehicles remembered as warm, per catalog."""
REWARM_S = 300.0
"""Seconds after which a vehicle is warmed again (its lists may have left the cache)."""

_warmed: weakref.WeakKeyDictionary[BucketManager, BoundedStore] = weakref.WeakKeyDictionary()


async def warm_vehicle(
    catalog: BucketManager, mid: str, variant_ids: Sequence[str], wanted: Sequence[PartNeed]
) -> None:
    """Start loading the report's own lists, then (once a while per vehicle) the vehicle's rest.

    The report's own keys go first, in the requests it waits for; the rest of the
    vehicle in requests of its own, which the report does not wait for.
    """
    await catalog.prefetch_articles(
        ArticleRequest(mid, vid, w.category_id) for vid in variant_ids for w in wanted
    )
    seen = _warmed.get(catalog)
    if seen is None:
        seen = _warmed[catalog] = BoundedStore(max_entries=REMEMBERED)
    key = "\x1f".join((mid, *variant_ids))
    if seen.get_nowait(key) is not MISSING:
        return
    results = await catalog.get_categories_concurrent([(mid, v) for v in variant_ids])
    await catalog.prefetch_articles(
        (ArticleRequest(mid, r.request[1], c.id) for r in results for c in (r.value or ())),
        background=True,
    )
    if all(r.value is not None for r in results):
        seen.set_nowait(key, True, ttl=REWARM_S)
