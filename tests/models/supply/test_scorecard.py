"""The supplier returns scorecard: shipped, returned and defective units per supplier, on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.core.db import database
from models.inventory.tables import Product
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.returns.tables import ReturnLine, ReturnRequest
from models.shipping.tables import Shipment, ShipmentLine
from models.supply.scorecard import DefectiveSku, supplier_scorecards
from tests.factories import make_world

_refs = itertools.count(1)


@pytest.fixture
def world(any_db):
    return make_world()


def ship(world: dict, units: dict[str, int], *, status: str = "delivered", created_at: datetime | None = None):
    """An order of ``units`` (sku -> quantity) on one shipment from EAST in ``status``; returns the order."""
    ref = f"SC-{next(_refs)}"
    order = Order.create(channel="api", external_ref=ref, customer=world["customer"], currency="USD",
                         status="delivered", ship_to_name="Ada", ship_to_address="12 Main St",
                         ship_to_city="Springfield", ship_to_region="R1", ship_to_country="US")
    shipment = Shipment.create(order=order, warehouse=world["east"], status=status,
                               created_at=created_at or utc_now())
    for line_no, (sku, quantity) in enumerate(units.items(), start=1):
        product = Product.get(Product.sku == sku)
        line = OrderLine.create(order=order, line_no=line_no, product=product, sku=sku, quantity=quantity,
                                unit_price=product.unit_price, line_total=product.unit_price * quantity)
        ShipmentLine.create(shipment=shipment, order_line=line, quantity=quantity)
    return order


def give_back(order: Order, units: dict[str, tuple[int, str]], *, inspected_at: datetime | None = None,
              inspected: bool = True) -> None:
    """A return of ``units`` (sku -> (quantity, condition)); defective lines are charged to the SKU's supplier,
    as models.returns.flow does at inspection."""
    request = ReturnRequest.create(order=order, customer=order.customer_id, status="inspected" if inspected
                                   else "received", resolution="refund", reason="damaged")
    for line in OrderLine.select(OrderLine, Product).join(Product).where(OrderLine.order == order.id,
                                                                         OrderLine.sku.in_(list(units))):
        quantity, condition = units[line.sku]
        ReturnLine.create(return_request=request, order_line=line, quantity=quantity,
                          condition=condition if inspected else "",
                          supplier=line.product.supplier_id if inspected and condition == "defective" else None,
                          inspected_at=(inspected_at or utc_now()) if inspected else None)


def other_supplier() -> Partner:
    return Partner.create(code="SUP2", name="Supplier Two", kind="supplier")


def test_counts_shipped_returned_and_defective_units(world):
    first = ship(world, {"WIDGET": 6, "GADGET": 5})
    second = ship(world, {"WIDGET": 4}, status="in_transit")
    ship(world, {"WIDGET": 1}, status="exception")
    ship(world, {"GADGET": 2}, status="returned")
    ship(world, {"WIDGET": 2}, status="dispatched")
    ship(world, {"WIDGET": 100}, status="ready")  # not left the warehouse
    ship(world, {"WIDGET": 100}, status="cancelled")
    ship(world, {"GADGET": 100}, status="failed")
    give_back(first, {"WIDGET": (2, "defective"), "GADGET": (1, "damaged")})
    give_back(second, {"WIDGET": (1, "resellable")})
    give_back(ship(world, {"GADGET": 3}), {"GADGET": (3, "defective")})
    give_back(first, {"WIDGET": (4, "defective")}, inspected=False)  # not inspected yet: not counted

    [score] = supplier_scorecards()

    assert (score.code, score.name) == ("SUP1", "Supplier One")
    assert score.units_shipped == 6 + 5 + 4 + 1 + 2 + 2 + 3
    assert score.units_returned == 2 + 1 + 1 + 3
    assert score.units_defective == 5
    assert score.defective_rate == Decimal("0.2174")  # 5 / 23, to four places
    assert score.top_defective == (DefectiveSku("GADGET", "Gadget", 3), DefectiveSku("WIDGET", "Widget", 2))


def test_defective_rate_is_exact_decimal(world):
    order = ship(world, {"WIDGET": 10, "GADGET": 10})
    give_back(order, {"WIDGET": (1, "defective"), "GADGET": (4, "defective")})

    [score] = supplier_scorecards()

    assert score.defective_rate == Decimal("0.25")
    assert isinstance(score.defective_rate, Decimal)


def test_supplier_without_shipments_scores_zero_with_no_rate(world):
    other_supplier()
    give_back(ship(world, {"WIDGET": 3}), {"WIDGET": (1, "defective")})

    scores = {score.code: score for score in supplier_scorecards()}

    assert set(scores) == {"SUP1", "SUP2"}
    idle = scores["SUP2"]
    assert (idle.units_shipped, idle.units_returned, idle.units_defective) == (0, 0, 0)
    assert idle.defective_rate is None
    assert idle.top_defective == ()
    assert scores["SUP1"].defective_rate == Decimal("0.3333")


def test_supplier_filter_returns_only_that_supplier(world):
    sup2 = other_supplier()
    bolt = Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.00"), supplier=sup2)
    order = ship(world, {"WIDGET": 5, "BOLT": 8})
    give_back(order, {"WIDGET": (1, "defective"), "BOLT": (2, "defective")})

    [mine] = supplier_scorecards(supplier_id=sup2.id)
    [theirs] = supplier_scorecards(supplier_id=world["supplier"].id)

    assert (mine.code, mine.units_shipped, mine.units_returned, mine.units_defective) == ("SUP2", 8, 2, 2)
    assert mine.top_defective == (DefectiveSku(bolt.sku, "Bolt", 2),)
    assert (theirs.code, theirs.units_shipped, theirs.units_defective) == ("SUP1", 5, 1)
    assert supplier_scorecards(supplier_id=world["customer"].id) == []  # not a supplier


def test_window_keeps_recent_shipments_and_inspections_only(world):
    long_ago = utc_now() - timedelta(days=200)
    old = ship(world, {"WIDGET": 10}, created_at=long_ago)
    give_back(old, {"WIDGET": (3, "defective")}, inspected_at=long_ago)
    recent = ship(world, {"WIDGET": 4})
    give_back(recent, {"WIDGET": (1, "damaged")})
    give_back(old, {"WIDGET": (2, "defective")})  # an old shipment's units inspected this week count now

    [windowed] = supplier_scorecards(since=utc_now() - timedelta(days=90))
    [everything] = supplier_scorecards()

    assert (windowed.units_shipped, windowed.units_returned, windowed.units_defective) == (4, 3, 2)
    assert windowed.defective_rate == Decimal("0.5")
    assert (everything.units_shipped, everything.units_returned, everything.units_defective) == (14, 6, 5)
    assert everything.top_defective == (DefectiveSku("WIDGET", "Widget", 5),)


def test_defects_stay_with_the_supplier_charged_at_inspection(world):
    order = ship(world, {"WIDGET": 5})
    give_back(order, {"WIDGET": (2, "defective")})
    sup2 = other_supplier()
    Product.update(supplier=sup2).where(Product.sku == "WIDGET").execute()

    scores = {score.code: score for score in supplier_scorecards()}

    assert scores["SUP1"].units_defective == 2
    assert scores["SUP2"].units_defective == 0


def test_top_defective_lists_at_most_five_skus_most_first(world):
    units = {}
    for n in range(1, 8):
        Product.create(sku=f"P{n}", name=f"Part {n}", unit_price=Decimal("1.00"), supplier=world["supplier"])
        units[f"P{n}"] = 10
    order = ship(world, units)
    give_back(order, {f"P{n}": (n, "defective") for n in range(1, 8)})

    [score] = supplier_scorecards()

    assert [sku.sku for sku in score.top_defective] == ["P7", "P6", "P5", "P4", "P3"]
    assert score.units_defective == sum(range(1, 8))


def test_query_count_does_not_grow_with_suppliers(world, monkeypatch):
    for n in range(2, 6):
        Partner.create(code=f"SUP{n}", name=f"Supplier {n}", kind="supplier")
    give_back(ship(world, {"WIDGET": 3}), {"WIDGET": (1, "defective")})
    statements = []
    execute_sql = database.obj.execute_sql
    monkeypatch.setattr(database.obj, "execute_sql",
                        lambda sql, *args, **kwargs: statements.append(sql) or execute_sql(sql, *args, **kwargs))

    scores = supplier_scorecards()

    assert len(scores) == 5
    assert len([sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]) == 4
