"""Products, warehouses, shipping lanes, stock per warehouse and reservations against it."""
from __future__ import annotations

import peewee

from models.core.base import BaseModel, MoneyField, utc_now
from models.core.registry import register_tables
from models.partners.tables import Partner


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
    final_sale = peewee.BooleanField(default=False)  # never returnable
    pack_size = peewee.IntegerField(default=1)  # the supplier sells in multiples of this
    min_order_quantity = peewee.IntegerField(default=0)  # the supplier's minimum per purchase-order line
    auto_replenish = peewee.BooleanField(default=False)  # suggestions become purchase orders without a person
    tax_class = peewee.CharField(max_length=32, default="standard")  # with the destination, picks the tax rate
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField(default=utc_now)
    updated_at = peewee.DateTimeField(default=utc_now)


class Warehouse(BaseModel):
    code = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=200)
    region = peewee.CharField(max_length=64, index=True)
    address = peewee.TextField(default="")
    city = peewee.CharField(max_length=128, default="")
    postcode = peewee.CharField(max_length=32, default="")
    country = peewee.CharField(max_length=2, default="")  # ISO 3166 alpha-2; "" = unknown
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
    reorder_point = peewee.IntegerField(null=True)  # overrides the product's reorder point for this warehouse
    quarantined = peewee.IntegerField(default=0)  # returned damaged: kept apart, never on hand or available
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


class StockMovement(BaseModel):
    """One audited change of on-hand stock: adjustment, transfer, receipt, return or import, with its reason."""

    warehouse = peewee.ForeignKeyField(Warehouse, backref="movements", on_delete="RESTRICT",
                                       index=False)  # read by product first; warehouses are never deleted
    product = peewee.ForeignKeyField(Product, backref="movements", on_delete="RESTRICT",
                                     index=False)  # led by (product, warehouse, at)
    kind = peewee.CharField(max_length=16)  # adjustment, transfer_out, transfer_in, receipt, return, import
    quantity = peewee.IntegerField()  # signed change of on_hand
    reason_code = peewee.CharField(max_length=32)
    note = peewee.CharField(max_length=500, default="")
    reference = peewee.CharField(max_length=64, default="")  # transfer id, purchase order, return...
    actor = peewee.CharField(max_length=254)
    at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("product", "warehouse", "at"), False),)


class StockAlert(BaseModel):
    """A low-stock alert for a SKU in a warehouse: raised once when available falls below the reorder
    point, cleared when it recovers; at most one open alert per warehouse and SKU."""

    warehouse = peewee.ForeignKeyField(Warehouse, backref="alerts", on_delete="CASCADE")
    product = peewee.ForeignKeyField(Product, backref="alerts", on_delete="CASCADE")
    status = peewee.CharField(max_length=8, default="open")  # open, cleared
    available = peewee.IntegerField()  # when raised
    reorder_point = peewee.IntegerField()
    raised_at = peewee.DateTimeField(default=utc_now)
    cleared_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "raised_at"), False),)


register_tables(Product, Warehouse, Lane, Stock, StockMovement, StockAlert)
