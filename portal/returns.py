"""Return pages: the ops review queue and a return's page with its steps, a distributor's returns, stored
photos, and the customer feedback ops read."""
from __future__ import annotations

from collections.abc import Callable

import peewee
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from models.core.base import utc_now
from models.core.errors import NotFound, ValidationFailed
from models.orders.partner_view import own_actor_names
from models.partners.tables import OPS_ROLES, Partner
from models.returns.feedback import (
    average_by_sku,
    average_by_warehouse,
    recent_feedback,
)
from models.returns.flow import (
    CONDITIONS,
    RECEIVABLE,
    Inspected,
    inspect_return,
    receive_return,
)
from models.returns.labels import retry_label
from models.returns.lists import (
    REVIEW,
    VIEWS,
    exchange_skus,
    photo_of,
    photos_of,
    returns_for_ops,
    returns_visible_to,
    status_counts,
)
from models.returns.partner_view import partner_return_document
from models.returns.photos import photo_path
from models.returns.requesting import approve_return, reject_return
from models.returns.states import RETURN_APPROVED
from models.returns.tables import ReturnRequest
from models.returns.views import return_document, visible_return
from portal.api_returns import RETURN_DESK_ROLES
from portal.auth import is_local_path, ops_required, role_required
from portal.domain_words import N_, translate_words
from portal.flashes import flash_form_errors, flash_validation
from portal.list_exports import EXPORT_PAGE, export_csv, walk_pages, wants_csv
from portal.params import id_arg

bp = Blueprint("returns", __name__)

PAGE_SIZE = 50
FEEDBACK_SHOWN = 100
# ops_admin and ops_agent decide and handle returns (as in the API); a credit controller reads them only.
return_desk = role_required(*RETURN_DESK_ROLES)
order_desk = role_required(*OPS_ROLES, "distributor")


# Words a return's page shows from its data beyond portal.domain_words, marked for the catalogues; the page writes
# them through the ``words`` filter: how it was asked for, the decision, the label, the refund, a line's condition,
# and the fixed words of models.returns.partner_view.
RETURN_PAGE_WORDS = (
    N_("self service"), N_("api"), N_("auto approved"), N_("manual"), N_("issued"), N_("credit note"),
    N_("payout"), N_("applied"), N_("to pay"), N_("paid"), N_("resellable"),
    N_("return requested"), N_("not approved"), N_("return label issued"), N_("on its way back"),
    N_("received at the warehouse"), N_("replacement order placed"),
    N_("requested after the return window"), N_("return value checked by our team"),
    N_("this return reason is checked by our team"), N_("return history checked by our team"),
    N_("includes a final-sale item"), N_("some units were returned before"), N_("customer"),
    N_("rules"), N_("approved by the return rules"), N_("approved by ops"),  # models.returns.requesting
)


class ApproveForm(FlaskForm):
    note = TextAreaField(lazy_gettext("Note (optional)"), validators=[Length(max=2000)])


class RejectForm(FlaskForm):
    note = TextAreaField(lazy_gettext("Why (the customer reads this)"),
                         validators=[DataRequired(lazy_gettext("Say why the return is rejected.")), Length(max=2000)])


class StepForm(FlaskForm):
    """A step with nothing to fill in (receive, retry the label, the inspection's own fields): the CSRF token."""


# --- ops: the queue and one return ---------------------------------------------------------------

@bp.get("/ops/returns")
@ops_required
def queue() -> ResponseReturnValue:
    """The review queue (requested, waiting for a person) oldest first by default; or all, or one status."""
    view = request.args.get("view", REVIEW)
    view = view if view in VIEWS else REVIEW
    if wants_csv():
        return _export(lambda cursor: returns_for_ops(view, cursor=cursor))
    cursor = id_arg("cursor")
    rows = list(returns_for_ops(view, cursor=cursor).limit(PAGE_SIZE + 1))
    shown, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    return render_template("returns/queue.html", returns=shown, view=view, views=VIEWS, counts=status_counts(),
                           cursor=cursor, next_cursor=shown[-1].id if more else None, now=utc_now(),
                           may_act=current_user.role in RETURN_DESK_ROLES,
                           approve_form=ApproveForm(prefix="approve"), reject_form=RejectForm(prefix="reject"))


@bp.get("/ops/returns/<int:return_id>")
@ops_required
def detail(return_id: int) -> ResponseReturnValue:
    """Everything about one return, with the step it can take next for those who handle returns."""
    return _detail_page(_visible_or_404(return_id), ops_view=True)


@bp.post("/ops/returns/<int:return_id>/approve")
@return_desk
def approve(return_id: int) -> ResponseReturnValue:
    _visible_or_404(return_id)
    form = ApproveForm(prefix="approve")
    if form.validate_on_submit():
        moved = approve_return(return_id, actor=current_user.email, note=(form.note.data or "").strip())
        _flash_step(return_id, moved, gettext("Return %(id)s approved.", id=return_id))
    else:
        flash_form_errors(form)
    return redirect(_back_to(return_id))


@bp.post("/ops/returns/<int:return_id>/reject")
@return_desk
def reject(return_id: int) -> ResponseReturnValue:
    _visible_or_404(return_id)
    form = RejectForm(prefix="reject")
    if form.validate_on_submit():
        try:
            moved = reject_return(return_id, actor=current_user.email, note=form.note.data.strip())
        except ValidationFailed as exc:
            flash_validation(exc.messages)
        else:
            _flash_step(return_id, moved, gettext("Return %(id)s rejected.", id=return_id))
    else:
        flash_form_errors(form)
    return redirect(_back_to(return_id))


@bp.post("/ops/returns/<int:return_id>/receive")
@return_desk
def receive(return_id: int) -> ResponseReturnValue:
    _visible_or_404(return_id)
    if StepForm().validate_on_submit():
        _flash_step(return_id, receive_return(return_id, actor=current_user.email),
                    gettext("Return %(id)s marked received.", id=return_id))
    return redirect(url_for("returns.detail", return_id=return_id))


@bp.post("/ops/returns/<int:return_id>/inspection")
@return_desk
def inspect(return_id: int) -> ResponseReturnValue:
    """Record each line's condition: resellable units go back on hand, the others into quarantine."""
    _visible_or_404(return_id)
    if not StepForm().validate_on_submit():
        return redirect(url_for("returns.detail", return_id=return_id))
    line_ids = request.form.getlist("line_id", type=int)
    inspected = [Inspected(line_id=line_id, condition=request.form.get(f"condition-{line_id}", ""),
                           note=request.form.get(f"note-{line_id}", "").strip()[:1000]) for line_id in line_ids]
    try:
        moved = inspect_return(return_id, inspected, actor=current_user.email)
    except ValidationFailed as exc:
        flash_validation(exc.messages)
    else:
        _flash_step(return_id, moved, gettext("Return %(id)s inspected; it will now be settled.", id=return_id))
    return redirect(url_for("returns.detail", return_id=return_id))


@bp.post("/ops/returns/<int:return_id>/retry-label")
@return_desk
def retry(return_id: int) -> ResponseReturnValue:
    """Ask the carrier again for a failed label, while the return still waits for one (approved)."""
    found = _visible_or_404(return_id)
    if StepForm().validate_on_submit():
        if found.status != RETURN_APPROVED:
            flash(gettext("Return %(id)s is %(status)s: it no longer needs a label.", id=return_id,
                          status=translate_words(found.status)), "error")
        elif retry_label(return_id):
            flash(gettext("The label of return %(id)s is asked for again.", id=return_id), "success")
        else:
            flash(gettext("The label of return %(id)s has not failed; nothing changed.", id=return_id), "error")
    return redirect(url_for("returns.detail", return_id=return_id))


@bp.get("/ops/returns/<int:return_id>/photos/<int:photo_id>")
@ops_required
def photo(return_id: int, photo_id: int) -> ResponseReturnValue:
    """A customer's photo, as the image type its bytes were checked to be."""
    stored = photo_of(return_id, photo_id)
    path = photo_path(current_app.config["OMS_SETTINGS"].data_dir, stored.stored_name) if stored else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=stored.content_type, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- distributors (and ops) ----------------------------------------------------------------------

@bp.get("/returns")
@order_desk
def my_returns() -> ResponseReturnValue:
    """Returns of the orders the user may see, newest first."""
    status = request.args.get("status", "")
    if wants_csv():
        return _export(lambda cursor: returns_visible_to(current_user, status, before=cursor))
    before = id_arg("before")
    rows = list(returns_visible_to(current_user, status, before=before).limit(PAGE_SIZE + 1))
    shown, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    return render_template("returns/mine.html", returns=shown, status=status, statuses=VIEWS[2:], before=before,
                           next_before=shown[-1].id if more else None)


@bp.get("/returns/<int:return_id>")
@order_desk
def my_return(return_id: int) -> ResponseReturnValue:
    """One return, read-only; 404 when it is not of an order the user may see."""
    found = _visible_or_404(return_id)
    if current_user.is_ops:
        return redirect(url_for("returns.detail", return_id=return_id))
    return _detail_page(found, ops_view=False)


# --- feedback ------------------------------------------------------------------------------------

@bp.get("/ops/feedback")
@ops_required
def feedback() -> ResponseReturnValue:
    """The newest ratings, and the average per SKU and per warehouse, lowest first."""
    if wants_csv():
        return _export_feedback()
    before = id_arg("before")
    entries = recent_feedback(limit=FEEDBACK_SHOWN, before=before)
    return render_template("returns/feedback.html", entries=entries, by_sku=average_by_sku(),
                           by_warehouse=average_by_warehouse(), before=before,
                           next_before=entries[-1].feedback_id if len(entries) == FEEDBACK_SHOWN else None)


# --- helpers -------------------------------------------------------------------------------------

RETURN_CSV = ("id", "order_reference", "status", "resolution", "reason", "refund_amount", "currency", "comment",
              "created_at", "status_changed_at")
FEEDBACK_CSV = ("order_id", "order_reference", "customer_code", "rating", "comment", "created_at")


def _export(page_from: Callable[[int | None], peewee.ModelSelect]):
    """Every return of a list, in the list's order: ``page_from(cursor)`` is its keyset query from a cursor."""
    def fetch(cursor):
        rows = list(page_from(cursor).limit(EXPORT_PAGE))
        return rows, rows[-1].id if len(rows) == EXPORT_PAGE else None

    return export_csv("returns", RETURN_CSV, (
        (r.id, r.order.external_ref, r.status, r.resolution, r.reason, r.refund_amount, r.currency, r.comment,
         r.created_at.isoformat(), r.status_changed_at.isoformat()) for r in walk_pages(fetch)))


def _export_feedback():
    def fetch(before):
        entries = recent_feedback(limit=EXPORT_PAGE, before=before)
        return entries, entries[-1].feedback_id if len(entries) == EXPORT_PAGE else None

    return export_csv("feedback", FEEDBACK_CSV, (
        (e.order_id, e.order_ref, e.customer_code, e.rating, e.comment, e.created_at.isoformat())
        for e in walk_pages(fetch)))


def _visible_or_404(return_id: int) -> ReturnRequest:
    try:
        return visible_return(current_user, return_id)
    except NotFound:
        abort(404)


def _detail_page(found: ReturnRequest, *, ops_view: bool) -> str:
    document = return_document(found)
    if not current_user.is_ops:  # a partner: no rule figures, carrier errors or names of the people inside
        document = partner_return_document(document, own_actor_names(current_user.partner_id))
    skus = exchange_skus(line["exchange_product_id"] for line in document["lines"])
    may_act = ops_view and current_user.role in RETURN_DESK_ROLES
    return render_template(
        "returns/detail.html", doc=document, customer=Partner.get_by_id(found.customer_id),
        reason_texts=found.reason_texts if current_user.is_ops else [],
        exchange_skus=skus, photos=photos_of(found.id) if ops_view else [], ops_view=ops_view, may_act=may_act,
        receivable=document["status"] in RECEIVABLE, conditions=CONDITIONS,
        approve_form=ApproveForm(prefix="approve"), reject_form=RejectForm(prefix="reject"), step_form=StepForm())


def _back_to(return_id: int) -> str:
    """Where an inline decision came from (the queue) when that is a path here, else the return's page."""
    target = request.form.get("next")
    return target if is_local_path(target) else url_for("returns.detail", return_id=return_id)


def _flash_step(return_id: int, moved: bool, done: str) -> None:
    """``done`` (the whole sentence) when the step moved the return, else what status it already had."""
    if moved:
        flash(done, "success")
        return
    status = ReturnRequest.select(ReturnRequest.status).where(ReturnRequest.id == return_id).scalar()
    flash(gettext("Return %(id)s is %(status)s: nothing changed.", id=return_id, status=translate_words(status)),
          "error")
