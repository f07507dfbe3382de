"""Replenishment suggestions from the database: netting stock, incoming purchase orders and ASNs and backorders;
ops' edits kept; one purchase order per supplier and warehouse; the automatic switches; recomputing after ordering."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.core.errors import ValidationFailed
from models.core.outbox import OutboxMessage
from models.core.stages import REPLENISHMENT, SUPPLIER_MAILS
from models.core.transitions import transition
from models.inventory.alerts import evaluate_alerts
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.planning.replenishment import compute_replenishment, replenished_product_ids
from models.planning.replenishment_orders import (
    edit_suggested_quantities,
    order_automatic_suggestions,
    order_suggestions,
)
from models.planning.settings import (
    ReplenishmentSettings,
    current_replenishment_settings,
    save_replenishment_settings,
)
from models.planning.tables import (
    DemandForecast,
    ForecastPeriod,
    ReplenishmentSuggestion,
    series_key,
)
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.tables import (
    AdvanceShippingNotice,
    AdvanceShippingNoticeLine,
    PurchaseOrder,
    PurchaseOrderLine,
)
from tests.factories import make_world

ACTOR = "planner@relay.test"
WITHIN = timedelta(days=3)


def forecast(sku: str, warehouse: str | None, weekly: float, *, std: float = 0.0, weeks: int = 12,
             method: str = "AutoETS") -> DemandForecast:
    """A stored forecast of ``weekly`` units every week from this week on."""
    product = Product.get(Product.sku == sku)
    row = Warehouse.get(Warehouse.code == warehouse) if warehouse else None
    head = DemandForecast.create(series=series_key(sku, warehouse), product=product, warehouse=row, method=method,
                                 mase=Decimal("0.8"), history_weeks=52, horizon_weeks=weeks,
                                 mean_weekly=Decimal(str(weekly)), weekly_std=Decimal(str(std)))
    monday = utc_now().date() - timedelta(days=utc_now().date().weekday())
    ForecastPeriod.insert_many([{"forecast": head.id, "week_start": monday + timedelta(weeks=week),
                                 "quantity": weekly, "low": weekly, "high": weekly} for week in range(weeks)]).execute()
    # a past week that must not count
    ForecastPeriod.create(forecast=head, week_start=monday - timedelta(weeks=1), quantity=999, low=0, high=999)
    return head


def set_stock(warehouse: str, sku: str, on_hand: int, reserved: int = 0) -> None:
    (Stock.update(on_hand=on_hand, reserved=reserved)
     .where(Stock.warehouse == Warehouse.get(Warehouse.code == warehouse).id,
            Stock.product == Product.get(Product.sku == sku).id).execute())


def backorder(sku: str, quantity: int, *, region: str = "R1", ref: str = "BO-1") -> Order:
    """An order waiting for stock (status backordered) shipping to ``region``."""
    order = Order.create(channel="api", external_ref=ref, customer=Partner.get(Partner.code == "CUST1"),
                         currency="USD", status="backordered", ship_to_name="Ada", ship_to_address="1 Road",
                         ship_to_city="Town", ship_to_region=region, ship_to_country="US")
    OrderLine.create(order=order, line_no=1, product=Product.get(Product.sku == sku), sku=sku, quantity=quantity,
                     unit_price=Decimal("1.00"), line_total=Decimal("1.00"))
    return order


def suggestion(sku: str, warehouse: str) -> ReplenishmentSuggestion:
    return (ReplenishmentSuggestion.select().join(Product).switch(ReplenishmentSuggestion).join(Warehouse)
            .where(Product.sku == sku, Warehouse.code == warehouse).get())


def compute(**kwargs) -> int:
    return compute_replenishment(None, actor=ACTOR, answer_within=WITHIN, **kwargs)


@pytest.fixture
def world(any_db):
    world = make_world(on_hand=100)
    # one week of review; SUP1's lead time is 5 days; no safety stock unless a test gives σ
    return world


def test_netting_on_hand_reserved_incoming_and_backorders(world):
    forecast("WIDGET", "EAST", 14, std=5.1)
    set_stock("EAST", "WIDGET", 30, reserved=8)
    Partner.update(lead_time_days=14).where(Partner.code == "SUP1").execute()
    # a sent purchase order of 10, its supplier confirmed 6; and a shipped one with an ASN on its way: 5 more
    sent = create_purchase_order(supplier_code="SUP1", warehouse_code="EAST", actor=ACTOR,
                                 lines=[PurchaseLineInput("WIDGET", 10)])
    send_purchase_order(sent.number, actor=ACTOR, answer_within=WITHIN)
    PurchaseOrderLine.update(confirmed_quantity=6).where(PurchaseOrderLine.purchase_order == sent.id).execute()
    shipped = create_purchase_order(supplier_code="SUP1", warehouse_code="EAST", actor=ACTOR,
                                    lines=[PurchaseLineInput("WIDGET", 5)])
    send_purchase_order(shipped.number, actor=ACTOR, answer_within=WITHIN)
    assert transition("purchase_order", shipped.id, "shipped", actor=ACTOR)
    asn = AdvanceShippingNotice.create(purchase_order=shipped, reference="ASN-1",
                                       expected_on=utc_now().date() + timedelta(days=2))
    AdvanceShippingNoticeLine.create(asn=asn, purchase_order_line=shipped.lines[0], quantity=5)
    # a draft is not incoming yet; a drop-ship product is never replenished
    create_purchase_order(supplier_code="SUP1", warehouse_code="EAST", actor=ACTOR,
                          lines=[PurchaseLineInput("WIDGET", 50)])
    backorder("WIDGET", 4, region="R1", ref="BO-EAST")  # R1: EAST has the cheapest lane
    backorder("WIDGET", 3, region="R2", ref="BO-WEST")  # R2: only WEST
    backorder("WIDGET", 9, region="R9", ref="BO-NOWHERE")  # no warehouse serves R9

    assert compute() == 4
    east = suggestion("WIDGET", "EAST")
    # position 30 − 8 + 11 − 4 = 29; forecast 28 over 14 d, 42 over 21 d; safety 2.0537 × 5.1 × √3 → 19 (class A)
    assert (east.on_hand, east.reserved, east.incoming, east.backordered) == (30, 8, 11, 4)
    assert (east.sku_class, east.service_level, east.lead_time_days) == ("A", Decimal("0.98"), 14)
    assert (east.forecast_over_lead, east.safety_stock, east.reorder_point, east.order_up_to) == \
        (Decimal("28.00"), 19, 47, 61)
    assert (east.suggested_quantity, east.status, east.supplier.code) == (32, "open", "SUP1")
    assert east.explanation == (
        "forecast 28.0 over 14 d lead, 42.0 over 14 d lead + 7 d review (AutoETS); safety stock 19 (class A, 98 %, "
        "σ 5.1/wk); on hand 30 − reserved 8 + incoming 11 − backorders 4 = 29 ≤ reorder point 47 → order up to "
        "61: 32")
    west = suggestion("WIDGET", "WEST")
    assert (west.backordered, west.suggested_quantity, west.sku_class) == (3, 0, "A")  # the class is per SKU
    assert suggestion("GADGET", "EAST").sku_class == "C"  # no demand
    assert west.explanation.startswith("no forecast yet")


def test_pack_size_minimum_order_and_the_default_lead_time(world):
    forecast("GADGET", "WEST", 10)
    set_stock("WEST", "GADGET", 0)
    Product.update(pack_size=12, min_order_quantity=30).where(Product.sku == "GADGET").execute()
    Partner.update(lead_time_days=None).where(Partner.code == "SUP1").execute()
    compute()
    gadget = suggestion("GADGET", "WEST")
    # the default 14 days of lead time: 20 units, 30 over 21 days, no σ → up to 30: 30, rounded to 36
    assert (gadget.lead_time_days, gadget.reorder_point, gadget.order_up_to) == (14, 20, 30)
    assert gadget.suggested_quantity == 36
    assert gadget.explanation.endswith("→ order up to 30: 30, rounded to pack 12 → 36")


def test_the_settings_in_force_set_the_service_level_and_review_period(world):
    forecast("WIDGET", "EAST", 7, std=2)
    set_stock("EAST", "WIDGET", 0)
    rule_set, settings = current_replenishment_settings()
    save_replenishment_settings(ReplenishmentSettings.from_document({
        **settings.to_document(), "service_levels": {"A": "0.5", "B": "0.5", "C": "0.5"},
        "review_period_days": 14}), actor=ACTOR, expected_version=rule_set.version)
    compute()
    east = suggestion("WIDGET", "EAST")
    assert (east.safety_stock, east.service_level, east.order_up_to) == (0, Decimal("0.5"), 5 + 14)


def test_an_edit_is_kept_until_nothing_is_to_be_ordered(world):
    forecast("WIDGET", "EAST", 14)
    set_stock("EAST", "WIDGET", 0)
    compute()
    row = suggestion("WIDGET", "EAST")
    assert row.suggested_quantity == 24  # 2 a day over 5 days of lead time + 7 days of review
    assert edit_suggested_quantities({row.id: 50}, actor=ACTOR) == 1
    set_stock("EAST", "WIDGET", 3)
    assert compute() >= 1
    row = suggestion("WIDGET", "EAST")
    assert (row.suggested_quantity, row.edited_quantity) == (21, 50)
    assert edit_suggested_quantities({row.id: 21}, actor=ACTOR) == 1  # back to the suggestion: no edit
    assert suggestion("WIDGET", "EAST").edited_quantity is None
    edit_suggested_quantities({row.id: 40}, actor=ACTOR)
    set_stock("EAST", "WIDGET", 100)
    compute()
    assert (suggestion("WIDGET", "EAST").suggested_quantity, suggestion("WIDGET", "EAST").edited_quantity) == (0, None)


def test_recomputing_unchanged_changes_nothing(world):
    forecast("WIDGET", "EAST", 14)
    assert compute() == 4  # both products in both warehouses
    assert compute() == 0
    assert ReplenishmentSuggestion.select().count() == 4


def test_one_purchase_order_per_supplier_and_warehouse(world):
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier", lead_time_days=10)
    bolt = Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.00"), supplier=other)
    Stock.create(warehouse=world["east"], product=bolt, on_hand=0)
    for sku in ("WIDGET", "GADGET", "BOLT"):
        forecast(sku, "EAST", 14)
        set_stock("EAST", sku, 0) if sku != "BOLT" else None
    forecast("WIDGET", "WEST", 7)
    set_stock("WEST", "WIDGET", 0)
    compute()
    chosen = {suggestion(sku, code).id: quantity for sku, code, quantity in
              (("WIDGET", "EAST", 24), ("GADGET", "EAST", 12), ("BOLT", "EAST", 30), ("WIDGET", "WEST", 10))}
    numbers = order_suggestions(chosen, actor=ACTOR, send=False, answer_within=WITHIN)
    assert len(numbers) == 3
    purchases = {(po.supplier.code, po.warehouse.code): po for po in
                 PurchaseOrder.select().where(PurchaseOrder.number.in_(numbers))}
    assert set(purchases) == {("SUP1", "EAST"), ("SUP1", "WEST"), ("SUP2", "EAST")}
    lines = {sku: quantity for sku, quantity in PurchaseOrderLine.select(Product.sku, PurchaseOrderLine.quantity)
             .join(Product).where(PurchaseOrderLine.purchase_order == purchases[("SUP1", "EAST")].id).tuples()}
    assert lines == {"WIDGET": 24, "GADGET": 12}
    assert all((po.status, po.origin, po.created_by) == ("draft", "replenishment", ACTOR)
               for po in purchases.values())
    assert purchases[("SUP2", "EAST")].expected_at == utc_now().date() + timedelta(days=10)
    row = suggestion("GADGET", "EAST")
    assert (row.status, row.purchase_order_id) == ("ordered", purchases[("SUP1", "EAST")].id)
    with pytest.raises(ValidationFailed) as refused:
        order_suggestions({row.id: 5}, actor=ACTOR, send=False, answer_within=WITHIN)
    assert refused.value.messages == {f"suggestion {row.id}": [f"already ordered on {purchases[('SUP1', 'EAST')].number}"]}
    assert PurchaseOrder.select().count() == 3


def test_a_bad_selection_orders_nothing(world):
    forecast("WIDGET", "EAST", 14)
    set_stock("EAST", "WIDGET", 0)
    compute()
    row = suggestion("WIDGET", "EAST")
    with pytest.raises(ValidationFailed) as refused:
        order_suggestions({row.id: 10, 999_999: 5}, actor=ACTOR, send=True, answer_within=WITHIN)
    assert refused.value.messages == {"suggestion 999999": ["no such suggestion; reload the page"]}
    with pytest.raises(ValidationFailed):
        order_suggestions({row.id: 0}, actor=ACTOR, send=True, answer_within=WITHIN)
    assert PurchaseOrder.select().count() == 0 and suggestion("WIDGET", "EAST").status == "open"


def test_an_ordered_suggestion_waits_for_its_draft_then_counts_it_as_incoming(world):
    forecast("WIDGET", "EAST", 14)
    set_stock("EAST", "WIDGET", 0)
    compute()
    row = suggestion("WIDGET", "EAST")
    [number] = order_suggestions({row.id: row.suggested_quantity}, actor=ACTOR, send=False, answer_within=WITHIN)
    compute()
    waiting = suggestion("WIDGET", "EAST")
    assert (waiting.status, waiting.suggested_quantity, waiting.incoming) == ("ordered", 24, 0)  # untouched
    send_purchase_order(number, actor=ACTOR, answer_within=WITHIN)
    compute()
    after = suggestion("WIDGET", "EAST")
    assert (after.status, after.incoming, after.suggested_quantity, after.purchase_order.number) == \
        ("open", 24, 0, number)
    assert "incoming 24" in after.explanation and after.explanation.endswith("→ no order")


def test_the_automatic_switch_orders_and_sends_without_a_person(world):
    forecast("WIDGET", "EAST", 14)
    forecast("GADGET", "EAST", 14)
    set_stock("EAST", "WIDGET", 0)
    set_stock("EAST", "GADGET", 0)
    Product.update(auto_replenish=True).where(Product.sku == "WIDGET").execute()
    compute()
    [purchase] = list(PurchaseOrder.select())
    assert (purchase.status, purchase.origin, purchase.warehouse.code) == ("sent", "automatic", "EAST")
    assert [(line.product.sku, line.quantity) for line in purchase.lines] == [("WIDGET", 24)]
    assert purchase.confirm_by is not None
    mails = [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == SUPPLIER_MAILS.actor_name)]
    assert mails == [[purchase.id, "sent"]]
    assert suggestion("WIDGET", "EAST").status == "ordered"
    assert (suggestion("GADGET", "EAST").status, suggestion("GADGET", "EAST").suggested_quantity) == ("open", 24)
    # recomputing counts the sent order as incoming: nothing more to order, and nothing ordered twice
    compute()
    assert PurchaseOrder.select().count() == 1
    assert (suggestion("WIDGET", "EAST").status, suggestion("WIDGET", "EAST").suggested_quantity) == ("open", 0)


def test_the_supplier_switch_orders_every_sku_of_that_supplier(world):
    forecast("WIDGET", "EAST", 14)
    forecast("GADGET", "WEST", 7)
    set_stock("EAST", "WIDGET", 0)
    set_stock("WEST", "GADGET", 0)
    Partner.update(auto_replenish=True).where(Partner.code == "SUP1").execute()
    compute()
    purchases = {po.warehouse.code: po for po in PurchaseOrder.select()}
    assert set(purchases) == {"EAST", "WEST"}
    assert all(po.status == "sent" and po.origin == "automatic" for po in purchases.values())
    assert order_automatic_suggestions(actor=ACTOR, answer_within=WITHIN) == []


def test_a_low_stock_alert_nudges_replenishment_of_its_sku(world):
    Product.update(reorder_point=10).where(Product.sku == "WIDGET").execute()
    set_stock("EAST", "WIDGET", 5)
    stock_id = Stock.get(Stock.warehouse == world["east"].id, Stock.product == world["widget"].id).id
    raised, _ = evaluate_alerts([stock_id])
    assert len(raised) == 1
    nudges = [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == REPLENISHMENT.actor_name)]
    assert nudges == [[[world["widget"].id]]]


def test_only_replenished_products_get_suggestions(world):
    Product.update(dropship=True).where(Product.sku == "GADGET").execute()
    assert replenished_product_ids() == [world["widget"].id]
    compute()
    assert {(row.product.sku, row.warehouse.code) for row in ReplenishmentSuggestion.select()} == \
        {("WIDGET", "EAST"), ("WIDGET", "WEST")}
    assert compute_replenishment([], actor=ACTOR) == 0


def test_a_batch_takes_the_same_statements_for_two_products_or_forty(world, monkeypatch):
    from models.core.db import database

    def statements_for(count: int) -> int:
        for number in range(count):
            product = Product.create(sku=f"P{count}-{number}", name="Part", unit_price=Decimal("2.00"),
                                     supplier=world["supplier"])
            Stock.create(warehouse=world["east"], product=product, on_hand=number)
            forecast(product.sku, "EAST", number + 1)
        ids = [p.id for p in Product.select().where(Product.sku.startswith(f"P{count}-"))]
        executed: list[str] = []
        real = database.obj.execute_sql
        monkeypatch.setattr(database.obj, "execute_sql",
                            lambda sql, *args, **kwargs: executed.append(sql) or real(sql, *args, **kwargs))
        compute_replenishment(ids, actor=ACTOR, answer_within=WITHIN)
        monkeypatch.setattr(database.obj, "execute_sql", real)
        return len(executed)

    current_replenishment_settings()  # the defaults' first version is written once, before counting
    assert statements_for(2) == statements_for(40)
