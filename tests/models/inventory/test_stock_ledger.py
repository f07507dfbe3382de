"""The stock ledger of a SKU on real rows: adjustments, transfers, units shipments took and a cancelled waybill
gave back, returns restocked and quarantined, in time order with the running on-hand."""
from datetime import datetime

import pytest

from models.core.db import database
from models.intake.entry import place_order
from models.inventory.ledger import running_on_hand, sku_ledger
from models.inventory.moves import (
    adjust_stock,
    move_on_hand,
    quarantine,
    transfer_stock,
)
from models.inventory.tables import Stock
from models.shipping.tables import Shipment
from models.shipping.waybill_changes import record_waybill_cancellation
from schemas.orders import order_schema
from tests.factories import book_waybills, make_world, order_body

AT = datetime(2026, 1, 1)


def test_running_on_hand_counts_back_from_today():
    movements = [(5, AT, 1, "shipment", -2), (4, AT, 2, "adjustment", 3), (3, AT, 1, "quarantine", 1),
                 (2, AT, 1, "receipt", 10)]
    lines = running_on_hand(movements, {1: 50, 2: 7}, {1: -4})
    assert [line.on_hand_after for line in lines] == [54, 7, None, 56]


@pytest.fixture
def world(any_db):
    return make_world()


def test_ledger_lists_every_movement_with_the_on_hand_after_it(world):
    start = {w: Stock.get(Stock.product == world["widget"], Stock.warehouse == world[w]).on_hand
             for w in ("east", "west")}
    adjust_stock("EAST", "WIDGET", 5, reason_code="found", actor="ops")
    transfer_stock("EAST", "WEST", "WIDGET", 3, reason_code="rebalance", actor="ops")
    order, _ = place_order(order_schema.load(order_body("PO-1")), actor="test")  # 2 WIDGET, 1 GADGET, from EAST
    book_waybills(order)
    shipment = Shipment.get(Shipment.order == order.id)
    assert record_waybill_cancellation(shipment.id, actor="ops", reason="wrong parcel")
    with database.atomic():
        move_on_hand(world["east"], world["widget"], 1, field="line", kind="return", reason_code="return",
                     actor="ops")
        quarantine(world["east"], world["widget"], 1, actor="ops")

    movements, after, _ = sku_ledger(world["widget"].id)
    rows = [(m.warehouse.code, m.kind, m.quantity, after[m.id]) for m in reversed(movements)]  # oldest first
    east, west = start["east"], start["west"]
    assert rows == [
        ("EAST", "adjustment", 5, east + 5),
        ("EAST", "transfer_out", -3, east + 2),
        ("WEST", "transfer_in", 3, west + 3),
        ("EAST", "shipment", -2, east),
        ("EAST", "unshipped", 2, east + 2),
        ("EAST", "return", 1, east + 3),
        ("EAST", "quarantine", 1, None),
    ]
    now = {m.warehouse.code: Stock.get(Stock.product == world["widget"], Stock.warehouse == m.warehouse_id).on_hand
           for m in movements}
    assert now == {"EAST": east + 3, "WEST": west + 3}
    assert [m.reference for m in movements if m.kind == "shipment"] == [f"shipment {shipment.id}"]


def test_a_later_page_continues_the_running_on_hand(world):
    for _ in range(5):
        adjust_stock("EAST", "WIDGET", 2, reason_code="found", actor="ops")
    first, after_first, next_before = sku_ledger(world["widget"].id, limit=2)
    second, after_second, _ = sku_ledger(world["widget"].id, limit=2, before=next_before)
    on_hand = Stock.get(Stock.product == world["widget"], Stock.warehouse == world["east"]).on_hand
    assert [after_first[m.id] for m in first] + [after_second[m.id] for m in second] == \
        [on_hand, on_hand - 2, on_hand - 4, on_hand - 6]
