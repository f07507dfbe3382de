"""What allocation planning starts from: each line's demand, the candidate sources and the policy. Pure."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

STRATEGIES = ("cheapest", "fastest", "balanced")
PARTIALS = ("ship_available", "ship_complete")


@dataclass(frozen=True)
class LineDemand:
    line_id: int
    product_id: int
    quantity: int
    sku: str = ""


@dataclass(frozen=True)
class SourceOption:
    """A warehouse (or a drop-ship supplier) that serves the order's region, with what it can send per product."""

    warehouse_id: int | None  # None for a drop-ship supplier
    warehouse_code: str  # the supplier's code for drop-ship
    cost: Decimal  # one shipment from here to the region
    lead_time_days: int
    available: Mapping[int, int] = field(default_factory=dict)  # product_id -> units free (or suppliable)
    supplier_id: int | None = None

    def __post_init__(self) -> None:
        if (self.warehouse_id is None) == (self.supplier_id is None):
            raise ValueError(f"source {self.warehouse_code!r}: set warehouse_id for a warehouse or supplier_id "
                             "for a drop-ship supplier, exactly one of them")
        if self.cost < 0 or self.lead_time_days < 0:
            raise ValueError(f"source {self.warehouse_code!r}: cost and lead_time_days must not be negative")

    @property
    def is_dropship(self) -> bool:
        return self.warehouse_id is None

    @property
    def label(self) -> str:
        return f"{self.warehouse_code} (drop-ship)" if self.is_dropship else self.warehouse_code


@dataclass(frozen=True)
class PlanPolicy:
    """How to choose among plans; balanced scores cost_weight*cost + days_weight*days + split_penalty per extra
    shipment, while cheapest and fastest prefer fewer shipments whenever their own measure ties."""

    strategy: str = "cheapest"
    cost_weight: Decimal = Decimal(1)
    days_weight: Decimal = Decimal(5)  # money per delivery day
    split_penalty: Decimal = Decimal(0)
    allow_split: bool = True
    allow_dropship: bool = True
    partial: str = "ship_available"  # or "ship_complete": all or nothing
    exact_search_limit: int = 8  # exact search up to this many candidate sources, greedy beyond

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy {self.strategy!r} is unknown; use one of {', '.join(STRATEGIES)}")
        if self.partial not in PARTIALS:
            raise ValueError(f"partial {self.partial!r} is unknown; use one of {', '.join(PARTIALS)}")
        if min(self.cost_weight, self.days_weight, self.split_penalty) < 0:
            raise ValueError("cost_weight, days_weight and split_penalty must not be negative")
        if self.exact_search_limit < 0:
            raise ValueError("exact_search_limit must be 0 or more (0 always searches greedily)")
