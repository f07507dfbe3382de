"""Shipment pages: the ops list and shipping-problems queue, a distributor's shipments, one shipment's page,
and what ops do to a booking (cancel the waybill, book again, retry a failed one, resolve an alert)."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from models.core.base import utc_now
from models.core.errors import (
    CarrierRejected,
    CarrierUnavailable,
    ConfigError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from models.partners.tables import OPS_ROLES
from models.shipping.rules import SERVICE_LEVELS
from models.shipping.states import SHIPMENT_FAILED, SHIPMENT_READY, SHIPMENT_TRANSITIONS
from models.shipping.views import (
    ShipmentFilters,
    alert_shipment_id,
    shipment_page,
    shipping_problems,
    visible_shipment,
    warehouse_codes,
)
from models.shipping.waybill_changes import (
    book_again,
    cancellable_waybill,
    resolve_alert,
    retry_failed_shipment,
)
from portal.auth import is_local_path, ops_required, role_required
from portal.domain_words import N_, translate_words
from portal.flashes import flash_form_errors, flash_validation
from portal.list_exports import (
    EXPORT_CAP,
    EXPORT_PAGE,
    export_csv,
    walk_pages,
    wants_csv,
)
from portal.model_messages import translate_message
from portal.params import id_arg
from workers.carriers import carrier_setup
from workers.waybill_cancel import cancel_booking

bp = Blueprint("shipments", __name__)

BOOKING_ROLES = ("ops_admin", "ops_agent")
SHIPMENT_STATUSES = tuple(SHIPMENT_TRANSITIONS)
BY_THE_RULES = ""
CANCELLED = N_("Waybill cancelled; the shipment is ready to book again; stock stays reserved")

order_desk = role_required(*OPS_ROLES, "distributor")
booking_desk = role_required(*BOOKING_ROLES)


class CancelWaybillForm(FlaskForm):
    reason = TextAreaField(lazy_gettext("Why cancel"),
                           validators=[DataRequired(lazy_gettext("Give a reason to cancel the waybill.")),
                                       Length(max=500)])


class BookWaybillForm(FlaskForm):
    carrier = SelectField(lazy_gettext("Carrier"))
    service_level = SelectField(lazy_gettext("Service level"), choices=SERVICE_LEVELS)


def configured_carriers() -> tuple[str, ...]:
    """The carrier names of the carriers setup in force."""
    return tuple(carrier_setup(current_app.config["OMS_SETTINGS"]).carriers)


# --- lists -----------------------------------------------------------------------------------

@bp.get("/ops/shipments")
@ops_required
def ops_list() -> ResponseReturnValue:
    """Every shipment, newest first, filtered by status, warehouse, carrier and order reference."""
    return _list_page("shipments.ops_list", "Shipments")


@bp.get("/shipments")
@order_desk
def my_shipments() -> ResponseReturnValue:
    """The shipments of the orders the signed-in user may see (a distributor its own book)."""
    return _list_page("shipments.my_shipments", "Shipments" if current_user.is_ops else "My shipments")


def _list_page(endpoint: str, title: str) -> str:
    status = request.args.get("status", "")
    carriers = configured_carriers()
    warehouses = warehouse_codes()
    filters = ShipmentFilters(
        status=status if status in SHIPMENT_STATUSES else "",
        warehouse=_one_of(request.args.get("warehouse", ""), warehouses),
        carrier=_one_of(request.args.get("carrier", ""), carriers),
        search=request.args.get("q", "").strip()[:128])
    if wants_csv():
        return _export(filters)
    before = id_arg("before")
    page = shipment_page(current_user, filters, before=before)
    return render_template("shipments/list.html", page=page, filters=filters, before=before, endpoint=endpoint,
                           title=title, statuses=SHIPMENT_STATUSES, carriers=carriers, warehouses=warehouses)


SHIPMENT_CSV = ("id", "order_reference", "ship_from", "carrier", "service_level", "waybill", "status",
                "last_event_at", "created_at")


def _export(filters: ShipmentFilters) -> Response:
    """Every shipment the filters show the user, newest first."""
    def fetch(before):
        page = shipment_page(current_user, filters, before=before, size=EXPORT_PAGE)
        return page.shipments, page.next_before

    return export_csv("shipments", SHIPMENT_CSV, (
        (s.id, s.order.external_ref, s.warehouse.code if s.warehouse_id else f"supplier {s.supplier.code}",
         s.carrier, s.service_level, s.waybill.waybill_number if s.waybill and s.waybill.waybill_number else "",
         s.status, s.last_event_at.isoformat() if s.last_event_at else "", s.created_at.isoformat())
        for s in walk_pages(fetch)))


def _one_of(value: str, allowed) -> str:
    return value if value in allowed else ""


PROBLEM_CSV = ("problem", "shipment", "order_reference", "status", "since", "message")


def _export_problems() -> Response:
    """The failed shipments, then the open alerts, each oldest first (up to the export cap)."""
    found = shipping_problems(limit=EXPORT_CAP)
    failed = [("failed", s.id, s.order.external_ref, s.status, s.status_changed_at.isoformat(),
               s.waybill.last_error if s.waybill else "") for s in found.failed]
    alerts = [(a.kind, a.shipment_id, a.order.external_ref, a.status, a.raised_at.isoformat(), a.message)
              for a in found.alerts]
    return export_csv("shipping-problems", PROBLEM_CSV, [*failed, *alerts])


@bp.get("/ops/shipments/problems")
@ops_required
def problems() -> ResponseReturnValue:
    """Failed shipments to retry and open shipment alerts to resolve, the longest waiting first."""
    if wants_csv():
        return _export_problems()
    return render_template("shipments/problems.html", problems=shipping_problems(), now=utc_now(),
                           may_act=current_user.role in BOOKING_ROLES)


# --- one shipment ----------------------------------------------------------------------------

@bp.get("/ops/shipments/<int:shipment_id>")
@order_desk
def detail(shipment_id: int) -> ResponseReturnValue:
    """One shipment: order, lines, waybill, tracking timeline, cancelled bookings, alerts and status history."""
    shipment = visible_shipment(current_user, shipment_id)
    if shipment is None:
        abort(404)
    may_act = current_user.role in BOOKING_ROLES
    book_form = BookWaybillForm(formdata=None, prefix="book", service_level=shipment.service_level)
    book_form.carrier.choices = _carrier_choices()
    return render_template(
        "shipments/detail.html", shipment=shipment, order=shipment.order, waybill=shipment.waybill,
        internal=current_user.is_ops, may_act=may_act,
        can_cancel=may_act and _is_cancellable(shipment.id),
        can_book=may_act and shipment.status == SHIPMENT_READY and shipment.waybill is None,
        can_retry=may_act and shipment.status == SHIPMENT_FAILED,
        cancel_form=CancelWaybillForm(formdata=None, prefix="cancel"), book_form=book_form,
        dispatch_note_url=dispatch_note_url(shipment.id))


def _is_cancellable(shipment_id: int) -> bool:
    try:
        cancellable_waybill(shipment_id)
    except (InvalidTransition, NotFound):
        return False
    return True


def _carrier_choices() -> list[tuple[str, str]]:
    return [(BY_THE_RULES, gettext("by the rules")), *((name, name) for name in configured_carriers())]


def dispatch_note_url(shipment_id: int) -> str:
    """The dispatch note PDF of the shipment (its route lives in portal.shipment_documents)."""
    try:
        return url_for("shipment_documents.ops_dispatch_note", shipment_id=shipment_id)
    except BuildError:
        return f"/ops/shipments/{shipment_id}/dispatch-note.pdf"


# --- actions ---------------------------------------------------------------------------------

@bp.post("/ops/shipments/<int:shipment_id>/cancel-waybill")
@booking_desk
def cancel_waybill(shipment_id: int) -> ResponseReturnValue:
    """Cancel the waybill at the carrier before pickup; the shipment is ready again, its stock still reserved."""
    form = CancelWaybillForm(prefix="cancel")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(_back_to(shipment_id))
    try:
        recorded = cancel_booking(shipment_id, actor=current_user.email, reason=form.reason.data.strip(),
                                  settings=current_app.config["OMS_SETTINGS"])
    except NotFound:
        abort(404)
    except CarrierRejected as exc:
        flash(gettext("The carrier refused: %(error)s", error=exc), "error")
    except CarrierUnavailable:
        flash(gettext("Carrier unreachable, try again"), "error")
    except (InvalidTransition, ConfigError) as exc:
        flash(gettext("The waybill cannot be cancelled: %(error)s",
                      error=translate_message(exc.args[0] if exc.args else str(exc))), "error")
    else:
        if recorded:
            flash(gettext(CANCELLED), "success")
        else:
            flash(gettext("The carrier cancelled the waybill, but the shipment changed meanwhile and was left as it "
                          "is; check its history."), "error")
    return redirect(_back_to(shipment_id))


@bp.post("/ops/shipments/<int:shipment_id>/book")
@booking_desk
def book_waybill(shipment_id: int) -> ResponseReturnValue:
    """Ask for a new waybill for a ready shipment whose booking was cancelled: a chosen carrier or the rules."""
    form = BookWaybillForm(prefix="book")
    form.carrier.choices = _carrier_choices()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(_back_to(shipment_id))
    try:
        book_again(shipment_id, actor=current_user.email, carrier=form.carrier.data or None,
                   service_level=form.service_level.data, carriers=configured_carriers())
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        flash_validation(exc.messages)
    except InvalidTransition as exc:
        flash(gettext("Not booked: %(error)s", error=translate_message(exc.args[0] if exc.args else str(exc))),
              "error")
    else:
        flash(gettext("Waybill requested from %(carrier)s.", carrier=form.carrier.data)
              if form.carrier.data else gettext("Waybill requested from the carrier the rules choose."), "success")
    return redirect(_back_to(shipment_id))


@bp.post("/ops/shipments/<int:shipment_id>/retry")
@booking_desk
def retry(shipment_id: int) -> ResponseReturnValue:
    """Send a failed shipment to its carrier again, with the same idempotency key."""
    if retry_failed_shipment(shipment_id, actor=current_user.email):
        flash(gettext("Shipment %(id)s sent to the carrier again.", id=shipment_id), "success")
    else:
        flash(gettext("Shipment %(id)s is not failed (any more); nothing changed.", id=shipment_id), "error")
    return redirect(_back_to(shipment_id))


@bp.post("/ops/shipments/alerts/<int:alert_id>/resolve")
@booking_desk
def resolve(alert_id: int) -> ResponseReturnValue:
    """Close an open shipment alert."""
    shipment_id = alert_shipment_id(alert_id)
    if shipment_id is None:
        abort(404)
    if resolve_alert(alert_id, actor=current_user.email):
        flash(gettext("Alert %(id)s resolved.", id=alert_id), "success")
    else:
        flash(gettext("Alert %(id)s was resolved already.", id=alert_id), "info")
    return redirect(_back_to(shipment_id))


@bp.app_template_filter("alert_words")
def alert_words(kind: str) -> str:
    """A shipment alert's kind in the page's language: a tracking event code, or a failed booking."""
    return gettext("waybill_failed") if kind == "waybill_failed" else translate_words(kind)


def _back_to(shipment_id: int) -> str:
    """Where the form came from (the problems queue, say) when that is a path here, else the shipment page."""
    target = request.form.get("next")
    return target if is_local_path(target) else url_for("shipments.detail", shipment_id=shipment_id)
