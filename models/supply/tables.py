"""Purchase orders to suppliers (replenishment or drop-ship), their advance shipping notices, warehouse receipts
against them, and the alerts ops get when a supplier keeps a purchase order waiting."""
from __future__ import annotations

import json

import peewee

from models.core.base import BaseModel, MoneyField, utc_now
from models.core.registry import register_status_table, register_tables
from models.core.texts import Text
from models.inventory.tables import Product, Warehouse
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.shipping.tables import Shipment
from models.supply.states import PO_DRAFT


class PurchaseOrder(BaseModel):
    number = peewee.CharField(max_length=64, unique=True)
    supplier = peewee.ForeignKeyField(Partner, backref="purchase_orders", on_delete="RESTRICT")
    status = peewee.CharField(max_length=32, default=PO_DRAFT)  # see models.supply.states
    dropship = peewee.BooleanField(default=False)  # the API's kind: "drop_ship" when set, else "stock"
    warehouse = peewee.ForeignKeyField(Warehouse, null=True, backref="purchase_orders", on_delete="RESTRICT")
    sales_order = peewee.ForeignKeyField(Order, null=True, backref="purchase_orders", on_delete="RESTRICT")
    currency = peewee.CharField(max_length=3, default="USD")
    expected_at = peewee.DateField(null=True)  # the delivery date asked of the supplier
    origin = peewee.CharField(max_length=16, default="manual")  # manual, replenishment, automatic, drop_ship
    created_by = peewee.CharField(max_length=254, default="")
    note = peewee.TextField(default="")
    revision = peewee.IntegerField(default=0)  # raised by every change ops make after sending
    sent_at = peewee.DateTimeField(null=True)
    answered_at = peewee.DateTimeField(null=True)  # the supplier's first confirmation or counter-proposal
    confirm_by = peewee.DateTimeField(null=True)  # past it unanswered, ops get an alert
    closed_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utc_now)
    status_changed_at = peewee.DateTimeField(default=utc_now)
    status_reason = peewee.TextField(default="")

    class Meta:
        indexes = ((("supplier", "status"), False), (("status", "status_changed_at"), False))

    @property
    def kind(self) -> str:
        return "drop_ship" if self.dropship else "stock"


class PurchaseOrderLine(BaseModel):
    purchase_order = peewee.ForeignKeyField(PurchaseOrder, backref="lines", on_delete="CASCADE")
    product = peewee.ForeignKeyField(Product, backref="purchase_lines", on_delete="RESTRICT")
    order_line = peewee.ForeignKeyField(OrderLine, null=True, backref="purchase_lines", on_delete="RESTRICT")
    quantity = peewee.IntegerField()
    unit_cost = MoneyField(default=0)
    confirmed_quantity = peewee.IntegerField(null=True)  # None until the supplier answers; 0 = cannot supply
    promised_date = peewee.DateField(null=True)
    proposed_quantity = peewee.IntegerField(null=True)  # a counter-proposal waiting for ops
    proposed_date = peewee.DateField(null=True)
    confirmed_at = peewee.DateTimeField(null=True)
    received_quantity = peewee.IntegerField(default=0)  # good units put on hand
    damaged_quantity = peewee.IntegerField(default=0)  # units that arrived damaged (never on hand)

    class Meta:
        indexes = ((("purchase_order", "product"), True),)
        constraints = [peewee.Check("quantity > 0"), peewee.Check("received_quantity >= 0"),
                       peewee.Check("damaged_quantity >= 0")]


class AdvanceShippingNotice(BaseModel):
    purchase_order = peewee.ForeignKeyField(PurchaseOrder, backref="asns", on_delete="CASCADE")
    reference = peewee.CharField(max_length=64)  # the supplier's own ASN number
    carrier = peewee.CharField(max_length=64, default="")
    tracking_number = peewee.CharField(max_length=64, default="")
    shipped_at = peewee.DateTimeField(null=True)
    expected_on = peewee.DateField(null=True)
    status = peewee.CharField(max_length=16, default="in_transit")  # in_transit, received
    shipment = peewee.ForeignKeyField(Shipment, null=True, unique=True, backref="asns", on_delete="SET NULL")
    created_by = peewee.CharField(max_length=254, default="")
    received_at = peewee.DateTimeField(null=True)
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


class PurchaseReceipt(BaseModel):
    """One delivery counted in at the warehouse, against an ASN when the supplier sent one."""

    purchase_order = peewee.ForeignKeyField(PurchaseOrder, backref="receipts", on_delete="CASCADE")
    asn = peewee.ForeignKeyField(AdvanceShippingNotice, null=True, backref="receipts", on_delete="SET NULL")
    received_at = peewee.DateTimeField(default=utc_now)
    actor = peewee.CharField(max_length=254)
    note = peewee.TextField(default="")


class PurchaseReceiptLine(BaseModel):
    """What one receipt counted for one PO line, and how it differs from what the ASN announced."""

    receipt = peewee.ForeignKeyField(PurchaseReceipt, backref="lines", on_delete="CASCADE")
    purchase_order_line = peewee.ForeignKeyField(PurchaseOrderLine, backref="receipt_lines", on_delete="RESTRICT")
    announced_quantity = peewee.IntegerField(null=True)  # on the ASN; None without one
    received_quantity = peewee.IntegerField(default=0)  # good units
    damaged_quantity = peewee.IntegerField(default=0)
    discrepancy = peewee.CharField(max_length=32, default="")  # "", short, over, damaged, or e.g. "short,damaged"

    class Meta:
        indexes = ((("receipt", "purchase_order_line"), True),)


class SupplyAlert(BaseModel):
    """Something about a purchase order ops must chase: a drop-ship order the supplier has not confirmed by its
    deadline, an ASN past its expected date, a counter-proposal to decide. One row per PO and kind."""

    purchase_order = peewee.ForeignKeyField(PurchaseOrder, backref="alerts", on_delete="CASCADE")
    kind = peewee.CharField(max_length=32)  # unconfirmed_drop_ship, asn_overdue, counter_proposal
    message = peewee.TextField()
    message_text = peewee.TextField(null=True)  # the message's Text as JSON (models.core.texts); NULL before
    status = peewee.CharField(max_length=8, default="open")  # open, resolved
    raised_at = peewee.DateTimeField(default=utc_now)
    resolved_at = peewee.DateTimeField(null=True)
    resolved_by = peewee.CharField(max_length=254, default="")

    class Meta:
        indexes = ((("purchase_order", "kind"), True), (("status", "raised_at"), False))

    @property
    def message_words(self) -> Text | str:
        """The message to translate: its template when kept, else the English as stored."""
        return Text.from_json(json.loads(self.message_text)) if self.message_text else self.message


register_tables(PurchaseOrder, PurchaseOrderLine, AdvanceShippingNotice, AdvanceShippingNoticeLine,
                PurchaseReceipt, PurchaseReceiptLine, SupplyAlert)
register_status_table("purchase_order", PurchaseOrder)
