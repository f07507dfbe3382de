"""The credit desk: customers with their limit, exposure and overdue position, a customer's receivables with a form
to record a payment, payouts to make and mark paid, and printable invoices.

Credit controllers and ops admins work here; ops agents may read every page (and print invoices) but not record
payments or mark payouts paid. A distributor may print the invoice of an order it can see, nothing else here.
"""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectChoice, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from models.core.base import utc_now
from models.core.currencies import CURRENCIES
from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.partners.access import can_see_order
from models.partners.tables import OPS_ROLES
from models.receivables.account import load_receivables
from models.receivables.credit_rules import (
    FLAG_LABELS,
    entry_warning,
)
from models.receivables.desk import (
    FILTERS,
    SORTS,
    DeskFilter,
    customer_count,
    customer_position,
    customer_positions,
    flagged_customers,
)
from models.receivables.invoice_documents import invoice_document
from models.receivables.ledger import PAYMENT_METHODS, applications_of
from models.receivables.payments import customer_by_code, record_payment
from models.returns.payout_list import PAYOUT_VIEWS, payouts
from models.returns.refunds import mark_payout_paid
from portal.auth import role_required
from portal.documents.invoice import render_invoice
from portal.flashes import flash_form_errors, flash_validation
from portal.model_messages import translate_message
from portal.report_support import csv_download, csv_url, wants_csv
from portal.shipment_documents import pdf_response, safe_name

bp = Blueprint("credit_desk", __name__, url_prefix="/ops")

MONEY_ROLES = ("ops_admin", "credit_controller")  # record payments, mark payouts paid
desk_readers = role_required(*OPS_ROLES)
money_handlers = role_required(*MONEY_ROLES)
MAX_PAGE = 100_000
CUSTOMER_CSV_HEADER = ("code", "name", "kind", "credit_limit", "outstanding", "open_orders", "exposure", "headroom",
                       "overdue_amount", "overdue_days", "payment_terms_days", "blocked", "credit_holds", "flags",
                       "currency")
PAYOUT_CSV_HEADER = ("id", "reference", "status", "amount", "currency", "customer_code", "customer_name",
                     "return_id", "order_id", "order_ref", "created_at", "paid_at", "paid_by", "paid_note")


# models.receivables.credit_rules.FLAG_LABELS in the page's language
FLAG_WORDS = {flag: lazy_gettext(label) for flag, label in FLAG_LABELS.items()}
# models.receivables.ledger.PAYMENT_METHODS as the pages write them
METHOD_WORDS = {"bank_transfer": lazy_gettext("bank transfer"), "card": lazy_gettext("card"),
                "cheque": lazy_gettext("cheque"), "other": lazy_gettext("other")}
KIND_WORDS = {"customer": lazy_gettext("customer"), "distributor": lazy_gettext("distributor")}


class PaymentForm(FlaskForm):
    amount = DecimalField(lazy_gettext("Amount"), validators=[
        InputRequired(lazy_gettext("Give the amount received.")),
        NumberRange(min=Decimal("0.01"), message=lazy_gettext("must be more than 0"))])
    currency = SelectField(lazy_gettext("Currency"), choices=CURRENCIES, default="USD")
    reference = StringField(lazy_gettext("Reference"), validators=[
        DataRequired(lazy_gettext("Give the bank or cheque reference.")), Length(max=64)])
    method = SelectField(lazy_gettext("Method"),
                         choices=[SelectChoice(m, METHOD_WORDS.get(m, m.replace("_", " "))) for m in PAYMENT_METHODS],
                         default="bank_transfer")
    received_on = DateField(lazy_gettext("Received on"), validators=[Optional()])


class PayoutPaidForm(FlaskForm):
    reference = StringField(lazy_gettext("Bank reference"), validators=[
        DataRequired(lazy_gettext("Give the bank reference of the payout.")), Length(max=200)])


# --- customers -------------------------------------------------------------------------------------

@bp.get("/customers")
@desk_readers
def customers() -> ResponseReturnValue:
    """Buyers with limit, exposure, overdue and terms; searched, filtered, sorted, 50 a page; ``format=csv``
    exports every match."""
    wanted = _desk_filter()
    today = utc_now().date()
    if wants_csv():
        rows, _ = customer_positions(wanted, today, limit=None)
        return csv_download(f"customers-{today:%Y%m%d}.csv", CUSTOMER_CSV_HEADER, (_customer_csv(row) for row in rows))
    rows, more = customer_positions(wanted, today)
    return render_template("credit/customers.html", rows=rows, more=more, wanted=wanted, sorts=SORTS,
                           filters=FILTERS, total=customer_count(wanted, today), flag_labels=FLAG_WORDS,
                           kind_words=KIND_WORDS, csv_url=csv_url(), page_args=_page_args(wanted))


def _desk_filter() -> DeskFilter:
    sort = request.args.get("sort", "code")
    page = request.args.get("page", 1, type=int) or 1
    return DeskFilter(search=request.args.get("q", "").strip()[:100],
                      **{name: request.args.get(name) == "1" for name in FILTERS},
                      sort=sort if sort in SORTS else "code", page=min(max(page, 1), MAX_PAGE))


def _page_args(wanted: DeskFilter) -> dict:
    """The query of this list without its page: what the pager links keep."""
    args = {name: "1" for name in FILTERS if getattr(wanted, name)}
    if wanted.search:
        args["q"] = wanted.search
    if wanted.sort != "code":
        args["sort"] = wanted.sort
    return args


def _customer_csv(row) -> tuple:
    return (row.code, row.name, row.kind, row.credit_limit, row.outstanding, row.open_orders, row.exposure,
            row.headroom, row.overdue_amount, row.overdue_days, row.payment_terms_days, row.blocked,
            row.credit_holds, " ".join(row.flags), row.currency)


@bp.get("/customers/<code>")
@desk_readers
def customer(code: str) -> ResponseReturnValue:
    """A customer's receivables: position, open invoices, payments, credit notes, orders on hold."""
    account = load_receivables(code, utc_now().date())
    if account is None:
        abort(404)
    form = PaymentForm(prefix="payment")
    if request.method == "GET" and form.received_on.data is None:
        form.received_on.data = utc_now().date()
    return render_template("credit/customer.html", account=account, position=account.position, form=form,
                           may_record=current_user.role in MONEY_ROLES, flag_labels=FLAG_WORDS,
                           method_words=METHOD_WORDS)


@bp.post("/customers/<code>/payments")
@money_handlers
def record_customer_payment(code: str) -> ResponseReturnValue:
    """Record a payment through the same path as the payments API: applied oldest due first, and the customer's
    credit-held orders sent back to review in the same transaction."""
    try:
        buyer = customer_by_code(code)
    except ValidationFailed:
        abort(404)
    form = PaymentForm(prefix="payment")
    back = redirect(url_for("credit_desk.customer", code=buyer.code))
    if not form.validate_on_submit():
        flash_form_errors(form)
        return back
    try:
        payment, created = record_payment(buyer, amount=form.amount.data, currency=form.currency.data,
                                          reference=form.reference.data, method=form.method.data,
                                          received_on=form.received_on.data, actor=current_user.email)
    except ValidationFailed as exc:
        flash_validation(exc.messages)
        return back
    if not created:
        flash(gettext("Payment %(reference)s was already recorded; nothing changed.", reference=payment.reference),
              "info")
        return back
    applied = (gettext(", ").join(f"{number} {amount}" for number, amount in applications_of(payment.id))
               or gettext("no invoice"))
    message = gettext("Payment %(reference)s of %(amount)s %(currency)s recorded: applied to %(applied)s",
                      reference=payment.reference, amount=payment.amount, currency=payment.currency, applied=applied)
    if payment.unapplied:
        message += gettext("; %(amount)s %(currency)s kept as credit", amount=payment.unapplied,
                           currency=payment.currency)
    if payment.orders_rechecked:
        message += gettext("; %(num)s held order(s) sent back to review", num=len(payment.orders_rechecked))
    flash(gettext("%(message)s.", message=message), "success")
    return back


# --- payouts ---------------------------------------------------------------------------------------

@bp.get("/refunds")
@desk_readers
def refunds() -> ResponseReturnValue:
    """Refunds to pay out (oldest first) or paid (newest first), 50 a page; ``format=csv`` exports the view."""
    view = request.args.get("view", "to_pay")
    view = view if view in PAYOUT_VIEWS else "to_pay"
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    if wants_csv():
        rows, _ = payouts(view, limit=None)
        return csv_download(f"refunds-{view}-{utc_now():%Y%m%d}.csv", PAYOUT_CSV_HEADER,
                            ((r.id, r.reference, r.status, r.amount, r.currency, r.customer_code, r.customer_name,
                              r.return_id, r.order_id, r.order_ref, r.created_at, r.paid_at, r.paid_by, r.paid_note)
                             for r in rows))
    rows, more = payouts(view, page)
    return render_template("credit/refunds.html", rows=rows, more=more, view=view, views=PAYOUT_VIEWS, page=page,
                           form=PayoutPaidForm(prefix="paid"), may_pay=current_user.role in MONEY_ROLES,
                           csv_url=csv_url())


@bp.post("/refunds/<int:refund_id>/paid")
@money_handlers
def mark_refund_paid(refund_id: int) -> ResponseReturnValue:
    """Mark a payout paid with the bank's reference (kept in the refund's audit trail)."""
    form = PayoutPaidForm(prefix="paid")
    back = redirect(url_for("credit_desk.refunds"))
    if not form.validate_on_submit():
        flash_form_errors(form)
        return back
    try:
        paid = mark_payout_paid(refund_id, reference=form.reference.data, actor=current_user.email)
    except NotFound:
        abort(404)
    except InvalidTransition as exc:
        flash(translate_message(exc.args[0] if exc.args else str(exc)), "error")
        return back
    except ValidationFailed as exc:
        flash_validation(exc.messages)
        return back
    if paid:
        flash(gettext("Refund %(id)s marked paid (%(reference)s).", id=refund_id,
                      reference=form.reference.data.strip()), "success")
    else:
        flash(gettext("Refund %(id)s was already marked paid; nothing changed.", id=refund_id), "info")
    return back


# --- invoices --------------------------------------------------------------------------------------

@bp.get("/invoices/<int:invoice_id>.pdf")
@role_required(*OPS_ROLES, "distributor")
def invoice_pdf(invoice_id: int) -> ResponseReturnValue:
    """The invoice as a PDF; a distributor gets only the invoice of an order it can see (404 otherwise)."""
    document = invoice_document(invoice_id)
    if document is None:
        abort(404)
    if not current_user.is_ops and (document.order_id is None or not can_see_order(current_user, document.order_id)):
        abort(404)
    return pdf_response(render_invoice(document), f"invoice-{safe_name(document.number)}.pdf")


# --- order entry -----------------------------------------------------------------------------------

def flag_entry_choices(form) -> dict[str, str]:
    """On the ops order form, mark the blocked, over-limit and overdue customers in the customer list and return
    the warning for each; a distributor keying an order sees none of its customers' credit standing."""
    if not current_user.is_ops:
        return {}
    flags = flagged_customers(utc_now().date())
    form.customer_code.choices = [
        (code, f"{label} ⚠ {_flag_list(flags[code]).upper()}" if code in flags else label)
        for code, label in form.customer_code.choices]
    return {code: _entry_warning(code, codes) for code, codes in flags.items()}


def flash_entry_warning(customer_code: str) -> None:
    """After ops place an order, say so when its customer is flagged: review will hold (or reject) it."""
    if not current_user.is_ops:
        return
    position = customer_position(customer_code, utc_now().date())
    if position is not None and position.flags:
        flash(_entry_warning(position.code, position.flags), "error")


def _flag_list(flags) -> str:
    return gettext(", ").join(str(FLAG_WORDS[flag]) for flag in flags)


def _entry_warning(code: str, flags) -> str:
    """What review will do with the order (models.receivables.credit_rules.entry_warning), in the page's
    language."""
    return translate_message(entry_warning(code, tuple(flags)))
