"""The mail intake queue for ops: mail that could not be read as orders, to key in or set aside."""
from __future__ import annotations

from pathlib import Path

import peewee
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from models.core.errors import InvalidTransition, NotFound
from models.intake.mail import (
    attachments_of,
    discard_message,
    mark_converted,
    stored_mail,
)
from models.intake.tables import IntakeMessage
from models.orders.tables import Order
from portal.auth import ops_required
from portal.flashes import exception_message
from portal.list_exports import EXPORT_CAP, export_csv, wants_csv

bp = Blueprint("intake_queue", __name__)

WAITING_SHOWN = 100
RECENT_SHOWN = 20
EXCERPT_CHARS = 200
HEADERS_SHOWN = ("From", "To", "Cc", "Date", "Subject", "Message-ID")
HEADER_WORDS = {"From": lazy_gettext("From"), "To": lazy_gettext("To"), "Cc": lazy_gettext("Cc"),
                "Date": lazy_gettext("Date"), "Subject": lazy_gettext("Subject")}
INTAKE_WORDS = {"unparsed": lazy_gettext("unparsed"), "imported": lazy_gettext("imported"),
                "converted": lazy_gettext("converted"), "discarded": lazy_gettext("discarded")}


class DiscardForm(FlaskForm):
    comment = TextAreaField(lazy_gettext("Why"), validators=[Optional(), Length(max=2000)])


class ConvertedForm(FlaskForm):
    order_id = IntegerField(lazy_gettext("Order number"),
                            validators=[DataRequired(lazy_gettext("Give the number of the order you placed.")),
                                        NumberRange(min=1)])


def _listed(*statuses: str) -> peewee.ModelSelect:
    excerpt = peewee.fn.SUBSTR(IntakeMessage.body_text, 1, EXCERPT_CHARS).alias("excerpt")
    return (IntakeMessage.select(IntakeMessage.id, IntakeMessage.mail_from, IntakeMessage.subject,
                                 IntakeMessage.status, IntakeMessage.received_at, IntakeMessage.batch,
                                 IntakeMessage.handled_note, excerpt)
            .where(IntakeMessage.status.in_(statuses)))


@bp.get("/intake")
@ops_required
def queue() -> ResponseReturnValue:
    """Unparsed mail oldest first (the longest waiting on top), then the mail imported most recently."""
    if wants_csv():
        return _export()
    waiting = list(_listed("unparsed").order_by(IntakeMessage.received_at, IntakeMessage.id).limit(WAITING_SHOWN))
    total = IntakeMessage.select().where(IntakeMessage.status == "unparsed").count()
    recent = list(_listed("imported").order_by(IntakeMessage.received_at.desc(), IntakeMessage.id.desc())
                  .limit(RECENT_SHOWN))
    return render_template("intake/queue.html", waiting=waiting, total=total, recent=recent)


INTAKE_CSV = ("id", "status", "from", "subject", "received_at", "note", "excerpt")


def _export():
    """Both lists as the page shows them: the unparsed mail, then the mail imported recently."""
    waiting = _listed("unparsed").order_by(IntakeMessage.received_at, IntakeMessage.id).limit(EXPORT_CAP)
    recent = (_listed("imported").order_by(IntakeMessage.received_at.desc(), IntakeMessage.id.desc())
              .limit(RECENT_SHOWN))
    return export_csv("mail-intake", INTAKE_CSV, (
        (m.id, m.status, m.mail_from, m.subject, m.received_at.isoformat(), m.handled_note, m.excerpt)
        for query in (waiting, recent) for m in query.iterator()))


@bp.get("/intake/<int:intake_id>")
@ops_required
def message(intake_id: int) -> ResponseReturnValue:
    """One mail: its headers, text, attached files and what ops did with it."""
    intake = _intake_or_404(intake_id)
    mail = stored_mail(intake)
    headers = [(name, str(mail[name])) for name in HEADERS_SHOWN if mail is not None and mail[name]]
    attachments = attachments_of(mail) if mail is not None else []
    orders = list(Order.select(Order.id, Order.external_ref, Order.status).where(Order.source_message == intake.id))
    return render_template("intake/message.html", intake=intake, headers=headers, attachments=attachments,
                           orders=orders, discard_form=DiscardForm(prefix="discard"),
                           converted_form=ConvertedForm(prefix="converted"), header_words=HEADER_WORDS,
                           intake_words=INTAKE_WORDS)


@bp.get("/intake/<int:intake_id>/raw")
@ops_required
def raw(intake_id: int) -> ResponseReturnValue:
    """The mail exactly as received, as an .eml download."""
    intake = _intake_or_404(intake_id)
    path = Path(intake.stored_path)
    mail_dir = Path(current_app.config["OMS_SETTINGS"].data_dir).resolve() / "mail"
    if not intake.stored_path or not path.resolve().is_relative_to(mail_dir) or not path.is_file():
        abort(404)
    return send_file(path, mimetype="message/rfc822", as_attachment=True, download_name=f"mail-{intake.id}.eml")


@bp.post("/intake/<int:intake_id>/discard")
@ops_required
def discard(intake_id: int) -> ResponseReturnValue:
    """Set a mail aside with a comment; it leaves the queue."""
    form = DiscardForm(prefix="discard")
    if not form.validate_on_submit():
        return _refused(intake_id, form.comment.errors)
    try:
        discard_message(intake_id, user=current_user.user, note=form.comment.data or "")
    except NotFound:
        abort(404)
    except InvalidTransition as exc:
        return _refused(intake_id, [exception_message(exc)])
    flash(gettext("Mail %(id)s discarded.", id=intake_id), "success")
    return redirect(url_for("intake_queue.queue"))


@bp.post("/intake/<int:intake_id>/convert")
@ops_required
def convert(intake_id: int) -> ResponseReturnValue:
    """Open the order entry form to key the mail in; it is marked converted once the order number is given."""
    _intake_or_404(intake_id)
    return redirect(url_for("ops.new_order", source_message=intake_id))


@bp.post("/intake/<int:intake_id>/converted")
@ops_required
def converted(intake_id: int) -> ResponseReturnValue:
    """Mark the mail as keyed in as the order given, and link that order to the mail."""
    form = ConvertedForm(prefix="converted")
    if not form.validate_on_submit():
        return _refused(intake_id, form.order_id.errors)
    try:
        mark_converted(intake_id, order_id=form.order_id.data, user=current_user.user)
    except NotFound as exc:
        _intake_or_404(intake_id)  # a missing mail is a 404; a missing order is the user's typo
        return _refused(intake_id, [exception_message(exc)])
    except InvalidTransition as exc:
        return _refused(intake_id, [exception_message(exc)])
    flash(gettext("Mail %(id)s marked as keyed in as order %(order)s.", id=intake_id, order=form.order_id.data),
          "success")
    return redirect(url_for("intake_queue.queue"))


def _intake_or_404(intake_id: int) -> IntakeMessage:
    intake = IntakeMessage.get_or_none(IntakeMessage.id == intake_id)
    if intake is None:
        abort(404)
    return intake


def _refused(intake_id: int, messages: list[str]) -> ResponseReturnValue:
    for text in messages or [gettext("Check the form and try again.")]:
        flash(text, "error")
    return redirect(url_for("intake_queue.message", intake_id=intake_id))
