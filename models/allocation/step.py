"""The allocation step: plan where each approved (or backordered) order of a batch ships from under the allocation
rules in force, then reserve the plans' stock and create their shipments for the whole batch in one transaction,
with a fixed number of statements. Drop-ship lines become purchase orders to their supplier, and what cannot ship
yet a linked backorder order when the policy ships what is available: those rarer paths run per order, in the same
transaction."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from models.allocation.batch_inputs import BatchInputs, load_batch, uses_caps
from models.allocation.routing import RoutingContext, apply_routing
from models.allocation.rules import (
    AllocationPlan,
    LineDemand,
    SourceOption,
    plan_allocation,
)
from models.allocation.unstocked import order_dropship, split_backorder
from models.core.base import utc_now
from models.core.bulk import (
    BatchResult,
    Move,
    quote,
    transition_many,
    update_from_values,
)
from models.core.bulk_insert import insert_values
from models.core.db import database
from models.core.errors import InvariantViolated, StockMoved
from models.core.texts import Text
from models.inventory.alerts import evaluate_alerts
from models.inventory.stock_locks import lock_stock_rows
from models.inventory.tables import Stock
from models.orders.allocation_plans import keep_plans
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_BACKORDERED,
    ORDER_REVIEWING,
)
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.shipping.creation import (
    HeldUnits,
    draft_shipments,
    insert_shipments,
    nudge_waybills,
)

logger = logging.getLogger(__name__)
# A supplier shipping straight to the customer costs more than our own lanes and is used when they cannot serve.
DROPSHIP_SHIPMENT_COST = Decimal("25.00")
DROPSHIP_DEFAULT_DAYS = 7
DROPSHIP_CONFIRM_WITHIN = timedelta(hours=24)
UNLIMITED = 10**9


@dataclass(frozen=True)
class _Planned:
    """One order of the batch with the plan made for it (None when a routing rule sends it to backorder)."""

    order: Order
    lines: list[OrderLine]
    plan: AllocationPlan | None
    notes: tuple[str, ...]
    notes_text: tuple[Text, ...] = ()

    @property
    def allocates(self) -> bool:
        return self.plan is not None and not self.plan.empty

    @property
    def reason(self) -> str:
        return ("; ".join(self.notes) if self.plan is None else self.plan.explanation)[:2000]

    def document(self, version: int, planned_at: str) -> dict:
        return {"rule_set_version": version, "routing": list(self.notes), "planned_at": planned_at,
                "plan": self.plan.as_document() if self.plan is not None else None,
                "routing_text": self.notes_text}


def allocate(order_id: int, *, actor: str, attempts: int = 3,
             dropship_confirm_within: timedelta = DROPSHIP_CONFIRM_WITHIN) -> str | None:
    """Allocate one order: its new status (allocated or backordered), or None when it was not allocatable."""
    result = allocate_orders([order_id], actor=actor, attempts=attempts,
                             dropship_confirm_within=dropship_confirm_within)
    if order_id in result.failed:
        raise result.failed[order_id]
    return result.outcomes.get(order_id)


def allocate_orders(order_ids: Iterable[int], *, actor: str,
                    dropship_confirm_within: timedelta = DROPSHIP_CONFIRM_WITHIN, attempts: int = 3) -> BatchResult:
    """Allocate the allocatable orders among ``order_ids`` in id order, each seeing the stock the earlier ones took,
    in one transaction; re-plan the batch when stock moved between planning and reserving.

    The first attempt plans from an unlocked read of the stock and locks the rows it reserves from only for the
    conditional reserve, the transaction's last write, so that batches sharing hot SKUs (and the waybill step
    taking their units) do not queue behind each other's planning; the reserve still never takes more than a row
    holds free. A retry after StockMoved locks the rows before planning, so it plans from what it will reserve. ``outcomes`` holds the
    status each order reached (orders not allocatable are left out); an order whose planning raises is set aside in
    ``failed``. A drop-ship supplier has ``dropship_confirm_within`` to confirm its purchase
    order (Settings.dropship_confirm_hours)."""
    ids = sorted(set(order_ids))
    for attempt in range(attempts):
        try:
            return _allocate_once(ids, actor=actor, confirm_within=dropship_confirm_within, lock_stock=attempt > 0)
        except StockMoved:
            continue
    raise StockMoved(f"orders {ids[0]}..{ids[-1]}: stock kept moving while reserving; will retry")


def _allocate_once(ids: list[int], *, actor: str, confirm_within: timedelta, lock_stock: bool) -> BatchResult:
    result = BatchResult()
    if not ids:
        return result
    with database.atomic():
        inputs = load_batch(ids, lock_stock=lock_stock)
        if inputs is None:
            return result
        planned = _plan_batch(inputs, result.failed)
        allocating = _order_from_suppliers([p for p in planned if p.allocates], result.failed, actor=actor,
                                           confirm_within=confirm_within)
        waiting = [p for p in planned if not p.allocates]
        _create_shipments(allocating)
        _move(allocating, waiting, actor=actor)
        _keep_plans(allocating + waiting, inputs)
        _reserve_last(allocating, inputs)
    result.outcomes.update({p.order.id: ORDER_ALLOCATED for p in allocating})
    result.outcomes.update({p.order.id: ORDER_BACKORDERED for p in waiting})
    return result


def allocate_straight(order_ids: list[int]) -> dict[int, str]:
    """In review's transaction, for orders it has just approved (still in review in the table): plan them, and for
    each whose plan ships it whole from our warehouses create its shipments, keep its plan and reserve its stock;
    returns order id -> the plan's reason, for the caller's one move from review to allocated (through approved).

    The common path, without a second transaction, message and read of the orders. Whatever it leaves out goes
    through the allocation stage as before: a drop-ship part, a shortfall, a routing rule's backorder, a plan
    that raised, and all of them when stock moved while reserving or anything else failed (its writes are undone
    to the savepoint it opens; the allocation stage meets the same fault and reports it)."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    try:
        with database.atomic():
            inputs = load_batch(ids, statuses=(ORDER_REVIEWING,))
            straight = [] if inputs is None else [p for p in _plan_batch(inputs, {}) if _ships_whole(p)]
            if straight:
                _create_shipments(straight)
                _keep_plans(straight, inputs)
                _reserve_last(straight, inputs)
    except Exception as exc:  # noqa: BLE001 - the allocation stage takes these orders, as it did before
        logger.warning("orders %s..%s go to the allocation stage: %r", ids[0], ids[-1], exc)
        return {}
    return {p.order.id: p.reason for p in straight}


def _keep_plans(planned: list[_Planned], inputs: BatchInputs) -> None:
    planned_at = utc_now().isoformat() + "Z"  # one reading of the clock for the batch
    keep_plans({p.order.id: p.document(inputs.rules_version, planned_at) for p in planned})


def _reserve_last(allocating: list[_Planned], inputs: BatchInputs) -> None:
    """``_reserve``, then the low-stock alerts of the rows it touched: the transaction's last writes, so the stock
    rows stay locked only from here to COMMIT."""
    touched = _reserve(allocating, inputs)
    if touched:
        evaluate_alerts(touched)


def _ships_whole(planned: _Planned) -> bool:
    return (planned.allocates and planned.plan.complete
            and all(pick.warehouse_id is not None for pick in planned.plan.picks))


def _plan_batch(inputs: BatchInputs, failed: dict[int, Exception]) -> list[_Planned]:
    """Plan each order in id order against what the earlier orders of the batch left (never oversell)."""
    available = {key: row.available for key, row in inputs.stock.items()}
    today = dict(inputs.orders_today) if uses_caps(inputs.settings) else None
    planned = []
    for order in inputs.orders:
        try:
            one = _plan_order(order, inputs, available, today)
        except Exception as exc:  # noqa: BLE001 - the order is set aside; the rest of the batch goes on
            failed[order.id] = exc
            continue
        planned.append(one)
        if one.allocates:
            taken = [pick for pick in one.plan.picks if pick.warehouse_id is not None]
            for pick in taken:
                available[(pick.warehouse_id, pick.product_id)] -= pick.quantity
            if today is not None:
                for code in {pick.source_code for pick in taken}:
                    today[code] = today.get(code, 0) + 1
    return planned


def _plan_order(order: Order, inputs: BatchInputs, available: dict[tuple[int, int], int],
                today: dict[str, int] | None) -> _Planned:
    lines = inputs.lines[order.id]
    customer_code = inputs.customer_codes.get(order.customer_id)
    settings = inputs.settings
    policy = settings.policy_for(channel=order.channel, customer_code=customer_code)
    product_ids = sorted({line.product_id for line in lines})
    sources = [SourceOption(
        warehouse_id=lane.warehouse_id, warehouse_code=lane.warehouse.code, cost=lane.cost,
        lead_time_days=lane.lead_time_days,
        available={pid: available[(lane.warehouse_id, pid)] for pid in product_ids
                   if (lane.warehouse_id, pid) in available},
    ) for lane in inputs.lanes.get(order.ship_to_region, [])]
    context = RoutingContext(channel=order.channel, priority=order.priority, region=order.ship_to_region,
                             customer_code=customer_code, skus=frozenset(line.sku for line in lines),
                             orders_today=today or {})
    routed = apply_routing(settings.routing, context, sources + _dropship_sources(lines, inputs.suppliers), policy)
    demand = [LineDemand(line.id, line.product_id, line.quantity, line.sku) for line in lines]
    plan = None if routed.backorder else plan_allocation(demand, routed.sources, routed.policy)
    return _Planned(order, lines, plan, routed.notes, routed.notes_text)


def _dropship_sources(lines: list[OrderLine], suppliers: dict[int, Partner]) -> list[SourceOption]:
    by_supplier: dict[int, list[int]] = {}
    for line in lines:
        if line.product.dropship and line.product.supplier_id in suppliers:
            by_supplier.setdefault(line.product.supplier_id, []).append(line.product_id)
    return [SourceOption(warehouse_id=None, warehouse_code=suppliers[supplier_id].code, cost=DROPSHIP_SHIPMENT_COST,
                         lead_time_days=suppliers[supplier_id].lead_time_days or DROPSHIP_DEFAULT_DAYS,
                         available={pid: UNLIMITED for pid in product_ids}, supplier_id=supplier_id)
            for supplier_id, product_ids in sorted(by_supplier.items())]


def _order_from_suppliers(allocating: list[_Planned], failed: dict[int, Exception], *, actor: str,
                          confirm_within: timedelta) -> list[_Planned]:
    """The rarer paths, each order under its own savepoint: drop-ship purchase orders, and the backorder split of
    a plan that ships what is available. An order whose path raises is set aside; returns those that go on."""
    going_on = []
    for one in allocating:
        dropship = any(pick.supplier_id is not None for pick in one.plan.picks)
        if dropship or not one.plan.complete:
            try:
                with database.atomic():
                    order = Order.get_by_id(one.order.id)  # the whole order: the batch read what it plans from
                    if dropship:
                        order_dropship(order, one.plan, actor=actor, confirm_within=confirm_within)
                    if not one.plan.complete:
                        split_backorder(order, one.lines, one.plan, actor=actor)
            except Exception as exc:  # noqa: BLE001 - rolled back to the savepoint; the rest of the batch goes on
                failed[one.order.id] = exc
                continue
        going_on.append(one)
    return going_on


def _reserve(allocating: list[_Planned], inputs: BatchInputs) -> list[int]:
    """Reserve every warehouse pick of the batch: one conditional UPDATE of the stock rows (units summed per row)
    and one insert of the reservations; StockMoved when a row no longer has the units. Returns the rows touched."""
    units: dict[int, int] = {}
    rows = []
    for one in allocating:
        for pick in one.plan.picks:
            if pick.warehouse_id is None:
                continue
            stock_id = inputs.stock[(pick.warehouse_id, pick.product_id)].id
            units[stock_id] = units.get(stock_id, 0) + pick.quantity
            rows.append({"order_line": pick.line_id, "warehouse": pick.warehouse_id, "stock": stock_id,
                         "quantity": pick.quantity})
    if not units:
        return []
    lock_stock_rows(sorted(units))
    reserved = _reserve_stock(units)
    if reserved != set(units):
        raise StockMoved(f"stock {sorted(set(units) - reserved)[:10]} moved")
    insert_values(Reservation, rows)
    return sorted(units)


def _reserve_stock(units: dict[int, int]) -> set[int]:
    """``reserved += units`` on each stock row that still has the units free; returns the rows updated."""
    table = quote(Stock._meta.table_name)
    return update_from_values(Stock, ("id", "units"), sorted(units.items()), {"updated_at": utc_now()},
                              increments={"reserved": "units"},
                              extra_where=f'{table}."on_hand" - {table}."reserved" >= v."units"')


def _create_shipments(allocating: list[_Planned]) -> None:
    """The warehouse shipments of the batch and their lines, with the waybill stage's nudge; drop-ship parts get
    theirs when the supplier announces them."""
    weights = {line.id: line.product.weight_kg for one in allocating for line in one.lines}
    held = [HeldUnits(one.order.id, pick.warehouse_id, pick.line_id, pick.quantity, weights[pick.line_id])
            for one in allocating for pick in one.plan.picks if pick.warehouse_id is not None]
    created = insert_shipments(draft_shipments(held, {one.order.id: one.order.priority for one in allocating}))
    nudge_waybills(sorted(created.values()))


def _move(allocating: list[_Planned], waiting: list[_Planned], *, actor: str) -> None:
    """allocating → allocated; waiting orders still approved → backordered (those backordered already stay)."""
    moves = [Move(one.order.id, one.order.status, one.reason) for one in allocating]
    if transition_many("order", moves, ORDER_ALLOCATED, actor=actor) != {move.entity_id for move in moves}:
        raise InvariantViolated("an order locked for allocation changed status meanwhile")
    transition_many("order", [Move(one.order.id, ORDER_APPROVED, one.reason) for one in waiting
                              if one.order.status == ORDER_APPROVED], ORDER_BACKORDERED, actor=actor)
