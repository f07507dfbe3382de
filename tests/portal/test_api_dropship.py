"""The supplier's tracking events for its drop-ship parcels, and how ops and distributors see a drop-ship order."""
from datetime import datetime, timedelta, timezone

import pytest

from models.core.base import utc_now
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import ApiToken, User
from models.shipping.tables import Shipment, TrackingEvent
from models.supply.alerts import sweep_supply_alerts
from models.supply.tables import PurchaseOrder
from tests.dropship_support import (
    DROP_ONLY,
    MIXED,
    add_dropship,
    allocated_order,
    confirm_all,
    dropship_po,
    ship_asn,
)
from tests.portal.conftest import PASSWORD, USERS


@pytest.fixture
def dropship(app):
    """A drop-ship order shipped by SUP1 (its PO and ASN), a mixed order still waiting for SUP1, and SUP2's user."""
    add_dropship()
    create_user("sup2@relay.test", "supplier", partner_code="SUP2", password=PASSWORD)
    shipped_id = allocated_order("DS-1", DROP_ONLY)
    purchase = dropship_po(shipped_id)
    confirm_all(purchase)
    asn = ship_asn(purchase, "JD0001")
    waiting_id = allocated_order("MIX-1", MIXED)
    return {"order_id": shipped_id, "number": purchase.number, "asn_id": asn.id, "waiting_id": waiting_id}


def bearer(email: str) -> dict:
    return {"Authorization": f"Bearer {ApiToken.issue(User.get(User.email == email))}"}


def events(*codes: str) -> dict:
    start = datetime(2030, 1, 1, 9, tzinfo=timezone.utc)
    return {"events": [{"code": code, "occurred_at": (start + timedelta(hours=n)).isoformat(), "location": "Depot"}
                       for n, code in enumerate(codes)]}


def url(setup: dict, *, number: str | None = None, asn_id: int | None = None) -> str:
    return f"/api/v1/purchase-orders/{number or setup['number']}/asns/{asn_id or setup['asn_id']}/events"


def test_another_supplier_cannot_post_events_on_the_asn(client, dropship):
    for body in (events("delivered"), {}, {"events": "nonsense"}):
        answer = client.post(url(dropship), json=body, headers=bearer("sup2@relay.test"))
        assert answer.status_code == 404, answer.text
        assert set(answer.get_json()) == {"error"} and "JD0001" not in answer.text
    missing = client.post(url(dropship, asn_id=dropship["asn_id"] + 100), json=events("delivered"),
                          headers=bearer(USERS["supplier"][0]))
    assert missing.status_code == 404
    assert TrackingEvent.select().count() == 0
    assert Shipment.get(Shipment.order == dropship["order_id"]).status == "dispatched"


def test_the_supplier_posts_events_that_deliver_the_order_once(client, dropship):
    headers = bearer(USERS["supplier"][0])
    answer = client.post(url(dropship), json=events("in_transit", "delivered"), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.get_json() == {"stored": 2, "duplicates": 0}
    again = client.post(url(dropship), json=events("in_transit", "delivered"), headers=headers)
    assert again.get_json() == {"stored": 0, "duplicates": 2}
    assert Order.get_by_id(dropship["order_id"]).status == "delivered"
    assert PurchaseOrder.get(PurchaseOrder.number == dropship["number"]).status == "closed"


def test_ops_may_post_events_and_other_roles_may_not(client, dropship):
    refused = client.post(url(dropship), json=events("in_transit"), headers=bearer(USERS["distributor"][0]))
    assert refused.status_code == 403
    bad = client.post(url(dropship), json=events("teleported"), headers=bearer(USERS["ops_agent"][0]))
    assert bad.status_code == 422 and "events" in bad.get_json()["errors"]
    posted = client.post(url(dropship), json=events("in_transit"), headers=bearer(USERS["ops_agent"][0]))
    assert posted.get_json() == {"stored": 1, "duplicates": 0}


def test_the_order_api_shows_the_suppliers_shipment_and_who_waits(client, dropship):
    shipped = client.get(f"/api/v1/orders/{dropship['order_id']}", headers=bearer(USERS["ops_admin"][0])).get_json()
    assert shipped["status"] == "shipped" and shipped["awaiting_supplier"] is False
    [shipment] = shipped["shipments"]
    assert (shipment["warehouse"], shipment["supplier"], shipment["carrier"], shipment["tracking_number"]) == \
        (None, "SUP1", "DHL Express", "JD0001")
    assert [part["number"] for part in shipped["drop_ship"]] == [dropship["number"]]
    waiting = client.get(f"/api/v1/orders/{dropship['waiting_id']}",
                         headers=bearer(USERS["distributor"][0])).get_json()
    assert waiting["awaiting_supplier"] is True and "drop_ship" not in waiting
    assert waiting["status_reason"].startswith("awaiting supplier")


@pytest.mark.parametrize("role", ["ops_admin", "distributor"])
def test_the_order_pages_say_awaiting_supplier(client, auth, dropship, role):
    auth.login_as(role)
    page = client.get(f"/orders/{dropship['waiting_id']}")
    assert page.status_code == 200 and "awaiting supplier" in page.text
    assert ("PO-" in page.text) is (role == "ops_admin")  # purchase orders are for ops
    listing = client.get("/orders")
    assert listing.text.count("awaiting-supplier") == 1


def test_a_drop_ship_shipment_has_its_pages_and_dispatch_note(client, auth, dropship):
    auth.login_as("ops_admin")
    shipment = Shipment.get(Shipment.order == dropship["order_id"])
    order_page = client.get(f"/orders/{dropship['order_id']}")
    assert "supplier SUP1 (drop-ship)" in order_page.text and "JD0001" in order_page.text
    detail = client.get(f"/ops/shipments/{shipment.id}")
    assert detail.status_code == 200 and "Supplier One" in detail.text and "Cancel waybill" not in detail.text
    listing = client.get("/ops/shipments")
    assert listing.status_code == 200 and "drop-ship" in listing.text
    note = client.get(f"/ops/shipments/{shipment.id}/dispatch-note.pdf")
    assert note.status_code == 200 and note.mimetype == "application/pdf"
    picks = client.get(f"/ops/pick-list.pdf?warehouse=EAST&shipment={shipment.id}")
    assert picks.status_code == 422 and "nothing to pick" in picks.text


def test_supply_alerts_show_on_the_alerts_page(client, auth, dropship):
    assert sweep_supply_alerts(utc_now() + timedelta(days=2)) == 1  # the mixed order's PO is still unconfirmed
    auth.login_as("ops_agent")
    page = client.get("/ops/alerts")
    assert page.status_code == 200 and "unconfirmed drop ship" in page.text
    waiting = dropship_po(dropship["waiting_id"]).number
    assert waiting in page.text
