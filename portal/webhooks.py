"""Webhook subscriptions in the portal: ops admins for ops (and see every one), a distributor's or supplier's
users for their partner; the delivery log with status codes, redeliver, disable, enable, delete."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required

from models.core.errors import NotFound, ValidationFailed
from models.partners.tables import User
from models.webhooks.rules import EVENT_TYPES
from models.webhooks.subscriptions import (
    SubscriptionChange,
    create_subscription,
    delete_subscription,
    deliveries,
    may_manage_webhooks,
    redeliver,
    update_subscription,
    visible_subscription,
    visible_subscriptions,
)
from portal.flashes import flash_validation
from portal.params import id_arg

bp = Blueprint("webhooks", __name__)
PAGE_SIZE = 50
PATTERNS = ("purchase_order.*", "return.*")  # offered besides the single types
DELIVERY_WORDS = {"pending": lazy_gettext("pending"), "failing": lazy_gettext("failing"),
                  "delivered": lazy_gettext("delivered"), "failed": lazy_gettext("failed")}


def _user() -> User:
    if not may_manage_webhooks(current_user):
        abort(403)
    return User.get_by_id(current_user.id)


@bp.get("/webhooks")
@login_required
def subscriptions_page() -> ResponseReturnValue:
    return _list_page(_user())


def _list_page(user: User, *, created=None, secret: str | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("webhooks/list.html", subscriptions=list(visible_subscriptions(user).limit(200)),
                           event_types=EVENT_TYPES + PATTERNS, created=created, secret=secret), status


@bp.post("/webhooks")
@login_required
def create() -> ResponseReturnValue:
    """Create a subscription and show its secret once, on this response only (never in a flash)."""
    user = _user()
    try:
        subscription, secret = create_subscription(
            user, request.form.get("url", ""), request.form.getlist("events"),
            description=request.form.get("description", "")[:200])
    except ValidationFailed as exc:
        flash_validation(exc.messages)
        return _list_page(user, status=422)
    response = make_response(_list_page(user, created=subscription, secret=secret))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/webhooks/<int:subscription_id>")
@login_required
def detail(subscription_id: int) -> ResponseReturnValue:
    """The subscription and its delivery log, newest first, a page at a time."""
    user = _user()
    subscription = _visible(user, subscription_id)
    rows = deliveries(user, subscription.id, before=id_arg("before"), limit=PAGE_SIZE)
    return render_template("webhooks/detail.html", subscription=subscription, deliveries=rows,
                           next_before=rows[-1].id if len(rows) == PAGE_SIZE else None,
                           delivery_words=DELIVERY_WORDS)


@bp.post("/webhooks/<int:subscription_id>/enable")
@login_required
def enable(subscription_id: int) -> ResponseReturnValue:
    return _switch(subscription_id, True, gettext("Subscription enabled; open deliveries are sent again."))


@bp.post("/webhooks/<int:subscription_id>/disable")
@login_required
def disable(subscription_id: int) -> ResponseReturnValue:
    return _switch(subscription_id, False, gettext("Subscription disabled."))


def _switch(subscription_id: int, active: bool, message: str) -> ResponseReturnValue:
    user = _user()
    _visible(user, subscription_id)
    update_subscription(user, subscription_id, SubscriptionChange(active=active))
    flash(message, "success")
    return redirect(url_for("webhooks.detail", subscription_id=subscription_id))


@bp.post("/webhooks/<int:subscription_id>/delete")
@login_required
def delete(subscription_id: int) -> ResponseReturnValue:
    user = _user()
    _visible(user, subscription_id)
    delete_subscription(user, subscription_id)
    flash(gettext("Subscription deleted."), "success")
    return redirect(url_for("webhooks.subscriptions_page"))


@bp.post("/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
@login_required
def send_again(subscription_id: int, delivery_id: int) -> ResponseReturnValue:
    user = _user()
    try:
        redeliver(user, delivery_id, subscription_id=subscription_id)
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        flash_validation(exc.messages)
    else:
        flash(gettext("Delivery queued to be sent again."), "success")
    return redirect(url_for("webhooks.detail", subscription_id=subscription_id))


def _visible(user: User, subscription_id: int):
    try:
        return visible_subscription(user, subscription_id)
    except NotFound:
        abort(404)
