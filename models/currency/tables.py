"""Exchange rates by day: how many units of a currency one unit of the base currency (OMS_BASE_CURRENCY) buys."""
from __future__ import annotations

from decimal import Decimal

import peewee

from models.core.base import BaseModel, utc_now
from models.core.registry import register_tables

RATE_PLACES = Decimal("0.00000001")  # NUMERIC(18, 8)


class RateField(peewee.DecimalField):
    """NUMERIC(18, 8) that always reads back as a Decimal with 8 places (SQLite hands NUMERIC back as a float)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 8)
        kwargs.setdefault("auto_round", True)
        super().__init__(*args, **kwargs)

    def python_value(self, value):
        value = super().python_value(value)
        return value.quantize(RATE_PLACES) if value is not None else None


class ExchangeRate(BaseModel):
    """The rate of one currency on one day: ``rate`` units of it per one unit of the base currency."""

    day = peewee.DateField()
    currency = peewee.CharField(max_length=3)
    rate = RateField()
    source = peewee.CharField(max_length=64, default="")
    created_by = peewee.CharField(max_length=254, default="")
    created_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        table_name = "exchange_rate"
        indexes = ((("day", "currency"), True), (("currency", "day"), False))
        constraints = (peewee.Check("rate > 0"),)


register_tables(ExchangeRate)
