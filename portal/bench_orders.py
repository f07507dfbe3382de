"""The orders of `oms bench pipeline`: a demo world where nothing but the pipeline limits them, and what became of
them (portal/bench_placers.py places them)."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime


def prepare_world(orders: int, lines: int) -> list[dict]:
    """Seed the demo world with credit and stock out of the way (this measures the pipeline, not the rules) and
    return ``orders`` API bodies of ``lines`` lines each."""
    from dataclasses import replace

    from models.demo_data import seed_demo
    from models.inventory.tables import Product, Stock
    from models.partners.tables import Partner
    from models.review.reviews import save_rule_set
    from models.review.rules import DEFAULT_SETTINGS

    seed_demo()
    Partner.update(credit_limit=None, blocked=False).execute()
    # Random bodies of one customer repeat now and then: the duplicate rule would hold them for a person.
    save_rule_set(replace(DEFAULT_SETTINGS, enabled=DEFAULT_SETTINGS.enabled - {"duplicate"}), actor="bench:pipeline",
                  note="benchmark: random orders may repeat")
    Stock.update(on_hand=1_000_000).execute()
    rng = random.Random(7)
    customers = list(Partner.select().where(Partner.kind.in_(("customer", "distributor"))).order_by(Partner.code))
    held = Product.select(Product.sku).where(Product.active == True, Product.dropship == False)  # noqa: E712
    skus = [sku for (sku,) in held.order_by(Product.sku).tuples()]
    return [{"channel": "api", "external_ref": f"BENCH-{number:06d}", "customer_code": customer.code,
             "currency": "USD", "notes": "",
             "ship_to": {"name": customer.name, "address": "1 Bench Road", "city": "Testville",
                         "region": customer.region, "postcode": "00000", "country": "US"},
             "lines": [{"sku": sku, "quantity": rng.randint(1, 5)} for sku in rng.sample(skus, lines)]}
            for number, customer in ((n, rng.choice(customers)) for n in range(orders))]


def wait_settled(ids: list[int], *, timeout: float) -> bool:
    """Wait until none of ``ids`` is in a working state; False when ``timeout`` seconds passed first.

    Polled every 50 ms on the machine the pipeline runs on, so a poll is one primary-key look-up of an order known
    to be open (the last placed first: orders move in id order, so it is among the last to settle); only when that
    one has settled does a poll ask for any open order of the ids' range, which then becomes the one watched. The
    range query on every poll walked the open-status index over the entries every settled order left behind,
    about a millisecond of the server's time each time."""
    from models.core.db import database
    from models.orders.states import ORDER_WORKING_STATES
    from models.orders.tables import Order

    if not ids:
        return True
    working = Order.status.in_(ORDER_WORKING_STATES)
    any_open, any_params = (Order.select(Order.id).where(working, Order.id.between(min(ids), max(ids)))
                            .limit(1).sql())
    watched = max(ids)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Order.select(Order.id).where(working, Order.id == watched).exists():
            row = database.execute_sql(any_open, any_params).fetchone()
            if row is None:
                return True
            watched = row[0]
        time.sleep(0.05)
    return False


def wait_outbox_drained(*, timeout: float) -> None:
    """Wait until every outbox row is sent (the demo world's own messages), then a moment for their work."""
    from models.core.outbox import OutboxMessage

    deadline = time.monotonic() + timeout
    while OutboxMessage.unsent().exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)


@dataclass(frozen=True)
class Outcome:
    """When each order was placed and when it shipped (its last waybill issued)."""

    placed: dict[int, datetime]
    shipped: dict[int, datetime]

    @property
    def latencies(self) -> list[float]:
        return sorted((at - self.placed[order_id]).total_seconds() for order_id, at in self.shipped.items())

    @property
    def span(self) -> float:
        """Seconds from the first order placed to the last shipped."""
        return (max(self.shipped.values()) - min(self.placed.values())).total_seconds() if self.shipped else 0.0


def outcome(ids: list[int]) -> Outcome:
    """Each order's creation and its `shipped` status change, which comes with its last waybill."""
    from models.core.audit import StatusChange
    from models.orders.states import ORDER_SHIPPED
    from models.orders.tables import Order

    placed = dict(Order.select(Order.id, Order.created_at).where(Order.id.in_(ids)).tuples())
    shipped = dict(StatusChange.select(StatusChange.entity_id, StatusChange.at)
                   .where(StatusChange.entity == "order", StatusChange.to_status == ORDER_SHIPPED,
                          StatusChange.entity_id.in_(ids)).tuples())
    return Outcome(placed, shipped)


def outbox_high_water() -> int:
    """The newest outbox row's id (0 when none)."""
    from models.core.outbox import OutboxMessage

    return OutboxMessage.select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).scalar() or 0


def carrier_books(ids: list[int], carrier_url: str) -> str:
    """The waybills issued for these orders against the carrier's own list: none unknown to us, none missing."""
    import requests

    from models.shipping.states import WAYBILL_ISSUED
    from models.shipping.tables import Shipment, Waybill

    ours = {number for (number,) in Waybill.select(Waybill.waybill_number).join(Shipment)
            .where(Shipment.order.in_(ids), Waybill.status == WAYBILL_ISSUED).tuples()}
    shipments = Shipment.select().where(Shipment.order.in_(ids)).count()
    try:
        listed = requests.get(f"{carrier_url}/waybills", timeout=10).json()["waybills"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        return f"waybills {len(ours)} issued for {shipments} shipments; the carrier's list is not readable ({exc})"
    live = {w["waybill_number"] for w in listed if w["status"] != "cancelled"}
    return (f"waybills {len(ours)} issued for {shipments} shipments; {len(ours - live)} of them missing at the "
            f"carrier, {len(live - ours)} live there for other shipments")
