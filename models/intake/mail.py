"""Inbound order mail: a distributor's mailed order file is imported and answered; any other mail waits for ops.

A mail is recorded once per Message-ID (a mail without one is known by the SHA-256 of its bytes), so a
redelivered mail changes nothing. A refused file is answered with the reason and recorded as "imported"
with the reason in ``handled_note``: the distributor was told and will send a corrected file, so ops
should not key it in by hand as well.
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import io
import logging
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser
from pathlib import Path

import peewee
from marshmallow import Schema

from models.core.config import Settings
from models.core.db import database
from models.core.errors import ImportRefused, InvalidTransition, NotFound
from models.core.mailer import send_mail
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.intake import file_import
from models.intake.tables import IntakeMessage
from models.orders.tables import Order
from models.partners.tables import Partner, User

logger = logging.getLogger("oms.mail")

ORDER_FILE_SUFFIXES = (".csv", ".xlsx")
ORDER_FILE_TYPES = {
    "text/csv": ".csv",
    "application/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
REPLY_ERRORS_SHOWN = 20
BODY_TEXT_LIMIT = 50_000
MESSAGE_ID_LIMIT = 255


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    payload: bytes

    @property
    def is_order_file(self) -> bool:
        return self.filename.lower().endswith(ORDER_FILE_SUFFIXES)


@dataclass
class IntakeOutcome:
    """What became of one inbound mail; ``redelivered`` when the Message-ID had been seen before."""

    intake_id: int
    message_id: str
    sender: str
    status: str
    batch_id: int | None = None
    note: str = ""
    results: list[str] = field(default_factory=list)  # one summary per order file, first delivery only
    replied: bool = False
    redelivered: bool = False


def receive_mail(raw: bytes, *, settings: Settings, envelope_from: str, row_schema: Schema) -> IntakeOutcome:
    """Record one inbound mail; import a known distributor's order files (rows checked with ``row_schema``, the
    boundary's order row schema) and answer with the result."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = message_id_of(message, raw)
    seen = IntakeMessage.get_or_none(IntakeMessage.message_id == message_id)
    if seen is not None:
        return _outcome_of(seen, redelivered=True)
    sender = sender_of(message, envelope_from)
    stored_path = store_raw(settings, message_id, raw)
    intake = _claim(message_id, sender, message, stored_path)
    if intake is None:  # a concurrent delivery of the same mail recorded it first
        return _outcome_of(IntakeMessage.get(IntakeMessage.message_id == message_id), redelivered=True)
    distributor = distributor_for(sender)
    attachments = attachments_of(message)
    order_files = [a for a in attachments if a.is_order_file]
    if distributor is None or not order_files:
        return _outcome_of(intake)
    return _import_order_files(intake, order_files, attachments, settings=settings, distributor=distributor,
                               row_schema=row_schema)


# --- reading the mail --------------------------------------------------------------------------

def message_id_of(message: EmailMessage, raw: bytes) -> str:
    """The Message-ID as sent; the SHA-256 of the raw bytes when it is missing or does not fit."""
    value = _header(message, "Message-ID").strip()
    if not value:
        return hashlib.sha256(raw).hexdigest()
    if len(value) > MESSAGE_ID_LIMIT:
        return hashlib.sha256(value.encode()).hexdigest()
    return value


def sender_of(message: EmailMessage, envelope_from: str) -> str:
    """The From address, lower-cased; the envelope sender when From has no usable address."""
    addresses = [address for _, address in getaddresses([_header(message, "From")]) if "@" in address]
    return (addresses[0] if addresses else envelope_from or "").strip().lower()[:254]


def attachments_of(message: EmailMessage) -> list[Attachment]:
    """Every attached file; an order file without a name is named after its content type."""
    found = []
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart():
            continue
        filename = part.get_filename() or ""
        content_type = part.get_content_type()
        if not filename and part.get_content_disposition() != "attachment" and content_type not in ORDER_FILE_TYPES:
            continue  # a body part
        if not filename.lower().endswith(ORDER_FILE_SUFFIXES) and content_type in ORDER_FILE_TYPES:
            filename = f"{filename or f'attachment-{number}'}{ORDER_FILE_TYPES[content_type]}"
        found.append(Attachment(filename or f"attachment-{number}", content_type,
                                part.get_payload(decode=True) or b""))
    return found


def body_text_of(message: EmailMessage) -> str:
    """The plain-text body, else the HTML body with its tags stripped, cut to BODY_TEXT_LIMIT characters."""
    part = message.get_body(preferencelist=("plain", "html"))
    try:
        text = part.get_content() if part is not None else ""
    except (LookupError, ValueError, AttributeError):  # unknown charset or a broken part: keep what we can
        text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if text and part.get_content_type() == "text/html":
        text = _html_text(text)
    return text.strip()[:BODY_TEXT_LIMIT]


def store_raw(settings: Settings, message_id: str, raw: bytes) -> str:
    """Keep the raw mail as <data_dir>/mail/<id>.eml (written once) and return its path."""
    folder = Path(settings.data_dir) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._@+-]", "_", message_id).strip(".")[:120]
    if safe != message_id:  # two ids that differ only in replaced characters must not share a file
        safe = f"{safe}-{hashlib.sha256(message_id.encode()).hexdigest()[:12]}"
    path = folder / f"{safe}.eml"
    try:
        with open(path, "xb") as handle:
            handle.write(raw)
    except FileExistsError:
        pass
    return str(path)


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except (ValueError, IndexError, TypeError):  # a header the parser cannot make sense of
        return ""


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag in ("br", "p", "div", "tr", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data) -> None:
        if not self._skipping:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n\s*\n+", "\n\n", re.sub(r"[ \t]+", " ", "".join(parser.parts)))


# --- who sent it -------------------------------------------------------------------------------

def distributor_for(address: str) -> Partner | None:
    """The distributor whose email, or whose active distributor user's email, is ``address``."""
    if not address:
        return None
    partner = (Partner.select()
               .where(peewee.fn.LOWER(Partner.email) == address, Partner.kind == "distributor").first())
    if partner is not None:
        return partner
    user = (User.select(User, Partner).join(Partner)
            .where(User.email == address, User.role == "distributor", User.active == True,
                   Partner.kind == "distributor")
            .first())
    return user.partner if user else None


# --- ops handling the mail left for them -------------------------------------------------------

def discard_message(intake_id: int, *, user: User, note: str = "") -> IntakeMessage:
    """Set an unparsed mail aside (spam, a question answered elsewhere) with who and why."""
    return _handle(intake_id, "discarded", user=user, note=note.strip())


def mark_converted(intake_id: int, *, order_id: int, user: User) -> IntakeMessage:
    """Record that ``user`` keyed the unparsed mail in as order ``order_id``, and link the order to it."""
    order = Order.get_or_none(Order.id == order_id)
    if order is None:
        raise NotFound(TextMessage(Text("there is no order %(id)s", id=order_id)))
    if order.source_message_id not in (None, intake_id):
        raise InvalidTransition(TextMessage(Text("order %(order)s is already linked to mail %(mail)s", order=order_id,
                                                  mail=order.source_message_id)))
    with database.atomic():
        intake = _handle(intake_id, "converted", user=user, note=f"keyed in by {user.email} as order {order_id}")
        Order.update(source_message=intake.id).where(Order.id == order_id).execute()
    return intake


def stored_mail(intake: IntakeMessage) -> EmailMessage | None:
    """The raw mail as kept on disk, parsed; None when the file is gone."""
    try:
        raw = Path(intake.stored_path).read_bytes()
    except OSError:
        return None
    return email.message_from_bytes(raw, policy=email.policy.default)


def _handle(intake_id: int, status: str, *, user: User, note: str) -> IntakeMessage:
    if not IntakeMessage.select().where(IntakeMessage.id == intake_id).exists():
        raise NotFound(TextMessage(Text("there is no mail %(id)s", id=intake_id)))
    moved = (IntakeMessage.update(status=status, handled_by=user.id, handled_note=note)
             .where(IntakeMessage.id == intake_id, IntakeMessage.status == "unparsed").execute())
    if not moved:  # someone handled it first, or it was imported
        now = IntakeMessage.select(IntakeMessage.status).where(IntakeMessage.id == intake_id).scalar()
        raise InvalidTransition(TextMessage(Text("mail %(id)s is %(status)s, not waiting for ops; nothing changed",
                                                  id=intake_id, status=now)))
    return IntakeMessage.get_by_id(intake_id)


# --- recording and importing -------------------------------------------------------------------

def _claim(message_id: str, sender: str, message: EmailMessage, stored_path: str) -> IntakeMessage | None:
    """Record the mail as unparsed; None when the same Message-ID was recorded meanwhile."""
    try:
        with database.atomic():
            return IntakeMessage.create(message_id=message_id, mail_from=sender,
                                        subject=_header(message, "Subject").strip()[:500],
                                        body_text=body_text_of(message), stored_path=stored_path,
                                        status="unparsed")
    except peewee.IntegrityError:
        return None


def _import_order_files(intake: IntakeMessage, order_files: list[Attachment], attachments: list[Attachment],
                        *, settings: Settings, distributor: Partner, row_schema: Schema) -> IntakeOutcome:
    results, refusals, batch_id = [], [], None
    for attachment in order_files:
        try:
            result = file_import.import_order_file(
                io.BytesIO(attachment.payload), attachment.filename, settings=settings,
                submitted_by=intake.mail_from, distributor=distributor, row_schema=row_schema, channel="email")
        except ImportRefused as exc:
            refusals.append(f"{attachment.filename}: {exc}")
            results.append(f"{attachment.filename}: refused — {exc}")
            continue
        except Exception:  # the mail stays in the ops queue rather than being lost
            logger.exception("importing %s from mail %s failed", attachment.filename, intake.message_id)
            intake.handled_note = f"{attachment.filename} could not be imported automatically; key it in by hand."
            intake.save()
            return _outcome_of(intake, results=results)
        batch_id = batch_id or result.batch_id
        results.append(import_summary(attachment.filename, result))
    intake.status, intake.batch = "imported", batch_id
    intake.handled_note = "; ".join(f"refused {reason}" for reason in refusals)
    intake.save()
    ignored = [a.filename for a in attachments if not a.is_order_file]
    replied = send_reply(settings, intake, results, ignored)
    return _outcome_of(intake, results=results, replied=replied)


def import_summary(filename: str, result) -> str:
    """One attachment's result for the reply: counts, then the first errors as "row R, field: message"."""
    counts = (f"{filename}: {result.orders_accepted} order(s) accepted ({result.lines_accepted} line(s)), "
              f"{result.orders_rejected} rejected, {result.orders_duplicate} duplicate (batch {result.batch_id})")
    lines = [counts]
    for error in result.errors[:REPLY_ERRORS_SHOWN]:
        where = f"row {error.row}, {error.field}" if error.field else f"row {error.row}"
        lines.append(f"  {where}: {error.message}")
    total = max(len(result.errors), getattr(result, "errors_total", 0))  # the result may list only the first ones
    if total > REPLY_ERRORS_SHOWN:
        lines.append(f"  … and {total - REPLY_ERRORS_SHOWN} more error(s)")
    return "\n".join(lines)


def send_reply(settings: Settings, intake: IntakeMessage, results: list[str], ignored: list[str]) -> bool:
    """Answer the distributor; a failure to send is logged and never undoes the import."""
    body = ["Your order mail was received. Result per file:", "", *results]
    if ignored:
        body += ["", "Not read (only .csv and .xlsx order files are imported): " + ", ".join(ignored)]
    subject = f"Re: {intake.subject}" if intake.subject else "Your order file"
    try:
        send_mail(settings, intake.mail_from, subject, "\n".join(body) + "\n")
    except Exception:  # the relay may be down; the orders are in all the same
        logger.exception("could not send the import reply for mail %s to %s", intake.message_id, intake.mail_from)
        return False
    return True


def _outcome_of(intake: IntakeMessage, *, redelivered: bool = False, results: list[str] | None = None,
                replied: bool = False) -> IntakeOutcome:
    return IntakeOutcome(intake_id=intake.id, message_id=intake.message_id, sender=intake.mail_from,
                         status=intake.status, batch_id=intake.batch_id, note=intake.handled_note,
                         results=results or [], replied=replied,
                         redelivered=redelivered)
