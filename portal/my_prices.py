"""Prices as a buyer sees them: /my/prices in the portal and GET /api/v1/prices, for a distributor itself and the
customers it serves (never another's: 404), for any buyer to ops; GET /api/v1/price-lists gives ops the book."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from marshmallow import ValidationError

from models.core.base import utc_now
from models.core.errors import NotFound, PermissionDenied
from models.partners.access import orderable_customers
from models.partners.tables import Partner
from models.pricing.book_documents import book_to_document
from models.pricing.price_check import CustomerPrices, customer_prices
from models.pricing.versions import price_book_in_force
from portal.api import answer_errors_as_json, require_order_desk, token_required
from portal.i18n import SESSION_KEY
from schemas.price_lists import price_query_schema

bp = Blueprint("my_prices", __name__)
api_bp = Blueprint("api_prices", __name__, url_prefix="/api/v1")
answer_errors_as_json(api_bp)

CUSTOMERS_SHOWN = 500


@bp.get("/my/prices")
@login_required
def my_prices() -> ResponseReturnValue:
    """The prices of the chosen buyer (a distributor's own by default), each with how it was found."""
    if not (current_user.is_ops or current_user.is_distributor):
        abort(403)
    try:  # ?lang= picks the page's language (portal.i18n), no part of the query
        args = price_query_schema.load({key: value for key, value in request.args.items() if key != SESSION_KEY})
    except ValidationError as exc:
        return render_template("prices/my_prices.html", result=None, customers=_choices(current_user), args={},
                               errors=exc.messages), 422
    try:
        customer = _buyer(current_user, args.get("customer"))
    except NotFound as exc:
        abort(404, str(exc))
    result = None if customer is None else _prices(customer, args)
    return render_template("prices/my_prices.html", result=result, customers=_choices(current_user), args=args,
                           errors={})


@api_bp.get("/prices")
@token_required
def api_prices():
    """``{customer, currency, quantity, day, price_book_version, prices: [{sku, name, price, currency, source,
    source_code, explanation, …}]}``; ``customer`` defaults to a distributor's own code (ops must name one)."""
    user = g.api_user
    require_order_desk(user, "see prices")
    args = price_query_schema.load(request.args)
    customer = _buyer(user, args.get("customer"))
    if customer is None:
        raise NotFound("name the customer whose prices you want: ?customer=CODE")
    result = _prices(customer, args)
    return jsonify({"customer": result.customer, "currency": result.currency, "quantity": result.quantity,
                    "day": result.day.isoformat(), "price_book_version": result.version,
                    "prices": [priced.as_document() for priced in result.prices]})


@api_bp.get("/price-lists")
@token_required
def api_price_lists():
    """The whole price book in force and its version, as the import and the editors keep it (ops only)."""
    if not g.api_user.is_ops:
        raise PermissionDenied(f"role {g.api_user.role} may not read the price book")
    version, book = price_book_in_force()
    return jsonify({"version": version, **book_to_document(book)})


def _buyer(user, code: str | None) -> Partner | None:
    """The buyer ``user`` asks about: one it may order for, or NotFound; a distributor's own when none is named."""
    if code is None:
        return Partner.get_or_none(Partner.id == user.partner_id) if not user.is_ops and user.partner_id else None
    customer = orderable_customers(user).where(Partner.code == code).first()
    if customer is None:
        raise NotFound(f"no customer {code!r} that you may see")
    return customer


def _prices(customer: Partner, args: dict) -> CustomerPrices:
    return customer_prices(customer, skus=args.get("sku"), quantity=args["quantity"], currency=args.get("currency"),
                           day=args.get("day") or utc_now().date())


def _choices(user) -> list[tuple[str, str]]:
    if user.is_ops:
        return []
    rows = orderable_customers(user).select(Partner.code, Partner.name).order_by(Partner.code)
    return list(rows.limit(CUSTOMERS_SHOWN).tuples())
