"""Exchange rates: the ops page (recent rates, a CSV upload and a form to add one rate) and the JSON API
(GET /api/v1/exchange-rates to read them, POST to set them).

Rates are not secret: every ops role and distributors may read them by API; only the credit roles set them.
"""
from __future__ import annotations

from decimal import Decimal

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from marshmallow import ValidationError
from wtforms import DateField, DecimalField, SelectField, StringField
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from models.core.config import base_currency
from models.core.currencies import CURRENCIES
from models.core.errors import ImportRefused, PermissionDenied
from models.currency.rate_import import import_rates
from models.currency.rates import recent_rates, set_rates
from models.partners.tables import OPS_ROLES
from models.review.rate_holds import recheck_rate_holds
from portal.api import answer_errors_as_json, json_object_body, token_required
from portal.auth import role_required
from portal.flashes import flash_form_errors, flash_import_report
from portal.model_messages import translate_message
from schemas.exchange_rates import (
    rate_query_schema,
    rate_row_schema,
    rate_schema,
    rates_body_schema,
    rates_out,
)

bp = Blueprint("exchange_rates", __name__, url_prefix="/ops")
api_bp = Blueprint("api_exchange_rates", __name__, url_prefix="/api/v1")
answer_errors_as_json(api_bp)

RATE_SETTERS = ("ops_admin", "credit_controller")  # rates move credit exposure: the roles that decide credit
RATE_READERS = (*OPS_ROLES, "distributor")
PAGE_ROWS = 200
rate_readers = role_required(*OPS_ROLES)
rate_setters = role_required(*RATE_SETTERS)


# A rate's outcome as set_rates reports it, in the page's language
OUTCOME_WORDS = {"created": lazy_gettext("created"), "updated": lazy_gettext("updated"),
                 "unchanged": lazy_gettext("unchanged")}


class RateForm(FlaskForm):
    day = DateField(lazy_gettext("Day"), validators=[InputRequired(lazy_gettext("Give the day of the rate."))])
    currency = SelectField(lazy_gettext("Currency"), choices=CURRENCIES)
    rate = DecimalField(lazy_gettext("Rate"), places=None, validators=[
        InputRequired(lazy_gettext("Give the rate.")),
        NumberRange(min=Decimal("0.00000001"), message=lazy_gettext("must be more than 0"))])
    source = StringField(lazy_gettext("Source"), validators=[Optional(), Length(max=64)])


class RatesUploadForm(FlaskForm):
    file = FileField(lazy_gettext("Rates file (CSV: day, currency, rate, source)"),
                     validators=[FileRequired(lazy_gettext("Choose a CSV file of rates."))])


@bp.get("/exchange-rates")
@rate_readers
def rates_page() -> ResponseReturnValue:
    """The latest rates, newest day first; ``currency`` narrows them to one."""
    currency = request.args.get("currency", "")
    currency = currency if currency in CURRENCIES else ""
    return render_template("ops/exchange_rates.html", rates=recent_rates(currency=currency or None, limit=PAGE_ROWS),
                           currency=currency, currencies=CURRENCIES, base=base_currency(),
                           may_set=current_user.role in RATE_SETTERS, form=RateForm(prefix="rate"),
                           upload=RatesUploadForm(prefix="upload"))


@bp.post("/exchange-rates")
@rate_setters
def add_rate() -> ResponseReturnValue:
    """Set one rate (replacing the rate of that day and currency)."""
    form = RateForm(prefix="rate")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("exchange_rates.rates_page"))
    row = {"day": form.day.data, "currency": form.currency.data, "rate": form.rate.data,
           "source": (form.source.data or "").strip()}
    outcome = set_rates([row], actor=current_user.email)[0]
    if outcome.outcome in ("created", "updated"):
        recheck_rate_holds(actor=current_user.email)
    for field_name, messages in outcome.errors.items():
        for message in messages:
            flash(gettext("%(field)s: %(problem)s", field=field_name, problem=translate_message(message)), "error")
    if outcome.outcome:
        flash(gettext("%(currency)s on %(day)s: %(rate)s (%(outcome)s)", currency=row["currency"], day=row["day"],
                      rate=row["rate"], outcome=OUTCOME_WORDS.get(outcome.outcome, outcome.outcome)), "success")
    return redirect(url_for("exchange_rates.rates_page"))


@bp.post("/exchange-rates/upload")
@rate_setters
def upload_rates() -> ResponseReturnValue:
    """Import a CSV file of rates: the good rows are set, each bad row listed with its line and field."""
    form = RatesUploadForm(prefix="upload")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("exchange_rates.rates_page"))
    upload = form.file.data
    try:
        report = import_rates(upload.stream, row_schema=rate_row_schema, actor=current_user.email,
                              settings=current_app.config["OMS_SETTINGS"])
    except ImportRefused as exc:
        flash(gettext("%(file)s was refused: %(error)s", file=upload.filename, error=exc), "error")
        return redirect(url_for("exchange_rates.rates_page"))
    flash_import_report(upload.filename, report)
    return redirect(url_for("exchange_rates.rates_page"))


@api_bp.get("/exchange-rates")
@token_required
def list_rates():
    """Rates newest day first: ``currency``, ``from`` and ``to`` (days, inclusive) narrow them; at most 1000."""
    user = g.api_user
    if user.role not in RATE_READERS:
        raise PermissionDenied(f"role {user.role} may not read exchange rates")
    args = rate_query_schema.load(request.args)
    rows = recent_rates(currency=args.get("currency"), since=args.get("from_"), until=args.get("to"), limit=1000)
    return jsonify({"base_currency": base_currency(), "rates": rates_out.dump(rows)})


@api_bp.post("/exchange-rates")
@token_required
def post_rates():
    """Set rates ``{rates: [{day, currency, rate, source?}, …]}``, each validated on its own: ``results`` by index,
    each its outcome (created, updated, unchanged) or its errors; 200 when all were set, 207 when some were not."""
    user = g.api_user
    if user.role not in RATE_SETTERS:
        raise PermissionDenied(f"role {user.role} may not set exchange rates; an ops_admin or credit_controller may")
    body = rates_body_schema.load(json_object_body())
    results: dict[int, dict] = {}
    valid: dict[int, dict] = {}
    for index, row in enumerate(body["rates"]):
        try:
            valid[index] = rate_schema.load(row)
        except ValidationError as exc:
            results[index] = {"index": index, "errors": exc.messages}
    outcomes = set_rates(list(valid.values()), actor=f"api:{user.email}")
    for index, outcome in zip(valid, outcomes):
        results[index] = ({"index": index, "errors": outcome.errors} if outcome.errors
                          else {"index": index, "outcome": outcome.outcome})
    if any(outcome.outcome in ("created", "updated") for outcome in outcomes):
        recheck_rate_holds(actor=f"api:{user.email}")
    answer = [results[index] for index in range(len(body["rates"]))]
    return jsonify({"results": answer}), 207 if any("errors" in result for result in answer) else 200
