"""The forms of the price pages: a list's fields, a SKU's break, removals, the CSV upload and the price check."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
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

PERCENT = NumberRange(min=Decimal(0), max=Decimal(100), message=lazy_gettext("must be from 0 to 100"))
MONEY = NumberRange(min=Decimal(0), max=Decimal("999999999999.99"), message=lazy_gettext("must be 0 or more"))
# models.pricing.rules.APPLIES_TO (and contracts) as the pages write them
APPLIES_TO_WORDS = {"customer": lazy_gettext("customer"), "distributor": lazy_gettext("distributor"),
                    "group": lazy_gettext("group"), "catalogue": lazy_gettext("catalogue"),
                    "contract": lazy_gettext("contract")}
NOTE_MAX = 300


class VersionedForm(FlaskForm):
    """Every edit: the version it was made against and why."""

    expected_version = HiddenField()
    note = StringField(lazy_gettext("Why this change"), validators=[Optional(), Length(max=NOTE_MAX)])


class ListForm(VersionedForm):
    original_code = HiddenField()  # blank: a new list
    code = StringField(lazy_gettext("Code"), validators=[DataRequired(lazy_gettext("Give the list a code.")),
                                                          Length(max=64)])
    name = StringField(lazy_gettext("Name"), validators=[Optional(), Length(max=200)])
    applies_to = SelectField(lazy_gettext("Applies to"), choices=[SelectChoice(code, APPLIES_TO_WORDS.get(code, code))
                                                                  for code in APPLIES_TO])
    party = StringField(lazy_gettext("Party (customer or distributor code, or group)"),
                        validators=[Optional(), Length(max=64)])
    currency = SelectField(lazy_gettext("Currency"), choices=CURRENCIES)
    valid_from = DateField(lazy_gettext("Valid from"), validators=[Optional()])
    valid_to = DateField(lazy_gettext("Valid to"), validators=[Optional()])
    base = StringField(lazy_gettext("Base list"), validators=[Optional(), Length(max=64)])
    discount_percent = DecimalField(lazy_gettext("Discount off the base (%)"), places=None,
                                    validators=[Optional(), PERCENT])
    tax_included = BooleanField(lazy_gettext("Prices include tax"))
    tolerance_percent = DecimalField(lazy_gettext("Tolerance below the price (%)"), places=None,
                                     validators=[Optional(), PERCENT])


class BreakForm(VersionedForm):
    code = HiddenField(validators=[DataRequired()])
    sku = StringField(lazy_gettext("SKU"), validators=[DataRequired(lazy_gettext("Give the SKU.")), Length(max=64)])
    min_quantity = IntegerField(lazy_gettext("From units"), default=1, validators=[
        InputRequired(lazy_gettext("Give the quantity the break starts at.")), NumberRange(min=1, max=2**31 - 1)])
    price = DecimalField(lazy_gettext("Price"), places=None, validators=[Optional(), MONEY])
    discount_percent = DecimalField(lazy_gettext("or discount off the base (%)"), places=None,
                                    validators=[Optional(), PERCENT])


class RemoveBreakForm(VersionedForm):
    code = HiddenField(validators=[DataRequired()])
    sku = HiddenField(validators=[DataRequired()])
    min_quantity = IntegerField(validators=[InputRequired(), NumberRange(min=1)])


class RemoveListForm(VersionedForm):
    code = HiddenField(validators=[DataRequired()])


class RemoveContractForm(VersionedForm):
    index = IntegerField(validators=[InputRequired(), NumberRange(min=0)])


class PriceListUploadForm(FlaskForm):
    file = FileField(lazy_gettext("Price-list file (CSV)"),
                     validators=[FileRequired(lazy_gettext("Choose a CSV file of prices."))])
    note = StringField(lazy_gettext("Why this change"), validators=[Optional(), Length(max=NOTE_MAX)])


class PriceCheckForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it reads, never writes

    customer = StringField(lazy_gettext("Customer"), validators=[
        DataRequired(lazy_gettext("Give the customer code.")), Length(max=64)])
    sku = StringField(lazy_gettext("SKU"), validators=[DataRequired(lazy_gettext("Give the SKU.")), Length(max=64)])
    quantity = IntegerField(lazy_gettext("Quantity"), default=1,
                            validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])
    currency = SelectField(lazy_gettext("Currency"),
                           choices=[("", lazy_gettext("the customer's")), *((c, c) for c in CURRENCIES)],
                           validators=[Optional()])
    day = DateField(lazy_gettext("On"), validators=[Optional()])


def applies_to_words(code: str) -> str:
    """Whom a price list applies to, in the page's language ("customer" -> "客戶")."""
    return str(APPLIES_TO_WORDS.get(code, code))
