"""Tax rates: the ops page listing every rate by tax class and destination, with a form to set one, a CSV upload
and removal. Every ops role reads them; only an ops admin changes them (tax is a matter of record, not of the desk)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DecimalField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from models.core.errors import ImportRefused, NotFound, ValidationFailed
from models.partners.tables import OPS_ROLES
from models.pricing.tax_import import (
    delete_tax_rate,
    import_tax_rates,
    rate_text,
    save_tax_rate,
)
from models.pricing.tax_tables import TaxRateRow
from portal.auth import role_required
from portal.flashes import exception_message, flash_form_errors, flash_import_report
from portal.model_messages import translate_message
from schemas.tax_rates import tax_rate_row_schema

bp = Blueprint("tax_rates", __name__, url_prefix="/ops")

TAX_EDITORS = ("ops_admin",)
PAGE_ROWS = 500


# A rate's outcome as save_tax_rate reports it, in the page's language
OUTCOME_WORDS = {"created": lazy_gettext("created"), "updated": lazy_gettext("updated"),
                 "unchanged": lazy_gettext("unchanged")}


class TaxRateForm(FlaskForm):
    tax_class = StringField(lazy_gettext("Tax class"), validators=[
        InputRequired(lazy_gettext("Give the tax class.")), Length(max=32)])
    country = StringField(lazy_gettext("Country"), validators=[
        InputRequired(lazy_gettext("Give the country.")),
        Regexp(r"^[A-Za-z]{2}$", message=lazy_gettext("a two-letter country code"))])
    region = StringField(lazy_gettext("Region (blank: the whole country)"), validators=[Optional(), Length(max=64)])
    rate = DecimalField(lazy_gettext("Rate (fraction: 0.2 = 20 %)"), places=None, validators=[
        InputRequired(lazy_gettext("Give the rate.")),
        NumberRange(min=0, max=0.9999, message=lazy_gettext("a fraction from 0 up to 1"))])
    valid_from = DateField(lazy_gettext("From"), validators=[Optional()])
    name = StringField(lazy_gettext("Name"), validators=[Optional(), Length(max=100)])


class TaxRatesUploadForm(FlaskForm):
    file = FileField(lazy_gettext("Tax rates file (CSV: tax_class, country, region, rate, valid_from, name)"),
                     validators=[FileRequired(lazy_gettext("Choose a CSV file of tax rates."))])


@bp.get("/tax-rates")
@role_required(*OPS_ROLES)
def rates_page() -> ResponseReturnValue:
    """Every rate, by tax class, country, region and day."""
    rates = list(TaxRateRow.select().order_by(TaxRateRow.tax_class, TaxRateRow.country, TaxRateRow.region,
                                              TaxRateRow.valid_from).limit(PAGE_ROWS))
    return render_template("ops/tax_rates.html", rates=rates, rate_text=rate_text,
                           may_edit=current_user.role in TAX_EDITORS, form=TaxRateForm(prefix="tax"),
                           upload=TaxRatesUploadForm(prefix="upload"))


@bp.post("/tax-rates")
@role_required(*TAX_EDITORS)
def save_rate() -> ResponseReturnValue:
    """Set one rate (replacing the rate of that class, destination and day)."""
    form = TaxRateForm(prefix="tax")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("tax_rates.rates_page"))
    data = {"tax_class": form.tax_class.data.strip(), "country": form.country.data.strip().upper(),
            "region": (form.region.data or "").strip(), "rate": form.rate.data, "valid_from": form.valid_from.data,
            "name": (form.name.data or "").strip()}
    try:
        outcome = save_tax_rate(data, actor=current_user.email)
    except ValidationFailed as exc:
        for field_name, messages in exc.messages.items():
            for message in messages:
                flash(gettext("%(field)s: %(problem)s", field=field_name, problem=translate_message(message)), "error")
    else:
        flash(gettext("%(tax_class)s to %(country)s %(region)s: %(rate)s (%(outcome)s)", tax_class=data["tax_class"],
                      country=data["country"], region=data["region"], rate=rate_text(data["rate"]),
                      outcome=OUTCOME_WORDS.get(outcome, outcome)), "success")
    return redirect(url_for("tax_rates.rates_page"))


@bp.post("/tax-rates/upload")
@role_required(*TAX_EDITORS)
def upload_rates() -> ResponseReturnValue:
    """Import a CSV file of rates: the good rows are set, each bad row listed with its line and field."""
    form = TaxRatesUploadForm(prefix="upload")
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("tax_rates.rates_page"))
    upload = form.file.data
    try:
        report = import_tax_rates(upload.stream, row_schema=tax_rate_row_schema, actor=current_user.email,
                                  settings=current_app.config["OMS_SETTINGS"])
    except ImportRefused as exc:
        flash(gettext("%(file)s was refused: %(error)s", file=upload.filename, error=exception_message(exc)), "error")
        return redirect(url_for("tax_rates.rates_page"))
    flash_import_report(upload.filename, report)
    return redirect(url_for("tax_rates.rates_page"))


@bp.post("/tax-rates/<int:rate_id>/delete")
@role_required(*TAX_EDITORS)
def delete_rate(rate_id: int) -> ResponseReturnValue:
    try:
        delete_tax_rate(rate_id)
    except NotFound as exc:
        flash(exception_message(exc), "error")
    else:
        flash(gettext("Tax rate removed."), "success")
    return redirect(url_for("tax_rates.rates_page"))
