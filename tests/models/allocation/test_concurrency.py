"""Many allocators racing for one scarce SKU never oversell it, on SQLite and on PostgreSQL.

The helpers here also serve the pipeline load test (tests/workers/test_allocation_load.py).
"""
from __future__ import annotations

import random
import threading
from decimal import Decimal

import peewee
import pytest

from models.core.db import connection, database
from models.core.transitions import transition
from models.intake.entry import place_order
from models.invariants import run_checks
from models.inventory.tables import Product, Stock
from models.orders.flow import allocate
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from schemas.orders import order_schema
from tests.factories import make_world, order_body

HOT = {"EAST": 30, "WEST": 20}  # WIDGET units per warehouse: far fewer than the orders want
SUPPLY = sum(HOT.values())
OTHER_SKUS = ("GADGET", "SPROCKET", "GIZMO")
CUSTOMERS = ("CUST1", "CUST2", "CUST3", "CUST4", "CUST5")


def scarce_world() -> dict:
    """make_world with WIDGET cut down to HOT, two more plentiful SKUs and five customers without a limit."""
    world = make_world(on_hand=1000, credit_limit=None)
    for code, units in HOT.items():
        warehouse = world["east"] if code == "EAST" else world["west"]
        Stock.update(on_hand=units).where(Stock.warehouse == warehouse, Stock.product == world["widget"]).execute()
    for sku in OTHER_SKUS[1:]:
        product = Product.create(sku=sku, name=sku.title(), unit_price=Decimal("4.00"), weight_kg=Decimal("0.2"))
        for warehouse in (world["east"], world["west"]):
            Stock.create(warehouse=warehouse, product=product, on_hand=1000)
    for code in CUSTOMERS[1:]:
        Partner.create(code=code, name=f"Customer {code[-1]}", kind="customer", region="R1", credit_limit=None)
    return world


def approved_orders(count: int, *, seed: int = 11) -> list[int]:
    """``count`` orders of 1-3 widgets (some with another SKU), placed and moved to approved."""
    rng = random.Random(seed)
    ids = []
    with database.atomic():
        for number in range(count):
            lines = [{"sku": "WIDGET", "quantity": rng.randint(1, 3), "unit_price": "10.00"}]
            if rng.random() < 0.5:
                lines.append({"sku": rng.choice(OTHER_SKUS), "quantity": rng.randint(1, 5)})
            body = order_body(f"HOT-{number:04d}", customer_code=rng.choice(CUSTOMERS), lines=lines)
            order, _ = place_order(order_schema.load(body), actor="test")
            transition("order", order.id, "approved", actor="test", expected="reviewing")
            ids.append(order.id)
    return ids


def allocate_in_threads(ids: list[int], threads: int) -> list[BaseException]:
    """Allocate every order, each thread its share on its own pooled connection; returns the errors."""
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(share: list[int]) -> None:
        start.wait()
        try:
            with connection():
                for order_id in share:
                    allocate(order_id, actor="test")
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(ids[n::threads],)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return errors


def assert_no_oversell(ids: list[int], widget: Product) -> None:
    """No widget sold twice, none left behind that a backordered order could have taken, books that add up."""
    statuses = dict(Order.select(Order.id, Order.status).where(Order.id.in_(ids)).tuples())
    assert set(statuses.values()) <= {"allocated", "backordered"}, statuses
    rows = list(Stock.select().where(Stock.product == widget))
    held = dict(Reservation.select(Reservation.stock, peewee.fn.SUM(Reservation.quantity))
                .where(Reservation.status == "active").group_by(Reservation.stock).tuples())
    for row in rows:
        assert row.reserved <= row.on_hand, f"stock {row.id} oversold: {row.reserved} of {row.on_hand}"
        assert row.reserved == held.get(row.id, 0), f"stock {row.id}: reserved {row.reserved}, held {held.get(row.id)}"
    reserved = sum(row.reserved for row in rows)
    allocated = [order_id for order_id, status in statuses.items() if status == "allocated"]
    backordered = [order_id for order_id, status in statuses.items() if status == "backordered"]
    wanted = dict(OrderLine.select(OrderLine.order, peewee.fn.SUM(OrderLine.quantity))
                  .where(OrderLine.order.in_(ids), OrderLine.product == widget).group_by(OrderLine.order).tuples())
    assert reserved <= SUPPLY
    assert reserved == sum(wanted[order_id] for order_id in allocated)
    assert backordered, "demand exceeds supply: some order must wait"
    # Stock only went down, so what is left now was left when each backordered order was planned.
    left = SUPPLY - reserved
    assert all(wanted[order_id] > left for order_id in backordered), (left, {o: wanted[o] for o in backordered})
    assert all(not problems for problems in run_checks().values()), run_checks()


@pytest.mark.parametrize("threads", [8])
def test_threads_on_sqlite_never_oversell(db, threads):
    world = scarce_world()
    ids = approved_orders(60)
    db.close()  # each thread takes its own connection from the pool
    assert allocate_in_threads(ids, threads) == []
    with connection():
        assert_no_oversell(ids, world["widget"])


@pytest.mark.postgres
@pytest.mark.parametrize("threads", [8])
def test_threads_on_postgres_never_oversell(pg_db, threads):
    world = scarce_world()
    ids = approved_orders(60)
    pg_db.close()
    assert allocate_in_threads(ids, threads) == []
    with connection():
        assert_no_oversell(ids, world["widget"])
