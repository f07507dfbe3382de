"""Returns asked for on the public tracking page: the form on a delivered order, the decision shown in the
customer's words, errors next to the lines, the order checked again from the number and postcode, photos
checked by their bytes and size, and the lookup rate limit."""
import io
from datetime import datetime

import pytest

from models.core.outbox import OutboxMessage
from models.core.stages import RETURN_MAILS
from models.returns.labels import prepare_label, record_label
from models.returns.photos import PHOTO_FOLDER
from models.returns.tables import ReturnPhoto, ReturnRequest
from tests.factories import BUYER, allow_repeat_orders, delivered_order

NOW = datetime(2024, 5, 1, 12, 0, 15)
LOOKUP = {"order": "PO-1", "postcode": "sw1a 1aa", "email": ""}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    """Every request of a test falls in one rate-limit window."""
    monkeypatch.setattr("portal.tracking_page.utc_now", lambda: NOW)


@pytest.fixture
def order(app):
    allow_repeat_orders()
    return delivered_order()


def form(order, **fields) -> dict:
    """A return request for ``order``: 1 WIDGET (line 0) for damage, refunded, unless ``fields`` say otherwise."""
    return {**LOOKUP, "order_id": str(order.id), "qty-0": "1", "qty-1": "0", "reason": "damaged",
            "resolution": "refund", "comment": "", **fields}


def photo_folder(app):
    return app.config["OMS_SETTINGS"].data_dir / PHOTO_FOLDER


def test_a_delivered_order_shows_the_return_form_with_what_can_be_returned(client, order):
    page = client.get("/track", query_string=LOOKUP).get_data(as_text=True)
    assert "Return or exchange items" in page and 'action="/track/returns"' in page
    assert 'name="csrf_token"' in page and 'enctype="multipart/form-data"' in page
    assert f'name="order_id" value="{order.id}"' in page
    assert 'name="qty-0" min="0" max="2"' in page and 'name="qty-1" min="0" max="1"' in page
    assert "Arrived damaged" in page and "No longer needed" in page
    assert BUYER not in page and order.ship_to_address not in page


def test_an_order_not_yet_delivered_shows_no_form(client, app):
    from tests.models.shipping.test_tracking_lookup import tracked_order

    tracked_order()
    page = client.get("/track", query_string=LOOKUP).get_data(as_text=True)
    assert "Order PO-1" in page and "Return or exchange items" not in page


def test_a_damaged_item_is_approved_at_once(client, order):
    response = client.post("/track/returns", data=form(order, comment="Box was crushed"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Approved — your return label will be e-mailed." in page
    made = ReturnRequest.get()
    assert (made.status, made.decision, made.requested_via, made.requested_by, made.comment) == \
        ("approved", "auto_approved", "self_service", "customer:SW1A1AA", "Box was crushed")
    assert [(line.order_line.sku, line.quantity) for line in made.lines] == [("WIDGET", 1)]
    assert [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == RETURN_MAILS.actor_name)] == \
        [[made.id, "approved"]]
    listed = client.get("/track", query_string=LOOKUP).get_data(as_text=True)
    assert f"R{made.id}" in listed and "Approved: your return label is on its way" in listed
    assert 'name="qty-0" min="0" max="1"' in listed  # one of the two WIDGETs is still returnable


def test_no_longer_needed_goes_to_review_with_the_reason_in_customer_words(client, order):
    page = client.post("/track/returns", data=form(order, reason="no_longer_needed", **{"qty-1": "1"}),
                       ).get_data(as_text=True)
    assert "We will review your request" in page
    assert "returns for this reason are checked by our team" in page and "automatic:" not in page
    made = ReturnRequest.get()
    assert (made.status, made.decision) == ("requested", "manual")


def test_more_than_delivered_shows_the_error_next_to_the_line_and_creates_nothing(client, order):
    response = client.post("/track/returns", data=form(order, **{"qty-0": "5"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page.index("only 2 of 2 delivered units of WIDGET can still be returned")
    assert page.index('name="qty-0"') < error < page.index('name="qty-1"')
    assert 'value="5"' in page  # what was typed is kept
    assert ReturnRequest.select().count() == 0


@pytest.mark.parametrize("fields, message", [
    ({"qty-0": "0"}, "Choose how many of which items you are returning."),
    ({"qty-0": "-1"}, "Enter a whole number of items, 0 or more."),
    ({"reason": "bored"}, "Choose why you are returning the items."),
    ({"resolution": "store_credit"}, "Choose a refund or an exchange."),
    ({"resolution": "exchange", "exchange-0": "GADGET"}, "an exchange is for an item of equal price"),
])
def test_invalid_requests_say_why_and_create_nothing(client, order, fields, message):
    response = client.post("/track/returns", data=form(order, **fields))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert ReturnRequest.select().count() == 0


def test_a_wrong_postcode_in_the_hidden_fields_is_answered_as_not_found(client, order):
    not_found = client.get("/track", query_string={"order": "PO-404", "postcode": "SW1A1AA"})
    wrong = client.post("/track/returns", data=form(order, postcode="SW1A 1AB"))
    no_check = client.post("/track/returns", data=form(order, postcode="", email="eve@example.com"))
    assert wrong.status_code == no_check.status_code == not_found.status_code == 200
    assert wrong.data == no_check.data == not_found.data
    assert ReturnRequest.select().count() == 0


def test_an_order_id_of_another_order_is_not_trusted(client, order):
    other = delivered_order("PO-2", postcode="EC1A 1BB", email="eve@example.com")
    not_found = client.get("/track", query_string={"order": "PO-404", "postcode": "SW1A1AA"})
    response = client.post("/track/returns", data=form(order, order_id=str(other.id)))
    assert response.data == not_found.data
    assert ReturnRequest.select().count() == 0


def test_a_png_photo_is_stored_with_the_return(client, app, order):
    data = form(order, photos=[(io.BytesIO(PNG), "crushed box.png", "image/png")])
    response = client.post("/track/returns", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    photo = ReturnPhoto.get()
    assert (photo.filename, photo.content_type, photo.size_bytes) == ("crushed box.png", "image/png", len(PNG))
    assert photo.return_request_id == ReturnRequest.get().id
    assert photo.stored_name.endswith(".png") and len(photo.stored_name) == 36
    assert (photo_folder(app) / photo.stored_name).read_bytes() == PNG


@pytest.mark.parametrize("upload, message", [
    ((EXE, "holiday.png", "image/png"), "holiday.png is not a JPEG, PNG or WebP image"),
    ((PNG + b"\x00" * (6 * 1024 * 1024), "huge.png", "image/png"), "huge.png is larger than 5 MB"),
    ((PNG, "notes.png", "text/plain"), "notes.png was sent as text/plain"),
])
def test_a_refused_photo_is_named_and_nothing_is_created(client, app, order, upload, message):
    content, name, declared = upload
    data = form(order, photos=[(io.BytesIO(PNG), "fine.png", "image/png"), (io.BytesIO(content), name, declared)])
    response = client.post("/track/returns", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert ReturnRequest.select().count() == 0 and ReturnPhoto.select().count() == 0
    assert not photo_folder(app).exists() or not any(photo_folder(app).iterdir())


def test_four_photos_are_too_many(client, order):
    data = form(order, photos=[(io.BytesIO(PNG), f"p{n}.png", "image/png") for n in range(4)])
    response = client.post("/track/returns", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "at most 3 photos, not 4" in response.get_data(as_text=True)
    assert ReturnRequest.select().count() == 0


def test_a_refused_return_removes_the_photos_it_wrote(client, app, order):
    data = form(order, **{"qty-0": "9"}, photos=[(io.BytesIO(PNG), "box.png", "image/png")])
    response = client.post("/track/returns", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert ReturnPhoto.select().count() == 0 and not any(photo_folder(app).iterdir())


def test_return_requests_count_against_the_lookup_limit(client, order):
    for _ in range(10):
        assert client.get("/track", query_string={"order": "PO-404", "postcode": "X"}).status_code == 200
    refused = client.post("/track/returns", data=form(order))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "45"
    assert ReturnRequest.select().count() == 0


def test_an_issued_label_is_linked_from_the_lookup(client, order):
    client.post("/track/returns", data=form(order))
    made = ReturnRequest.get()
    assert prepare_label(made.id, carrier="sandbox") is not None
    assert record_label(made.id, waybill_number="RSBX-9", tracking_url="https://carrier.example/track/RSBX-9",
                        actor="test")
    page = client.get("/track", query_string=LOOKUP).get_data(as_text=True)
    assert "Label ready: please send the parcel" in page and 'href="https://carrier.example/track/RSBX-9"' in page


def test_the_lookup_counts_open_returns_against_what_is_returnable_in_three_more_queries(app, order, monkeypatch):
    from models.core.db import database
    from models.returns.requesting import reject_return
    from models.shipping.tracking_lookup import find_tracked_orders
    from tests.factories import ask

    rejected = ask(order, "other", sku="WIDGET", quantity=2)
    assert reject_return(rejected.id, actor="agent@relay.test", note="no")
    kept = ask(order, "damaged", sku="WIDGET", quantity=1)
    executed = []
    real = database.obj.execute_sql
    monkeypatch.setattr(database.obj, "execute_sql", lambda sql, *a, **k: executed.append(sql) or real(sql, *a, **k))
    [found] = find_tracked_orders("PO-1", postcode="SW1A1AA")
    assert len(executed) == 5 + 3
    assert [(line.sku, line.delivered, line.returnable) for line in found.returnable] == \
        [("WIDGET", 2, 1), ("GADGET", 1, 1)]
    assert [(r.return_id, r.status, r.label_tracking_url) for r in found.returns] == \
        [(kept.id, "approved", ""), (rejected.id, "rejected", "")]
    assert found.may_return
