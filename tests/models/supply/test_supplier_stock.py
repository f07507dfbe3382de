"""What a supplier sees of its SKUs: stock with incoming units, sell-through over two windows, cover, forecasts;
and one purchase order's page data."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.inventory.tables import Product, Warehouse
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.planning.tables import DemandForecast, ForecastPeriod, series_key
from models.shipping.tables import Shipment, ShipmentLine
from models.supply.asns import AsnLineInput, create_asn
from models.supply.confirmations import ConfirmationInput, confirm_purchase_order
from models.supply.purchase_order_view import line_counts, load_purchase_order_view
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.receipts import receive_purchase_order
from models.supply.supplier_stock import (
    SupplierStockRow,
    supplier_forecasts,
    supplier_stock,
)
from tests.factories import make_world

TODAY = date(2024, 6, 12)  # a Wednesday


def row(**values) -> SupplierStockRow:
    defaults = {"sku": "WIDGET", "name": "Widget", "warehouse": "EAST", "on_hand": 0, "reserved": 0, "incoming": 0,
                "next_arrival": None, "shipped_short": 0, "shipped_long": 0, "forecast_short": None}
    return SupplierStockRow(**(defaults | values))


@pytest.mark.parametrize("values, short, long, cover", [
    ({}, None, None, None),  # nothing there, nothing sold
    ({"on_hand": 30}, Decimal("0"), Decimal("0"), None),
    ({"on_hand": 75, "shipped_short": 25, "shipped_long": 65}, Decimal("0.25"), Decimal("0.464"), Decimal("15.0")),
    ({"on_hand": 10, "reserved": 10, "shipped_short": 5, "shipped_long": 13}, Decimal("0.333"), Decimal("0.565"),
     Decimal("0.0")),
    ({"shipped_short": 4, "shipped_long": 4}, Decimal("1"), Decimal("1"), Decimal("0.0")),  # sold out
])
def test_sell_through_and_cover(values, short, long, cover):
    stock = row(**values)
    assert (stock.sell_through_short, stock.sell_through_long, stock.weeks_of_cover) == (short, long, cover)


def shipped(world: dict, units: int, *, days_ago: int, status: str = "delivered", warehouse: str = "east") -> None:
    order = Order.create(channel="api", external_ref=f"SS-{days_ago}-{status}-{warehouse}", customer=world["customer"],
                         currency="USD", status="delivered", ship_to_name="Ada", ship_to_address="12 Main St",
                         ship_to_city="Springfield", ship_to_region="R1", ship_to_country="US")
    line = OrderLine.create(order=order, line_no=1, product=world["widget"], sku="WIDGET", quantity=units,
                            unit_price=Decimal("10"), line_total=Decimal("10") * units)
    shipment = Shipment.create(order=order, warehouse=world[warehouse], status=status,
                               created_at=utc_now() - timedelta(days=days_ago))
    ShipmentLine.create(shipment=shipment, order_line=line, quantity=units)


def test_a_supplier_sees_its_own_skus_with_windows_incoming_and_forecast(any_db):
    world = make_world(on_hand=50)
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1"), supplier=other)
    today = utc_now().date()
    shipped(world, 6, days_ago=2)
    shipped(world, 9, days_ago=40)  # in the 13 weeks, not the 4
    shipped(world, 50, days_ago=120)  # before both windows
    shipped(world, 7, days_ago=1, status="ready")  # not left the warehouse
    shipped(world, 3, days_ago=1, warehouse="west")
    purchase = create_purchase_order(supplier_code="SUP1", warehouse_code="EAST", actor="test",
                                     lines=[PurchaseLineInput("WIDGET", 20)], expected_at=today + timedelta(days=9))
    send_purchase_order(purchase.number, actor="test", answer_within=timedelta(days=3))
    monday = today - timedelta(days=today.weekday())
    by_warehouse = DemandForecast.create(series=series_key("WIDGET", "EAST"), product=world["widget"],
                                         warehouse=world["east"], method="TSB", history_weeks=30, horizon_weeks=8)
    for week, units in enumerate(("2.5", "3", "4", "5", "100")):  # the fifth week is beyond the next four
        ForecastPeriod.create(forecast=by_warehouse, week_start=monday + timedelta(weeks=week),
                              quantity=Decimal(units), low=0, high=Decimal(units) * 2)

    rows, next_key = supplier_stock(world["supplier"].id, limit=3)

    assert [(r.sku, r.warehouse) for r in rows] == [("GADGET", "EAST"), ("GADGET", "WEST"), ("WIDGET", "EAST")]
    assert next_key == ("WIDGET", "EAST")
    east = rows[-1]
    assert (east.on_hand, east.incoming, east.next_arrival) == (50, 20, today + timedelta(days=9))
    assert (east.shipped_short, east.shipped_long, east.forecast_short) == (6, 15, Decimal("14.5"))
    rest, last = supplier_stock(world["supplier"].id, limit=3, after=next_key)
    assert [(r.sku, r.warehouse, r.shipped_short, r.incoming) for r in rest] == [("WIDGET", "WEST", 3, 0)]
    assert last is None
    assert supplier_stock(other.id)[0] == []
    assert supplier_forecasts(world["supplier"].id, ["WIDGET", "GADGET"]) == {}  # only per-warehouse series


def test_forecasts_per_sku_over_every_warehouse(db):
    world = make_world()
    monday = TODAY - timedelta(days=TODAY.weekday())
    overall = DemandForecast.create(series=series_key("WIDGET", None), product=world["widget"], method="AutoETS",
                                    mase=Decimal("0.7"), history_weeks=60, horizon_weeks=12)
    for week in range(-1, 10):
        ForecastPeriod.create(forecast=overall, week_start=monday + timedelta(weeks=week), quantity=week + 1,
                              low=0, high=20)
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")

    found = supplier_forecasts(world["supplier"].id, ["WIDGET", "GADGET"], today=TODAY, weeks=3)

    assert list(found) == ["WIDGET"]
    assert found["WIDGET"].method == "AutoETS" and found["WIDGET"].mase == Decimal("0.7")
    assert [(w.week_start, w.quantity) for w in found["WIDGET"].weeks] == [
        (monday + timedelta(weeks=week), Decimal(week + 1)) for week in range(3)]
    assert supplier_forecasts(other.id, ["WIDGET"], today=TODAY) == {}


def test_the_purchase_order_view_holds_announced_units_receipts_and_trail(any_db):
    world = make_world()
    purchase = create_purchase_order(supplier_code="SUP1", warehouse_code="EAST", actor="test",
                                     lines=[PurchaseLineInput("WIDGET", 10), PurchaseLineInput("GADGET", 4)])
    send_purchase_order(purchase.number, actor="test", answer_within=timedelta(days=3))
    confirm_purchase_order(purchase.number, [ConfirmationInput("WIDGET", 10, TODAY),
                                             ConfirmationInput("GADGET", 4, TODAY)], supplier_id=None, actor="test")
    asn = create_asn(purchase.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 8)], carrier="DHL",
                     tracking_number="T1", expected_on=TODAY, actor="test")
    receive_purchase_order(purchase.number, {"WIDGET": 6}, damaged={"WIDGET": 1}, asn_id=asn.id, actor="test")

    view = load_purchase_order_view(purchase.id)

    widget = next(line for line in view.lines if line.product.sku == "WIDGET")
    assert view.announced == {widget.id: 8} and view.announced_on(asn.id) == {widget.id: 8}
    assert [asn_line.purchase_order_line.product.sku for asn_line in view.asn_lines[asn.id]] == ["WIDGET"]
    receipt_lines = view.receipt_lines[view.receipts[0].id]
    assert [(r.purchase_order_line.product.sku, r.discrepancy) for r in receipt_lines] == [("WIDGET", "short,damaged")]
    assert [change.to_status for change in view.trail] == ["draft", "sent", "confirmed", "shipped",
                                                          "partially_received"]
    assert not view.has_counter and view.sales_order is None
    assert line_counts([purchase.id]) == {purchase.id: 2} and line_counts([]) == {}
    assert Warehouse.get(Warehouse.code == "EAST") == world["east"]
