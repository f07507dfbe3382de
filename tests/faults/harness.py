"""Placing a load of orders, waiting for it through faults, and counting what became of every order."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import peewee

from models.core.db import database
from models.intake.entry import place_order
from models.invariants import run_checks
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.receivables.ledger import Invoice
from models.returns.tables import Refund
from models.shipping.tables import Shipment, ShipmentEvent, Waybill
from schemas.orders import order_schema
from tests.conftest import unavailable
from tests.factories import allow_repeat_orders, make_world, order_body

ORDERS = int(os.environ.get("OMS_TEST_FAULT_ORDERS", "400"))
REPORT: list[str] = []  # one line per scenario, written at the end of the run (tests/faults/conftest.py)
SHIPPED = ("shipped", "delivered")


def world_for_load(count: int) -> None:
    """Enough stock and credit that every order of the load can ship; identical orders allowed."""
    make_world(on_hand=count * 4, credit_limit=None)
    Partner.update(credit_limit=None).execute()
    allow_repeat_orders()


def place_orders(count: int, prefix: str) -> list[int]:
    """``count`` orders placed as a channel places them: each with its intake nudge in the outbox."""
    ids = []
    for number in range(count):
        body = order_body(f"{prefix}-{number:05d}", lines=[{"sku": "WIDGET", "quantity": 1, "unit_price": "10.00"},
                                                            {"sku": "GADGET", "quantity": 2, "unit_price": "25.50"}])
        with database.atomic():
            order, _ = place_order(order_schema.load(body), actor="fault-suite")
        ids.append(order.id)
    return ids


def reconnect() -> None:
    """Drop this process's pooled connections: after a server restart they are all dead."""
    close_all = getattr(database.obj, "close_all", None)
    if close_all is not None:
        close_all()
    elif not database.is_closed():
        database.close()


def shipped_count(ids: list[int]) -> int:
    """How many of ``ids`` shipped; survives the database going away under it."""
    try:
        return Order.select().where(Order.id.in_(ids), Order.status.in_(SHIPPED)).count()
    except (peewee.OperationalError, peewee.InterfaceError):
        reconnect()
        return -1


def wait_for_all_shipped(ids: list[int], *, timeout: float, during: Callable[[], None] | None = None) -> float:
    """Wait until every order shipped, running ``during`` (the fault) once first; return the seconds taken."""
    started = time.monotonic()
    if during is not None:
        during()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if shipped_count(ids) == len(ids):
            return time.monotonic() - started
        time.sleep(1)
    return -1.0


@dataclass
class Outcome:
    placed: int
    shipped: int
    held: int
    lost: int
    duplicate_reservations: int
    over_reserved_lines: int
    shipments_without_one_waybill: int
    duplicate_invoices: int
    duplicate_refunds: int
    duplicate_events: int
    seconds: float

    def line(self, scenario: str) -> str:
        return (f"[{scenario}] placed {self.placed}, shipped {self.shipped}, held {self.held}, lost {self.lost}, "
                f"duplicate reservations {self.duplicate_reservations}, "
                f"over-reserved lines {self.over_reserved_lines}, shipments without exactly one waybill "
                f"{self.shipments_without_one_waybill}, duplicate invoices {self.duplicate_invoices}, duplicate "
                f"refunds {self.duplicate_refunds}, duplicate events {self.duplicate_events}, in {self.seconds:.0f} s")


def _duplicates(query: peewee.ModelSelect, *keys) -> int:
    grouped = query.select(*keys, peewee.fn.COUNT(peewee.SQL("*")).alias("n")).group_by(*keys)
    return sum(row.n - 1 for row in grouped if row.n > 1)


def _over_reserved(ids: list[int]) -> int:
    """Lines holding more active reserved units than they ordered."""
    held = (Reservation.select(Reservation.order_line, peewee.fn.SUM(Reservation.quantity).alias("units"))
            .where(Reservation.status == "active").group_by(Reservation.order_line))
    ordered = dict(OrderLine.select(OrderLine.id, OrderLine.quantity).where(OrderLine.order.in_(ids)).tuples())
    return sum(1 for row in held if row.order_line_id in ordered and row.units > ordered[row.order_line_id])


def outcome(ids: list[int], seconds: float) -> Outcome:
    reconnect()
    orders = Order.select().where(Order.id.in_(ids))
    shipped = orders.where(Order.status.in_(SHIPPED)).count()
    held = orders.where(Order.status == "on_hold").count()
    lines = OrderLine.select(OrderLine.id).where(OrderLine.order.in_(ids))
    shipments = Shipment.select(Shipment.id).where(Shipment.order.in_(ids))
    issued = (Waybill.select(Waybill.shipment, peewee.fn.COUNT(Waybill.id).alias("n"))
              .where(Waybill.shipment.in_(shipments), Waybill.status == "issued").group_by(Waybill.shipment))
    one_each = sum(1 for row in issued if row.n == 1)
    return Outcome(
        placed=len(ids), shipped=shipped, held=held, lost=len(ids) - shipped - held,
        duplicate_reservations=_duplicates(Reservation.select().where(Reservation.order_line.in_(lines)),
                                           Reservation.order_line, Reservation.warehouse),
        over_reserved_lines=_over_reserved(ids),
        shipments_without_one_waybill=shipments.count() - one_each,
        duplicate_invoices=_duplicates(Invoice.select().where(Invoice.order.in_(ids)), Invoice.order),
        duplicate_refunds=_duplicates(Refund.select(), Refund.return_request),
        duplicate_events=_duplicates(ShipmentEvent.select().where(ShipmentEvent.shipment.in_(shipments)),
                                     ShipmentEvent.shipment, ShipmentEvent.kind, ShipmentEvent.booking),
        seconds=seconds)


def assert_nothing_lost_or_doubled(scenario: str, ids: list[int], seconds: float) -> Outcome:
    """Print the counts (CI shows them) and hold the promises: nothing lost, nothing twice, `oms check` clean."""
    result = outcome(ids, seconds)
    REPORT.append(result.line(scenario))
    assert seconds >= 0, f"[{scenario}] not every order shipped in time: {result.line(scenario)}"
    assert (result.lost, result.held) == (0, 0), result.line(scenario)
    assert result.duplicate_reservations == result.over_reserved_lines == 0, result.line(scenario)
    assert result.shipments_without_one_waybill == 0, result.line(scenario)
    assert result.duplicate_invoices == result.duplicate_refunds == result.duplicate_events == 0, \
        result.line(scenario)
    problems = {name: found for name, found in run_checks().items() if found}
    assert not problems, f"[{scenario}] oms check: {problems}"
    return result


def run_as_service_admin(*argv: str) -> None:
    """Run a service-control command (rabbitmqctl, pg_ctlcluster); skip (or fail under CI) where it cannot."""
    if shutil.which(argv[0]) is None:
        unavailable(argv[0], "not installed on this machine")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        unavailable(" ".join(argv), (done.stderr or done.stdout).strip()[-300:])
