"""Allocation planning: pure rules from an order's demand and its candidate sources to a plan and its explanation.

Without splitting (`allow_split=False`) the whole order ships as one shipment from a single source; with it, lines
may be spread over several sources and a line itself may be split when no one source can send it whole.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from models.allocation.plan_inputs import (
    PARTIALS,
    STRATEGIES,
    LineDemand,
    PlanPolicy,
    SourceOption,
)
from models.allocation.search import (
    RANK_LABELS,
    Fill,
    fill_from,
    preference_key,
    search,
    source_identity,
)

__all__ = [
    "NO_SOURCES",
    "PARTIALS",
    "STRATEGIES",
    "AllocationPlan",
    "LineDemand",
    "Pick",
    "PlanCandidate",
    "PlanPolicy",
    "SourceOption",
    "plan_allocation",
    "plan_first_fit",
    "source_order",
]

NO_SOURCES = "no warehouse or drop-ship supplier serves this region"


@dataclass(frozen=True)
class Pick:
    line_id: int
    product_id: int
    warehouse_id: int | None
    quantity: int
    supplier_id: int | None = None
    source_code: str = ""


@dataclass(frozen=True)
class PlanCandidate:
    """A plan as compared: its sources, total cost, slowest delivery, shipments and the strategy's measure."""

    sources: tuple[str, ...]
    cost: Decimal
    eta_days: int
    shipments: int
    score: Decimal

    def describe(self, strategy: str) -> str:
        text = (f"{' + '.join(self.sources)}, {_count(self.shipments, 'shipment')}, cost {self.cost}, "
                f"ETA {self.eta_days} d")
        return text + (f", score {self.score}" if strategy == "balanced" else "")


@dataclass(frozen=True)
class AllocationPlan:
    picks: tuple[Pick, ...]
    explanation: str
    shortfall: Mapping[int, int] = field(default_factory=dict)  # line_id -> units not planned (backorder)
    chosen: PlanCandidate | None = None
    runner_up: PlanCandidate | None = None
    considered: tuple[str, ...] = ()  # one line per source

    @property
    def complete(self) -> bool:
        """Every line fully planned; an order with nothing to pick is not complete."""
        return bool(self.picks) and not any(self.shortfall.values())

    @property
    def empty(self) -> bool:
        return not self.picks

    def as_document(self) -> dict:
        """JSON-friendly form to store with the order; Decimals as strings, line ids as string keys."""
        def candidate(c: PlanCandidate | None) -> dict | None:
            return None if c is None else {"sources": list(c.sources), "cost": str(c.cost), "eta_days": c.eta_days,
                                           "shipments": c.shipments, "score": str(c.score)}
        return {
            "picks": [{"line_id": p.line_id, "product_id": p.product_id, "warehouse_id": p.warehouse_id,
                       "supplier_id": p.supplier_id, "source_code": p.source_code, "quantity": p.quantity}
                      for p in self.picks],
            "explanation": self.explanation,
            "shortfall": {str(line_id): units for line_id, units in self.shortfall.items()},
            "complete": self.complete,
            "chosen": candidate(self.chosen),
            "runner_up": candidate(self.runner_up),
            "considered": list(self.considered),
        }


def plan_allocation(lines: Sequence[LineDemand], sources: Sequence[SourceOption],
                    policy: PlanPolicy = PlanPolicy()) -> AllocationPlan:
    """The best plan for the lines under the policy, with the runner-up and every shortfall explained."""
    _check(lines, sources)
    full = {line.line_id: line.quantity for line in lines if line.quantity > 0}
    key = preference_key(policy)
    considered = tuple(_source_note(source, lines, policy) for source in sorted(sources, key=key))
    usable = sorted((s for s in sources if policy.allow_dropship or not s.is_dropship), key=key)
    if not usable:
        return AllocationPlan((), NO_SOURCES, full, considered=considered)
    total = sum(full.values())
    candidates = [s for s in usable if any(s.available.get(line.product_id, 0) > 0 for line in lines)]
    fills, exact = search(lines, candidates, policy) if total else ([], True)
    opening = (f"Strategy {policy.strategy} over {_count(len(usable), 'source')} ({_count(len(fills), 'plan')} "
               f"compared, {'exact' if exact else 'greedy'} search).")
    if not total:
        return AllocationPlan((), f"{opening} Nothing to allocate.", considered=considered)
    if not fills:
        return AllocationPlan((), f"{opening} No source has stock for any line; all lines backordered.",
                              full, considered=considered)
    best = fills[0]
    if best.covered < total and policy.partial == "ship_complete":
        text = (f"{opening} Ship complete: no plan fills every line; the best, "
                f"{_candidate(best).describe(policy.strategy)}, covers {best.covered} of {total} units. "
                "Nothing planned; all lines backordered.")
        return AllocationPlan((), text, full, considered=considered)
    picks = tuple(Pick(lines[index].line_id, lines[index].product_id, source.warehouse_id, units,
                       source.supplier_id, source.warehouse_code) for index, source, units in best.allotments)
    shortfall = _shortfall(lines, picks)
    chosen = _candidate(best)
    runner_up = _candidate(fills[1]) if len(fills) > 1 else None
    text = [opening, f"Chosen: {chosen.describe(policy.strategy)}."]
    if runner_up is not None:
        text.append(f"Runner-up: {runner_up.describe(policy.strategy)}; lost on {_lost_on(policy, best, fills[1])}.")
    else:
        text.append("No other plan was possible.")
    if shortfall:
        text.append("Backordered: " + ", ".join(f"line {line_id} short {units} of {full[line_id]}"
                                                for line_id, units in shortfall.items()) + ".")
    return AllocationPlan(picks, " ".join(text), shortfall, chosen, runner_up, considered)


def source_order(sources: Sequence[SourceOption]) -> list[SourceOption]:
    """The cheapest strategy's preference order: cheapest lane, then fastest, then code."""
    return sorted(sources, key=preference_key(PlanPolicy()))


FIRST_FIT = PlanPolicy(strategy="cheapest", allow_split=False, allow_dropship=False, partial="ship_complete")


def plan_first_fit(lines: Sequence[LineDemand], sources: Sequence[SourceOption]) -> AllocationPlan:
    """The whole order from the cheapest warehouse that fills it, worded as orders allocated so far record it."""
    plan = plan_allocation(lines, sources, FIRST_FIT)
    return replace(plan, explanation=_first_fit_explanation(lines, sources))


def _first_fit_explanation(lines: Sequence[LineDemand], sources: Sequence[SourceOption]) -> str:
    warehouses = [source for source in sources if not source.is_dropship]
    if not warehouses:
        return "no warehouse ships to this region"
    demand: dict[int, int] = {}
    for line in lines:
        demand[line.product_id] = demand.get(line.product_id, 0) + line.quantity
    notes = []
    for source in source_order(warehouses):
        short = sum(1 for pid, units in demand.items() if source.available.get(pid, 0) < units)
        if not short:
            notes.append(f"{source.warehouse_code}: fills all lines (lane cost {source.cost}, "
                         f"{source.lead_time_days} d)")
            return "; ".join(notes)
        notes.append(f"{source.warehouse_code}: short on {short} product(s)")
    return "no single warehouse can fill the order: " + "; ".join(notes)


def _check(lines: Sequence[LineDemand], sources: Sequence[SourceOption]) -> None:
    if any(line.quantity < 0 for line in lines):
        raise ValueError("line quantities must not be negative")
    if len({line.line_id for line in lines}) != len(lines):
        raise ValueError("line ids must be unique within an order")
    if len({source_identity(source) for source in sources}) != len(sources):
        raise ValueError("each warehouse or supplier code may appear once among the sources")


def _source_note(source: SourceOption, lines: Sequence[LineDemand], policy: PlanPolicy) -> str:
    """One line per source for the order page: its lane and how many lines it could fill alone."""
    kind = "drop-ship" if source.is_dropship else "lane"
    head = f"{source.warehouse_code}: {kind} {source.cost}, {source.lead_time_days} d"
    if source.is_dropship and not policy.allow_dropship:
        return f"{head}, not used: drop-ship is off"
    alone = fill_from(lines, (source,), policy)
    filled = {index for index, _, _ in alone.allotments}
    whole = sum(1 for index, line in enumerate(lines)
                if index in filled and sum(u for i, _, u in alone.allotments if i == index) == line.quantity)
    return f"{head}, fills {whole}/{len(lines)} lines"


def _shortfall(lines: Sequence[LineDemand], picks: Sequence[Pick]) -> dict[int, int]:
    planned: dict[int, int] = {}
    for pick in picks:
        planned[pick.line_id] = planned.get(pick.line_id, 0) + pick.quantity
    return {line.line_id: line.quantity - planned.get(line.line_id, 0)
            for line in lines if line.quantity > planned.get(line.line_id, 0)}


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _candidate(fill: Fill) -> PlanCandidate:
    return PlanCandidate(tuple(source.label for source in fill.sources), fill.cost, fill.eta_days,
                         len(fill.sources), fill.score)


def _lost_on(policy: PlanPolicy, best: Fill, other: Fill) -> str:
    """Name the first ranking measure on which the runner-up fell behind."""
    for label, mine, theirs in zip(RANK_LABELS[policy.strategy], best.rank, other.rank, strict=True):
        if mine != theirs:
            if label == "units covered":
                return f"units covered ({-theirs} vs {-mine})"
            if label == "source code order":
                return label
            return f"{label} ({theirs} vs {mine})"
    return "source code order"
