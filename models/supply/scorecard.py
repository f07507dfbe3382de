"""The supplier scorecard: per supplier, how it delivers (on time, in full, undamaged, how long it takes and
promises to take, how fast it answers a purchase order) and how its goods fare with customers (units shipped,
returned and found defective). Read only; a fixed number of grouped queries whatever the number of suppliers
(see scorecard_queries).

Definitions (rates are fractions of 1 to four places; None where there is nothing to measure):
- due date of a purchase-order line: its promised date, else the purchase order's expected_at.
- on_time_rate, by units: units received (good and damaged) on or before their line's due date ÷ units
  received on lines with a due date. Units weigh in, not lines, so one late carton of a large line counts
  for what it is; late_lines counts the lines.
- fill_rate: good units received (at most the ordered quantity per line) ÷ units ordered, on stock lines
  whose order is received or closed, or open past its due date; a line counts in its due month.
- defect_rate: (units received damaged + units returned defective) ÷ (units received + units shipped to
  customers); defective_rate (returns only) = units returned defective ÷ units shipped.
- promised_lead_days: promised date − day sent; actual_lead_days: first receipt − day sent; averages over
  stock lines.
- confirmation_hours: median hours from sending to the supplier's first answer, stock and drop-ship orders.
- late_lines: stock lines with a receipt after their due date, or still short on an open order past it.
The window ``since`` applies to receipts by when they were counted in, fill and late lines by due date, lead
and confirmation by when the order was sent, shipments by creation and returns by inspection. A drop-ship
order is delivered to the customer, not received: it counts in confirmation speed and the order counts only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from models.core.base import utc_now
from models.core.errors import NotFound
from models.partners.tables import Partner
from models.supply import scorecard_queries as queries
from models.supply.scorecard_queries import (
    DefectiveSku,
    Deliveries,
    Fill,
    PurchaseCounts,
)
from models.supply.scorecard_rules import (
    DEFAULT_RANKING,
    HIGHER_IS_WORSE,
    mean,
    median,
    rank,
    rate,
)

TOP_SKUS = 5


@dataclass(frozen=True)
class SupplierScore:
    supplier_id: int
    code: str
    name: str
    units_shipped: int
    units_returned: int
    units_defective: int
    defective_rate: Decimal | None  # defective / shipped; None when nothing shipped
    top_defective: tuple[DefectiveSku, ...]
    on_time_rate: Decimal | None = None
    fill_rate: Decimal | None = None
    defect_rate: Decimal | None = None
    promised_lead_days: Decimal | None = None
    actual_lead_days: Decimal | None = None
    confirmation_hours: Decimal | None = None
    purchase_orders: int = 0
    open_purchase_orders: int = 0
    late_lines: int = 0
    units_ordered: int = 0  # the fill rate's base
    units_filled: int = 0
    units_received: int = 0  # good units counted in at receipts
    units_damaged: int = 0
    units_short: int = 0  # announced on an ASN, missing at the receipt
    units_on_time: int = 0
    units_dated: int = 0  # the on-time rate's base


def supplier_scorecards(*, since: datetime | None = None, supplier_id: int | None = None,
                        now: datetime | None = None) -> list[SupplierScore]:
    """Every supplier's score (or only ``supplier_id``'s), by name. ``since`` (naive UTC) starts the window,
    None counts everything; ``now`` (default: the current time) decides which open lines are overdue."""
    suppliers = Partner.select(Partner.id, Partner.code, Partner.name).where(Partner.kind == "supplier")
    if supplier_id is not None:
        suppliers = suppliers.where(Partner.id == supplier_id)
    suppliers = list(suppliers.order_by(Partner.name, Partner.code))
    if not suppliers:
        return []
    today = (now or utc_now()).date()
    measured = _Measured.load(since, today, supplier_id)
    return [measured.score(supplier) for supplier in suppliers]


def supplier_scorecard(code: str, *, since: datetime | None = None, now: datetime | None = None,
                       visible_to: int | None = None) -> SupplierScore:
    """The score of the supplier with ``code``. NotFound when there is none, or when ``visible_to`` (a
    supplier's own partner id) is given and the code is another supplier's: it learns nothing of others."""
    supplier_id = (Partner.select(Partner.id)
                   .where(Partner.code == code, Partner.kind == "supplier").scalar())
    if supplier_id is None or (visible_to is not None and supplier_id != visible_to):
        raise NotFound(f"no supplier {code!r}")
    [score] = supplier_scorecards(since=since, supplier_id=supplier_id, now=now)
    return score


def rank_scorecards(scores: list[SupplierScore], *, by: str = DEFAULT_RANKING,
                    worst_first: bool = True) -> list[SupplierScore]:
    """``scores`` ordered by the measure ``by`` (one of scorecard_rules.HIGHER_IS_WORSE), the worst first by
    default; suppliers without a value for it last, then by code."""
    if by not in HIGHER_IS_WORSE:
        raise ValueError(f"cannot rank by {by!r}; choose one of {', '.join(HIGHER_IS_WORSE)}")
    by_code = sorted(scores, key=lambda score: score.code)
    return rank(by_code, lambda score: getattr(score, by), higher_is_worse=HIGHER_IS_WORSE[by],
                worst_first=worst_first)


@dataclass(frozen=True)
class _Measured:
    """Every query's answer, per supplier id."""

    shipped: dict[int, int]
    returned: dict[int, int]
    defects: dict[int, list[DefectiveSku]]
    deliveries: dict[int, Deliveries]
    fill: dict[int, Fill]
    late_lines: dict[int, int]
    counts: dict[int, PurchaseCounts]
    lead_days: dict[int, tuple[list[int], list[int]]]
    confirmation_hours: dict[int, list[Decimal]]

    @classmethod
    def load(cls, since: datetime | None, today: date, supplier_id: int | None) -> _Measured:
        return cls(shipped=queries.units_shipped(since, supplier_id),
                   returned=queries.units_returned(since, supplier_id),
                   defects=queries.defective_skus(since, supplier_id),
                   deliveries=queries.deliveries(since, supplier_id),
                   fill=queries.fill(since, today, supplier_id),
                   late_lines=queries.late_lines(since, today, supplier_id),
                   counts=queries.purchase_counts(since, supplier_id),
                   lead_days=queries.lead_days(since, supplier_id),
                   confirmation_hours=queries.confirmation_hours(since, supplier_id))

    def score(self, supplier: Partner) -> SupplierScore:
        key = supplier.id
        skus = self.defects.get(key, [])
        defective = sum(sku.units for sku in skus)
        shipped = self.shipped.get(key, 0)
        delivered = self.deliveries.get(key, Deliveries())
        filled = self.fill.get(key, Fill())
        counts = self.counts.get(key, PurchaseCounts())
        promised, actual = self.lead_days.get(key, ([], []))
        received_all = delivered.units_received + delivered.units_damaged
        return SupplierScore(
            supplier_id=key, code=supplier.code, name=supplier.name, units_shipped=shipped,
            units_returned=self.returned.get(key, 0), units_defective=defective,
            defective_rate=rate(defective, shipped), top_defective=tuple(skus[:TOP_SKUS]),
            on_time_rate=rate(delivered.units_on_time, delivered.units_dated),
            fill_rate=rate(filled.units_filled, filled.units_ordered),
            defect_rate=rate(delivered.units_damaged + defective, received_all + shipped),
            promised_lead_days=mean(promised), actual_lead_days=mean(actual),
            confirmation_hours=median(self.confirmation_hours.get(key, [])),
            purchase_orders=counts.purchase_orders, open_purchase_orders=counts.open_purchase_orders,
            late_lines=self.late_lines.get(key, 0), units_ordered=filled.units_ordered,
            units_filled=filled.units_filled, units_received=delivered.units_received,
            units_damaged=delivered.units_damaged, units_short=delivered.units_short,
            units_on_time=delivered.units_on_time, units_dated=delivered.units_dated)
