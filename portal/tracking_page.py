"""The public tracking page: no login, a GET lookup by order number plus postcode or email, rate limited."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue

from models.base import utc_now
from models.rate_limits import allow_hit
from models.tracking_lookup import find_tracked_orders

bp = Blueprint("tracking_page", __name__)

LOOKUP_WINDOW = timedelta(minutes=1)
LOOKUP_FIELDS = ("order", "postcode", "email")
NOT_FOUND = "We could not find an order with that number and postcode or email."
INCOMPLETE = "Enter your order number and the postcode or email address the order ships to."


@bp.get("/track")
def track() -> ResponseReturnValue:
    """The lookup form; with a query, the orders it finds, or the one not-found answer for anything else."""
    given = {name: request.args.get(name, "").strip() for name in LOOKUP_FIELDS}
    if not any(given.values()):
        return _public(render_template("track/lookup.html"))
    if not given["order"] or not (given["postcode"] or given["email"]):
        return _public(render_template("track/lookup.html", message=INCOMPLETE))
    settings = current_app.config["OMS_SETTINGS"]
    now = utc_now()
    if not allow_hit(f"track:{request.remote_addr or 'unknown'}", limit=settings.track_lookups_per_minute,
                     window=LOOKUP_WINDOW, now=now):
        response = _public(render_template("track/limited.html"), 429)
        response.headers["Retry-After"] = str(seconds_until_next_window(now, LOOKUP_WINDOW))
        return response
    orders = find_tracked_orders(given["order"], postcode=given["postcode"], email=given["email"])
    if not orders:
        # The very same page for a missing order and a wrong postcode or email: nothing tells them apart.
        return _public(render_template("track/lookup.html", message=NOT_FOUND))
    return _public(render_template("track/result.html", orders=orders))


def seconds_until_next_window(now: datetime, window: timedelta) -> int:
    """Whole seconds until the fixed window holding ``now`` ends (windows start at multiples of it since 1970)."""
    seconds = int(window.total_seconds())
    elapsed = int((now - datetime(1970, 1, 1)).total_seconds())
    return seconds - elapsed % seconds


def _public(body: str, status: int = 200) -> Response:
    response = make_response(body, status)
    # The query holds a postcode or email: keep it out of caches and out of the Referer sent to the carrier.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
