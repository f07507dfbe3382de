"""Allocation planning: pure functions from demand and candidate sources to a plan with its explanation."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Mapping, Sequence


@dataclass(frozen=True)
class LineDemand:
    line_id: int
    product_id: int
    quantity: int


@dataclass(frozen=True)
class SourceOption:
    """A warehouse that ships to the order's region, with what it has free per product."""

    warehouse_id: int
    warehouse_code: str
    cost: Decimal
    lead_time_days: int
    available: Mapping[int, int] = field(default_factory=dict)  # product_id -> units free


@dataclass(frozen=True)
class Pick:
    line_id: int
    product_id: int
    warehouse_id: int
    quantity: int


@dataclass(frozen=True)
class AllocationPlan:
    picks: tuple[Pick, ...]
    explanation: str

    @property
    def complete(self) -> bool:
        return bool(self.picks)


def source_order(sources: Sequence[SourceOption]) -> list[SourceOption]:
    """The fixed preference order: cheapest lane, then fastest, then warehouse code."""
    return sorted(sources, key=lambda s: (s.cost, s.lead_time_days, s.warehouse_code))


def plan_first_fit(lines: Sequence[LineDemand], sources: Sequence[SourceOption]) -> AllocationPlan:
    """Ship the whole order from the first warehouse (in preference order) that can fill every line."""
    if not sources:
        return AllocationPlan((), "no warehouse ships to this region")
    demand: dict[int, int] = {}
    for line in lines:  # two lines of one product draw on the same free stock
        demand[line.product_id] = demand.get(line.product_id, 0) + line.quantity
    considered = []
    for source in source_order(sources):
        short = [pid for pid, quantity in demand.items() if source.available.get(pid, 0) < quantity]
        if not short:
            picks = tuple(Pick(line.line_id, line.product_id, source.warehouse_id, line.quantity) for line in lines)
            considered.append(f"{source.warehouse_code}: fills all lines (lane cost {source.cost}, "
                              f"{source.lead_time_days} d)")
            return AllocationPlan(picks, "; ".join(considered))
        considered.append(f"{source.warehouse_code}: short on {len(short)} product(s)")
    return AllocationPlan((), "no single warehouse can fill the order: " + "; ".join(considered))
