"""Inbound order mail: distributors' files imported and answered, everything else left for ops."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from models.core.errors import ImportRefused
from models.core.mailer import send_mail
from models.intake.mail import receive_mail
from models.intake.tables import ImportBatch, IntakeMessage
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import Partner
from schemas.order_rows import import_row_schema
from tests.conftest import free_port, settings_for
from tests.factories import make_world

DIST_ADDRESS = "orders@dist1.test"
CSV = b"external_ref,customer_code,sku,quantity\nPO-1,CUST1,WIDGET,2\n"


def build_mail(*, sender: str = DIST_ADDRESS, subject: str = "Orders for this week", body: str = "See attached.",
               message_id: str | None = "<week-1@dist1.test>", attachments=(("orders.csv", CSV, "text/csv"),),
               html: str | None = None) -> EmailMessage:
    """A mail as a distributor's client would send it: text (or HTML) body and attached files."""
    mail = EmailMessage()
    mail["From"] = f"Distributor <{sender}>"
    mail["To"] = "orders@relay-oms.local"
    mail["Subject"] = subject
    if message_id:
        mail["Message-ID"] = message_id
    if html is not None:
        mail.set_content(html, subtype="html")
    else:
        mail.set_content(body)
    for filename, payload, content_type in attachments:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return mail


class Collector:
    """An SMTP server's handler that keeps every mail it is given."""

    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def texts(self) -> list[str]:
        from email import message_from_bytes, policy

        return [message_from_bytes(raw, policy=policy.default).get_body().get_content() for _, _, raw in self.mails]


@pytest.fixture
def relay():
    """A real local SMTP server standing in for the outbound relay."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def settings(tmp_path, relay):
    return settings_for(tmp_path, OMS_SMTP_URL=f"smtp://127.0.0.1:{relay.port}")


@pytest.fixture
def world(db):
    world = make_world()
    Partner.update(email=DIST_ADDRESS).where(Partner.code == "DIST1").execute()
    return world


@dataclass
class FakeError:
    row: int
    external_ref: str
    field: str
    message: str


@dataclass
class FakeResult:
    batch_id: int
    orders_accepted: int = 2
    orders_rejected: int = 1
    orders_duplicate: int = 0
    lines_accepted: int = 3
    errors: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


class FakeImporter:
    """Stands in for models.intake.file_import.import_order_file: records the calls, makes a batch row."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.refuse_with: str | None = None

    def __call__(self, stream, filename: str, *, settings, submitted_by: str, distributor, row_schema,
                 channel: str = "file"):
        self.calls.append({"payload": stream.read(), "filename": filename, "settings": settings,
                           "submitted_by": submitted_by, "distributor": distributor, "channel": channel})
        if self.refuse_with:
            raise ImportRefused(self.refuse_with)
        batch = ImportBatch.create(channel=channel, distributor=distributor, submitted_by=submitted_by,
                                   filename=filename, sha256="0" * 64, status="completed")
        errors = [FakeError(row=n, external_ref=f"PO-{n}", field="sku", message="unknown SKU") for n in range(3, 28)]
        return FakeResult(batch_id=batch.id, errors=errors)


@pytest.fixture
def importer(monkeypatch) -> FakeImporter:
    """The fake importer in place of the real one (which may not be written yet)."""
    return install_fake_importer(monkeypatch)


def install_fake_importer(monkeypatch) -> FakeImporter:
    fake = FakeImporter()
    monkeypatch.setattr("models.intake.file_import.import_order_file", fake)
    return fake


def test_distributor_csv_is_imported_and_answered(world, settings, importer, relay):
    raw = build_mail().as_bytes()
    outcome = receive_mail(raw, settings=settings, envelope_from="bounce@dist1.test", row_schema=import_row_schema)

    [call] = importer.calls
    assert call["payload"] == CSV
    assert (call["filename"], call["submitted_by"], call["channel"]) == ("orders.csv", DIST_ADDRESS, "email")
    assert call["distributor"].code == "DIST1" and call["settings"] is settings
    intake = IntakeMessage.get_by_id(outcome.intake_id)
    assert (intake.status, intake.batch_id, intake.mail_from) == ("imported", outcome.batch_id, DIST_ADDRESS)
    assert intake.message_id == "<week-1@dist1.test>"
    assert Path(intake.stored_path).read_bytes() == raw
    assert Path(intake.stored_path).parent == settings.data_dir / "mail"
    assert outcome.replied and not outcome.redelivered
    [(mail_from, rcpt_tos, _)] = relay.handler.mails
    assert (mail_from, rcpt_tos) == (settings.mail_from, [DIST_ADDRESS])
    [text] = relay.handler.texts()
    assert "orders.csv: 2 order(s) accepted (3 line(s)), 1 rejected, 0 duplicate" in text
    assert "row 3, sku: unknown SKU" in text and "row 22, sku: unknown SKU" in text
    assert "row 23," not in text and "and 5 more error(s)" in text


def test_distributor_user_address_counts_with_its_partner(world, settings, importer, relay):
    create_user("buyer@dist1.test", "distributor", partner_code="DIST1", password="long-enough-1")
    outcome = receive_mail(build_mail(sender="Buyer@Dist1.Test").as_bytes(), settings=settings, envelope_from="",
                           row_schema=import_row_schema)

    assert outcome.status == "imported" and outcome.sender == "buyer@dist1.test"
    assert importer.calls[0]["distributor"].code == "DIST1"
    assert len(relay.handler.mails) == 1


def test_unknown_sender_is_left_for_ops_without_reply(world, settings, importer, relay):
    raw = build_mail(sender="stranger@example.com", body="Please send 5 widgets to Springfield.").as_bytes()
    outcome = receive_mail(raw, settings=settings, envelope_from="x@example.com", row_schema=import_row_schema)

    intake = IntakeMessage.get_by_id(outcome.intake_id)
    assert (intake.status, intake.subject, intake.mail_from) == ("unparsed", "Orders for this week",
                                                                 "stranger@example.com")
    assert intake.body_text == "Please send 5 widgets to Springfield."
    assert importer.calls == [] and relay.handler.mails == []


@pytest.mark.parametrize("attachments", [(), (("orders.pdf", b"%PDF-1.4", "application/pdf"),)],
                         ids=["no attachment", "pdf only"])
def test_distributor_mail_without_order_file_is_unparsed(world, settings, importer, relay, attachments):
    outcome = receive_mail(build_mail(attachments=attachments).as_bytes(), settings=settings, envelope_from="",
                           row_schema=import_row_schema)

    assert outcome.status == "unparsed" and outcome.batch_id is None
    assert importer.calls == [] and relay.handler.mails == []


def test_redelivered_mail_changes_nothing(world, settings, importer, relay):
    raw = build_mail().as_bytes()
    first = receive_mail(raw, settings=settings, envelope_from="", row_schema=import_row_schema)
    again = receive_mail(raw, settings=settings, envelope_from="", row_schema=import_row_schema)

    assert (again.intake_id, again.status, again.batch_id) == (first.intake_id, "imported", first.batch_id)
    assert again.redelivered and not again.replied
    assert IntakeMessage.select().count() == 1 and ImportBatch.select().count() == 1
    assert len(importer.calls) == 1 and len(relay.handler.mails) == 1


def test_mail_without_message_id_is_known_by_its_hash(world, settings, importer):
    raw = build_mail(sender="stranger@example.com", message_id=None).as_bytes()
    first = receive_mail(raw, settings=settings, envelope_from="", row_schema=import_row_schema)
    again = receive_mail(raw, settings=settings, envelope_from="", row_schema=import_row_schema)

    assert first.message_id == hashlib.sha256(raw).hexdigest()
    assert again.redelivered and IntakeMessage.select().count() == 1


def test_refused_file_is_answered_with_the_reason(world, settings, importer, relay):
    importer.refuse_with = "no header row with external_ref, customer_code, sku, quantity"
    outcome = receive_mail(build_mail().as_bytes(), settings=settings, envelope_from="", row_schema=import_row_schema)

    intake = IntakeMessage.get_by_id(outcome.intake_id)
    assert (intake.status, intake.batch_id) == ("imported", None)
    assert "no header row" in intake.handled_note
    [text] = relay.handler.texts()
    assert "orders.csv: refused — no header row with external_ref" in text


def test_html_only_mail_keeps_its_text(world, settings, importer):
    html = "<html><style>p{color:red}</style><body><p>Need <b>10</b> gadgets</p><p>Thanks</p></body></html>"
    outcome = receive_mail(build_mail(sender="stranger@example.com", html=html, attachments=()).as_bytes(),
                           settings=settings, envelope_from="", row_schema=import_row_schema)

    body = IntakeMessage.get_by_id(outcome.intake_id).body_text
    assert "Need 10 gadgets" in body and "Thanks" in body and "color" not in body


def test_attachment_known_by_content_type_only(world, settings, importer):
    mail = build_mail(attachments=())
    mail.add_attachment(CSV, maintype="text", subtype="csv")  # no filename
    receive_mail(mail.as_bytes(), settings=settings, envelope_from="", row_schema=import_row_schema)

    assert importer.calls[0]["filename"].endswith(".csv") and importer.calls[0]["payload"] == CSV


def test_reply_that_cannot_be_sent_keeps_the_import(world, tmp_path, importer, caplog):
    settings = settings_for(tmp_path, OMS_SMTP_URL=f"smtp://127.0.0.1:{free_port()}")  # nobody listens
    outcome = receive_mail(build_mail().as_bytes(), settings=settings, envelope_from="", row_schema=import_row_schema)

    assert outcome.status == "imported" and not outcome.replied
    assert "could not send the import reply" in caplog.text


def test_send_mail_logs_when_no_relay_is_set(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="oms.mail")
    send_mail(settings_for(tmp_path), "someone@example.com", "Hello", "the body")

    assert "someone@example.com" in caplog.text and "the body" in caplog.text


def test_real_importer_refusal_reaches_the_distributor(world, settings, relay):
    bad = b"reference,sku\nPO-1,WIDGET\n"
    outcome = receive_mail(build_mail(attachments=(("bad.csv", bad, "text/csv"),)).as_bytes(),
                           settings=settings, envelope_from="", row_schema=import_row_schema)

    assert outcome.status == "imported" and "missing required columns" in outcome.note
    [text] = relay.handler.texts()
    assert "bad.csv: refused — missing required columns" in text


def test_importer_crash_leaves_the_mail_for_ops(world, settings, monkeypatch, relay):
    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("models.intake.file_import.import_order_file", crash)
    outcome = receive_mail(build_mail().as_bytes(), settings=settings, envelope_from="", row_schema=import_row_schema)

    assert outcome.status == "unparsed" and "orders.csv could not be imported automatically" in outcome.note
    assert relay.handler.mails == []


def order_file(*rows: str) -> bytes:
    header = "external_ref,customer_code,sku,quantity,currency,ship_to_name,ship_to_address,ship_to_city," \
             "ship_to_region,ship_to_country"
    return "\n".join([header, *(f"{row},USD,Ada Buyer,12 Main St,Springfield,R1,US" for row in rows)]).encode()


def mail_orders(settings, sender: str, message_id: str, *rows: str) -> str:
    """Mail an order file from ``sender`` through the real importer; the import line of the reply."""
    mail = build_mail(sender=sender, message_id=message_id, attachments=(("orders.csv", order_file(*rows),
                                                                          "text/csv"),))
    outcome = receive_mail(mail.as_bytes(), settings=settings, envelope_from="", row_schema=import_row_schema)
    assert outcome.status == "imported"
    return outcome.results[0]


def test_a_distributors_mailed_refs_are_its_own_whoever_mailed_the_same_ref_first(world, settings, relay):
    impostor = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R1",
                              email="orders@dist2.test")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=impostor)
    first = mail_orders(settings, "orders@dist2.test", "<a@dist2.test>", "PO-NE-9001,CUST2,WIDGET,1")
    assert "1 order(s) accepted (1 line(s)), 0 rejected, 0 duplicate" in first

    real = mail_orders(settings, DIST_ADDRESS, "<b@dist1.test>", "PO-NE-9001,CUST1,WIDGET,2")
    assert "1 order(s) accepted (1 line(s)), 0 rejected, 0 duplicate" in real
    orders = {(o.placed_by.code, o.customer.code, o.channel) for o in Order.select().where(
        Order.external_ref == "PO-NE-9001")}
    assert orders == {("DIST2", "CUST2", "email"), ("DIST1", "CUST1", "email")}

    resent = mail_orders(settings, DIST_ADDRESS, "<c@dist1.test>", "PO-NE-9001,CUST1,WIDGET,2")
    assert "0 order(s) accepted (0 line(s)), 0 rejected, 1 duplicate" in resent  # its own ref again
    assert Order.select().count() == 2
