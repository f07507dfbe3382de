import re
from datetime import datetime, timedelta

import pytest
import requests

from models.core.audit import StatusChange
from models.core.errors import CarrierRejected, CarrierUnavailable
from models.core.outbox import OutboxMessage
from models.core.stages import WAYBILLS
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import Order
from models.shipping.dispatch import fail_waybill, prepare_waybill, record_waybill
from models.shipping.tables import CancelledWaybill, Shipment, ShipmentAlert, Waybill
from models.shipping.tracking import CarrierEvent, record_tracking_events
from portal.shipments import CANCELLED
from tests.factories import allow_repeat_orders, sandbox_choice
from tests.pipeline_support import running_sandbox
from tests.portal.conftest import USERS, place

ACTOR = "worker:test"


@pytest.fixture(autouse=True)
def repeat_orders(app):
    allow_repeat_orders()  # identical test orders on purpose


def allocated(ref: str, *, customer_code: str = "CUST1", region: str = "R1") -> Order:
    order = place(ref, customer_code=customer_code, region=region)
    assert review(order.id, actor=ACTOR) == "approve"
    assert allocate(order.id, actor=ACTOR) == "allocated"
    return order


def shipment_of(ref: str, *, number: str | None = None, customer_code: str = "CUST1", region: str = "R1") -> int:
    """A shipment of a new order; with ``number`` its waybill is issued and the shipment dispatched."""
    order = allocated(ref, customer_code=customer_code, region=region)
    (shipment_id,) = create_shipments(order.id, actor=ACTOR)
    if number:
        assert prepare_waybill(shipment_id, choose=sandbox_choice) is not None
        assert record_waybill(shipment_id, waybill_number=number, tracking_url=f"https://track.example/{number}",
                              actor=ACTOR)
    return shipment_id


def failed_shipment(ref: str) -> int:
    shipment_id = shipment_of(ref)
    assert prepare_waybill(shipment_id, choose=sandbox_choice) is not None
    assert fail_waybill(shipment_id, "sandbox refused the shipment: bad postcode", actor=ACTOR)
    return shipment_id


def track(number: str, *codes: str, start: datetime = datetime(2024, 5, 1, 9, 0)) -> None:
    events = [CarrierEvent(event_id=f"{number}-{i}", waybill_number=number, code=code, location=f"Depot {i}",
                           description=f"{code} here", occurred_at=start + timedelta(hours=i))
              for i, code in enumerate(codes)]
    record_tracking_events("sandbox", events, actor="webhook:sandbox")


def listed(page: str) -> list[int]:
    """Shipment ids in a list page, top to bottom."""
    return list(dict.fromkeys(int(i) for i in re.findall(r'href="/ops/shipments/(\d+)"', page)))


def stock(warehouse: str, sku: str) -> tuple[int, int]:
    row = (Stock.select().join(Warehouse).switch(Stock).join(Product)
           .where(Warehouse.code == warehouse, Product.sku == sku).get())
    return row.on_hand, row.reserved


def follow(response, client):
    assert response.status_code == 302, response.text
    return client.get(response.headers["Location"]).text


# --- lists -----------------------------------------------------------------------------------

def test_ops_list_shows_newest_first_with_columns(auth, client):
    waiting = shipment_of("PO-WAIT")
    sent = shipment_of("PO-SENT", number="SBX0000000001")
    track("SBX0000000001", "picked_up", "exception")
    auth.login_as("ops_agent")
    page = client.get("/ops/shipments").text
    assert listed(page) == [sent, waiting]
    order_id = Shipment.get_by_id(sent).order_id
    assert f'href="/orders/{order_id}">PO-SENT</a>' in page
    assert 'href="https://track.example/SBX0000000001"' in page and "EAST" in page and "standard" in page
    assert "2024-05-01 10:00 UTC" in page  # the last event
    assert '<span class="badge status-exception">1</span>' in page  # one open alert
    assert 'class="badge status-ready">ready' in page


def test_ops_list_filters_and_pages(auth, client, monkeypatch):
    east = shipment_of("PO-EAST-1", number="SBX0000000011")
    other = shipment_of("PO-EAST-2")
    west = shipment_of("PO-WEST-9", customer_code="CUST2", region="R2")
    Shipment.update(carrier="sandbox_freight").where(Shipment.id == west).execute()
    auth.login_as("ops_admin")
    assert listed(client.get("/ops/shipments?status=dispatched").text) == [east]
    assert listed(client.get("/ops/shipments?warehouse=WEST").text) == [west]
    assert listed(client.get("/ops/shipments?carrier=sandbox_freight").text) == [west]
    assert listed(client.get("/ops/shipments?q=EAST").text) == [other, east]
    assert listed(client.get("/ops/shipments?status=nonsense&warehouse=NOWHERE").text) == [west, other, east]
    monkeypatch.setattr("models.shipping.views.PAGE_SIZE", 2)
    first = client.get("/ops/shipments").text
    assert listed(first) == [west, other]
    assert f'href="/ops/shipments?before={other}"' in first
    assert listed(client.get(f"/ops/shipments?before={other}").text) == [east]


def test_distributor_sees_only_its_own_shipments(auth, client):
    own = shipment_of("PO-MINE", number="SBX0000000021")
    theirs = shipment_of("PO-THEIRS", customer_code="CUST2", region="R2")
    auth.login_as("distributor")
    page = client.get("/shipments").text
    assert listed(page) == [own] and "PO-THEIRS" not in page
    assert 'href="/shipments">My shipments</a>' in page
    detail = client.get(f"/ops/shipments/{own}")
    assert detail.status_code == 200 and "SBX0000000021" in detail.text
    assert "Cancel waybill" not in detail.text and "Why this carrier" not in detail.text
    assert client.get(f"/ops/shipments/{theirs}").status_code == 404
    assert client.get("/ops/shipments/999999").status_code == 404
    assert client.get("/ops/shipments").status_code == 403
    assert client.get("/ops/shipments/problems").status_code == 403
    assert client.post(f"/ops/shipments/{own}/cancel-waybill", data={"cancel-reason": "x"}).status_code == 403


def test_ops_see_every_shipment_on_the_order_desk_list(auth, client):
    own = shipment_of("PO-MINE")
    theirs = shipment_of("PO-THEIRS", customer_code="CUST2", region="R2")
    auth.login_as("credit_controller")
    assert listed(client.get("/shipments").text) == [theirs, own]


def test_roles_without_an_order_desk_are_refused(auth, client):
    shipment_id = shipment_of("PO-1")
    auth.login_as("supplier")
    for path in ("/shipments", "/ops/shipments", f"/ops/shipments/{shipment_id}", "/ops/shipments/problems"):
        assert client.get(path).status_code == 403, path


def test_pages_need_a_sign_in(client):
    response = client.get("/shipments")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- one shipment ------------------------------------------------------------------------------

def test_detail_shows_waybill_timeline_history_and_alerts(auth, client):
    shipment_id = shipment_of("PO-SHOW", number="SBX0000000031")
    Waybill.update(choice_reason="cheapest of 2 quotes", quoted_price="7.20", quoted_currency="USD").where(
        Waybill.shipment == shipment_id).execute()
    track("SBX0000000031", "picked_up", "in_transit", "failed_attempt")
    auth.login_as("ops_agent")
    page = client.get(f"/ops/shipments/{shipment_id}").text
    assert "PO-SHOW" in page and "Springfield, R1" in page and "EAST" in page
    assert "WIDGET" in page and "GADGET" in page
    assert "cheapest of 2 quotes" in page and "7.20 USD" in page
    timeline = page[page.index('class="events timeline"'):]
    assert timeline.index("picked_up") < timeline.index("in_transit") < timeline.index("failed_attempt")
    assert "failed attempt at Depot 2" in page  # the alert
    assert ">Resolve</button>" in page
    history = page[page.index("<h2>History</h2>"):]
    assert "waybill SBX0000000031" in history and "carrier event failed_attempt" in history
    assert f'href="/ops/shipments/{shipment_id}/dispatch-note.pdf"' in page
    assert "Cancel waybill" not in page  # the carrier has it: tracking events arrived


def test_cancel_is_offered_only_before_pickup_and_only_to_booking_roles(auth, client):
    shipment_id = shipment_of("PO-C", number="SBX0000000041")
    auth.login_as("ops_agent")
    assert "Cancel waybill" in client.get(f"/ops/shipments/{shipment_id}").text
    auth.logout()
    auth.login_as("credit_controller")
    page = client.get(f"/ops/shipments/{shipment_id}").text
    assert "Cancel waybill" not in page and "SBX0000000041" in page
    response = client.post(f"/ops/shipments/{shipment_id}/cancel-waybill", data={"cancel-reason": "x"})
    assert response.status_code == 403


def test_order_page_links_to_the_shipment(auth, client):
    shipment_id = shipment_of("PO-LINK")
    auth.login_as("ops_agent")
    order_id = Shipment.get_by_id(shipment_id).order_id
    assert f'href="/ops/shipments/{shipment_id}"' in client.get(f"/orders/{order_id}").text


class RefusingCarrier:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def cancel_waybill(self, waybill_number: str) -> None:
        raise self.error


class AcceptingCarrier:
    def cancel_waybill(self, waybill_number: str) -> None:
        pass


@pytest.mark.parametrize("error, message", [
    (CarrierRejected("waybill SBX0000000051 is picked_up and can no longer be cancelled"),
     "The carrier refused: waybill SBX0000000051 is picked_up"),
    (CarrierUnavailable("connection refused"), "Carrier unreachable, try again"),
])
def test_a_carrier_error_changes_nothing_and_says_why(auth, client, monkeypatch, error, message):
    shipment_id = shipment_of("PO-NO", number="SBX0000000051")
    monkeypatch.setattr("workers.waybill_cancel.carrier_for", lambda name, settings: RefusingCarrier(error))
    auth.login_as("ops_agent")
    page = follow(client.post(f"/ops/shipments/{shipment_id}/cancel-waybill",
                              data={"cancel-reason": "customer changed address"}), client)
    assert message in page and 'class="flash flash-error"' in page
    assert Shipment.get_by_id(shipment_id).status == "dispatched"
    assert Waybill.get(Waybill.shipment == shipment_id).waybill_number == "SBX0000000051"
    assert not CancelledWaybill.select().exists()


def test_cancel_needs_a_reason(auth, client, monkeypatch):
    shipment_id = shipment_of("PO-R", number="SBX0000000061")
    monkeypatch.setattr("workers.waybill_cancel.carrier_for", lambda name, settings: pytest.fail("carrier called"))
    auth.login_as("ops_agent")
    page = follow(client.post(f"/ops/shipments/{shipment_id}/cancel-waybill", data={"cancel-reason": "  "}), client)
    assert "Give a reason to cancel the waybill." in page
    assert Shipment.get_by_id(shipment_id).status == "dispatched"


def test_cancel_at_the_sandbox_carrier_puts_the_shipment_back_with_stock_reserved(auth, client, app):
    from workers.shipping import request_waybill

    order = allocated("PO-SBX")
    before_dispatch = {sku: stock("EAST", sku) for sku in ("WIDGET", "GADGET")}
    (shipment_id,) = create_shipments(order.id, actor=ACTOR)
    with running_sandbox() as carrier_url:
        assert app.config["OMS_SETTINGS"].carrier_url.rstrip("/") == carrier_url.rstrip("/")
        request_waybill(shipment_id)  # the shipping stage's own call, to the sandbox
        waybill = Waybill.get(Waybill.shipment == shipment_id)
        assert waybill.status == "issued" and Order.get_by_id(order.id).status == "shipped"
        assert stock("EAST", "WIDGET") == (before_dispatch["WIDGET"][0] - 2, before_dispatch["WIDGET"][1] - 2)

        auth.login_as("ops_agent")
        assert "Cancel waybill" in client.get(f"/ops/shipments/{shipment_id}").text
        page = follow(client.post(f"/ops/shipments/{shipment_id}/cancel-waybill",
                                  data={"cancel-reason": "customer asked to hold it"}), client)
        at_carrier = requests.get(f"{carrier_url.rstrip('/')}/waybills/{waybill.waybill_number}", timeout=5).json()

    assert CANCELLED in page
    assert at_carrier["status"] == "cancelled"
    assert Shipment.get_by_id(shipment_id).status == "ready"
    assert Waybill.get_or_none(Waybill.shipment == shipment_id) is None
    cancelled = CancelledWaybill.get(CancelledWaybill.shipment == shipment_id)
    assert (cancelled.waybill_number, cancelled.cancelled_by, cancelled.reason) == (
        waybill.waybill_number, USERS["ops_agent"][0], "customer asked to hold it")
    assert Order.get_by_id(order.id).status == "allocated"
    assert {sku: stock("EAST", sku) for sku in ("WIDGET", "GADGET")} == before_dispatch
    assert waybill.waybill_number in page and "customer asked to hold it" in page  # the cancelled bookings
    assert ">Book waybill</button>" in page and "Cancel waybill" not in page


def test_book_again_with_a_chosen_carrier_and_service_level(auth, client, monkeypatch):
    shipment_id = shipment_of("PO-B", number="SBX0000000071")
    monkeypatch.setattr("workers.waybill_cancel.carrier_for", lambda name, settings: AcceptingCarrier())
    auth.login_as("ops_admin")
    follow(client.post(f"/ops/shipments/{shipment_id}/cancel-waybill", data={"cancel-reason": "rebook"}), client)
    nudged_before = OutboxMessage.select().where(OutboxMessage.actor_name == WAYBILLS.actor_name).count()
    page = follow(client.post(f"/ops/shipments/{shipment_id}/book",
                              data={"book-carrier": "sandbox_freight", "book-service_level": "economy"}), client)
    assert "Waybill requested from sandbox_freight." in page
    waybill = Waybill.get(Waybill.shipment == shipment_id)
    assert (waybill.carrier, waybill.service_level, waybill.status) == ("sandbox_freight", "economy", "requested")
    assert waybill.choice_reason == f"chosen by {USERS['ops_admin'][0]}"
    shipment = Shipment.get_by_id(shipment_id)
    assert (shipment.carrier, shipment.service_level) == ("sandbox_freight", "economy")
    assert OutboxMessage.select().where(OutboxMessage.actor_name == WAYBILLS.actor_name).count() == nudged_before + 1
    again = follow(client.post(f"/ops/shipments/{shipment_id}/book",
                               data={"book-carrier": "", "book-service_level": "standard"}), client)
    assert "Not booked" in again


def test_book_by_the_rules_and_unknown_carriers(auth, client):
    shipment_id = shipment_of("PO-RULES")  # ready, no waybill yet
    auth.login_as("ops_agent")
    assert ">Book waybill</button>" in client.get(f"/ops/shipments/{shipment_id}").text
    page = follow(client.post(f"/ops/shipments/{shipment_id}/book",
                              data={"book-carrier": "pigeon", "book-service_level": "standard"}), client)
    assert "Not a valid choice" in page and not Waybill.select().exists()
    page = follow(client.post(f"/ops/shipments/{shipment_id}/book",
                              data={"book-carrier": "", "book-service_level": "express"}), client)
    assert "the carrier the rules choose" in page
    assert Shipment.get_by_id(shipment_id).service_level == "express"
    assert not Waybill.select().exists()  # the shipping stage chooses and books


# --- shipping problems -----------------------------------------------------------------------

def test_problems_queue_lists_failed_shipments_and_open_alerts_oldest_first(auth, client):
    first, second = failed_shipment("PO-F1"), failed_shipment("PO-F2")
    Shipment.update(status_changed_at=datetime(2024, 1, 1)).where(Shipment.id == second).execute()
    number = "SBX0000000081"
    shipment_of("PO-LOST", number=number)
    track(number, "picked_up", "lost")
    auth.login_as("ops_agent")
    page = client.get("/ops/shipments/problems").text
    failed = page[page.index("Failed shipments"):page.index("Open alerts")]
    assert listed(failed) == [second, first]
    assert failed.count("bad postcode") == 2 and failed.count(">Retry</button>") == 2
    alerts = page[page.index("Open alerts"):]
    assert "lost at Depot 1" in alerts and "PO-LOST" in alerts
    assert "waybill_failed" not in alerts  # a failed shipment's own alert is its row above
    assert alerts.count(">Resolve</button>") == 1


def test_ops_agent_retries_a_failed_shipment_from_the_queue(auth, client):
    shipment_id = failed_shipment("PO-RETRY")
    auth.login_as("ops_agent")
    response = client.post(f"/ops/shipments/{shipment_id}/retry", data={"next": "/ops/shipments/problems"})
    assert response.headers["Location"] == "/ops/shipments/problems"
    page = client.get(response.headers["Location"]).text
    assert f"Shipment {shipment_id} sent to the carrier again." in page and "No failed shipments." in page
    waybill = Waybill.get(Waybill.shipment == shipment_id)
    assert (waybill.status, waybill.attempts, waybill.last_error) == ("requested", 0, "")
    assert Shipment.get_by_id(shipment_id).status == "ready"
    alert = ShipmentAlert.get(ShipmentAlert.shipment == shipment_id)
    assert (alert.status, alert.resolved_by) == ("resolved", USERS["ops_agent"][0])
    change = StatusChange.trail("shipment", shipment_id).order_by(StatusChange.id.desc()).first()
    assert (change.to_status, change.actor) == ("ready", USERS["ops_agent"][0])
    again = follow(client.post(f"/ops/shipments/{shipment_id}/retry"), client)
    assert "is not failed (any more)" in again


def test_resolve_an_alert(auth, client):
    number = "SBX0000000091"
    shipment_id = shipment_of("PO-EXC", number=number)
    track(number, "picked_up", "exception")
    alert = ShipmentAlert.get(ShipmentAlert.shipment == shipment_id)
    auth.login_as("ops_agent")
    page = follow(client.post(f"/ops/shipments/alerts/{alert.id}/resolve"), client)
    assert f"Alert {alert.id} resolved." in page and "by agent@relay.test" in page
    assert ShipmentAlert.get_by_id(alert.id).status == "resolved"
    assert "No open alerts." in client.get("/ops/shipments/problems").text
    assert "was resolved already" in follow(client.post(f"/ops/shipments/alerts/{alert.id}/resolve"), client)
    assert client.post("/ops/shipments/alerts/999999/resolve").status_code == 404


def test_credit_controller_reads_the_queue_but_may_not_act(auth, client):
    shipment_id = failed_shipment("PO-CC")
    auth.login_as("credit_controller")
    page = client.get("/ops/shipments/problems").text
    assert "PO-CC" in page and ">Retry</button>" not in page
    assert client.post(f"/ops/shipments/{shipment_id}/retry").status_code == 403
    alert = ShipmentAlert.get(ShipmentAlert.shipment == shipment_id)
    assert client.post(f"/ops/shipments/alerts/{alert.id}/resolve").status_code == 403
    assert Shipment.get_by_id(shipment_id).status == "failed"


# --- CSRF --------------------------------------------------------------------------------------

def test_forms_carry_a_csrf_token_and_posts_without_one_are_refused(auth, client, app):
    shipment_id = failed_shipment("PO-CSRF")
    auth.login_as("ops_agent")
    app.config["WTF_CSRF_ENABLED"] = True  # read per request: the fixture app turns it off
    page = client.get("/ops/shipments/problems").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/ops/shipments/{shipment_id}/retry").status_code == 400
    assert Shipment.get_by_id(shipment_id).status == "failed"
    response = client.post(f"/ops/shipments/{shipment_id}/retry", data={"csrf_token": token})
    assert response.status_code == 302 and Shipment.get_by_id(shipment_id).status == "ready"
