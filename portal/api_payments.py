"""JSON API for receivables: POST /api/v1/payments and GET /api/v1/customers/<code>/receivables."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from models.core.base import utc_now
from models.core.errors import PermissionDenied
from models.partners.tables import Partner
from models.receivables.ledger import (
    Invoice,
    Payment,
    applications_of,
    overdue_position,
)
from models.receivables.payments import BUYER_KINDS, customer_by_code, record_payment
from portal.api import (
    answer_errors_as_json,
    api_error,
    json_object_body,
    token_required,
)
from schemas.payments import payment_out, payment_schema, receivables_out

bp = Blueprint("api_payments", __name__, url_prefix="/api/v1")

# Money in moves credit exposure and can release held orders: the roles that decide credit.
PAYMENT_ROLES = ("ops_admin", "credit_controller")

answer_errors_as_json(bp)


@bp.post("/payments")
@token_required
def create_payment():
    """Record a payment (once per customer and reference) and apply it to the oldest invoices due."""
    user = g.api_user
    if user.role not in PAYMENT_ROLES:
        raise PermissionDenied(f"role {user.role} may not record payments; an ops_admin or credit_controller may")
    data = payment_schema.load(json_object_body())
    customer = customer_by_code(data["customer_code"])
    payment, created = record_payment(customer, amount=data["amount"], currency=data["currency"],
                                      reference=data["reference"], method=data["method"],
                                      received_on=data["received_on"], actor=f"api:{user.email}")
    payload = {"id": payment.id, "customer_code": customer.code, "amount": payment.amount,
               "unapplied": payment.unapplied, "currency": payment.currency, "reference": payment.reference,
               "method": payment.method, "received_on": payment.received_on,
               "applied": [{"invoice": number, "amount": amount} for number, amount in applications_of(payment.id)],
               "orders_rechecked": list(payment.orders_rechecked)}
    return jsonify(payment_out.dump(payload)), 201 if created else 200


@bp.get("/customers/<code>/receivables")
@token_required
def get_receivables(code: str):
    """The customer's outstanding and overdue amounts, open invoices and last 20 payments."""
    user = g.api_user
    if not user.is_ops:
        raise PermissionDenied(f"role {user.role} may not read receivables")
    customer = Partner.get_or_none(Partner.code == code, Partner.kind.in_(BUYER_KINDS))
    if customer is None:
        return api_error(404, f"customer {code!r} not found")
    overdue_amount, overdue_days = overdue_position(customer.id, utc_now().date())
    payload = {"customer_code": customer.code, "outstanding": customer.outstanding_balance,
               "overdue_amount": overdue_amount, "overdue_days": overdue_days,
               "open_invoices": list(Invoice.open_for(customer.id)),
               "payments": list(Payment.latest_for(customer.id))}
    return jsonify(receivables_out.dump(payload))
