"""A bought need's parts line: the build's articles ranked, priced in the market's currency.

A line takes the best-ranked article that fits every variant of the chosen
build (OE, OES, aftermarket, then price) and up to ``max_alternatives`` others:
the same part at the same position, one per brand and quality, in that order.
Every price is in the market's currency, converted only through a rate the
user's rates give; a line says the market's word for its category.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .._markets import Market
from .._models import Article, Axle, Position, Price, Quality, ReportWarning, Side
from .._reading.market import market_name, saloon
from .estimate import BuildChoice, Decision, PricedMarket, Rates, round_money
from .need import Need
from .report import Alternative, ArticleRef, CategoryRef, Money, ReportLine, Unpriced
from .search import QUALITY_RANK, ArticleOption, PartOptions

__all__ = [
    "PricedLines",
    "Pricing",
    "REASON_ORDER",
    "named_category",
    "price_lines",
    "where_of",
]

REASON_ORDER = {"damaged": 0, "secondary": 1, "consumable": 2}
"""Damaged parts first, then what they bring: the canonical order of lines and needs."""


@dataclass(slots=True)
class PricedLines:
    """The parts lines of a report, in canonical order, and what could not be priced."""

    lines: list[ReportLine]
    unpriced: list[Unpriced]
    """The parts whose catalog lists could not be read."""
    absent: set[int] = field(default_factory=set)
    """The ids of the secondary decisions the build does not carry (never named: dropped)."""
    failed: bool = False
    """True when a catalog list of a bought part could not be read."""

    @property
    def at(self) -> dict[tuple[str, Axle | None, Side | None], int]:
        """Each line's index by its category id, axle and side."""
        return {
            (ln.category.id, ln.position.axle, ln.position.side): i
            for i, ln in enumerate(self.lines)
        }


def price_lines(
    bought: Sequence[Decision],
    options: Sequence[PartOptions],
    choice: BuildChoice,
    pricing: Pricing,
    market: Market,
    max_alternatives: int,
    *,
    warnings: list[ReportWarning],
) -> PricedLines:
    """A line for each bought part an article of the build fits; a warning for the others."""
    build_ids = frozenset(v.id for v in choice.variants)
    is_saloon = saloon(v.body for v in choice.variants)
    out = PricedLines([], [])
    for decision, opts in zip(bought, options, strict=True):
        ranked = _ranked_for(opts, build_ids, pricing)
        out.failed |= bool(opts.errors)
        if not ranked.fit and not opts.errors and decision.need.reason == "secondary":
            out.absent.add(id(decision))  # never named, and this build does not carry it
            continue
        word = market_name(decision.need.category.name, market, is_saloon=is_saloon)
        line = _bought(
            decision.need, opts, ranked, pricing, choice, max_alternatives, warnings, word
        )
        if line is not None:
            out.lines.append(line)
        elif opts.errors:
            out.unpriced.append(_unpriced(decision.need, opts))
    # A canonical order, so equivalent inputs (in any order) give identical reports.
    out.lines.sort(key=_line_order)
    return out


def _unpriced(need: Need, opts: PartOptions) -> Unpriced:
    return Unpriced(
        part=need.category.name,
        position=need.position,
        reason=f"could not read its catalog lists: {opts.errors[0]}",
    )


@dataclass(frozen=True, slots=True)
class Pricing:
    """Which price of an article a report uses: one currency, the market's, always.

    The article's price for the market, or its own, when in the market's currency;
    otherwise one of these converted through a rate the user gave (``conversions``
    in the rates). An article with none of these is not used for the report.
    """

    market: str
    rates: PricedMarket
    all_rates: Rates
    _prices: dict[int, tuple[Article, Money | None]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Each article's price, worked out once per report (ranking and lines ask many times);
    keyed by identity, the article kept beside it so the identity stays its own."""

    def quoted(self, article: Article) -> tuple[Price, Decimal | None] | None:
        """The catalog price used and the rate it is converted at (None: no conversion)."""
        currency = self.rates.currency
        offered = [p for p in (article.price_in(self.market), article.price) if p is not None]
        for price in offered:
            if price.currency == currency:
                return price, None
        for price in offered:
            rate = self.all_rates.conversion(price.currency, currency)
            if rate is not None:
                return price, rate
        return None

    def of(self, article: Article) -> Money:
        """The price in the market's currency of an article ``usable`` kept."""
        money = self.price(article)
        assert money is not None, "only usable articles are priced"
        return money

    def price(self, article: Article) -> Money | None:
        """The price in the market's currency of ``article``, None if it has none."""
        known = self._prices.get(id(article))
        if known is not None and known[0] is article:
            return known[1]
        quoted = self.quoted(article)
        money: Money | None = None
        if quoted is not None:
            price, rate = quoted
            if rate is None:
                money = Money.of(price.amount, price.currency)
            else:
                amount = round_money(price.amount * rate, self.rates.minor_unit)
                money = Money.of(amount, self.rates.currency)
        self._prices[id(article)] = (article, money)
        return money

    @property
    def key(self) -> tuple[str, str, int]:
        """What an article's price in this pricing depends on, beside ``all_rates``."""
        return self.market, self.rates.currency, self.rates.minor_unit

    def unconverted(
        self,
        need: Need,
        kept: Sequence[ArticleOption],
        left: Sequence[Article],
        warnings: list[ReportWarning],
    ) -> None:
        """A warning for the fitting articles ``left`` out: no price in the market's currency."""
        if left:
            first = left[0]
            what = f"{need.category.name}{_where(need)}"
            then = "not used; priced with the next fitting article" if kept else "not priced"
            warnings.append(
                ReportWarning(
                    code="no_conversion",
                    part=need.category.name,
                    message=f"{what}: {len(left)} fitting article(s) priced only in "
                    f"{', '.join(sorted({a.price.currency for a in left}))} (first: "
                    f"{first.article_no} at {first.price.currency} {first.price.amount}) and the "
                    f"rates give no conversion into {self.rates.currency}: {then}. To use them, "
                    'give the exchange rate under "conversions" in your rates file',
                )
            )

    def converted(self, need: Need, article: Article) -> ReportWarning | None:
        """A warning when the chosen article's price is converted, naming the rate."""
        quoted = self.quoted(article)
        if quoted is None or quoted[1] is None:
            return None
        price, rate = quoted
        return ReportWarning(
            code="currency_converted",
            part=need.category.name,
            message=f"{need.category.name}{_where(need)}: article {article.article_no} "
            "is priced at "
            f"{price.currency} {price.amount}; converted to {self.of(article).currency} "
            f"{self.of(article).amount} at {rate} (the rates' conversions: an illustrative "
            "rate unless you gave yours)",
        )


def _ranked(fit: Sequence[ArticleOption], pricing: Pricing) -> list[ArticleOption]:
    """The options for the build, best first: OE, OES, aftermarket, then price."""
    return sorted(
        fit, key=lambda o: (QUALITY_RANK[o.article.quality], pricing.of(o.article).amount)
    )


@dataclass(frozen=True, slots=True)
class _Ranked:
    """What a part's options give one build in one currency, whoever asks."""

    fit: tuple[ArticleOption, ...]
    """The options that fit every variant of the build."""
    usable: tuple[ArticleOption, ...]
    """Those with a price in the market's currency, best first."""
    left: tuple[Article, ...]
    """Those without one (a warning names them)."""
    alternatives: tuple[Alternative, ...]
    """Every alternative to the best (a report keeps ``max_alternatives`` of them)."""


RANKED_KEPT = 8
"""Builds and currencies whose ranking a part's options keep."""


def _ranked_for(opts: PartOptions, build_ids: frozenset[str], pricing: Pricing) -> _Ranked:
    """The options of ``opts`` for the build, ranked and priced: kept on the options, which a
    vehicle's searches share while their lists are cached, so once per build and currency."""
    key = (build_ids, pricing.key)
    found = opts.ranked.get(key)
    if found is not None and found[0] is pricing.all_rates:
        ranked: _Ranked = found[1]
        return ranked
    fit = tuple(o for o in opts.options if build_ids <= set(o.fits_variants))
    usable = _ranked([o for o in fit if pricing.price(o.article) is not None], pricing)
    best = usable[0] if usable else None
    ranked = _Ranked(
        fit=fit,
        usable=tuple(usable),
        left=tuple(o.article for o in fit if pricing.price(o.article) is None),
        alternatives=tuple(_alternative(o, best, pricing) for o in _alternatives(best, usable[1:]))
        if best is not None
        else (),
    )
    if len(opts.ranked) >= RANKED_KEPT:
        opts.ranked.pop(next(iter(opts.ranked)))
    opts.ranked[key] = (pricing.all_rates, ranked)
    return ranked


def _bought(
    need: Need,
    opts: PartOptions,
    ranked: _Ranked,
    pricing: Pricing,
    choice: BuildChoice,
    max_alternatives: int,
    warnings: list[ReportWarning],
    market_word: str,
) -> ReportLine | None:
    """The parts line of a bought need, or None (and a warning saying why)."""
    if opts.errors:
        warnings.append(
            ReportWarning(
                code="catalog_unreadable",
                message=f"could not read every catalog list for {need.category.name}: "
                f"{opts.errors[0]}",
                part=need.category.name,
            )
        )
    if not ranked.fit:
        if opts.options:
            warnings.append(
                ReportWarning(
                    code="other_build_only",
                    message=_unfit(need, opts, choice),
                    part=need.category.name,
                )
            )
        elif not opts.errors:
            warnings.append(
                ReportWarning(
                    code="no_article",
                    message=f"no article in the catalog fits {need.category.name}{_where(need)} "
                    "on this vehicle",
                    part=need.category.name,
                )
            )
        return None
    pricing.unconverted(need, ranked.usable, ranked.left, warnings)
    if not ranked.usable:
        return None
    best = ranked.usable[0]
    converted = pricing.converted(need, best.article)
    if converted is not None:
        warnings.append(converted)
    line = _line(need, best, ranked.alternatives[:max_alternatives], pricing, market_word)
    chosen_side = line.position.side or best.article.position.side
    if need.position.side is None and chosen_side is not None:
        # The reading's confidence already counts the missing side; say which was priced.
        warnings.append(
            ReportWarning(
                code="side_assumed",
                message=f"{need.category.name}: no side given; priced the {chosen_side} one; "
                "say left or right (N/S, O/S) to be sure",
                part=need.category.name,
            )
        )
    return line


def _line(
    need: Need,
    best: ArticleOption,
    alternatives: tuple[Alternative, ...],
    pricing: Pricing,
    market_word: str,
) -> ReportLine:
    price = pricing.of(best.article)
    return ReportLine(
        component=need.component,
        reason=need.reason,
        category=named_category(need.category, market_word),
        position=need.position,
        article=_ref(best),
        price=price,
        quantity=need.quantity,
        line_total=Money.of(price.amount * need.quantity, price.currency),
        why=need.why,
        source=need.source,
        confidence=round(need.confidence, 3),
        fits_variants=best.fits_variants,
        alternatives=alternatives,
        severity=need.severity if need.reason == "damaged" else None,
    )


def _alternatives(best: ArticleOption, rest: Sequence[ArticleOption]) -> list[ArticleOption]:
    """The same part at the chosen article's position, one per brand and quality, in rank order.

    A need with no side admits left and right articles; its alternatives are
    the chosen side's only, never the other side's at a difference of 0.00.
    """
    where = best.article.position
    seen = {(best.article.brand, best.article.quality)}
    out: list[ArticleOption] = []
    for option in rest:
        a = option.article
        if (a.position.axle, a.position.side) != (where.axle, where.side):
            continue
        if (a.brand, a.quality) in seen:
            continue
        seen.add((a.brand, a.quality))
        out.append(option)
    return out


def _unfit(need: Need, opts: PartOptions, choice: BuildChoice) -> str:
    elsewhere = sorted({vid for o in opts.options for vid in o.fits_variants})
    return (
        f"no {need.category.name}{_where(need)} article fits the priced build "
        f"({', '.join(v.id for v in choice.variants)}); the catalog has one only for "
        f"{', '.join(elsewhere)}, and an article of another build is never used"
    )


def _line_order(ln: ReportLine) -> tuple[int, str, str, str]:
    pos = ln.position
    return (REASON_ORDER[ln.reason], ln.category.id, pos.axle or "", pos.side or "")


def _where(need: Need) -> str:
    return where_of(need.position)


def where_of(position: Position) -> str:
    bits = [b for b in (position.axle, position.side) if b]
    return f" ({' '.join(bits)})" if bits else ""


def named_category(category: CategoryRef, word: str | None) -> CategoryRef:
    """A category with the market's word for it: one shared object per (id, name, word)."""
    return _category_ref(category.id, category.name, word)


@functools.lru_cache(maxsize=4096)
def _category_ref(id_: str, name: str, word: str | None) -> CategoryRef:
    """Reports are frozen and a category holds no caller's word: one object serves them all
    (a copy per line and operation was 3% of a report's samples)."""
    return CategoryRef(id=id_, name=name, market_name=word)


def _ref(option: ArticleOption) -> ArticleRef:
    a = option.article
    return _article_ref(a.id, a.article_no, a.brand, a.name, a.quality)


@functools.lru_cache(maxsize=8192)
def _article_ref(id_: str, article_no: str, brand: str, name: str, quality: Quality) -> ArticleRef:
    """One frozen reference per catalog article, shared by every line and alternative of it.

    Built from a validated Article's own fields, so not validated again; the reports
    of all callers may share it, as it holds nothing but the catalog's words.
    """
    return ArticleRef.model_construct(
        id=id_, article_no=article_no, brand=brand, name=name, quality=quality
    )


def _alternative(option: ArticleOption, best: ArticleOption, pricing: Pricing) -> Alternative:
    price = pricing.of(option.article)
    chosen = pricing.of(best.article)
    # Every part is validated already (prices, the reference: models are taken as they are)
    # or a plain Decimal and bool. ``model_construct`` is no cheaper: in pydantic 2 it is
    # Python, and took twice the time of the validator on these few fields.
    return Alternative(
        article=_ref(option),
        price=price,
        price_difference=Money(amount=price.amount - chosen.amount, currency=price.currency),
        fits_all_variants=option.fits_all,
    )
