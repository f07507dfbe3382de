from dataclasses import fields
from datetime import datetime

import pytest

from models.intake.entry import place_order
from models.inventory.tables import Warehouse
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.shipping.tables import Shipment, ShipmentLine, TrackingEvent, Waybill
from models.shipping.tracking_lookup import (
    TrackedOrder,
    TrackedShipment,
    find_tracked_orders,
    normalise_email,
    normalise_order_ref,
    normalise_postcode,
    ship_to_matches,
)
from schemas.orders import order_schema
from tests.factories import make_world, order_body

T0 = datetime(2024, 5, 1, 8, 0)


def tracked_order(ref: str = "PO-1", *, postcode: str = "SW1A 1AA", email: str = "Ada.Buyer@Example.com",
                  channel: str = "api") -> Order:
    """An order shipping to ``postcode`` and ``email``, placed through the model."""
    body = order_body(ref, channel=channel)
    body["ship_to"].update(postcode=postcode, email=email)
    if not email:
        del body["ship_to"]["email"]  # the schema refuses "" but defaults to it
    order, created = place_order(order_schema.load(body), actor="test")
    assert created
    return order


def ship(order: Order, *, waybill_number: str | None = None, events: tuple = (), status: str = "in_transit",
         wave: int = 1) -> Shipment:
    """A shipment of all the order's lines, with an issued waybill when ``waybill_number`` is given and
    ``events`` as (code, occurred_at, description, location) tuples."""
    shipment = Shipment.create(order=order, warehouse=Warehouse.get(Warehouse.code == "EAST"), wave=wave,
                               status=status, carrier="sandbox", service_level="express")
    for line in order.lines.order_by(OrderLine.line_no):
        ShipmentLine.create(shipment=shipment, order_line=line, quantity=line.quantity)
    if waybill_number:
        Waybill.create(shipment=shipment, carrier="sandbox", idempotency_key=f"key-{waybill_number}",
                       status="issued", waybill_number=waybill_number, service_level="express",
                       tracking_url=f"https://carrier.example/track/{waybill_number}")
    for number, (code, occurred_at, description, location) in enumerate(events):
        TrackingEvent.create(shipment=shipment, carrier="sandbox", carrier_event_id=f"{shipment.id}-{number}",
                             code=code, description=description, location=location, occurred_at=occurred_at)
    return shipment


@pytest.mark.parametrize("typed, expected", [(" sw1a 1aa ", "SW1A1AA"), ("SW1A1AA", "SW1A1AA"),
                                             ("\tsw1a\u00a01aa", "SW1A1AA"), ("", ""), (None, "")])
def test_postcode_is_upper_case_without_spaces(typed, expected):
    assert normalise_postcode(typed) == expected


def test_email_and_order_number_are_stripped_and_email_casefolded():
    assert normalise_email("  Ada.Buyer@Example.COM ") == "ada.buyer@example.com"
    assert normalise_order_ref("  PO-1\n") == "PO-1"


@pytest.mark.parametrize("postcode, email, matches", [
    ("SW1A1AA", "", True),
    ("", "ada@example.com", True),
    ("SW1A1AB", "ada@example.com", True),  # either one is enough
    ("SW1A1AB", "", False),
    ("", "eve@example.com", False),
    ("", "", False),
])
def test_ship_to_matches_on_postcode_or_email(postcode, email, matches):
    assert ship_to_matches(postcode=postcode, email=email, order_postcode="sw1a 1aa",
                           order_email="Ada@Example.com") is matches


def test_an_empty_value_never_matches_an_order_without_postcode_or_email():
    assert not ship_to_matches(postcode="", email="", order_postcode="", order_email="")


def test_non_ascii_values_compare_without_error():
    assert ship_to_matches(postcode="", email="jörg@example.de", order_postcode="", order_email="Jörg@example.de")
    assert not ship_to_matches(postcode="Ö1", email="", order_postcode="12345", order_email="")


def test_right_postcode_in_any_spacing_and_case_finds_the_timeline_oldest_first(db):
    make_world()
    order = tracked_order()
    ship(order, waybill_number="SBX-100", events=(
        ("in_transit", datetime(2024, 5, 2, 9, 0), "At the hub", "Leeds"),
        ("picked_up", T0, "Collected", "London"),
    ))

    [found] = find_tracked_orders(" PO-1 ", postcode="sw1a1aa")

    assert (found.order_id, found.order_ref, found.status, found.city) == (order.id, "PO-1", "reviewing", "Springfield")
    assert found.status_words == "Being processed"
    [shipment] = found.shipments
    assert (shipment.carrier, shipment.service_level, shipment.waybill_number, shipment.tracking_url) == \
        ("sandbox", "express", "SBX-100", "https://carrier.example/track/SBX-100")
    assert shipment.status_words == "On its way"
    assert [(e.code, e.description, e.location) for e in shipment.events] == \
        [("picked_up", "Collected", "London"), ("in_transit", "At the hub", "Leeds")]
    assert [(line.sku, line.name, line.quantity) for line in shipment.lines] == \
        [("WIDGET", "Widget", 2), ("GADGET", "Gadget", 1)]
    assert [(line.sku, line.quantity) for line in found.lines] == [("WIDGET", 2), ("GADGET", 1)]


def test_email_in_another_case_finds_the_order_and_so_does_the_number_in_lower_case(db):
    make_world()
    order = tracked_order()
    assert [o.order_id for o in find_tracked_orders("PO-1", email="  ADA.buyer@example.com ")] == [order.id]
    assert [o.order_id for o in find_tracked_orders("po-1", postcode="SW1A 1AA")] == [order.id]


@pytest.mark.parametrize("ref, postcode, email", [
    ("PO-1", "SW1A 1AB", ""),           # wrong postcode
    ("PO-1", "", "eve@example.com"),    # wrong email
    ("PO-2", "SW1A 1AA", ""),           # no such order
    ("PO-1", "", ""),                   # nothing to check against
    ("", "SW1A 1AA", ""),
])
def test_a_wrong_combination_finds_nothing(db, ref, postcode, email):
    make_world()
    tracked_order()
    assert find_tracked_orders(ref, postcode=postcode, email=email) == []


def test_an_order_without_email_is_not_found_by_an_empty_email(db):
    make_world()
    tracked_order(postcode="", email="")
    assert find_tracked_orders("PO-1", postcode=" ", email=" ") == []


def test_orders_sharing_a_number_across_channels_are_each_found_when_they_match(db):
    make_world()
    first = tracked_order(channel="api")
    second = tracked_order(channel="shopify")
    tracked_order(channel="woocommerce", postcode="EC1A 1BB", email="someone@else.example")
    assert [o.order_id for o in find_tracked_orders("PO-1", postcode="SW1A 1AA")] == [first.id, second.id]


def test_two_distributors_sharing_a_number_each_find_only_their_own_order(db):
    world = make_world()
    other = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R1")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=other)
    placed = {}
    for partner, customer, postcode in ((world["distributor"], "CUST1", "SW1A 1AA"), (other, "CUST2", "EC1A 1BB")):
        body = order_body("PO-NE-9001", customer_code=customer)
        body["ship_to"]["postcode"] = postcode
        order, created = place_order(order_schema.load(body), actor="test", placed_by=partner)
        assert created
        placed[postcode] = order.id
    assert [o.order_id for o in find_tracked_orders("PO-NE-9001", postcode="EC1A 1BB")] == [placed["EC1A 1BB"]]
    assert [o.order_id for o in find_tracked_orders("po-ne-9001", postcode="sw1a1aa")] == [placed["SW1A 1AA"]]


def test_a_shipment_without_an_issued_waybill_has_no_number_or_link(db):
    make_world()
    order = tracked_order()
    waiting = ship(order, status="ready")
    Waybill.create(shipment=waiting, carrier="sandbox", idempotency_key="k-requested", status="requested")
    ship(order, status="ready", wave=2)
    shipments = find_tracked_orders("PO-1", postcode="SW1A1AA")[0].shipments
    assert [(s.waybill_number, s.tracking_url, s.status_words) for s in shipments] == \
        [(None, "", "Preparing"), (None, "", "Preparing")]


def test_nothing_private_is_carried_to_the_page():
    carried = {f.name for f in fields(TrackedOrder)} | {f.name for f in fields(TrackedShipment)}
    assert not carried & {"ship_to_address", "ship_to_phone", "ship_to_email", "ship_to_name", "ship_to_postcode",
                          "address", "phone", "email", "name", "postcode"}


def test_the_number_of_queries_does_not_grow_with_shipments_and_events(db, monkeypatch):
    make_world()
    small, big = tracked_order("PO-S"), tracked_order("PO-B")
    ship(small, waybill_number="SBX-S", events=(("picked_up", T0, "", ""),))
    for wave in (1, 2, 3):
        ship(big, waybill_number=f"SBX-B{wave}", wave=wave,
             events=tuple(("in_transit", T0.replace(hour=h), f"scan {h}", "") for h in range(8)))
    executed = []
    real = db.execute_sql
    monkeypatch.setattr(db, "execute_sql", lambda sql, *args, **kwargs: executed.append(sql) or real(sql, *args,
                                                                                                   **kwargs))
    assert len(find_tracked_orders("PO-S", postcode="SW1A1AA")[0].shipments[0].events) == 1
    small_queries = len(executed)
    executed.clear()
    assert sum(len(s.events) for s in find_tracked_orders("PO-B", postcode="SW1A1AA")[0].shipments) == 24
    assert len(executed) == small_queries == 5
