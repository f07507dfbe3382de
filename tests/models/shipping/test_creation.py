"""Shipments from reservations for a batch of orders, and the re-drive of allocated orders, on SQLite and PostgreSQL."""
from __future__ import annotations

from decimal import Decimal

from models.allocation.step import allocate_orders
from models.core.db import database
from models.core.outbox import OutboxMessage
from models.core.stages import CARRIER_CALL_MAX, WAYBILLS
from models.core.transitions import transition
from models.intake.entry import place_order
from models.orders.tables import Order
from models.shipping.creation import create_shipments_for, nudge_waybills
from models.shipping.tables import CancelledWaybill, Shipment, ShipmentLine
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, make_world, order_body

ACTOR = "worker:test"


def allocated_orders(count: int) -> list[int]:
    """``count`` orders of 2 widgets and 1 gadget, allocated from EAST."""
    ids = []
    for number in range(count):
        order, _ = place_order(order_schema.load(order_body(f"PO-{number}")), actor="test")
        transition("order", order.id, "approved", actor="test", expected=order.status)
        ids.append(order.id)
    assert allocate_orders(ids, actor=ACTOR).outcomes == dict.fromkeys(ids, "allocated")
    return ids


def as_left_by_an_older_release(order_ids: list[int]) -> None:
    """Allocated, its shipments still to make: how the allocation stage used to leave an order."""
    Shipment.delete().where(Shipment.order.in_(order_ids)).execute()
    OutboxMessage.delete().execute()


def waybill_nudges() -> list[list[int]]:
    return [message.args[0] for message in OutboxMessage.select()
            .where(OutboxMessage.actor_name == WAYBILLS.actor_name).order_by(OutboxMessage.id)]


def test_re_drive_creates_the_missing_shipments_once_and_nudges_their_waybills(any_db):
    make_world()
    allow_repeat_orders()
    ids = allocated_orders(2)
    as_left_by_an_older_release(ids)

    pending = create_shipments_for(ids, actor=ACTOR)

    shipments = list(Shipment.select().order_by(Shipment.order))
    assert [s.id for s in shipments] == pending and [s.order_id for s in shipments] == ids
    for shipment in shipments:
        assert (shipment.warehouse.code, shipment.wave, shipment.weight_kg) == ("EAST", 1, Decimal("2.200"))
        assert sorted((line.order_line.sku, line.quantity) for line in shipment.lines) == [("GADGET", 1),
                                                                                          ("WIDGET", 2)]
    assert waybill_nudges() == [pending]
    # Again: nothing new; the shipments still waiting for their waybill are nudged again.
    assert create_shipments_for(ids, actor=ACTOR) == pending
    assert (Shipment.select().count(), ShipmentLine.select().count()) == (2, 4)
    assert waybill_nudges() == [pending, pending]


def test_re_drive_leaves_out_a_shipment_whose_booking_ops_cancelled(any_db):
    make_world()
    allow_repeat_orders()
    kept, cancelled = allocated_orders(2)
    booked = Shipment.get(Shipment.order == cancelled)
    CancelledWaybill.create(shipment=booked, carrier="sandbox", waybill_number="SBX-1", idempotency_key="k1",
                            cancelled_by="ops")
    assert create_shipments_for([kept, cancelled], actor=ACTOR) == [Shipment.get(Shipment.order == kept).id]
    Shipment.update(rebook_requested_at=CancelledWaybill.get().cancelled_at.replace(year=2999)).execute()
    assert create_shipments_for([cancelled], actor=ACTOR) == [booked.id]


def test_re_drive_skips_orders_not_allocated(any_db):
    make_world()
    order, _ = place_order(order_schema.load(order_body("PO-X")), actor="test")
    assert create_shipments_for([order.id, 987654], actor=ACTOR) == []
    assert Shipment.select().count() == 0 and waybill_nudges() == []
    assert Order.get_by_id(order.id).status == "reviewing"


def test_re_drive_of_a_batch_sends_the_same_statements_for_n_and_2n_orders(any_db, monkeypatch):
    make_world()
    allow_repeat_orders()
    ids = allocated_orders(6)
    as_left_by_an_older_release(ids)
    counts = []
    database_class = type(database.obj)
    original = database_class.execute_sql
    for batch in (ids[:2], ids[2:]):
        sent = []

        def counting(self, sql, params=None, *args, sent=sent, **kwargs):
            if not sql.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
                sent.append(sql)
            return original(self, sql, params, *args, **kwargs)

        monkeypatch.setattr(database_class, "execute_sql", counting)
        assert len(create_shipments_for(batch, actor=ACTOR)) == len(batch)
        monkeypatch.setattr(database_class, "execute_sql", original)
        counts.append(len(sent))
    assert counts[0] == counts[1] <= 8, counts


def test_waybill_nudges_keep_to_the_carrier_stages_batch_size_in_one_statement(any_db):
    ids = list(range(1, 2 * CARRIER_CALL_MAX + 6))
    nudge_waybills(ids)
    assert waybill_nudges() == [ids[:CARRIER_CALL_MAX], ids[CARRIER_CALL_MAX:2 * CARRIER_CALL_MAX],
                                ids[2 * CARRIER_CALL_MAX:]]
