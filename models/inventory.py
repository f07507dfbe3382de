"""Products, warehouses, shipping lanes, stock per warehouse and reservations against it."""
from __future__ import annotations

import peewee

from models.base import BaseModel, MoneyField, utc_now
from models.partners import Partner


class Product(BaseModel):
    sku = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=200)
    unit_price = MoneyField()
    currency = peewee.CharField(max_length=3, default="USD")
    weight_kg = peewee.DecimalField(max_digits=10, decimal_places=3, auto_round=True, default=0)
    supplier = peewee.ForeignKeyField(Partner, null=True, backref="products", on_delete="SET NULL")
    dropship = peewee.BooleanField(default=False)
    reorder_point = peewee.IntegerField(default=0)
    allow_backorders = peewee.BooleanField(default=True)
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utc_now)
    updated_at = peewee.DateTimeField(default=utc_now)


class Warehouse(BaseModel):
    code = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=200)
    region = peewee.CharField(max_length=64, index=True)
    address = peewee.TextField(default="")
    active = peewee.BooleanField(default=True)


class Lane(BaseModel):
    """Shipping from a warehouse to a destination region: what it costs and how long it takes."""

    warehouse = peewee.ForeignKeyField(Warehouse, backref="lanes", on_delete="CASCADE")
    region = peewee.CharField(max_length=64)
    cost = MoneyField()
    lead_time_days = peewee.IntegerField()

    class Meta:
        indexes = ((("warehouse", "region"), True),)


class Stock(BaseModel):
    """Units of one SKU in one warehouse; the CHECKs make overselling impossible at the database."""

    warehouse = peewee.ForeignKeyField(Warehouse, backref="stock", on_delete="RESTRICT")
    product = peewee.ForeignKeyField(Product, backref="stock", on_delete="RESTRICT")
    on_hand = peewee.IntegerField(default=0)
    reserved = peewee.IntegerField(default=0)
    updated_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("warehouse", "product"), True),)
        constraints = [
            peewee.Check("on_hand >= 0"),
            peewee.Check("reserved >= 0"),
            peewee.Check("reserved <= on_hand"),
        ]

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved
