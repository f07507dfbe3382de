"""Report rollups: shipped sales per day at order and at line grain, and order cycle times as histograms per day.
The pipeline keeps them in the transaction that ships (or delivers, or un-ships) an order; ``oms reports rebuild``
recomputes them from the orders and their audit trail. Partner ids are plain integers (0: none): a rollup is derived
data, and a NULL would keep ON CONFLICT from merging rows."""
from __future__ import annotations

import peewee

from models.core.base import BaseModel, MoneyField
from models.core.registry import register_tables

SALES_KEY = ("day", "channel", "region", "customer_id", "placed_by_id", "currency")
SKU_KEY = ("day", "sku", "customer_id", "placed_by_id", "channel", "region", "currency")
CYCLE_KEY = ("day", "step", "bucket")
SALES_SUMMARY_KEY = ("day", "channel", "region", "currency")
SKU_SUMMARY_KEY = ("day", "sku", "currency")


class SalesDay(BaseModel):
    """Orders shipped on ``day`` (UTC) per channel, region, customer, placer and currency; revenue is the
    orders' subtotal of goods (no shipping, no tax) in their own currency."""

    day = peewee.DateField()
    channel = peewee.CharField(max_length=32)
    region = peewee.CharField(max_length=64)
    customer_id = peewee.IntegerField()
    placed_by_id = peewee.IntegerField(default=0)
    currency = peewee.CharField(max_length=3)
    orders = peewee.IntegerField(default=0)
    units = peewee.IntegerField(default=0)
    revenue = MoneyField(max_digits=18, default=0)

    class Meta:
        table_name = "report_sales_day"
        indexes = ((SALES_KEY, True), (("customer_id", "day"), False))


class SkuDay(BaseModel):
    """Lines shipped on ``day`` per SKU and the order's dimensions: orders holding the SKU, its units and their
    line totals."""

    day = peewee.DateField()
    sku = peewee.CharField(max_length=64)
    customer_id = peewee.IntegerField()
    placed_by_id = peewee.IntegerField(default=0)
    channel = peewee.CharField(max_length=32)
    region = peewee.CharField(max_length=64)
    currency = peewee.CharField(max_length=3)
    orders = peewee.IntegerField(default=0)
    units = peewee.IntegerField(default=0)
    revenue = MoneyField(max_digits=18, default=0)

    class Meta:
        table_name = "report_sku_day"
        indexes = ((SKU_KEY, True), (("sku", "day"), False))


class SalesSummaryDay(BaseModel):
    """SalesDay without the customer and placer: the few rows a trend of every order reads (tens a day)."""

    day = peewee.DateField()
    channel = peewee.CharField(max_length=32)
    region = peewee.CharField(max_length=64)
    currency = peewee.CharField(max_length=3)
    orders = peewee.IntegerField(default=0)
    units = peewee.IntegerField(default=0)
    revenue = MoneyField(max_digits=18, default=0)

    class Meta:
        table_name = "report_sales_summary_day"
        indexes = ((SALES_SUMMARY_KEY, True),)


class SkuSummaryDay(BaseModel):
    """SkuDay per SKU and currency alone: a SKU trend, or a supplier's sell-through, without the order's
    dimensions."""

    day = peewee.DateField()
    sku = peewee.CharField(max_length=64)
    currency = peewee.CharField(max_length=3)
    orders = peewee.IntegerField(default=0)
    units = peewee.IntegerField(default=0)
    revenue = MoneyField(max_digits=18, default=0)

    class Meta:
        table_name = "report_sku_summary_day"
        indexes = ((SKU_SUMMARY_KEY, True), (("sku", "day"), False))


class CycleTimeDay(BaseModel):
    """How many orders took a duration in ``bucket`` (models.reports.cycle_rules) for ``step``, by the day the
    step ended."""

    day = peewee.DateField()
    step = peewee.CharField(max_length=32)
    bucket = peewee.IntegerField()
    orders = peewee.IntegerField(default=0)

    class Meta:
        table_name = "report_cycle_time_day"
        indexes = ((CYCLE_KEY, True),)


register_tables(SalesDay, SkuDay, SalesSummaryDay, SkuSummaryDay, CycleTimeDay)
