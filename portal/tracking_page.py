"""The public tracking page: no login, a GET lookup by order number plus postcode or email, rate limited; for a
delivered order, the customer's own return request (found again by the same number and postcode or email)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from models.core.base import utc_now
from models.core.errors import NotFound, ValidationFailed
from models.core.rate_limits import allow_hit, seconds_until_next_window
from models.returns.photos import (
    MAX_PHOTO_BYTES,
    UploadedPhoto,
    check_photos,
    request_return_with_photos,
)
from models.returns.requesting import RequestedLine
from models.returns.rules import REASONS, RESOLUTIONS
from models.shipping.tracking_lookup import (
    TrackedOrder,
    find_tracked_orders,
    normalise_email,
    normalise_postcode,
    return_reason_words,
)
from portal.model_messages import translate_message

bp = Blueprint("tracking_page", __name__)

LOOKUP_WINDOW = timedelta(minutes=1)
LOOKUP_FIELDS = ("order", "postcode", "email")
NOT_FOUND = "We could not find an order with that number and postcode or email."
INCOMPLETE = "Enter your order number and the postcode or email address the order ships to."
REASON_WORDS = {
    "damaged": "Arrived damaged",
    "defective": "Does not work",
    "wrong_item": "Not what I ordered",
    "not_as_described": "Not as described",
    "no_longer_needed": "No longer needed",
    "other": "Another reason",
}
MAX_COMMENT = 2000


@bp.get("/track")
def track() -> ResponseReturnValue:
    """The lookup form; with a query, the orders it finds, or the one not-found answer for anything else."""
    given = {name: request.args.get(name, "").strip() for name in LOOKUP_FIELDS}
    if not any(given.values()):
        return _public(render_template("track/lookup.html"))
    orders, answered = _look_up(given)
    if answered is not None:
        return answered
    if not orders:
        # The very same page for a missing order and a wrong postcode or email: nothing tells them apart.
        return _public(render_template("track/lookup.html", message=NOT_FOUND))
    return _public(render_template("track/result.html", orders=orders, lookup=given, reason_choices=REASON_WORDS))


@dataclass
class ReturnForm:
    """What the customer filled in for one order, kept to show again next to its errors."""

    order_id: int
    reason: str = ""
    resolution: str = "refund"
    comment: str = ""
    quantities: list[str] = field(default_factory=list)  # per returnable line, as typed
    exchange_skus: list[str] = field(default_factory=list)
    line_errors: dict[int, list[str]] = field(default_factory=dict)  # returnable line index -> messages
    errors: dict[str, list[str]] = field(default_factory=dict)  # reason, resolution, comment, photos, lines


@bp.post("/track/returns")
def request_return_page() -> ResponseReturnValue:
    """Ask to return items of a delivered order; the order is looked up again, never taken from an id alone."""
    given = {name: request.form.get(name, "").strip() for name in LOOKUP_FIELDS}
    orders, answered = _look_up(given)
    if answered is not None:
        return answered
    order_id = request.form.get("order_id", type=int)
    order = next((found for found in orders if found.order_id == order_id), None)
    if order is None:
        return _public(render_template("track/lookup.html", message=NOT_FOUND))
    form, lines, photos = _read_return_form(order)
    if not form.errors and not form.line_errors:
        actor = f"customer:{normalise_email(given['email']) or normalise_postcode(given['postcode'])}"
        try:
            made = request_return_with_photos(
                order.order_id, resolution=form.resolution, reason=form.reason, comment=form.comment,
                lines=[line for _, line in lines], photos=photos,
                data_dir=current_app.config["OMS_SETTINGS"].data_dir, via="self_service", actor=actor)
        except NotFound:
            return _public(render_template("track/lookup.html", message=NOT_FOUND))
        except ValidationFailed as exc:
            _attach_errors(form, exc.messages, [index for index, _ in lines])
        else:
            return _public(render_template("track/return_result.html", order=order, made=made, lookup=given,
                                           reasons=return_reason_words(made.reasons)))
    return _public(render_template("track/result.html", orders=orders, lookup=given, reason_choices=REASON_WORDS,
                                   return_form=form), 422)


def _look_up(given: dict[str, str]) -> tuple[list[TrackedOrder], Response | None]:
    """The orders matching an order number and a postcode or email, counted against the client's rate limit;
    or the page to answer instead (details missing, limit used up), with nothing looked up."""
    if not given["order"] or not (given["postcode"] or given["email"]):
        return [], _public(render_template("track/lookup.html", message=INCOMPLETE))
    refused = _rate_limited()
    if refused is not None:
        return [], refused
    return find_tracked_orders(given["order"], postcode=given["postcode"], email=given["email"]), None


def _read_return_form(order: TrackedOrder) -> tuple[ReturnForm, list[tuple[int, RequestedLine]], list]:
    """The form as typed, the lines asked for (with their index on the page) and the checked photos."""
    data = request.form
    form = ReturnForm(order_id=order.order_id, reason=data.get("reason", ""),
                      resolution=data.get("resolution", "refund"), comment=data.get("comment", "").strip())
    if form.reason not in REASONS:
        form.errors["reason"] = [gettext("Choose why you are returning the items.")]
    if form.resolution not in RESOLUTIONS:
        form.errors["resolution"] = [gettext("Choose a refund or an exchange.")]
    if len(form.comment) > MAX_COMMENT:
        form.errors["comment"] = [gettext("Please keep the comment under %(count)s characters.", count=MAX_COMMENT)]
    lines = []
    for index, line in enumerate(order.returnable):
        typed, exchange = data.get(f"qty-{index}", "0").strip() or "0", data.get(f"exchange-{index}", "").strip()
        form.quantities.append(typed)
        form.exchange_skus.append(exchange)
        if not (typed.isascii() and typed.isdigit()):
            form.line_errors[index] = [gettext("Enter a whole number of items, 0 or more.")]
        elif int(typed) > 0:
            exchange_sku = (exchange or None) if form.resolution == "exchange" else None
            lines.append((index, RequestedLine(sku=line.sku, quantity=int(typed), exchange_sku=exchange_sku)))
    if not lines and not form.line_errors:
        form.errors["lines"] = [gettext("Choose how many of which items you are returning.")]
    photos = []
    try:
        photos = check_photos([UploadedPhoto(filename=upload.filename, declared_type=upload.mimetype or "",
                                             data=upload.stream.read(MAX_PHOTO_BYTES + 1))
                               for upload in request.files.getlist("photos") if upload.filename])
    except ValidationFailed as exc:
        form.errors["photos"] = [translate_message(message) for message in exc.messages["photos"]]
    return form, lines, photos


def _attach_errors(form: ReturnForm, messages: dict, page_index: list[int]) -> None:
    """Put the return's validation messages ("lines[2].quantity": [...]) next to the lines they name."""
    for key, problems in messages.items():
        problems = [translate_message(problem) for problem in (problems if isinstance(problems, list)
                                                               else [str(problems)])]
        position, _, _ = key.partition("]")
        if key.startswith("lines[") and position[6:].isdigit() and int(position[6:]) < len(page_index):
            form.line_errors.setdefault(page_index[int(position[6:])], []).extend(problems)
        else:
            form.errors.setdefault("lines", []).extend(problems)


def _rate_limited() -> Response | None:
    """The 429 page once this client used up its lookups for the minute (returns count as lookups too)."""
    settings = current_app.config["OMS_SETTINGS"]
    now = utc_now()
    if allow_hit(f"track:{request.remote_addr or 'unknown'}", limit=settings.track_lookups_per_minute,
                 window=LOOKUP_WINDOW, now=now):
        return None
    response = _public(render_template("track/limited.html"), 429)
    response.headers["Retry-After"] = str(seconds_until_next_window(now, LOOKUP_WINDOW))
    return response


def _public(body: str, status: int = 200) -> Response:
    response = make_response(body, status)
    # The query holds a postcode or email: keep it out of caches and out of the Referer sent to the carrier.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
