"""Tax rates by product tax class and destination, as ops keep them (imported or edited on the tax-rates page)."""
from __future__ import annotations

import peewee

from models.core.base import BaseModel, utc_now
from models.core.registry import register_tables
from models.pricing.tax_rules import TaxRate


class TaxRateRow(BaseModel):
    """One rate: goods of ``tax_class`` shipped to ``country`` (and ``region``; "" = the whole country)."""

    tax_class = peewee.CharField(max_length=32)
    country = peewee.CharField(max_length=2)
    region = peewee.CharField(max_length=64, default="")
    rate = peewee.DecimalField(max_digits=7, decimal_places=4, auto_round=True)  # a fraction: 0.2000 = 20 %
    valid_from = peewee.DateField(null=True)
    name = peewee.CharField(max_length=100, default="")
    updated_by = peewee.CharField(max_length=254, default="")
    updated_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        table_name = "tax_rate"
        indexes = ((("tax_class", "country", "region", "valid_from"), True),)

    def as_rule(self) -> TaxRate:
        return TaxRate(self.tax_class, self.country, self.region, self.rate, self.valid_from, self.name)


def tax_rates_for(countries: set[str]) -> list[TaxRate]:
    """Every rate of the destination ``countries``, in one query."""
    if not countries:
        return []
    return [row.as_rule() for row in TaxRateRow.select().where(TaxRateRow.country.in_(sorted(countries)))]


register_tables(TaxRateRow)
