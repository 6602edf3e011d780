"""analyze_damage_propagation: the parts a repair needs beyond the ones the user named.

A smashed front bumper cover usually means a bent reinforcement and a crushed
absorber behind it; any painted panel needs primer, paint and clear coat. These
rules are data (``propagation_rules.json``, shipped in the package) so a body
shop can read and change them without touching code; they are validated with
pydantic once, at first use.

Secondary parts inherit the damaged part's side when they are sided (a damaged
N/S wing brings the N/S wing liner) and take their own axle from the taxonomy.
The same secondary part triggered twice is added once, with the larger
quantity and the first reason; consumables are added once per report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .._datafile import DataFile, load_data
from .._exceptions import InputError
from .._models import NOWHERE, Position, Severity
from .._reading.components import ComponentMatch
from .names import names_of, spec_of

__all__ = [
    "Addition",
    "DamageItem",
    "MappedDamage",
    "Rule",
    "RuleAddition",
    "RuleSet",
    "analyze_damage_propagation",
    "load_rules",
    "rules_adding",
]

_RANK = {Severity.MINOR: 0, Severity.MODERATE: 1, Severity.SEVERE: 2}
_RULES_FILE = "propagation_rules.json"


class RuleAddition(DataFile):
    """One part a rule adds: a catalog category name, how many, and why."""

    category: Annotated[str, Field(min_length=1)]
    quantity: Annotated[int, Field(ge=1, le=100)] = 1
    reason: Literal["secondary", "consumable"]
    why: Annotated[str, Field(min_length=1)]
    both_sides_if_unknown: bool = False
    """For a sided part: add left and right when the damaged part's side is not known."""


class Rule(DataFile):
    """When a category in ``when`` is damaged at ``min_severity`` or worse, add ``add``."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,64}$")]
    when: Annotated[tuple[str, ...], Field(min_length=1)]
    min_severity: Severity
    add: Annotated[tuple[RuleAddition, ...], Field(min_length=1)]
    firm_from: Severity | None = None
    """Below this severity of the damaged part, its secondary parts are only possible: the
    estimate does not buy them and asks to confirm them at teardown (None: always firm)."""
    firm_when_said: bool = False
    """Firm only when the damaged part's words give grounds for the parts behind it (the
    evidence file's ``reach_behind_words``, a severity said, not only "replace" or a light
    impact); otherwise possible, as below ``firm_from``."""

    def applies(self, severity: Severity) -> bool:
        """True when a part damaged at ``severity`` brings this rule's parts."""
        return _RANK[severity] >= _RANK[self.min_severity]

    def firm(self, severity: Severity) -> bool:
        """True when a part damaged at ``severity`` makes this rule's parts firm lines."""
        return self.firm_from is None or _RANK[severity] >= _RANK[self.firm_from]


class RuleSet(DataFile):
    """The whole rule file."""

    format: Literal["partsagent-propagation-rules/1"]
    description: str = ""
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(dupes)}")
        return self

    def targets(self) -> tuple[str, ...]:
        """Every category name the rules add, in file order, once each."""
        return tuple(dict.fromkeys(a.category for r in self.rules for a in r.add))


class MappedDamage(BaseModel):
    """One damaged component after map_component: the catalog category, where, how bad."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    component: Annotated[str, Field(min_length=1)]
    category_name: Annotated[str, Field(min_length=1)]
    position: Position = NOWHERE
    severity: Severity = Severity.MODERATE

    @classmethod
    def from_match(cls, match: ComponentMatch, severity: Severity | str) -> MappedDamage | None:
        """The damage of a ComponentMatch, or None when it matched no category."""
        if match.category is None:
            return None
        return cls(
            component=match.component,
            category_name=match.category.name,
            position=match.position,
            severity=Severity(severity),
        )


class Addition(BaseModel):
    """A part to add to the report because of a damaged one."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    category_name: str
    """The catalog category name to look up (e.g. "Front Bumper Reinforcement")."""
    position: Position = NOWHERE
    quantity: int
    reason: Literal["secondary", "consumable"]
    why: str
    triggered_by: str
    """The user's component that brought this part in."""
    rule: str
    """The id of the rule in propagation_rules.json."""


DamageItem = MappedDamage | Mapping[str, object] | tuple[ComponentMatch, Severity | str]
"""What analyze_damage_propagation accepts per damaged component."""


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The secondary-part rules: the packaged ones, or a rule file of your own at ``path``."""
    return load_data(RuleSet, _RULES_FILE, path)


_BY_NAME: dict[int, tuple[RuleSet, dict[str, tuple[Rule, ...]]]] = {}


def _rules_by_name(rules: RuleSet) -> dict[str, tuple[Rule, ...]]:
    """Rules by damaged-category name, built once per rule set (keyed by identity: hashing
    a whole rule set on every report would cost more than the lookup saves)."""
    cached = _BY_NAME.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    by_name: dict[str, list[Rule]] = {}
    for rule in rules.rules:
        for name in rule.when:
            for n in names_of(name):
                bucket = by_name.setdefault(n, [])
                if all(r is not rule for r in bucket):
                    bucket.append(rule)
    index = {k: tuple(v) for k, v in by_name.items()}
    if len(_BY_NAME) >= 16:
        _BY_NAME.clear()
    _BY_NAME[id(rules)] = (rules, index)
    return index


def rules_adding(category: str, rules: RuleSet | None = None) -> tuple[Rule, ...]:
    """The rules that add a secondary part of ``category`` (any of its names)."""
    names = names_of(category)
    ruleset = rules if rules is not None else load_rules()
    return tuple(
        r
        for r in ruleset.rules
        if any(a.reason == "secondary" and a.category.casefold() in names for a in r.add)
    )


def _as_damage(item: DamageItem) -> MappedDamage | None:
    if isinstance(item, MappedDamage):
        return item
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], ComponentMatch):
        try:
            return MappedDamage.from_match(item[0], item[1])
        except ValueError as exc:
            raise InputError(
                f"invalid severity {item[1]!r}: use minor, moderate or severe"
            ) from exc
    if isinstance(item, Mapping):
        try:
            return MappedDamage.model_validate(dict(item))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise InputError(
                f"invalid damaged component {dict(item)!r}: {problems}; give component, "
                "category_name, position and severity"
            ) from exc
    raise InputError(
        f"a damaged component is a MappedDamage, a mapping or (ComponentMatch, severity); "
        f"got {type(item).__name__}"
    )


def _positions(add: RuleAddition, damage: MappedDamage) -> list[Position]:
    spec = spec_of(add.category)
    if spec is None:
        # Unknown to the taxonomy: the damaged part's position is the best guess.
        return [damage.position]
    if spec.consumable:
        return [Position()]
    axle = spec.axle
    if not spec.sided:
        return [Position(axle=axle)]
    if damage.position.side is not None:
        return [Position(axle=axle, side=damage.position.side)]
    if add.both_sides_if_unknown:
        return [Position(axle=axle, side="left"), Position(axle=axle, side="right")]
    return [Position(axle=axle)]


async def analyze_damage_propagation(
    damage: Sequence[DamageItem], *, rules: RuleSet | None = None
) -> list[Addition]:
    """The secondary parts and consumables that ``damage`` implies, deduplicated, in stable order.

    Each item is a MappedDamage, a mapping with the same fields (for JSON tool
    calls), or a ``(ComponentMatch, severity)`` pair; matches with no category
    are skipped. Secondary parts come first, in the order their damage was
    listed, then consumables; a part the user already reported is not added.
    """
    if isinstance(damage, (str, bytes)) or not isinstance(damage, Sequence):
        raise InputError("damage must be a list of damaged components")
    ruleset = rules if rules is not None else load_rules()
    by_name = _rules_by_name(ruleset)
    items = [d for d in (_as_damage(x) for x in damage) if d is not None]
    reported = {(d.category_name.casefold(), d.position.axle, d.position.side) for d in items}
    reported_names = {d.category_name.casefold() for d in items}
    secondary: dict[tuple[str, str | None, str | None], Addition] = {}
    consumable: dict[str, Addition] = {}
    for d in items:
        for rule in by_name.get(d.category_name.casefold(), ()):
            if _RANK[d.severity] < _RANK[rule.min_severity]:
                continue
            for add in rule.add:
                if add.reason == "consumable":
                    key_c = add.category.casefold()
                    if key_c in reported_names:
                        continue
                    old = consumable.get(key_c)
                    if old is None:
                        consumable[key_c] = _addition(add, Position(), d, rule)
                    elif add.quantity > old.quantity:
                        consumable[key_c] = old.model_copy(update={"quantity": add.quantity})
                    continue
                for pos in _positions(add, d):
                    key = (add.category.casefold(), pos.axle, pos.side)
                    if (
                        key in reported
                        or (
                            add.category.casefold(),
                            pos.axle,
                            None,
                        )
                        in reported
                    ):
                        continue
                    old = secondary.get(key)
                    if old is None:
                        secondary[key] = _addition(add, pos, d, rule)
                    elif add.quantity > old.quantity:
                        secondary[key] = old.model_copy(update={"quantity": add.quantity})
    return [*secondary.values(), *consumable.values()]


def _addition(add: RuleAddition, position: Position, damage: MappedDamage, rule: Rule) -> Addition:
    return Addition(
        category_name=add.category,
        position=position,
        quantity=add.quantity,
        reason=add.reason,
        why=add.why,
        triggered_by=damage.component,
        rule=rule.id,
    )
