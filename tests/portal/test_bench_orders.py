"""The bench's wait for its orders to settle watches one open order, and asks for another only when it settles."""
from models.intake.entry import place_order
from models.orders.states import ORDER_REVIEWING, ORDER_SHIPPED
from models.orders.tables import Order
from portal.bench_orders import wait_settled
from schemas.orders import order_schema
from tests.factories import make_world, order_body


def _place(count: int) -> list[int]:
    return [place_order(order_schema.load(order_body(f"WAIT-{n}")), actor="test")[0].id for n in range(count)]


def test_open_orders_below_the_last_keep_it_waiting(db):
    make_world()
    ids = _place(3)
    assert Order.select().where(Order.id.in_(ids), Order.status == ORDER_REVIEWING).count() == 3
    assert not wait_settled(ids, timeout=0.1)
    Order.update(status=ORDER_SHIPPED).where(Order.id == max(ids)).execute()
    assert not wait_settled(ids, timeout=0.1)  # the last settled first: the first two still work
    Order.update(status=ORDER_SHIPPED).where(Order.id == min(ids)).execute()
    assert not wait_settled(ids, timeout=0.1)
    Order.update(status=ORDER_SHIPPED).where(Order.id.in_(ids)).execute()
    assert wait_settled(ids, timeout=1.0)
    assert wait_settled([], timeout=0.0)
