"""End to end over SMTP: a real client sends to the intake listener; the mail lands in the database and the queue."""
from __future__ import annotations

import smtplib

import pytest
from click.testing import CliRunner

from models.intake.tables import ImportBatch, IntakeMessage
from models.partners.tables import Partner
from portal.mail_intake import mail_intake_command, start_mail_intake
from tests.conftest import free_port
from tests.models.intake.test_mail import (
    CSV,
    DIST_ADDRESS,
    build_mail,
    install_fake_importer,
)


@pytest.fixture
def listener(app):
    """The intake listener on a free port, recording into the app's database."""
    Partner.update(email=DIST_ADDRESS).where(Partner.code == "DIST1").execute()
    controller = start_mail_intake(app.config["OMS_SETTINGS"], hostname="127.0.0.1", port=free_port())
    yield controller
    controller.stop()


# One order of two lines for CUST1 (served by DIST1) in the canonical import columns.
REAL_CSV = (b"external_ref,customer_code,currency,sku,quantity,unit_price,ship_to_name,ship_to_address,ship_to_city,"
            b"ship_to_region,ship_to_postcode,ship_to_country\n"
            b"MAIL-1,CUST1,USD,WIDGET,2,10.00,Ada Buyer,12 Main St,Springfield,R1,12345,US\n"
            b"MAIL-1,CUST1,USD,GADGET,1,25.50,Ada Buyer,12 Main St,Springfield,R1,12345,US\n")


def send(listener, mail) -> dict:
    with smtplib.SMTP(listener.hostname, listener.port, timeout=10) as client:
        return client.send_message(mail)


def test_distributor_order_file_over_smtp(listener, monkeypatch):
    importer = install_fake_importer(monkeypatch)

    refused = send(listener, build_mail(message_id="<smtp-1@dist1.test>"))

    assert refused == {}
    intake = IntakeMessage.get(IntakeMessage.message_id == "<smtp-1@dist1.test>")
    assert (intake.status, intake.mail_from) == ("imported", DIST_ADDRESS)
    assert importer.calls[0]["payload"] == CSV and importer.calls[0]["distributor"].code == "DIST1"
    batch = ImportBatch.get_by_id(intake.batch_id)
    assert (batch.channel, batch.submitted_by) == ("email", DIST_ADDRESS)


def test_distributor_order_file_over_smtp_with_the_real_importer(listener):
    send(listener, build_mail(message_id="<smtp-2@dist1.test>", attachments=(("week.csv", REAL_CSV, "text/csv"),)))

    intake = IntakeMessage.get(IntakeMessage.message_id == "<smtp-2@dist1.test>")
    assert intake.status == "imported", intake.handled_note
    batch = ImportBatch.get_by_id(intake.batch_id)
    assert (batch.channel, batch.submitted_by, batch.distributor.code) == ("email", DIST_ADDRESS, "DIST1")
    assert batch.orders_accepted == 1, list(batch.errors.dicts())


def test_stranger_mail_over_smtp_waits_in_the_queue(listener, client, auth):
    send(listener, build_mail(sender="someone@example.com", subject="Quote request", body="Price for 500 gadgets?",
                              message_id="<q-1@example.com>", attachments=()))
    send(listener, build_mail(sender="someone@example.com", subject="Quote request", body="Price for 500 gadgets?",
                              message_id="<q-1@example.com>", attachments=()))  # redelivered

    assert IntakeMessage.select().where(IntakeMessage.message_id == "<q-1@example.com>").count() == 1
    auth.login_as("ops_agent")
    page = client.get("/intake").text
    assert "someone@example.com" in page and "Quote request" in page and "Price for 500 gadgets?" in page


def test_local_error_asks_the_sender_to_retry(listener, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("portal.mail_intake.receive_mail", broken)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(listener, build_mail(sender="someone@example.com", attachments=()))

    assert refused.value.smtp_code == 451


def test_command_reports_a_bad_setting():
    result = CliRunner().invoke(mail_intake_command, [], env={"OMS_MAIL_INTAKE_PORT": "zero"})

    assert result.exit_code == 1 and "OMS_MAIL_INTAKE_PORT" in result.output
