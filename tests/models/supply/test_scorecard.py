"""The supplier scorecard on SQLite and PostgreSQL: shipped, returned and defective units per supplier, and how
it delivers against its purchase orders (on time, fill, damage, lead times, confirmation speed, months)."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.core.db import database
from models.inventory.tables import Product
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.returns.tables import ReturnLine, ReturnRequest
from models.shipping.tables import Shipment, ShipmentLine
from models.supply.scorecard import DefectiveSku, rank_scorecards, supplier_scorecards
from models.supply.scorecard_trend import monthly_trend
from models.supply.tables import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
)
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


def purchase(world: dict, units: dict[str, int], *, status: str = "closed", sent_at: datetime | None = None,
             answered_at: datetime | None = None, promised: date | None = None, expected: date | None = None,
             supplier: Partner | None = None, dropship: bool = False, confirmed: dict[str, int] | None = None):
    """A purchase order of ``units`` (sku -> quantity) to EAST, rows written directly; returns it."""
    order = PurchaseOrder.create(number=f"PO-SC-{next(_refs)}", supplier=supplier or world["supplier"],
                                 warehouse=None if dropship else world["east"], dropship=dropship, status=status,
                                 expected_at=expected, sent_at=sent_at, answered_at=answered_at,
                                 created_at=sent_at or utc_now())
    for sku, quantity in units.items():
        PurchaseOrderLine.create(purchase_order=order, product=Product.get(Product.sku == sku), quantity=quantity,
                                 promised_date=promised, confirmed_quantity=(confirmed or {}).get(sku))
    return order


def receive(order: PurchaseOrder, units: dict[str, tuple[int, int]], *, at: datetime,
            announced: dict[str, int] | None = None) -> None:
    """A receipt at ``at`` of ``units`` (sku -> (good, damaged)), adding to each line's received and damaged
    quantities as the warehouse receipt does."""
    receipt = PurchaseReceipt.create(purchase_order=order, received_at=at, actor="dock@relay.test")
    for sku, (good, damaged) in units.items():
        line = (PurchaseOrderLine.select().join(Product)
                .where(PurchaseOrderLine.purchase_order == order.id, Product.sku == sku).get())
        PurchaseReceiptLine.create(receipt=receipt, purchase_order_line=line, received_quantity=good,
                                   damaged_quantity=damaged, announced_quantity=(announced or {}).get(sku))
        (PurchaseOrderLine.update(received_quantity=PurchaseOrderLine.received_quantity + good,
                                  damaged_quantity=PurchaseOrderLine.damaged_quantity + damaged)
         .where(PurchaseOrderLine.id == line.id).execute())


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


def selects_run(monkeypatch) -> list[str]:
    """The SELECT statements run from now on, in order."""
    statements: list[str] = []
    execute_sql = database.obj.execute_sql
    monkeypatch.setattr(database.obj, "execute_sql",
                        lambda sql, *args, **kwargs: statements.append(sql) or execute_sql(sql, *args, **kwargs))
    return statements


def count_selects(statements: list[str]) -> int:
    return len([sql for sql in statements if sql.lstrip().upper().startswith("SELECT")])


def test_query_count_does_not_grow_with_suppliers(world, monkeypatch):
    sent = utc_now() - timedelta(days=20)
    give_back(ship(world, {"WIDGET": 3}), {"WIDGET": (1, "defective")})
    receive(purchase(world, {"WIDGET": 5}, sent_at=sent, answered_at=sent + timedelta(hours=3),
                     promised=(sent + timedelta(days=7)).date()), {"WIDGET": (5, 0)}, at=sent + timedelta(days=6))
    statements = selects_run(monkeypatch)
    assert len(supplier_scorecards()) == 1
    with_one = count_selects(statements)
    for n in range(2, 6):
        supplier = Partner.create(code=f"SUP{n}", name=f"Supplier {n}", kind="supplier")
        Product.create(sku=f"PART{n}", name=f"Part {n}", unit_price=Decimal("1.00"), supplier=supplier)
        order = purchase(world, {f"PART{n}": 4}, supplier=supplier, sent_at=sent, answered_at=sent + timedelta(hours=n),
                         promised=(sent + timedelta(days=7)).date())
        receive(order, {f"PART{n}": (4, 0)}, at=sent + timedelta(days=8))
    statements.clear()

    scores = supplier_scorecards()

    assert len(scores) == 5
    assert count_selects(statements) == with_one == 10


# --- deliveries against purchase orders ---------------------------------------------------------------------

NOW = datetime(2026, 6, 15, 12, 0)
SENT = NOW - timedelta(days=30)
DUE = (NOW - timedelta(days=10)).date()


def score_of(code: str = "SUP1", **kwargs):
    return {score.code: score for score in supplier_scorecards(now=NOW, **kwargs)}[code]


def test_a_short_receipt_lowers_the_fill_rate(world):
    order = purchase(world, {"WIDGET": 10, "GADGET": 10}, sent_at=SENT, promised=DUE)
    receive(order, {"WIDGET": (10, 0), "GADGET": (6, 0)}, at=NOW - timedelta(days=11),
            announced={"WIDGET": 10, "GADGET": 10})
    # not due yet and still open: its delivery is not over, so it is not measured
    purchase(world, {"WIDGET": 50}, status="confirmed", sent_at=SENT, promised=(NOW + timedelta(days=3)).date())

    score = score_of()

    assert (score.units_ordered, score.units_filled, score.fill_rate) == (20, 16, Decimal("0.8"))
    assert (score.units_received, score.units_short) == (16, 4)


def test_an_open_order_past_its_due_date_counts_what_is_missing(world):
    order = purchase(world, {"WIDGET": 10}, status="partially_received", sent_at=SENT, promised=DUE)
    receive(order, {"WIDGET": (4, 0)}, at=NOW - timedelta(days=12))
    purchase(world, {"GADGET": 5}, status="sent", sent_at=SENT, expected=DUE)  # never answered, never came
    purchase(world, {"GADGET": 7}, status="cancelled", sent_at=SENT, expected=DUE)
    purchase(world, {"GADGET": 7}, status="closed", sent_at=SENT, expected=DUE, dropship=True)

    score = score_of()

    assert (score.units_ordered, score.units_filled, score.fill_rate) == (15, 4, Decimal("0.2667"))
    assert score.late_lines == 2
    assert (score.purchase_orders, score.open_purchase_orders) == (4, 2)


def test_over_delivery_does_not_make_up_for_a_short_line(world):
    order = purchase(world, {"WIDGET": 10, "GADGET": 10}, sent_at=SENT, promised=DUE)
    receive(order, {"WIDGET": (15, 0), "GADGET": (5, 0)}, at=NOW - timedelta(days=11))

    assert score_of().fill_rate == Decimal("0.75")


def test_a_late_receipt_lowers_the_on_time_rate(world):
    on_time = purchase(world, {"WIDGET": 10}, sent_at=SENT, promised=DUE)
    receive(on_time, {"WIDGET": (10, 0)}, at=datetime.combine(DUE, datetime.max.time()))  # the last minute
    late = purchase(world, {"GADGET": 5}, sent_at=SENT, promised=DUE)
    receive(late, {"GADGET": (5, 0)}, at=datetime.combine(DUE + timedelta(days=1), datetime.min.time()))
    # no promised date: the order's expected date decides
    by_order_date = purchase(world, {"WIDGET": 4}, sent_at=SENT, expected=DUE - timedelta(days=5))
    receive(by_order_date, {"WIDGET": (4, 0)}, at=NOW - timedelta(days=12))
    undated = purchase(world, {"GADGET": 100}, sent_at=SENT)  # no date to be late against: not measured
    receive(undated, {"GADGET": (100, 0)}, at=NOW - timedelta(days=1))

    score = score_of()

    assert (score.units_on_time, score.units_dated) == (10, 19)
    assert score.on_time_rate == Decimal("0.5263")  # by units: 10 of 19
    assert score.late_lines == 2


def test_damaged_units_raise_the_defect_rate(world):
    order = purchase(world, {"WIDGET": 10}, sent_at=SENT, promised=DUE)
    receive(order, {"WIDGET": (8, 2)}, at=NOW - timedelta(days=11))
    give_back(ship(world, {"WIDGET": 10}), {"WIDGET": (1, "defective")})

    score = score_of()

    assert (score.units_received, score.units_damaged, score.units_defective) == (8, 2, 1)
    assert score.defect_rate == Decimal("0.15")  # (2 damaged + 1 defective) / (10 received + 10 shipped)
    assert score.defective_rate == Decimal("0.1")  # returns only
    assert score.fill_rate == Decimal("0.8")  # damaged units are not on hand


def test_confirmation_speed_is_the_median_of_answered_orders(world):
    for hours in (2, 10, 4):
        purchase(world, {"WIDGET": 1}, status="confirmed", sent_at=SENT, answered_at=SENT + timedelta(hours=hours))
    purchase(world, {"WIDGET": 1}, status="confirmed", sent_at=SENT, answered_at=SENT + timedelta(minutes=90),
             dropship=True)
    purchase(world, {"WIDGET": 1}, status="sent", sent_at=SENT)  # not answered yet: no speed to measure
    Partner.create(code="SUP2", name="Supplier Two", kind="supplier")

    assert score_of().confirmation_hours == Decimal("3.0")  # 1.5, 2, 4, 10
    assert score_of("SUP2").confirmation_hours is None


def test_promised_and_actual_lead_days_are_averaged_per_line(world):
    first = purchase(world, {"WIDGET": 5, "GADGET": 5}, sent_at=SENT, promised=(SENT + timedelta(days=7)).date())
    receive(first, {"WIDGET": (2, 0)}, at=SENT + timedelta(days=6))
    receive(first, {"WIDGET": (3, 0), "GADGET": (5, 0)}, at=SENT + timedelta(days=12))
    purchase(world, {"WIDGET": 5}, sent_at=SENT, promised=(SENT + timedelta(days=10)).date())  # not come

    score = score_of()

    assert score.promised_lead_days == Decimal("8.0")  # 7, 7, 10
    assert score.actual_lead_days == Decimal("9.0")  # the first receipt of each line: 6, 12


def test_a_supplier_without_purchase_orders_has_no_delivery_measures(world):
    Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    receive(purchase(world, {"WIDGET": 3}, sent_at=SENT, promised=DUE), {"WIDGET": (3, 0)}, at=SENT)

    idle = score_of("SUP2")

    assert (idle.on_time_rate, idle.fill_rate, idle.defect_rate) == (None, None, None)
    assert (idle.promised_lead_days, idle.actual_lead_days, idle.confirmation_hours) == (None, None, None)
    assert (idle.purchase_orders, idle.late_lines, idle.units_received) == (0, 0, 0)
    assert score_of().on_time_rate == Decimal("1")


def test_the_window_keeps_recent_receipts_and_lines_due(world):
    old_sent = NOW - timedelta(days=300)
    old = purchase(world, {"WIDGET": 10}, sent_at=old_sent, promised=(old_sent + timedelta(days=5)).date())
    receive(old, {"WIDGET": (2, 3)}, at=old_sent + timedelta(days=9))
    recent = purchase(world, {"WIDGET": 10}, sent_at=SENT, promised=DUE)
    receive(recent, {"WIDGET": (10, 0)}, at=NOW - timedelta(days=11))

    windowed = score_of(since=NOW - timedelta(days=90))
    everything = score_of()

    assert (windowed.units_received, windowed.units_damaged, windowed.fill_rate) == (10, 0, Decimal("1"))
    assert (windowed.on_time_rate, windowed.late_lines, windowed.purchase_orders) == (Decimal("1"), 0, 1)
    assert (everything.units_received, everything.units_damaged, everything.fill_rate) == (12, 3, Decimal("0.6"))
    assert (everything.on_time_rate, everything.late_lines) == (Decimal("0.6667"), 1)


def test_purchase_orders_of_another_supplier_stay_on_its_card(world):
    sup2 = other_supplier()
    Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.00"), supplier=sup2)
    receive(purchase(world, {"BOLT": 10}, supplier=sup2, sent_at=SENT, promised=DUE), {"BOLT": (5, 5)},
            at=NOW - timedelta(days=1))
    receive(purchase(world, {"WIDGET": 4}, sent_at=SENT, promised=DUE), {"WIDGET": (4, 0)}, at=SENT)

    [mine] = supplier_scorecards(supplier_id=sup2.id, now=NOW)

    assert (mine.code, mine.units_received, mine.units_damaged, mine.on_time_rate) == ("SUP2", 5, 5, Decimal("0"))
    assert (mine.fill_rate, mine.late_lines, mine.purchase_orders) == (Decimal("0.5"), 1, 1)


def test_ranking_puts_the_worst_first_by_each_measure(world):
    for code, on_time_units in (("SUP2", 8), ("SUP3", 2), ("SUP4", 5)):
        supplier = Partner.create(code=code, name=code, kind="supplier")
        Product.create(sku=f"P-{code}", name=code, unit_price=Decimal("1.00"), supplier=supplier)
        order = purchase(world, {f"P-{code}": 10}, supplier=supplier, sent_at=SENT, promised=DUE,
                         answered_at=SENT + timedelta(hours=on_time_units))
        receive(order, {f"P-{code}": (on_time_units, 0)}, at=NOW - timedelta(days=11))
        receive(order, {f"P-{code}": (10 - on_time_units, 0)}, at=NOW - timedelta(days=5))
    scores = supplier_scorecards(now=NOW)  # SUP1 has no purchase orders

    assert [s.code for s in rank_scorecards(scores)] == ["SUP3", "SUP4", "SUP2", "SUP1"]
    assert [s.code for s in rank_scorecards(scores, worst_first=False)] == ["SUP2", "SUP4", "SUP3", "SUP1"]
    assert [s.code for s in rank_scorecards(scores, by="confirmation_hours")] == ["SUP2", "SUP4", "SUP3", "SUP1"]
    assert [s.code for s in rank_scorecards(scores, by="late_lines")][:1] == ["SUP2"]  # all 1 late, by code
    with pytest.raises(ValueError, match="cannot rank by 'name'"):
        rank_scorecards(scores, by="name")


# --- the monthly trend ----------------------------------------------------------------------------------------

def test_the_trend_gives_on_time_and_fill_per_month_for_twelve_months(world):
    march, may = date(2026, 3, 10), date(2026, 5, 20)
    early = purchase(world, {"WIDGET": 10}, sent_at=datetime(2026, 3, 1), promised=march)
    receive(early, {"WIDGET": (10, 0)}, at=datetime(2026, 3, 9, 16))
    later = purchase(world, {"WIDGET": 10, "GADGET": 10}, sent_at=datetime(2026, 5, 1), promised=may)
    receive(later, {"WIDGET": (10, 0)}, at=datetime(2026, 5, 20, 8))
    receive(later, {"GADGET": (2, 0)}, at=datetime(2026, 6, 2, 8))
    ancient = purchase(world, {"WIDGET": 3}, sent_at=datetime(2025, 1, 2), promised=date(2025, 1, 9))
    receive(ancient, {"WIDGET": (3, 0)}, at=datetime(2025, 1, 20))  # more than twelve months ago

    months = monthly_trend(now=NOW)

    assert [m.label for m in months] == [f"2025-{n:02d}" for n in range(7, 13)] + [f"2026-{n:02d}" for n in
                                                                                   range(1, 7)]
    by_label = {m.label: m for m in months}
    assert (by_label["2026-03"].on_time_rate, by_label["2026-03"].fill_rate) == (Decimal("1"), Decimal("1"))
    assert (by_label["2026-05"].on_time_rate, by_label["2026-05"].fill_rate) == (Decimal("1"), Decimal("0.6"))
    assert (by_label["2026-06"].on_time_rate, by_label["2026-06"].fill_rate) == (Decimal("0"), None)
    assert (by_label["2026-04"].on_time_rate, by_label["2026-04"].fill_rate) == (None, None)
    assert (by_label["2026-05"].units_dated, by_label["2026-05"].units_ordered) == (10, 20)


def test_the_trend_of_one_supplier_leaves_the_others_out(world):
    sup2 = other_supplier()
    Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.00"), supplier=sup2)
    receive(purchase(world, {"BOLT": 10}, supplier=sup2, sent_at=SENT, promised=DUE), {"BOLT": (10, 0)},
            at=NOW - timedelta(days=2))
    receive(purchase(world, {"WIDGET": 10}, sent_at=SENT, promised=DUE), {"WIDGET": (5, 0)},
            at=NOW - timedelta(days=12))

    mine = {m.label: m for m in monthly_trend(supplier_id=world["supplier"].id, now=NOW)}
    everyone = {m.label: m for m in monthly_trend(now=NOW)}

    assert (mine["2026-06"].on_time_rate, mine["2026-06"].fill_rate) == (Decimal("1"), Decimal("0.5"))
    assert (everyone["2026-06"].on_time_rate, everyone["2026-06"].fill_rate) == (Decimal("0.3333"),
                                                                                 Decimal("0.75"))


def test_the_trend_runs_two_queries_whatever_the_suppliers(world, monkeypatch):
    receive(purchase(world, {"WIDGET": 10}, sent_at=SENT, promised=DUE), {"WIDGET": (5, 0)}, at=SENT)
    for n in range(2, 5):
        Partner.create(code=f"SUP{n}", name=f"Supplier {n}", kind="supplier")
    statements = selects_run(monkeypatch)

    monthly_trend(now=NOW)

    assert count_selects(statements) == 2
