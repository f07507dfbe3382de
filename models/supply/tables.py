"""Purchase orders to suppliers (replenishment or drop-ship) and their advance shipping notices."""
from __future__ import annotations

import peewee

from models.core.base import BaseModel, MoneyField, utc_now
from models.core.registry import register_tables
from models.inventory.tables import Product, Warehouse
from models.orders.tables import Order
from models.partners.tables import Partner


class PurchaseOrder(BaseModel):
    number = peewee.CharField(max_length=64, unique=True)
    supplier = peewee.ForeignKeyField(Partner, backref="purchase_orders", on_delete="RESTRICT")
    status = peewee.CharField(max_length=32, default="draft")  # draft, sent, confirmed, shipped, received, cancelled
    dropship = peewee.BooleanField(default=False)
    warehouse = peewee.ForeignKeyField(Warehouse, null=True, backref="purchase_orders", on_delete="RESTRICT")
    sales_order = peewee.ForeignKeyField(Order, null=True, backref="purchase_orders", on_delete="RESTRICT")
    currency = peewee.CharField(max_length=3, default="USD")
    expected_at = peewee.DateField(null=True)
    created_at = peewee.DateTimeField(default=utc_now)
    status_changed_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("supplier", "status"), False),)


class PurchaseOrderLine(BaseModel):
    purchase_order = peewee.ForeignKeyField(PurchaseOrder, backref="lines", on_delete="CASCADE")
    product = peewee.ForeignKeyField(Product, backref="purchase_lines", on_delete="RESTRICT")
    quantity = peewee.IntegerField()
    unit_cost = MoneyField(default=0)
    received_quantity = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("purchase_order", "product"), True),)
        constraints = [peewee.Check("quantity > 0"), peewee.Check("received_quantity >= 0")]


class AdvanceShippingNotice(BaseModel):
    purchase_order = peewee.ForeignKeyField(PurchaseOrder, backref="asns", on_delete="CASCADE")
    reference = peewee.CharField(max_length=64)  # the supplier's own ASN number
    carrier = peewee.CharField(max_length=64, default="")
    tracking_number = peewee.CharField(max_length=64, default="")
    shipped_at = peewee.DateTimeField(null=True)
    expected_at = peewee.DateTimeField(null=True)
    status = peewee.CharField(max_length=16, default="in_transit")  # in_transit, received
    created_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("purchase_order", "reference"), True),)


class AdvanceShippingNoticeLine(BaseModel):
    asn = peewee.ForeignKeyField(AdvanceShippingNotice, backref="lines", on_delete="CASCADE")
    purchase_order_line = peewee.ForeignKeyField(PurchaseOrderLine, backref="asn_lines", on_delete="RESTRICT")
    quantity = peewee.IntegerField()

    class Meta:
        indexes = ((("asn", "purchase_order_line"), True),)
        constraints = [peewee.Check("quantity > 0")]


register_tables(PurchaseOrder, PurchaseOrderLine, AdvanceShippingNotice, AdvanceShippingNoticeLine)
