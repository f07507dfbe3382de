"""The ops mail queue: list, read, discard, mark as keyed in; closed to distributors and suppliers."""
from __future__ import annotations

import pytest

from models.intake.mail import receive_mail
from models.intake.tables import IntakeMessage
from models.orders.tables import Order
from models.partners.tables import User
from schemas.order_rows import import_row_schema
from tests.models.intake.test_mail import build_mail
from tests.portal.conftest import USERS, place


@pytest.fixture
def settings(app):
    return app.config["OMS_SETTINGS"]


def stranger_mail(settings, number: int, *, subject: str = "Need widgets", body: str = "Send 5 widgets please.",
                  attachments=()) -> IntakeMessage:
    mail = build_mail(sender=f"stranger{number}@example.com", subject=subject, body=body,
                      message_id=f"<m{number}@example.com>", attachments=attachments)
    outcome = receive_mail(mail.as_bytes(), settings=settings, envelope_from="", row_schema=import_row_schema)
    return IntakeMessage.get_by_id(outcome.intake_id)


def test_queue_lists_unparsed_oldest_first_with_excerpt(client, auth, settings):
    stranger_mail(settings, 1, subject="First mail", body="x" * 300)
    newer = stranger_mail(settings, 2, subject="Second mail")
    IntakeMessage.update(received_at=newer.received_at.replace(year=2001)).where(
        IntakeMessage.id == newer.id).execute()  # the second one arrived long before
    done = stranger_mail(settings, 3, subject="Already handled")
    IntakeMessage.update(status="discarded").where(IntakeMessage.id == done.id).execute()
    auth.login_as("ops_agent")

    page = client.get("/intake").text

    assert page.index("Second mail") < page.index("First mail")
    assert "stranger1@example.com" in page and "x" * 200 in page and "x" * 201 not in page
    assert "Already handled" not in page
    assert 'href="/intake"' in client.get("/orders").text  # the nav link


def test_detail_shows_headers_text_attachments_and_raw(client, auth, settings):
    intake = stranger_mail(settings, 1, attachments=(("scan.pdf", b"%PDF-1.4", "application/pdf"),))
    auth.login_as("ops_admin")

    page = client.get(f"/intake/{intake.id}").text
    raw = client.get(f"/intake/{intake.id}/raw")

    assert "&lt;m1@example.com&gt;" in page and "Send 5 widgets please." in page and "scan.pdf" in page
    assert raw.status_code == 200 and raw.mimetype == "message/rfc822"
    assert b"Subject: Need widgets" in raw.data
    assert client.get("/intake/999").status_code == 404


def test_discard_records_who_and_why(client, auth, settings):
    intake = stranger_mail(settings, 1)
    auth.login_as("ops_agent")

    response = client.post(f"/intake/{intake.id}/discard", data={"discard-comment": "spam"})

    assert response.status_code == 302
    intake = IntakeMessage.get_by_id(intake.id)
    assert (intake.status, intake.handled_note, intake.handled_by.email) == ("discarded", "spam", USERS["ops_agent"][0])
    again = client.post(f"/intake/{intake.id}/discard", data={"discard-comment": "again"}, follow_redirects=True)
    assert "is discarded, not waiting for ops" in again.text
    assert IntakeMessage.get_by_id(intake.id).handled_note == "spam"


def test_convert_opens_the_order_form(client, auth, settings):
    intake = stranger_mail(settings, 1)
    auth.login_as("ops_agent")

    response = client.post(f"/intake/{intake.id}/convert")

    assert response.status_code == 302
    assert response.location.endswith(f"/orders/new?source_message={intake.id}")
    assert IntakeMessage.get_by_id(intake.id).status == "unparsed"  # nothing placed yet


def test_mark_converted_links_the_order(client, auth, settings):
    intake = stranger_mail(settings, 1)
    order = place("PHONE-1")
    auth.login_as("ops_agent")

    missing = client.post(f"/intake/{intake.id}/converted", data={"converted-order_id": "9999"},
                          follow_redirects=True)
    assert "there is no order 9999" in missing.text
    assert IntakeMessage.get_by_id(intake.id).status == "unparsed"

    response = client.post(f"/intake/{intake.id}/converted", data={"converted-order_id": str(order.id)})

    assert response.status_code == 302
    intake = IntakeMessage.get_by_id(intake.id)
    assert intake.status == "converted"
    assert intake.handled_note == f"keyed in by {USERS['ops_agent'][0]} as order {order.id}"
    assert intake.handled_by_id == User.get(User.email == USERS["ops_agent"][0]).id
    assert Order.get_by_id(order.id).source_message_id == intake.id
    assert f"/orders/{order.id}" in client.get(f"/intake/{intake.id}").text


def test_order_linked_to_another_mail_is_refused(client, auth, settings):
    first, second = stranger_mail(settings, 1), stranger_mail(settings, 2)
    order = place("PHONE-1")
    auth.login_as("ops_admin")
    client.post(f"/intake/{first.id}/converted", data={"converted-order_id": str(order.id)})

    response = client.post(f"/intake/{second.id}/converted", data={"converted-order_id": str(order.id)},
                           follow_redirects=True)

    assert f"already linked to mail {first.id}" in response.text
    assert IntakeMessage.get_by_id(second.id).status == "unparsed"


@pytest.mark.parametrize("role", ["distributor", "supplier"])
def test_partners_may_not_see_the_queue(client, auth, settings, role):
    intake = stranger_mail(settings, 1)
    auth.login_as(role)

    for response in (client.get("/intake"), client.get(f"/intake/{intake.id}"), client.get(f"/intake/{intake.id}/raw"),
                     client.post(f"/intake/{intake.id}/discard"), client.post(f"/intake/{intake.id}/convert"),
                     client.post(f"/intake/{intake.id}/converted", data={"converted-order_id": "1"})):
        assert response.status_code == 403
    assert IntakeMessage.get_by_id(intake.id).status == "unparsed"
    assert 'href="/intake"' not in client.get("/orders").text


def test_signed_out_users_are_sent_to_sign_in(client):
    assert client.get("/intake").status_code == 302


def test_keying_in_an_unparsed_mail_links_the_order_and_marks_the_mail_converted(client, auth, tmp_path):
    from models.intake.tables import IntakeMessage
    from models.orders.tables import Order

    intake = IntakeMessage.create(message_id="<phone-me@example.com>", mail_from="stranger@example.com",
                                  subject="please send 2 widgets", body_text="2 widgets to 12 Main St")
    auth.login_as("ops_agent")
    form = client.get(f"/orders/new?source_message={intake.id}")
    assert f'name="source_message" type="hidden" value="{intake.id}"' in form.text
    assert '<datalist id="catalogue-skus">' in form.text and 'value="WIDGET"' in form.text
    body = {"customer_code": "CUST1", "external_ref": "MAIL-KEYED-1", "currency": "USD", "ship_to_name": "Ada",
            "ship_to_address": "12 Main St", "ship_to_city": "Springfield", "ship_to_region": "R1",
            "ship_to_country": "US", "lines-0-sku": "WIDGET", "lines-0-quantity": "2", "source_message": intake.id}
    answer = client.post("/orders/new", data=body)
    assert answer.status_code == 302, answer.text
    order = Order.get(Order.external_ref == "MAIL-KEYED-1")
    assert order.source_message_id == intake.id and order.submitted_by == "agent@relay.test"
    assert IntakeMessage.get_by_id(intake.id).status == "converted"
    page = client.get(f"/orders/{order.id}").text
    assert f"mail {intake.id}" in page and "agent@relay.test" in page
