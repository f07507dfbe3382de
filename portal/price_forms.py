"""The forms of the price pages: a list's fields, a SKU's break, removals, the CSV upload and the price check."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from models.core.currencies import CURRENCIES
from models.pricing.rules import APPLIES_TO

PERCENT = NumberRange(min=Decimal(0), max=Decimal(100), message="must be from 0 to 100")
MONEY = NumberRange(min=Decimal(0), max=Decimal("999999999999.99"), message="must be 0 or more")
NOTE_MAX = 300


class VersionedForm(FlaskForm):
    """Every edit: the version it was made against and why."""

    expected_version = HiddenField()
    note = StringField("Why this change", validators=[Optional(), Length(max=NOTE_MAX)])


class ListForm(VersionedForm):
    original_code = HiddenField()  # blank: a new list
    code = StringField("Code", validators=[DataRequired("Give the list a code."), Length(max=64)])
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    applies_to = SelectField("Applies to", choices=APPLIES_TO)
    party = StringField("Party (customer or distributor code, or group)", validators=[Optional(), Length(max=64)])
    currency = SelectField("Currency", choices=CURRENCIES)
    valid_from = DateField("Valid from", validators=[Optional()])
    valid_to = DateField("Valid to", validators=[Optional()])
    base = StringField("Base list", validators=[Optional(), Length(max=64)])
    discount_percent = DecimalField("Discount off the base (%)", places=None, validators=[Optional(), PERCENT])
    tax_included = BooleanField("Prices include tax")
    tolerance_percent = DecimalField("Tolerance below the price (%)", places=None, validators=[Optional(), PERCENT])


class BreakForm(VersionedForm):
    code = HiddenField(validators=[DataRequired()])
    sku = StringField("SKU", validators=[DataRequired("Give the SKU."), Length(max=64)])
    min_quantity = IntegerField("From units", default=1, validators=[
        InputRequired("Give the quantity the break starts at."), NumberRange(min=1, max=2**31 - 1)])
    price = DecimalField("Price", places=None, validators=[Optional(), MONEY])
    discount_percent = DecimalField("or discount off the base (%)", places=None, validators=[Optional(), PERCENT])


class RemoveBreakForm(VersionedForm):
    code = HiddenField(validators=[DataRequired()])
    sku = HiddenField(validators=[DataRequired()])
    min_quantity = IntegerField(validators=[InputRequired(), NumberRange(min=1)])


class RemoveListForm(VersionedForm):
    code = HiddenField(validators=[DataRequired()])


class RemoveContractForm(VersionedForm):
    index = IntegerField(validators=[InputRequired(), NumberRange(min=0)])


class PriceListUploadForm(FlaskForm):
    file = FileField("Price-list file (CSV)", validators=[FileRequired("Choose a CSV file of prices.")])
    note = StringField("Why this change", validators=[Optional(), Length(max=NOTE_MAX)])


class PriceCheckForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it reads, never writes

    customer = StringField("Customer", validators=[DataRequired("Give the customer code."), Length(max=64)])
    sku = StringField("SKU", validators=[DataRequired("Give the SKU."), Length(max=64)])
    quantity = IntegerField("Quantity", default=1, validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])
    currency = SelectField("Currency", choices=[("", "the customer's"), *((c, c) for c in CURRENCIES)],
                           validators=[Optional()])
    day = DateField("On", validators=[Optional()])
