"""Routing rules: ordered, named conditions on an order that narrow its sources and adjust the plan policy
before the allocation strategy runs.

Warehouse groups, safety stock and daily caps concern our own warehouses; drop-ship suppliers are governed
only by `allow_dropship`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from models.allocation.rules import STRATEGIES, PlanPolicy, SourceOption
from models.core.texts import Text

__all__ = [
    "RouteAction",
    "RouteFilter",
    "RoutingContext",
    "RoutingOutcome",
    "RoutingRule",
    "apply_routing",
    "rules_from_document",
    "rules_to_document",
]

_SET_FIELDS = ("channels", "regions", "skus", "customers")


@dataclass(frozen=True)
class RouteFilter:
    """Every condition that is set must match; an empty set or None matches any order."""

    channels: frozenset[str] = frozenset()
    min_priority: int | None = None
    regions: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()  # matches when the order holds any of them
    customers: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in _SET_FIELDS:
            object.__setattr__(self, name, frozenset(getattr(self, name)))

    def matches(self, context: RoutingContext) -> bool:
        return ((not self.channels or context.channel in self.channels)
                and (self.min_priority is None or context.priority >= self.min_priority)
                and (not self.regions or context.region in self.regions)
                and (not self.skus or not self.skus.isdisjoint(context.skus))
                and (not self.customers or context.customer_code in self.customers))


@dataclass(frozen=True)
class RouteAction:
    warehouse_group: frozenset[str] = frozenset()  # only these warehouse codes; empty: no restriction
    safety_stock: int = 0  # units held back per product per warehouse
    daily_order_cap: Mapping[str, int] = field(default_factory=dict)  # warehouse code -> orders per day
    allow_split: bool | None = None  # None leaves the policy as it is
    allow_dropship: bool | None = None
    strategy: str | None = None
    backorder: bool = False  # backorder the order without allocating
    stop: bool = True  # evaluate no further rules once this one matched

    def __post_init__(self) -> None:
        object.__setattr__(self, "warehouse_group", frozenset(self.warehouse_group))
        object.__setattr__(self, "daily_order_cap", MappingProxyType(dict(self.daily_order_cap)))
        if self.strategy is not None and self.strategy not in STRATEGIES:
            raise ValueError(f"strategy {self.strategy!r} is unknown; use one of {', '.join(STRATEGIES)}")
        if self.safety_stock < 0 or any(cap < 0 for cap in self.daily_order_cap.values()):
            raise ValueError("safety_stock and daily caps must not be negative")


@dataclass(frozen=True)
class RoutingRule:
    name: str
    filter: RouteFilter
    action: RouteAction
    enabled: bool = True


@dataclass(frozen=True)
class RoutingContext:
    """What the rules may look at: the order's channel, priority, region, customer and SKUs."""

    channel: str
    priority: int
    region: str
    customer_code: str
    skus: frozenset[str]
    orders_today: Mapping[str, int] = field(default_factory=dict)  # warehouse code -> orders allocated today


@dataclass(frozen=True)
class RoutingOutcome:
    sources: tuple[SourceOption, ...]  # after restriction, safety stock and caps
    policy: PlanPolicy
    backorder: bool  # the caller must not allocate
    applied: tuple[str, ...]  # names of the rules that matched, in order
    notes: tuple[str, ...]
    notes_text: tuple[Text, ...] = ()  # the notes as their templates and values


def apply_routing(rules: Sequence[RoutingRule], context: RoutingContext, sources: Sequence[SourceOption],
                  policy: PlanPolicy) -> RoutingOutcome:
    """Apply the enabled rules in order; later matches combine with earlier ones until one says stop."""
    group: frozenset[str] | None = None
    safety, caps, backorder = 0, {}, False
    changes: dict[str, object] = {}
    applied, notes = [], []
    for rule in rules:
        if not rule.enabled or not rule.filter.matches(context):
            continue
        action = rule.action
        applied.append(rule.name)
        if action.warehouse_group:
            group = action.warehouse_group if group is None else group & action.warehouse_group
            notes.append(Text("rule %(rule)s restricted to %(warehouses)s", rule=repr(rule.name),
                              warehouses=", ".join(sorted(action.warehouse_group))))
        if action.safety_stock:
            safety = max(safety, action.safety_stock)
            notes.append(Text("rule %(rule)s holds back %(units)s units per product per warehouse",
                              rule=repr(rule.name), units=action.safety_stock))
        for code, cap in sorted(action.daily_order_cap.items()):
            caps[code] = min(cap, caps.get(code, cap))
            notes.append(Text("rule %(rule)s caps %(warehouse)s at %(cap)s orders a day", rule=repr(rule.name),
                              warehouse=code, cap=cap))
        for name in ("allow_split", "allow_dropship", "strategy"):
            value = getattr(action, name)
            if value is not None:
                changes[name] = value
                notes.append(Text("rule %(rule)s sets %(setting)s to %(value)s", rule=repr(rule.name), setting=name,
                                  value=str(value)))
        if action.backorder:
            backorder = True
            notes.append(Text("rule %(rule)s sends the order to backorder", rule=repr(rule.name)))
        if action.stop:
            break
    kept = []
    for source in sources:
        if not source.is_dropship:
            if group is not None and source.warehouse_code not in group:
                notes.append(Text("%(warehouse)s skipped: outside the warehouse group",
                                  warehouse=source.warehouse_code))
                continue
            cap = caps.get(source.warehouse_code)
            if cap is not None and context.orders_today.get(source.warehouse_code, 0) >= cap:
                notes.append(Text("%(warehouse)s skipped: daily cap %(cap)s reached", warehouse=source.warehouse_code,
                                  cap=cap))
                continue
            if safety:
                source = replace(source, available={pid: max(0, units - safety)
                                                    for pid, units in source.available.items()})
        kept.append(source)
    return RoutingOutcome(tuple(kept), replace(policy, **changes), backorder, tuple(applied),
                          tuple(str(note) for note in notes), tuple(notes))


def rules_to_document(rules: Iterable[RoutingRule]) -> list[dict]:
    """JSON-friendly form of the rules, in order; sets become sorted lists."""
    return [{
        "name": rule.name,
        "enabled": rule.enabled,
        "filter": {"channels": sorted(rule.filter.channels), "min_priority": rule.filter.min_priority,
                   "regions": sorted(rule.filter.regions), "skus": sorted(rule.filter.skus),
                   "customers": sorted(rule.filter.customers)},
        "action": {"warehouse_group": sorted(rule.action.warehouse_group), "safety_stock": rule.action.safety_stock,
                   "daily_order_cap": dict(sorted(rule.action.daily_order_cap.items())),
                   "allow_split": rule.action.allow_split, "allow_dropship": rule.action.allow_dropship,
                   "strategy": rule.action.strategy, "backorder": rule.action.backorder, "stop": rule.action.stop},
    } for rule in rules]


def rules_from_document(doc: list[dict]) -> list[RoutingRule]:
    """Rules from their JSON form; a ValueError names the rule index and key that is wrong."""
    if not isinstance(doc, list):
        raise ValueError("routing rules must be a list of rule objects")  # noqa: TRY004 - one error type for callers
    rules, names = [], set()
    for index, item in enumerate(doc):
        reader = _Reader(index)
        rule = reader.rule(item)
        if rule.name in names:
            raise ValueError(f"rule {index}: 'name' {rule.name!r} is used by an earlier rule")
        names.add(rule.name)
        rules.append(rule)
    return rules


class _Reader:
    """Checks one rule's JSON, naming the rule index and the key in every error."""

    def __init__(self, index: int) -> None:
        self.index = index

    def fail(self, key: str, message: str) -> ValueError:
        return ValueError(f"rule {self.index}: {key!r} {message}")

    def rule(self, item: object) -> RoutingRule:
        body = self.mapping("rule", item, ("name", "enabled", "filter", "action"))
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.fail("name", "must be a non-empty string")
        flt = self.mapping("filter", body.get("filter", {}), ("min_priority", *_SET_FIELDS))
        act = self.mapping("action", body.get("action", {}), (
            "warehouse_group", "safety_stock", "daily_order_cap", "allow_split", "allow_dropship", "strategy",
            "backorder", "stop"))
        route_filter = RouteFilter(min_priority=self.integer("filter.min_priority", flt.get("min_priority"),
                                                             optional=True, minimum=None),
                                   **{key: self.strings(f"filter.{key}", flt.get(key, [])) for key in _SET_FIELDS})
        strategy = act.get("strategy")
        if strategy is not None and strategy not in STRATEGIES:
            raise self.fail("action.strategy", f"must be one of {', '.join(STRATEGIES)} or null")
        caps = act.get("daily_order_cap", {})
        if not isinstance(caps, dict):
            raise self.fail("action.daily_order_cap", "must be an object of warehouse code to orders per day")
        action = RouteAction(
            warehouse_group=self.strings("action.warehouse_group", act.get("warehouse_group", [])),
            safety_stock=self.integer("action.safety_stock", act.get("safety_stock", 0)),
            daily_order_cap={str(code): self.integer(f"action.daily_order_cap.{code}", cap)
                             for code, cap in caps.items()},
            allow_split=self.boolean("action.allow_split", act.get("allow_split"), optional=True),
            allow_dropship=self.boolean("action.allow_dropship", act.get("allow_dropship"), optional=True),
            strategy=strategy,
            backorder=self.boolean("action.backorder", act.get("backorder", False)),
            stop=self.boolean("action.stop", act.get("stop", True)),
        )
        return RoutingRule(name, route_filter, action, self.boolean("enabled", body.get("enabled", True)))

    def mapping(self, key: str, value: object, allowed: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, "must be an object")
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            prefix = "" if key == "rule" else f"{key}."
            raise self.fail(prefix + unknown[0], f"is not a known key; use {', '.join(allowed)}")
        return value

    def strings(self, key: str, value: object) -> frozenset[str]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, "must be a list of strings")
        return frozenset(value)

    def integer(self, key: str, value: object, *, optional: bool = False, minimum: int | None = 0) -> int | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
            raise self.fail(key, "must be a whole number" + ("" if minimum is None else f" of {minimum} or more"))
        return value

    def boolean(self, key: str, value: object, *, optional: bool = False) -> bool | None:
        if value is None and optional:
            return None
        if not isinstance(value, bool):
            raise self.fail(key, "must be true or false" + (" or null" if optional else ""))
        return value
