"""The ops return pages: the review queue, a return's steps through the forms with their stock effects, who
may act (ops_admin, ops_agent), who may only read (credit_controller), and a distributor's own returns."""
import pytest

from models.inventory.tables import Product, Stock
from models.returns.exchanges import create_exchange_order
from models.returns.labels import fail_label, prepare_label
from models.returns.photos import PHOTO_FOLDER
from models.returns.tables import ReturnLabel, ReturnLine, ReturnPhoto, ReturnRequest
from tests.factories import allow_repeat_orders, ask, delivered_order
from tests.portal.conftest import USERS

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def returns(app):
    """A delivered order with an automatically approved return (damaged) and one waiting for review."""
    allow_repeat_orders()
    order = delivered_order()
    auto = ask(order, "damaged", sku="WIDGET", quantity=2)
    manual = ask(order, "no_longer_needed", sku="GADGET", quantity=1)
    assert (auto.status, manual.status, manual.decision) == ("approved", "requested", "manual")
    return auto, manual


def stock_of(request: ReturnRequest, sku: str) -> Stock:
    return Stock.get(Stock.warehouse == request.warehouse_id, Stock.product == Product.get(Product.sku == sku))


def status_of(request: ReturnRequest) -> str:
    return ReturnRequest.get_by_id(request.id).status


def test_the_queue_shows_only_returns_waiting_for_a_person_by_default(client, auth, returns):
    auto, manual = returns
    auth.login_as("ops_agent")
    page = client.get("/ops/returns").get_data(as_text=True)
    assert f"R{manual.id}<" in page and f"R{auto.id}<" not in page
    assert "reason no longer needed is not approved automatically" in page
    assert "PO-1" in page and "CUST1" in page and "25.50 USD" in page and "Approve" in page
    everything = client.get("/ops/returns?view=all").get_data(as_text=True)
    assert f"R{manual.id}<" in everything and f"R{auto.id}<" in everything
    approved_only = client.get("/ops/returns?view=approved").get_data(as_text=True)
    assert f"R{auto.id}<" in approved_only and f"R{manual.id}<" not in approved_only


def test_an_agent_approves_from_the_queue_and_comes_back_to_it(client, auth, returns):
    _, manual = returns
    auth.login_as("ops_agent")
    response = client.post(f"/ops/returns/{manual.id}/approve",
                           data={"approve-note": "goodwill", "next": "/ops/returns"})
    assert response.status_code == 302 and response.headers["Location"] == "/ops/returns"
    stored = ReturnRequest.get_by_id(manual.id)
    assert (stored.status, stored.decision, stored.decided_by, stored.decision_note) == \
        ("approved", "approved", USERS["ops_agent"][0], "goodwill")
    again = client.post(f"/ops/returns/{manual.id}/approve", data={}, follow_redirects=True)
    assert f"Return {manual.id} is approved: nothing changed." in again.get_data(as_text=True)


def test_rejecting_needs_a_note_that_is_kept(client, auth, returns):
    _, manual = returns
    auth.login_as("ops_admin")
    refused = client.post(f"/ops/returns/{manual.id}/reject", data={"reject-note": "  "}, follow_redirects=True)
    assert "Say why the return is rejected." in refused.get_data(as_text=True)
    assert status_of(manual) == "requested"
    client.post(f"/ops/returns/{manual.id}/reject", data={"reject-note": "Outside our policy"})
    stored = ReturnRequest.get_by_id(manual.id)
    assert (stored.status, stored.decision_note) == ("rejected", "Outside our policy")
    page = client.get(f"/ops/returns/{manual.id}").get_data(as_text=True)
    assert "Outside our policy" in page and "Mark received" not in page


def test_receive_then_inspect_puts_resellable_units_on_hand_and_damaged_ones_in_quarantine(client, auth, app):
    order = delivered_order()
    request = ask(order, "damaged", sku="WIDGET", quantity=2)
    gadget_request = ask(order, "damaged", sku="GADGET", quantity=1)
    auth.login_as("ops_agent")
    detail = client.get(f"/ops/returns/{request.id}").get_data(as_text=True)
    assert "Mark received" in detail and "Record inspection" not in detail
    client.post(f"/ops/returns/{request.id}/receive")
    client.post(f"/ops/returns/{gadget_request.id}/receive")
    assert status_of(request) == status_of(gadget_request) == "received"
    assert "Record inspection" in client.get(f"/ops/returns/{request.id}").get_data(as_text=True)

    widget_before, gadget_before = stock_of(request, "WIDGET"), stock_of(gadget_request, "GADGET")
    line = ReturnLine.get(ReturnLine.return_request == request.id)
    gadget_line = ReturnLine.get(ReturnLine.return_request == gadget_request.id)
    client.post(f"/ops/returns/{request.id}/inspection",
                data={"line_id": [line.id], f"condition-{line.id}": "resellable", f"note-{line.id}": "sealed"})
    client.post(f"/ops/returns/{gadget_request.id}/inspection",
                data={"line_id": [gadget_line.id], f"condition-{gadget_line.id}": "damaged"})

    widget_after, gadget_after = stock_of(request, "WIDGET"), stock_of(gadget_request, "GADGET")
    assert (widget_after.on_hand - widget_before.on_hand, widget_after.quarantined) == (2, widget_before.quarantined)
    assert (gadget_after.on_hand, gadget_after.quarantined - gadget_before.quarantined) == (gadget_before.on_hand, 1)
    assert status_of(request) == status_of(gadget_request) == "inspected"
    inspected = ReturnLine.get_by_id(line.id)
    assert (inspected.condition, inspected.inspection_note) == ("resellable", "sealed")
    assert "resellable" in client.get(f"/ops/returns/{request.id}").get_data(as_text=True)


def test_an_inspection_without_a_condition_changes_nothing(client, auth, app):
    request = ask(delivered_order(), "damaged")
    auth.login_as("ops_agent")
    client.post(f"/ops/returns/{request.id}/receive")
    line = ReturnLine.get(ReturnLine.return_request == request.id)
    page = client.post(f"/ops/returns/{request.id}/inspection", data={"line_id": [line.id]},
                       follow_redirects=True).get_data(as_text=True)
    assert "one of resellable, damaged, defective" in page
    assert status_of(request) == "received" and ReturnLine.get_by_id(line.id).condition == ""


def test_a_failed_label_shows_its_error_and_can_be_asked_for_again(client, auth, returns):
    auto, _ = returns
    assert prepare_label(auto.id, carrier="sandbox") is not None
    fail_label(auto.id, "sandbox refused the return label: bad postcode")
    auth.login_as("ops_agent")
    page = client.get(f"/ops/returns/{auto.id}").get_data(as_text=True)
    assert "bad postcode" in page and "Retry label" in page
    client.post(f"/ops/returns/{auto.id}/retry-label")
    label = ReturnLabel.get(ReturnLabel.return_request == auto.id)
    assert (label.status, label.last_error) == ("requested", "")


def test_a_credit_controller_reads_but_may_not_act(client, auth, returns):
    _, manual = returns
    auth.login_as("credit_controller")
    assert "read only" in client.get("/ops/returns").get_data(as_text=True)
    page = client.get(f"/ops/returns/{manual.id}").get_data(as_text=True)
    assert "no longer needed" in page and "Approve" not in page and "Reject" not in page
    assert client.post(f"/ops/returns/{manual.id}/approve", data={}).status_code == 403
    assert client.post(f"/ops/returns/{manual.id}/receive").status_code == 403
    assert status_of(manual) == "requested"


def test_a_distributor_sees_the_returns_of_its_own_book_only_and_read_only(client, auth, returns):
    auto, manual = returns
    other = ask(delivered_order("PO-2", customer_code="CUST2", region="R2"), "damaged")
    auth.login_as("distributor")
    listing = client.get("/returns").get_data(as_text=True)
    assert f"R{auto.id}<" in listing and f"R{manual.id}<" in listing and f"R{other.id}<" not in listing
    assert client.get(f"/returns/{other.id}").status_code == 404
    page = client.get(f"/returns/{manual.id}").get_data(as_text=True)
    assert "no longer needed" in page and "Approve" not in page and "Mark received" not in page
    assert client.get("/ops/returns").status_code == 403
    assert client.get(f"/ops/returns/{manual.id}").status_code == 403
    assert client.post(f"/ops/returns/{manual.id}/approve", data={}).status_code == 403
    assert status_of(manual) == "requested"


def test_ops_opening_the_distributor_page_land_on_the_ops_page(client, auth, returns):
    auto, _ = returns
    auth.login_as("ops_admin")
    response = client.get(f"/returns/{auto.id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/ops/returns/{auto.id}"


def test_a_supplier_sees_no_returns(client, auth, returns):
    auth.login_as("supplier")
    assert client.get("/returns").status_code == 403


def test_photos_are_served_to_ops_only_as_their_checked_type(client, auth, app, returns):
    auto, manual = returns
    folder = app.config["OMS_SETTINGS"].data_dir / PHOTO_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abc123.png").write_bytes(PNG)
    photo = ReturnPhoto.create(return_request=auto.id, filename="box.png", content_type="image/png",
                               size_bytes=len(PNG), stored_name="abc123.png")
    auth.login_as("ops_agent")
    assert f"/ops/returns/{auto.id}/photos/{photo.id}" in client.get(f"/ops/returns/{auto.id}").get_data(as_text=True)
    response = client.get(f"/ops/returns/{auto.id}/photos/{photo.id}")
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/ops/returns/{manual.id}/photos/{photo.id}").status_code == 404  # not this return's
    auth.logout()
    auth.login_as("distributor")
    assert client.get(f"/ops/returns/{auto.id}/photos/{photo.id}").status_code == 403


def test_a_failed_label_is_not_asked_for_again_once_the_parcel_is_received(client, auth, returns):
    auto, _ = returns
    assert prepare_label(auto.id, carrier="sandbox") is not None
    fail_label(auto.id, "sandbox refused the return label")
    auth.login_as("ops_agent")
    client.post(f"/ops/returns/{auto.id}/receive")
    assert "Retry label" not in client.get(f"/ops/returns/{auto.id}").get_data(as_text=True)
    page = client.post(f"/ops/returns/{auto.id}/retry-label", follow_redirects=True).get_data(as_text=True)
    assert "it no longer needs a label" in page
    assert ReturnLabel.get(ReturnLabel.return_request == auto.id).status == "failed"


def test_the_order_page_lists_its_returns_and_a_replacement_names_the_return_it_replaces(client, auth, app):
    order = delivered_order()
    exchange = ask(order, "defective", resolution="exchange")
    replacement = create_exchange_order(exchange.id, actor="test")
    auth.login(USERS["ops_agent"][0])
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f'href="/ops/returns/{exchange.id}"' in page and "exchange" in page
    replacing = client.get(f"/orders/{replacement.id}").get_data(as_text=True)
    assert f"R{exchange.id}" in replacing and "this order replaces it" in replacing
    auth.logout()
    auth.login(USERS["distributor"][0])
    assert f'href="/returns/{exchange.id}"' in client.get(f"/orders/{order.id}").get_data(as_text=True)
