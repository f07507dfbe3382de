"""JSON API for purchase orders: ops create, send, change, cancel and close them and decide counter-proposals;
the supplier (or ops on its behalf) confirms them and announces deliveries. A supplier token sees only its own
orders: another supplier's number answers 404 exactly like a missing one. Distributors have no business here."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, g, jsonify, request

from models.core.errors import InvalidTransition, PermissionDenied
from models.supply.asns import AsnLineInput, create_asn
from models.supply.changes import (
    cancel_purchase_order,
    change_purchase_order,
    close_purchase_order,
)
from models.supply.confirmation_file import MAX_BYTES, parse_confirmation_csv
from models.supply.confirmations import (
    ConfirmationInput,
    accept_counter,
    confirm_purchase_order,
    reject_counter,
)
from models.supply.documents import purchase_order_csv, purchase_order_pdf
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.tables import PurchaseOrder
from models.supply.views import (
    list_purchase_orders,
    purchase_order_resource,
    purchase_order_resources,
    visible_purchase_order,
)
from portal.api import (
    answer_errors_as_json,
    api_error,
    json_object_body,
    token_required,
)
from portal.json_body import optional_json_object_body
from portal.shipment_documents import pdf_response, safe_name
from schemas.purchasing import (
    asn_schema,
    confirmation_schema,
    purchase_order_change_schema,
    purchase_order_query_schema,
    purchase_order_schema,
    reason_schema,
)

bp = Blueprint("api_purchasing", __name__, url_prefix="/api/v1")
answer_errors_as_json(bp)

BUYERS = ("ops_admin", "ops_agent")  # ops who act on purchase orders; other ops roles read them


# --- reading ---------------------------------------------------------------------------------------------------

@bp.get("/purchase-orders")
@token_required
def list_orders():
    """Purchase orders newest first, ``?supplier=&status=&kind=&order_id=&after=&limit=``; ``next`` is the
    following page's ``after``. A supplier token's own only, whatever ``supplier`` says."""
    supplier_id = _reader()
    query = purchase_order_query_schema.load(request.args)
    rows, next_after = list_purchase_orders(
        supplier_id=supplier_id, supplier_code=None if supplier_id else query["supplier"], status=query["status"],
        kind=query["kind"],
        order_id=query["order_id"], after=query["after"], limit=query["limit"])
    return jsonify({"items": purchase_order_resources(rows), "next": next_after})


@bp.get("/purchase-orders/<number>")
@token_required
def get_order(number: str):
    return jsonify(purchase_order_resource(visible_purchase_order(number, supplier_id=_reader())))


@bp.get("/purchase-orders/<number>.pdf")
@token_required
def order_pdf(number: str):
    purchase = visible_purchase_order(number, supplier_id=_reader())
    return pdf_response(purchase_order_pdf(purchase.id), f"{safe_name(purchase.number)}.pdf")


@bp.get("/purchase-orders/<number>.csv")
@token_required
def order_csv(number: str):
    purchase = visible_purchase_order(number, supplier_id=_reader())
    response = Response(purchase_order_csv(purchase.id), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name(purchase.number)}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- ops -------------------------------------------------------------------------------------------------------

@bp.post("/purchase-orders")
@token_required
def create_order():
    """A draft purchase order: ``{supplier, warehouse, lines: [{sku, quantity, unit_price?}], expected_at?,
    note?, currency?}``; 201 with the order."""
    _require_buyer("create purchase orders")
    data = purchase_order_schema.load(json_object_body())
    purchase = create_purchase_order(
        supplier_code=data["supplier"], warehouse_code=data["warehouse"], lines=_purchase_lines(data["lines"]),
        actor=_actor(), expected_at=data["expected_at"], note=data["note"], currency=data["currency"])
    return jsonify(purchase_order_resource(purchase)), 201


@bp.post("/purchase-orders/<number>/send")
@token_required
def send_order(number: str):
    _require_buyer("send purchase orders")
    optional_json_object_body()  # nothing to say, but a body must be JSON
    purchase = visible_purchase_order(number, supplier_id=None)
    settings = current_app.config["OMS_SETTINGS"]
    within = (timedelta(hours=settings.dropship_confirm_hours) if purchase.dropship
              else timedelta(days=settings.po_confirm_days))
    if not send_purchase_order(purchase.number, actor=_actor(), answer_within=within):
        raise InvalidTransition(f"{purchase.number} is {_status(purchase)}; only a draft can be sent")
    return _resource(purchase.number)


@bp.patch("/purchase-orders/<number>")
@token_required
def change_order(number: str):
    """Change ``lines`` (the full new list), ``expected_at`` or ``note``; a sent order becomes a new revision."""
    _require_buyer("change purchase orders")
    data = purchase_order_change_schema.load(json_object_body())
    lines = _purchase_lines(data["lines"]) if "lines" in data else None
    purchase = change_purchase_order(number, actor=_actor(), lines=lines, expected_at=data.get("expected_at"),
                                     note=data.get("note"))
    return _resource(purchase.number)


@bp.post("/purchase-orders/<number>/cancel")
@token_required
def cancel_order(number: str):
    _require_buyer("cancel purchase orders")
    reason = reason_schema.load(json_object_body())["reason"]
    cancel_purchase_order(number, actor=_actor(), reason=reason)
    return _resource(number)


@bp.post("/purchase-orders/<number>/close")
@token_required
def close_order(number: str):
    _require_buyer("close purchase orders")
    reason = reason_schema.load(json_object_body())["reason"]
    close_purchase_order(number, actor=_actor(), reason=reason)
    return _resource(number)


@bp.post("/purchase-orders/<number>/counter/accept")
@token_required
def accept(number: str):
    _require_buyer("decide counter-proposals")
    optional_json_object_body()
    accept_counter(number, actor=_actor())
    return _resource(number)


@bp.post("/purchase-orders/<number>/counter/reject")
@token_required
def reject(number: str):
    _require_buyer("decide counter-proposals")
    reason = reason_schema.load(json_object_body())["reason"]
    reject_counter(number, actor=_actor(), reason=reason)
    return _resource(number)


# --- the supplier (or ops on its behalf) -----------------------------------------------------------------------

@bp.post("/purchase-orders/<number>/confirmation")
@token_required
def confirm(number: str):
    """The supplier's answer to every line: JSON ``{lines: [{sku, quantity, promised_date, counter?}]}``, or a
    CSV body (Content-Type text/csv) with the columns sku, quantity, promised_date[, counter]."""
    supplier_id = _supplier_or_buyer("confirm purchase orders")
    if request.mimetype == "text/csv":
        visible_purchase_order(number, supplier_id=supplier_id)
        if (request.content_length or 0) > MAX_BYTES:
            return api_error(413, f"a confirmation file is at most {MAX_BYTES // 1024} KiB")
        answers = parse_confirmation_csv(request.get_data())
    else:
        body = json_object_body()
        visible_purchase_order(number, supplier_id=supplier_id)  # another supplier's: 404 whatever the body
        answers = [ConfirmationInput(**line) for line in confirmation_schema.load(body)["lines"]]
    confirm_purchase_order(number, answers, supplier_id=supplier_id, actor=_actor())
    return _resource(number)


@bp.post("/purchase-orders/<number>/asns")
@token_required
def announce(number: str):
    """Announce a delivery: ``{lines: [{sku, quantity}], carrier, tracking_number, expected_on, reference?}``;
    201 with the notice. The same reference and content again answers the stored notice."""
    supplier_id = _supplier_or_buyer("announce deliveries")
    body = json_object_body()
    visible_purchase_order(number, supplier_id=supplier_id)
    data = asn_schema.load(body)
    asn = create_asn(number, supplier_id=supplier_id, lines=[AsnLineInput(**line) for line in data["lines"]],
                     carrier=data["carrier"], tracking_number=data["tracking_number"],
                     expected_on=data["expected_on"], actor=_actor(), reference=data["reference"])
    resource = purchase_order_resource(visible_purchase_order(number, supplier_id=supplier_id))
    notice = next(item for item in resource["asns"] if item["id"] == asn.id)
    return jsonify({**notice, "purchase_order": resource["number"], "purchase_order_status": resource["status"]}), 201


# --- shared ----------------------------------------------------------------------------------------------------

def _reader() -> int | None:
    """The supplier a token is kept to (None for ops); 403 for any other role."""
    user = g.api_user
    if user.is_ops:
        return None
    if user.role == "supplier" and user.partner_id:
        return user.partner_id
    raise PermissionDenied(f"role {user.role} may not read purchase orders")


def _supplier_or_buyer(doing: str) -> int | None:
    user = g.api_user
    if user.role in BUYERS:
        return None
    if user.role == "supplier" and user.partner_id:
        return user.partner_id
    raise PermissionDenied(f"role {user.role} may not {doing}; the supplier or an ops_admin or ops_agent may")


def _require_buyer(doing: str) -> None:
    if g.api_user.role not in BUYERS:
        raise PermissionDenied(f"role {g.api_user.role} may not {doing}; an ops_admin or ops_agent may")


def _actor() -> str:
    return f"api:{g.api_user.email}"


def _purchase_lines(lines: list[dict]) -> list[PurchaseLineInput]:
    return [PurchaseLineInput(sku=line["sku"], quantity=line["quantity"], unit_price=line["unit_price"])
            for line in lines]


def _resource(number: str):
    return jsonify(purchase_order_resource(visible_purchase_order(number, supplier_id=None)))


def _status(purchase: PurchaseOrder) -> str:
    return PurchaseOrder.select(PurchaseOrder.status).where(PurchaseOrder.id == purchase.id).scalar()
