"""Canonical orders, their lines and the stock reservations made for them."""
from __future__ import annotations

import json
from datetime import datetime

import peewee

from models.core.base import BaseModel, MoneyField, utc_now
from models.core.db import lock_for_update
from models.core.registry import register_status_table, register_tables
from models.core.texts import Text
from models.intake.tables import ImportBatch, IntakeMessage
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.states import ORDER_RECEIVED, ORDER_TRANSITIONS
from models.partners.tables import Partner

CHANNELS = ("api", "portal", "file", "shopify", "woocommerce", "email", "phone")
_STATUS_LIST = ", ".join(f"'{s}'" for s in ORDER_TRANSITIONS)


class Order(BaseModel):
    channel = peewee.CharField(max_length=32)
    external_ref = peewee.CharField(max_length=128)
    # Whose reference external_ref is (models.intake.rules): the same ref from two submitters is two orders.
    # Intake always sets it and backorders copy it; "" only for rows written directly (tests, benchmarks).
    intake_scope = peewee.CharField(max_length=64, default="", constraints=[peewee.SQL("DEFAULT ''")])
    # Indexed by the composite indexes below, which lead with these columns.
    customer = peewee.ForeignKeyField(Partner, backref="orders", on_delete="RESTRICT", index=False)
    placed_by = peewee.ForeignKeyField(Partner, null=True, backref="placed_orders", on_delete="SET NULL",
                                       index=False)
    currency = peewee.CharField(max_length=3)
    subtotal = MoneyField(default=0)
    shipping_total = MoneyField(default=0)
    total = MoneyField(default=0)  # subtotal + shipping, + tax when prices exclude it
    tax_total = MoneyField(default=0)
    prices_include_tax = peewee.BooleanField(default=False)  # the line prices are gross (the price list's way)
    status = peewee.CharField(max_length=32, default=ORDER_RECEIVED)
    priority = peewee.IntegerField(default=0)  # higher goes first
    ship_to_name = peewee.CharField(max_length=200)
    ship_to_phone = peewee.CharField(max_length=64, default="")
    ship_to_email = peewee.CharField(max_length=254, default="")
    ship_to_address = peewee.TextField()
    ship_to_city = peewee.CharField(max_length=128)
    ship_to_region = peewee.CharField(max_length=64)
    ship_to_postcode = peewee.CharField(max_length=32, default="")
    ship_to_country = peewee.CharField(max_length=2)
    requested_delivery_date = peewee.DateField(null=True)
    notes = peewee.TextField(default="")
    status_reason = peewee.TextField(default="")
    submitted_by = peewee.CharField(max_length=254, default="")  # user email, token owner or channel
    # Empty on most orders: indexed only where set (partial indexes of migration 0032), as is placed_by.
    source_batch = peewee.ForeignKeyField(ImportBatch, null=True, backref="orders", on_delete="SET NULL", index=False)
    source_message = peewee.ForeignKeyField(IntakeMessage, null=True, backref="orders", on_delete="SET NULL",
                                            index=False)
    created_at = peewee.DateTimeField(default=utc_now)
    status_changed_at = peewee.DateTimeField(default=utc_now)
    redriven_at = peewee.DateTimeField(null=True)  # last time the sweeper re-sent its stage message
    # Set on the order that carries the quantities a ship-available allocation could not fill yet.
    backorder_of = peewee.ForeignKeyField("self", null=True, backref="backorders", on_delete="SET NULL", index=False)

    class Meta:
        indexes = (
            # external_ref before the scope: a lookup by channel and ref alone (tracking) uses the prefix.
            (("channel", "external_ref", "intake_scope"), True),
            (("status", "status_changed_at"), False),  # PostgreSQL: open statuses only (migration 0034)
            (("customer", "status"), False),
            # (placed_by, created_at) WHERE placed_by IS NOT NULL: migration 0032
        )
        constraints = [peewee.SQL(f"CHECK (status IN ({_STATUS_LIST}))")]

    @classmethod
    def locked(cls, order_id: int) -> "Order | None":
        """The order, row-locked until the transaction ends (PostgreSQL); call inside ``atomic()``.

        Every step that changes an order takes this lock first, so the order row is always the first
        lock taken and steps on one order queue instead of deadlocking.
        """
        return lock_for_update(cls.select().where(cls.id == order_id)).first()

    @classmethod
    def in_status_since(cls, statuses: tuple[str, ...], before: datetime) -> peewee.ModelSelect:
        """Orders in one of ``statuses`` whose status last changed before ``before``."""
        return cls.select().where(cls.status.in_(statuses), cls.status_changed_at < before)


class OrderLine(BaseModel):
    order = peewee.ForeignKeyField(Order, backref="lines", on_delete="CASCADE", index=False)  # see (order, line_no)
    line_no = peewee.IntegerField()
    # NULL while the SKU is unknown (a marketplace order held for ops to match it).
    product = peewee.ForeignKeyField(Product, null=True, backref="order_lines", on_delete="RESTRICT")
    sku = peewee.CharField(max_length=64)
    quantity = peewee.IntegerField()
    unit_price = MoneyField()
    line_total = MoneyField()
    price_given = peewee.BooleanField(default=True)  # False: the submitter gave none, review resolves it
    list_price = MoneyField(null=True)  # the price the price book resolved at the last review
    # How that price was resolved, in words, as lines priced before 2026-12-03 kept it; later lines keep only the
    # template (price_note_text) and read in English through ``price_note``.
    stored_price_note = peewee.TextField(default="", column_name="price_note")
    price_note_text = peewee.TextField(null=True)  # the note's template and values as JSON (models.core.texts)
    tax_rate = peewee.DecimalField(max_digits=7, decimal_places=4, auto_round=True, default=0)  # 0.2000 = 20 %
    tax_amount = MoneyField(default=0)

    class Meta:
        indexes = ((("order", "line_no"), True),)
        constraints = [peewee.Check("quantity > 0"), peewee.Check("unit_price >= 0")]

    @property
    def price_note_words(self) -> Text | str:
        """The price note to translate: its template when kept, else the English as stored."""
        return Text.from_json(json.loads(self.price_note_text)) if self.price_note_text else self.stored_price_note

    @property
    def price_note(self) -> str:
        """How the price was resolved and taxed, in English."""
        return str(self.price_note_words)


RESERVATION_STATUSES = ("active", "fulfilled", "released")


class Reservation(BaseModel):
    """Units of an order line held in one warehouse; the ``active`` ones add up to Stock.reserved."""

    order_line = peewee.ForeignKeyField(OrderLine, backref="reservations", on_delete="CASCADE",
                                        index=False)  # led by the unique (order_line, warehouse)
    # Read by line (the unique index below), never by warehouse alone; warehouses are never deleted.
    warehouse = peewee.ForeignKeyField(Warehouse, backref="reservations", on_delete="RESTRICT", index=False)
    stock = peewee.ForeignKeyField(Stock, backref="reservations", on_delete="RESTRICT",
                                   index=False)  # (stock) WHERE status = 'active': migration 0034
    quantity = peewee.IntegerField()
    status = peewee.CharField(max_length=16, default="active")
    created_at = peewee.DateTimeField(default=utc_now)
    updated_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = (
            (("order_line", "warehouse"), True),
            # (stock) WHERE status = 'active' and (updated_at) WHERE status = 'fulfilled': migration 0034
        )
        constraints = [peewee.Check("quantity > 0")]


register_tables(Order, OrderLine, Reservation)
register_status_table("order", Order)
