"""The invariants `oms check` proves on a live database; each returns human-readable violations."""
from __future__ import annotations

from decimal import Decimal

import peewee

from models.core.audit import StatusChange
from models.core.base import CENT
from models.core.db import database
from models.inventory.tables import Product, Stock, StockAlert, StockMovement, Warehouse
from models.orders.allocation_plans import OrderAllocationPlan
from models.orders.order_list import ORDER_REFERENCES
from models.orders.states import ORDER_DELIVERED, ORDER_SHIPPED
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.receivables.ledger import ZERO, Invoice, Payment, PaymentApplication
from models.returns.refunds import CREDIT_NOTE, REFUNDABLE_STATES, refund_reference
from models.returns.tables import Refund, ReturnLine, ReturnRequest
from models.review.reviews import OrderReview, ReviewRuleSet
from models.shipping.states import SHIPMENT_CANCELLED, WAYBILL_ISSUED
from models.shipping.tables import Shipment, ShipmentEvent, ShipmentLine, Waybill


def stock_within_bounds() -> list[str]:
    rows = (Stock.select(Stock, Warehouse.code, Product.sku).join(Warehouse).switch(Stock).join(Product)
            .where((Stock.reserved < 0) | (Stock.reserved > Stock.on_hand) | (Stock.on_hand < 0)))
    return [f"stock {r.warehouse.code}/{r.product.sku}: on_hand {r.on_hand}, reserved {r.reserved}" for r in rows]


def reservations_add_up() -> list[str]:
    held = peewee.fn.COALESCE(peewee.fn.SUM(Reservation.quantity), 0)
    rows = (Stock.select(Stock.id, Stock.reserved, held.alias("held"))
            .join(Reservation, peewee.JOIN.LEFT_OUTER,
                  on=((Reservation.stock == Stock.id) & (Reservation.status == "active")))
            .group_by(Stock.id, Stock.reserved).having(Stock.reserved != held))
    return [f"stock {r.id}: reserved {r.reserved} but active reservations total {r.held}" for r in rows]


def shipped_orders_have_waybills() -> list[str]:
    shipped = Order.select(Order.id).where(Order.status.in_((ORDER_SHIPPED, ORDER_DELIVERED)))
    rows = (Shipment.select(Shipment.id, Shipment.order, peewee.fn.COUNT(Waybill.id).alias("issued"))
            .join(Waybill, peewee.JOIN.LEFT_OUTER,
                  on=((Waybill.shipment == Shipment.id) & (Waybill.status == WAYBILL_ISSUED)))
            .where(Shipment.order.in_(shipped), Shipment.status != SHIPMENT_CANCELLED)
            .group_by(Shipment.id, Shipment.order))
    problems = [f"order {r.order_id}: shipment {r.id} has {r.issued} issued waybills" for r in rows if r.issued != 1]
    bare = Order.select(Order.id).where(Order.id.in_(shipped), ~peewee.fn.EXISTS(
        Shipment.select().where(Shipment.order == Order.id)))
    problems += [f"order {o.id} is shipped without any shipment" for o in bare]
    return problems


def orders_have_audit_trail() -> list[str]:
    trail = StatusChange.select().where(StatusChange.entity == "order", StatusChange.entity_id == Order.id)
    return [f"order {o.id} has no audit trail" for o in Order.select(Order.id).where(~peewee.fn.EXISTS(trail))]


def receivables_add_up() -> list[str]:
    """Balance = open invoices less unapplied credit; an invoice's paid and a payment's amount = their applications."""
    owed: dict[int, Decimal] = {}
    for customer_id, due in (Invoice.select(Invoice.customer, peewee.fn.SUM(Invoice.amount - Invoice.paid))
                             .group_by(Invoice.customer).tuples()):
        owed[customer_id] = owed.get(customer_id, ZERO) + _cents(due)
    for customer_id, credit in (Payment.select(Payment.customer, peewee.fn.SUM(Payment.unapplied))
                                .group_by(Payment.customer).tuples()):
        owed[customer_id] = owed.get(customer_id, ZERO) - _cents(credit)
    balances = Partner.select(Partner.id, Partner.code, Partner.outstanding_balance).where(
        (Partner.outstanding_balance != 0) | Partner.id.in_(list(owed) or [0]))
    problems = [f"customer {p.code}: outstanding balance {p.outstanding_balance} but open invoices less credit "
                f"come to {owed.get(p.id, ZERO)}" for p in balances if p.outstanding_balance != owed.get(p.id, ZERO)]
    # ROUND: on SQLite NUMERIC sums are floats, a cent off by 1e-15 is still the same cent
    applied = peewee.fn.COALESCE(peewee.fn.SUM(PaymentApplication.amount), 0)
    invoices = (Invoice.select(Invoice.number, Invoice.paid, applied.alias("applied"))
                .join(PaymentApplication, peewee.JOIN.LEFT_OUTER, on=(PaymentApplication.invoice == Invoice.id))
                .group_by(Invoice.id, Invoice.number, Invoice.paid)
                .having(peewee.fn.ROUND(Invoice.paid - applied, 2) != 0))
    problems += [f"invoice {i.number}: paid {i.paid} but applications total {_cents(i.applied)}" for i in invoices]
    misfiled = Invoice.select(Invoice.number, Invoice.status, Invoice.paid, Invoice.amount).where(
        ((Invoice.status == "paid") & (Invoice.paid != Invoice.amount))
        | ((Invoice.status == "open") & (Invoice.paid == Invoice.amount) & (Invoice.amount > 0)))
    problems += [f"invoice {i.number}: {i.status} with {i.paid} of {i.amount} paid" for i in misfiled]
    payments = (Payment.select(Payment.id, Payment.reference, Payment.amount, Payment.unapplied,
                               applied.alias("applied"))
                .join(PaymentApplication, peewee.JOIN.LEFT_OUTER, on=(PaymentApplication.payment == Payment.id))
                .group_by(Payment.id, Payment.reference, Payment.amount, Payment.unapplied)
                .having(peewee.fn.ROUND(Payment.amount - Payment.unapplied - applied, 2) != 0))
    problems += [f"payment {p.id} ({p.reference}): amount {p.amount} but applied {_cents(p.applied)} plus "
                 f"unapplied {p.unapplied}" for p in payments]
    return problems


def refunds_add_up() -> list[str]:
    """A refund is worth its return's lines and refund_amount; a credit note is one payment of that amount,
    a payout none; only a return in a refundable state has a refund."""
    refunds = list(Refund.select(Refund, ReturnRequest).join(ReturnRequest).order_by(Refund.id))
    if not refunds:
        return []
    return_ids = [refund.return_request_id for refund in refunds]
    values: dict[int, Decimal] = {}
    for return_id, quantity, unit_price in (ReturnLine.select(ReturnLine.return_request, ReturnLine.quantity,
                                                              ReturnLine.unit_price)
                                            .where(ReturnLine.return_request.in_(return_ids)).tuples()):
        values[return_id] = values.get(return_id, ZERO) + _cents(unit_price) * quantity
    payments: dict[tuple[int, str], list[Decimal]] = {}
    for customer_id, reference, amount in (Payment.select(Payment.customer, Payment.reference, Payment.amount)
                                           .where(Payment.reference.in_([r.reference for r in refunds]))
                                           .tuples()):
        payments.setdefault((customer_id, reference), []).append(_cents(amount))
    problems = []
    for refund in refunds:
        request, name = refund.return_request, f"refund {refund.id} ({refund.reference})"
        value = values.get(request.id, ZERO)
        if refund.amount != value or refund.amount != request.refund_amount:
            problems.append(f"{name}: amount {refund.amount} but return {request.id} lines come to {value} and "
                            f"its refund_amount is {request.refund_amount}")
        if refund.reference != refund_reference(request.id):
            problems.append(f"{name}: reference should be {refund_reference(request.id)}")
        paid = payments.get((refund.customer_id, refund.reference), [])
        paid_text = ", ".join(str(amount) for amount in paid) or "none"
        if refund.method == CREDIT_NOTE and paid != [refund.amount]:
            problems.append(f"{name}: a credit note of {refund.amount} but its payments are {paid_text}")
        if refund.method != CREDIT_NOTE and paid:
            problems.append(f"{name}: a {refund.method} but payments of {paid_text} carry its reference")
        if request.status not in REFUNDABLE_STATES:
            problems.append(f"{name}: return {request.id} is {request.status}, which is never refunded")
    return problems


def _cents(value) -> Decimal:
    # Aggregates skip the field conversion: SQLite hands NUMERIC sums back as floats.
    return Decimal(str(value or 0)).quantize(CENT)


def reserved_lines_not_overcommitted() -> list[str]:
    held = (Reservation.select(Reservation.order_line, peewee.fn.SUM(Reservation.quantity).alias("held"))
            .where(Reservation.status != "released").group_by(Reservation.order_line))
    lines = {line.id: line.quantity for line in OrderLine.select(OrderLine.id, OrderLine.quantity)
             .where(OrderLine.id.in_(held.select(Reservation.order_line)))}
    return [f"order line {row.order_line_id}: {row.held} reserved for {lines.get(row.order_line_id)} ordered"
            for row in held if row.held > lines.get(row.order_line_id, 0)]


def one_open_alert_per_stock() -> list[str]:
    rows = (StockAlert.select(Warehouse.code, Product.sku, peewee.fn.COUNT(StockAlert.id).alias("alerts"))
            .join(Warehouse, on=(StockAlert.warehouse == Warehouse.id)).switch(StockAlert)
            .join(Product, on=(StockAlert.product == Product.id))
            .where(StockAlert.status == "open").group_by(Warehouse.code, Product.sku)
            .having(peewee.fn.COUNT(StockAlert.id) > 1).tuples())
    return [f"stock {code}/{sku}: {count} open low-stock alerts" for code, sku, count in rows]


# The references PostgreSQL no longer checks on insert (migration 0037: a trigger on the master table refuses to
# delete a row they name); each must name a row that exists.
UNCHECKED_REFERENCES = (
    (Order.customer, Partner), (OrderLine.product, Product), (Reservation.warehouse, Warehouse),
    (Reservation.stock, Stock), (Shipment.warehouse, Warehouse), (Shipment.supplier, Partner),
    (Invoice.customer, Partner), (OrderReview.rule_set, ReviewRuleSet), (StockMovement.product, Product),
    (StockMovement.warehouse, Warehouse),
)
# The references between an order's own rows, checked on PostgreSQL by a trigger per statement (migration 0039).
ORDER_ROW_REFERENCES = (
    (OrderLine.order, Order), (Reservation.order_line, OrderLine), (Shipment.order, Order),
    (ShipmentLine.shipment, Shipment), (ShipmentLine.order_line, OrderLine), (Waybill.shipment, Shipment),
    (Invoice.order, Order), (OrderReview.order, Order), (OrderAllocationPlan.order, Order),
    (ShipmentEvent.order, Order), (ShipmentEvent.shipment, Shipment),
)


def references_name_existing_rows() -> list[str]:
    problems = []
    for field, master in UNCHECKED_REFERENCES + ORDER_ROW_REFERENCES:
        model = field.model
        key = model._meta.primary_key
        named = master.select(master.id).where(master.id == field)
        missing = (model.select(key, field).where(field.is_null(False), ~peewee.fn.EXISTS(named))
                   .order_by(key).limit(20).tuples())
        problems += [f"{model._meta.table_name} {row_id}: {field.column_name} {value} names no "
                     f"{master._meta.table_name}" for row_id, value in missing]
    if not database.table_exists(ORDER_REFERENCES.__name__):  # SQLite, or PostgreSQL without pg_trgm
        return problems
    searched = ORDER_REFERENCES.order_id
    missing = (ORDER_REFERENCES.select(searched).where(~peewee.fn.EXISTS(Order.select(Order.id).where(
        Order.id == searched))).order_by(searched).limit(20).tuples().bind(database))
    return problems + [f"order_reference {order_id}: order_id {order_id} names no order" for (order_id,) in missing]


CHECKS = {
    "0 <= reserved <= on_hand": stock_within_bounds,
    "active reservations add up to stock.reserved": reservations_add_up,
    "no order line reserved beyond its quantity": reserved_lines_not_overcommitted,
    "every shipped order has one issued waybill per shipment": shipped_orders_have_waybills,
    "every order has an audit trail": orders_have_audit_trail,
    "receivables add up to each customer's outstanding balance": receivables_add_up,
    "every refund matches its return and its credit note": refunds_add_up,
    "at most one open low-stock alert per warehouse and SKU": one_open_alert_per_stock,
    "every row written for an order names master data and rows of its order that exist":
        references_name_existing_rows,
}


def run_checks() -> dict[str, list[str]]:
    """Every check by name with its violations (an empty list means the invariant holds)."""
    return {name: check() for name, check in CHECKS.items()}
