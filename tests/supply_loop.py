"""The supplier loop as users drive it through the API, shared by the in-process test (SQLite and PostgreSQL) and
the one on RabbitMQ with worker processes: falling stock → forecast → suggestion → PO → confirmation → ASN → a
short, damaged receipt → the backorder filled → the scorecard showing the shortfall."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable

from models.core.base import utc_now
from models.inventory.tables import Product, Stock
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from models.planning.demand_history import week_start
from models.planning.demo_history import ShippedOrder, write_shipped_orders
from tests.factories import allow_repeat_orders, make_world, order_body

WEEKLY = 20  # widgets shipped from EAST every week of the history
HISTORY_WEEKS = 60
EAST_ON_HAND = 30  # WIDGET's stock in EAST at the start
DRAWN = 25  # units the second order takes from EAST, leaving it below the reorder point


def build_loop_world(client) -> dict:
    """make_world() with WIDGET only in EAST (30 units, reorder point 20, packs of 12), a year of weekly demand
    shipped from EAST, and ops and supplier API tokens on ``client``."""
    world = make_world(on_hand=0)
    allow_repeat_orders()
    Stock.update(on_hand=EAST_ON_HAND).where(Stock.product == world["widget"].id,
                                             Stock.warehouse == world["east"].id).execute()
    Product.update(reorder_point=20, pack_size=12).where(Product.id == world["widget"].id).execute()
    this_week = week_start(utc_now())
    write_shipped_orders([
        ShippedOrder(customer_id=world["customer"].id, warehouse_id=world["east"].id, supplier_id=None,
                     dispatched_at=_monday(this_week - timedelta(weeks=week)), lines=((world["widget"].id, WEEKLY),))
        for week in range(1, HISTORY_WEEKS + 1)], reference_prefix="HIST")
    ops, _ = create_user("ops@loop.test", "ops_admin", password="secret-pass-1")
    supplier, _ = create_user("sup1@loop.test", "supplier", partner_code="SUP1", password="secret-pass-1")
    client.ops = {"Authorization": f"Bearer {ApiToken.issue(ops)}"}
    client.supplier = {"Authorization": f"Bearer {ApiToken.issue(supplier)}"}
    return world


def _monday(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=9)


def place(client, ref: str, quantity: int) -> int:
    answer = client.post("/api/v1/orders", headers=client.ops,
                         json=order_body(ref, lines=[{"sku": "WIDGET", "quantity": quantity}]))
    assert answer.status_code in (201, 202) and answer.get_json()["created"], answer.text
    return answer.get_json()["id"]


def order_status(client, order_id: int) -> str:
    return client.get(f"/api/v1/orders/{order_id}", headers=client.ops).get_json()["status"]


def run_loop(client, *, settle: Callable[[str, Callable[[], bool]], None]) -> dict:
    """Drive the loop; ``settle(what, done)`` makes the pipeline work until ``done()`` (in process, or by waiting
    for the workers). Returns the figures the callers check."""
    backordered = place(client, "LOOP-BIG", 40)  # more than EAST holds: waits for stock
    settle("the big order backordered", lambda: order_status(client, backordered) == "backordered")
    drawn = place(client, "LOOP-DRAW", DRAWN)  # allocated: 5 left, below the reorder point of 20
    settle("the second order allocated", lambda: order_status(client, drawn) in ("allocated", "shipped",
                                                                                  "delivered"))
    alerts = client.get("/api/v1/stock?sku=WIDGET&warehouse=EAST", headers=client.ops).get_json()["items"]
    assert alerts[0]["alert_open"] is True

    def suggested() -> bool:
        """A suggestion to order computed from the forecast (not only from the alert before any forecast) and from
        the stock left after the second order (a forecast run may have finished before it drew EAST down, and the
        alert's recomputation then follows)."""
        items = client.get("/api/v1/replenishment?sku=WIDGET&warehouse=EAST", headers=client.ops).get_json()["items"]
        forecasts = client.get("/api/v1/forecasts?sku=WIDGET&warehouse=EAST", headers=client.ops).get_json()["items"]
        return bool(items and forecasts) and items[0]["suggested_quantity"] > 0 and \
            items[0]["computed_at"] >= forecasts[0]["computed_at"] and \
            items[0]["on_hand"] - items[0]["reserved"] == EAST_ON_HAND - DRAWN
    settle("a forecast and a replenishment suggestion", suggested)
    forecast = client.get("/api/v1/forecasts?sku=WIDGET&warehouse=EAST", headers=client.ops).get_json()["items"][0]
    [suggestion] = client.get("/api/v1/replenishment?sku=WIDGET&warehouse=EAST",
                              headers=client.ops).get_json()["items"]
    ordered = client.post("/api/v1/replenishment/orders", headers=client.ops, json={
        "items": [{"sku": "WIDGET", "warehouse": "EAST"}], "send": True})
    assert ordered.status_code == 201, ordered.text
    [number] = ordered.get_json()["purchase_orders"]
    purchase = client.get(f"/api/v1/purchase-orders/{number}", headers=client.supplier).get_json()
    assert (purchase["status"], purchase["kind"]) == ("sent", "stock")
    [line] = purchase["lines"]
    promised = str(date.today() + timedelta(days=3))
    confirmed = client.post(f"/api/v1/purchase-orders/{number}/confirmation", headers=client.supplier, json={
        "lines": [{"sku": "WIDGET", "quantity": line["quantity"], "promised_date": promised}]})
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed", confirmed.text
    asn = client.post(f"/api/v1/purchase-orders/{number}/asns", headers=client.supplier, json={
        "lines": [{"sku": "WIDGET", "quantity": line["quantity"]}], "carrier": "Road Freight Co",
        "tracking_number": "RF-0001", "expected_on": promised})
    assert asn.status_code == 201, asn.text
    good = line["quantity"] - 12  # a pack short, and two units damaged
    receipt = client.post(f"/api/v1/purchase-orders/{number}/receipts", headers=client.ops, json={
        "asn": asn.get_json()["id"], "lines": [{"sku": "WIDGET", "quantity": good - 2, "damaged": 2}]})
    assert receipt.status_code == 201, receipt.text
    settle("the backorder filled", lambda: order_status(client, backordered) in ("allocated", "shipped",
                                                                                 "delivered"))
    closed = client.post(f"/api/v1/purchase-orders/{number}/close", headers=client.ops,
                         json={"reason": "the supplier will not send the missing pack"})
    assert closed.status_code == 200, closed.text
    scorecard = client.get("/api/v1/suppliers/SUP1/scorecard", headers=client.supplier).get_json()
    return {"forecast": forecast, "suggestion": suggestion, "ordered": line["quantity"], "good": good - 2,
            "receipt": receipt.get_json(), "purchase": client.get(f"/api/v1/purchase-orders/{number}",
                                                                  headers=client.ops).get_json(),
            "scorecard": scorecard}


def check_loop(figures: dict) -> None:
    """What every run of the loop must show."""
    forecast, suggestion = figures["forecast"], figures["suggestion"]
    assert forecast["method"] and forecast["periods"] and float(forecast["periods"][0]["quantity"]) > 10
    assert suggestion["supplier"] == "SUP1" and suggestion["suggested_quantity"] % 12 == 0
    assert "forecast" in suggestion["explanation"] and "safety stock" in suggestion["explanation"]
    assert figures["ordered"] == suggestion["suggested_quantity"]
    assert figures["receipt"]["receipt"]["lines"][0]["discrepancy"] == "short,damaged"
    [line] = figures["purchase"]["lines"]
    assert (line["received_quantity"], line["damaged_quantity"]) == (figures["good"], 2)
    assert figures["purchase"]["status"] == "closed"
    card = figures["scorecard"]
    assert float(card["fill_rate"]) == round(figures["good"] / figures["ordered"], 4)
    assert card["units_damaged"] == 2 and float(card["defect_rate"]) > 0
