"""The inventory report's rollups: units reserved, shipped and backordered per day, SKU and warehouse, and the
on-hand snapshot of every stock row once a day. How they are kept: models.reports.inventory_rollup."""
from __future__ import annotations

import peewee

from models.core.base import BaseModel, utc_now
from models.core.registry import register_tables
from models.inventory.tables import Product, Stock, Warehouse


class InventoryDay(BaseModel):
    """Units of one SKU moved on one UTC day: reserved from a warehouse's stock (``refilled``: the part of it
    for orders that had been backordered), shipped from it, and put on backorder (no warehouse)."""

    day = peewee.DateField()
    product = peewee.ForeignKeyField(Product, on_delete="CASCADE", index=False)
    warehouse = peewee.ForeignKeyField(Warehouse, null=True, on_delete="CASCADE", index=False)
    units_reserved = peewee.IntegerField(default=0)
    units_refilled = peewee.IntegerField(default=0)
    units_shipped = peewee.IntegerField(default=0)
    units_backordered = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("day", "product", "warehouse"), False), (("product", "day"), False))


class StockSnapshot(BaseModel):
    """On hand of one stock row at the start of one UTC day (a day the scheduler missed carries the day before),
    with the running sum of its daily on hand and the number of its days so far: the average over any range is
    then read from two snapshot days, not from every day between them."""

    day = peewee.DateField()
    stock = peewee.ForeignKeyField(Stock, on_delete="CASCADE", index=False)
    product = peewee.ForeignKeyField(Product, on_delete="CASCADE", index=False)
    warehouse = peewee.ForeignKeyField(Warehouse, on_delete="CASCADE", index=False)
    on_hand = peewee.IntegerField()
    on_hand_total = peewee.BigIntegerField()  # on_hand summed over this row's snapshot days up to this one
    days = peewee.IntegerField()  # this row's snapshot days up to this one

    class Meta:
        indexes = ((("day", "stock"), True),)


class InventoryRollupMark(BaseModel):
    """When the rollup was last refreshed: the next refresh recomputes every day from this one's start on."""

    name = peewee.CharField(max_length=32, primary_key=True)
    started_at = peewee.DateTimeField(default=utc_now)


register_tables(InventoryDay, StockSnapshot, InventoryRollupMark)
