"""Base model, field types and the UTC clock shared by every table."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import peewee

from models.core.db import database

CENT = Decimal("0.01")


def utc_now() -> datetime:
    """Now in UTC, naive: every timestamp column stores UTC without an offset."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class MoneyField(peewee.DecimalField):
    """NUMERIC(14, 2) that always reads back as a Decimal rounded to the cent."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("auto_round", True)
        super().__init__(*args, **kwargs)

    def python_value(self, value):
        # SQLite hands NUMERIC back as a float; quantizing restores the exact cents.
        value = super().python_value(value)
        return value.quantize(CENT) if value is not None else None


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False
