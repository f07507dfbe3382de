"""The ship-to fields the order entry and the order change forms share."""
from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class ShipToForm(FlaskForm):
    """A form with the ship-to address; subclasses add their own fields."""

    ship_to_name = StringField(lazy_gettext("Name"))
    ship_to_phone = StringField(lazy_gettext("Phone"))
    ship_to_email = StringField(lazy_gettext("Email"))
    ship_to_address = TextAreaField(lazy_gettext("Address"))
    ship_to_city = StringField(lazy_gettext("City"))
    ship_to_region = StringField(lazy_gettext("Region"))
    ship_to_postcode = StringField(lazy_gettext("Postcode"))
    ship_to_country = StringField(lazy_gettext("Country (2 letters)"))
