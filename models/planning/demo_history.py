"""A shipped order history for the demo world and the forecast bench, so that forecasts have years of demand to
learn from: delivered orders written set-based, as complete as the pipeline leaves them (lines, fulfilled
reservations, shipments with one issued waybill, the audit trail, an invoice paid in full), so `oms check` holds.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Sequence

import peewee

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.bulk_insert import insert_rows
from models.core.db import database
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_DELIVERED,
    ORDER_RECEIVED,
    ORDER_REVIEWING,
    ORDER_SHIPPED,
)
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.planning.demand_history import week_start
from models.receivables.ledger import Invoice, Payment, PaymentApplication
from models.shipping.states import (
    SHIPMENT_DELIVERED,
    SHIPMENT_DISPATCHED,
    SHIPMENT_READY,
    WAYBILL_ISSUED,
)
from models.shipping.tables import Shipment, ShipmentLine, Waybill

DEMO_HISTORY_WEEKS = 120  # two seasons before the back-test: the seasonal models get their chance
ACTOR = "history"
CHUNK = 1000  # ids looked up per query
# The steps every historical order went through, and when, relative to its dispatch.
ORDER_TRAIL = ((None, ORDER_RECEIVED, -26), (ORDER_RECEIVED, ORDER_REVIEWING, -26),  # hours
               (ORDER_REVIEWING, ORDER_APPROVED, -25), (ORDER_APPROVED, ORDER_ALLOCATED, -25),
               (ORDER_ALLOCATED, ORDER_SHIPPED, 0), (ORDER_SHIPPED, ORDER_DELIVERED, 40))
SHIPMENT_TRAIL = ((SHIPMENT_READY, SHIPMENT_DISPATCHED, 0), (SHIPMENT_DISPATCHED, SHIPMENT_DELIVERED, 40))


@dataclass(frozen=True)
class ShippedOrder:
    customer_id: int
    dispatched_at: datetime
    lines: tuple[tuple[int, int], ...]  # (product id, units), one line per product
    warehouse_id: int | None = None  # None: drop-shipped by ``supplier_id``
    supplier_id: int | None = None


def write_shipped_orders(orders: Sequence[ShippedOrder], *, reference_prefix: str) -> int:
    """Write ``orders`` as delivered orders with external refs "<prefix>-000001"…, in one transaction and a fixed
    number of statements per thousand rows; returns how many orders."""
    products = {pid: (sku, price) for pid, sku, price in Product.select(Product.id, Product.sku, Product.unit_price)
                .where(Product.id.in_(list({pid for o in orders for pid, _ in o.lines}))).tuples()}
    customers = {c.id: c for c in Partner.select().where(Partner.id.in_(list({o.customer_id for o in orders})))}
    stock = {(wid, pid): sid for sid, wid, pid in Stock.select(Stock.id, Stock.warehouse, Stock.product).tuples()}
    refs = [f"{reference_prefix}-{n + 1:06d}" for n in range(len(orders))]
    with database.atomic():
        order_ids = _insert_orders(orders, refs, products, customers)
        line_ids = _insert_lines(orders, order_ids, products)
        shipment_ids = _insert_shipments(orders, order_ids, line_ids, reference_prefix)
        insert_rows(Reservation, [
            {"order_line": line_ids[(oid, n)], "warehouse": o.warehouse_id, "stock": stock[(o.warehouse_id, pid)],
             "quantity": units, "status": "fulfilled", "created_at": o.dispatched_at - timedelta(hours=25),
             "updated_at": o.dispatched_at}
            for o, oid in zip(orders, order_ids) if o.warehouse_id is not None
            for n, (pid, units) in enumerate(o.lines, start=1)])
        insert_rows(StatusChange, [
            {"entity": entity, "entity_id": entity_id, "from_status": before, "to_status": after, "actor": ACTOR,
             "at": o.dispatched_at + timedelta(hours=hours)}
            for o, oid, sid in zip(orders, order_ids, shipment_ids)
            for entity, entity_id, trail in (("order", oid, ORDER_TRAIL), ("shipment", sid, SHIPMENT_TRAIL))
            for before, after, hours in trail])
        _insert_paid_invoices(orders, order_ids, customers, reference_prefix)
    return len(orders)


def _ids(where: peewee.Field, values: list, *key: peewee.Field) -> dict:
    """Ids of the rows whose ``where`` is in ``values``, by ``key`` (default: ``where``; a tuple for several)."""
    model, key = where.model, key or (where,)
    found = {}
    for chunk in peewee.chunked(values, CHUNK):
        for row_id, *parts in model.select(model.id, *key).where(where.in_(chunk)).tuples():
            found[parts[0] if len(parts) == 1 else tuple(parts)] = row_id
    return found


def _insert_orders(orders, refs, products, customers) -> list[int]:
    rows = []
    for order, ref in zip(orders, refs):
        customer = customers[order.customer_id]
        total = sum((products[pid][1] * units for pid, units in order.lines), Decimal("0.00"))
        rows.append({"channel": "api", "external_ref": ref, "customer": customer.id, "currency": "USD",
                     "subtotal": total, "total": total, "status": ORDER_DELIVERED, "ship_to_name": customer.name,
                     "ship_to_email": customer.email, "ship_to_address": "1 Receiving Dock",
                     "ship_to_city": "Springfield", "ship_to_region": customer.region or "east",
                     "ship_to_postcode": "10001", "ship_to_country": "US",
                     "submitted_by": ACTOR, "created_at": order.dispatched_at - timedelta(hours=26),
                     "status_changed_at": order.dispatched_at + timedelta(hours=40)})
    insert_rows(Order, rows)
    by_ref = _ids(Order.external_ref, refs)
    return [by_ref[ref] for ref in refs]


def _insert_lines(orders, order_ids, products) -> dict[tuple[int, int], int]:
    insert_rows(OrderLine, [{"order": oid, "line_no": n, "product": pid, "sku": products[pid][0], "quantity": units,
                              "unit_price": products[pid][1], "line_total": products[pid][1] * units}
                             for o, oid in zip(orders, order_ids) for n, (pid, units) in enumerate(o.lines, start=1)])
    return _ids(OrderLine.order, order_ids, OrderLine.order, OrderLine.line_no)


def _insert_shipments(orders, order_ids, line_ids, prefix: str) -> list[int]:
    insert_rows(Shipment, [{"order": oid, "warehouse": o.warehouse_id, "supplier": o.supplier_id,
                             "status": SHIPMENT_DELIVERED, "carrier": "sandbox",
                             "created_at": o.dispatched_at - timedelta(hours=24),
                             "status_changed_at": o.dispatched_at + timedelta(hours=40)}
                            for o, oid in zip(orders, order_ids)])
    by_order = _ids(Shipment.order, order_ids)
    shipment_ids = [by_order[oid] for oid in order_ids]
    insert_rows(ShipmentLine, [{"shipment": sid, "order_line": line_ids[(oid, n)], "quantity": units}
                                for o, oid, sid in zip(orders, order_ids, shipment_ids)
                                for n, (_, units) in enumerate(o.lines, start=1)])
    insert_rows(Waybill, [{"shipment": sid, "carrier": "sandbox", "idempotency_key": f"{prefix}-{sid}",
                            "status": WAYBILL_ISSUED, "waybill_number": f"{prefix}-WB-{sid:07d}", "attempts": 1,
                            "requested_at": o.dispatched_at - timedelta(hours=20),
                            "last_attempt_at": o.dispatched_at - timedelta(hours=20), "issued_at": o.dispatched_at,
                            "choice_reason": "history"}
                           for o, sid in zip(orders, shipment_ids)])
    return shipment_ids


def _insert_paid_invoices(orders, order_ids, customers, prefix: str) -> None:
    """One invoice per order, paid in full by one payment: the customers' balances stay as they were."""
    totals = {oid: total for chunk in peewee.chunked(order_ids, CHUNK)
              for oid, total in Order.select(Order.id, Order.total).where(Order.id.in_(chunk)).tuples()}
    invoices, payments = [], []
    for o, oid in zip(orders, order_ids):
        customer, amount = customers[o.customer_id], totals[oid]
        due = o.dispatched_at.date() + timedelta(days=customer.payment_terms_days)
        invoices.append({"number": f"INV-{oid:06d}", "customer": customer.id, "order": oid, "currency": "USD",
                         "amount": amount, "paid": amount, "status": "paid", "issued_at": o.dispatched_at,
                         "due_on": due})
        if amount > 0:  # a free order's invoice is paid with nothing
            payments.append({"customer": customer.id, "reference": f"{prefix}-PAY-{oid:06d}", "amount": amount,
                             "currency": "USD", "method": "bank_transfer", "received_on": due, "unapplied": 0,
                             "created_by": ACTOR, "created_at": datetime.combine(due, datetime.min.time()),
                             "order": oid})
    insert_rows(Invoice, invoices)
    insert_rows(Payment, [{k: v for k, v in p.items() if k != "order"} for p in payments])
    invoice_ids = _ids(Invoice.order, order_ids)
    payment_ids = _ids(Payment.reference, [p["reference"] for p in payments])
    insert_rows(PaymentApplication, [{"payment": payment_ids[p["reference"]], "invoice": invoice_ids[p["order"]],
                                       "amount": p["amount"], "applied_at": p["created_at"]} for p in payments])


def demo_shipped_orders(rng: random.Random, *, weeks: int = DEMO_HISTORY_WEEKS,
                        now: datetime | None = None) -> list[ShippedOrder]:
    """``weeks`` weeks of orders for the demo catalogue's stocked SKUs from each warehouse to the buyers of its
    region: a quarter seasonal, a quarter intermittent, a quarter trending, a quarter steady."""
    warehouses = list(Warehouse.select().order_by(Warehouse.id))
    buyers = {w.id: [c.id for c in Partner.select().where(Partner.kind == "customer", Partner.region == w.region,
                                                        Partner.blocked == False)  # noqa: E712
                     .order_by(Partner.id)] for w in warehouses}
    products = list(Product.select().where(Product.dropship == False).order_by(Product.id))  # noqa: E712
    first = week_start(now or utc_now()) - timedelta(weeks=weeks)
    orders = []
    for week in range(weeks):
        monday = datetime.combine(first + timedelta(weeks=week), datetime.min.time())
        for size, warehouse in zip((1.0, 0.7, 0.45), warehouses):
            lines: dict[int, list] = {}
            for index, product in enumerate(products):
                units = _demo_units(rng, index, week, size)
                if units:
                    lines.setdefault(rng.randrange(2), []).append((product.id, units))
            for part, part_lines in sorted(lines.items()):
                when = monday + timedelta(days=rng.randrange(5), hours=8 + rng.randrange(9))
                orders.append(ShippedOrder(customer_id=rng.choice(buyers[warehouse.id]), dispatched_at=when,
                                           lines=tuple(part_lines), warehouse_id=warehouse.id))
    return orders


def _demo_units(rng: random.Random, index: int, week: int, size: float) -> int:
    """One SKU's units in one week at one warehouse, by the SKU's demand pattern."""
    pattern, base = index % 4, 4 + index % 7 * 3
    if pattern == 0:  # seasonal: a summer peak, a winter trough
        rate = 2 * base * (1 + 0.9 * math.sin(2 * math.pi * (week % 52) / 52))
    elif pattern == 1:  # intermittent: now and then, a few units
        return rng.randint(1, 12) if rng.random() < 0.25 * size + 0.05 else 0
    elif pattern == 2:  # trending up
        rate = base * (0.5 + week / 60)
    else:
        rate = base
    return _poisson(rng, rate * size)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method for small means, a rounded normal for large ones)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def seed_demo_history(*, seed: int, weeks: int = DEMO_HISTORY_WEEKS) -> int:
    """The demo world's shipped history (call inside the seeding transaction); returns how many orders."""
    return write_shipped_orders(demo_shipped_orders(random.Random(seed), weeks=weeks), reference_prefix="HIST")
