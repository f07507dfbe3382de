"""The public feedback page: the signed link from the delivered mail, a 1–5 rating and a comment, once."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from models.core.errors import NotFound, ValidationFailed
from models.orders.states import ORDER_DELIVERED
from models.orders.tables import Order
from models.returns.feedback import (
    MAX_COMMENT,
    RATINGS,
    has_feedback,
    order_for_token,
    record_feedback,
)

bp = Blueprint("feedback", __name__)

RATING_WORDS = {1: lazy_gettext("1 — poor"), 2: "2", 3: "3", 4: "4", 5: lazy_gettext("5 — excellent")}


class FeedbackForm(FlaskForm):
    rating = RadioField(lazy_gettext("How was your order?"),
                        choices=[SelectChoice(n, RATING_WORDS[n]) for n in RATINGS], coerce=int,
                        validators=[InputRequired(lazy_gettext("Choose a rating from 1 to 5."))])
    comment = TextAreaField(lazy_gettext("Anything you would like to tell us? (optional)"),
                            validators=[Length(max=MAX_COMMENT)])


@bp.route("/feedback/<token>", methods=["GET", "POST"])
def rate_order(token: str) -> ResponseReturnValue:
    """Show the rating form for the order the token names; a tampered token is 404."""
    order_id = order_for_token(token, current_app.config["OMS_SETTINGS"].secret_key)
    order = Order.get_or_none(Order.id == order_id) if order_id is not None else None
    if order is None:
        abort(404)
    if has_feedback(order.id):
        return _public(render_template("feedback/done.html", order=order, already=True))
    if order.status != ORDER_DELIVERED:
        return _public(render_template("feedback/done.html", order=order, not_yet=True))
    form = FeedbackForm()
    if not form.validate_on_submit():
        return _public(render_template("feedback/rate.html", order=order, form=form), 422 if form.errors else 200)
    try:
        recorded = record_feedback(order.id, form.rating.data, form.comment.data or "")
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        form.form_errors.extend(message for messages in exc.messages.values() for message in messages)
        return _public(render_template("feedback/rate.html", order=order, form=form), 422)
    return _public(render_template("feedback/done.html", order=order, already=not recorded))


def _public(body: str, status: int = 200):
    response = make_response(body, status)
    # The token in the path lets anyone who has the link rate the order: keep it out of caches and Referers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
