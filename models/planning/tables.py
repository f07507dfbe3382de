"""Demand forecasts (one per SKU × warehouse, and per SKU over all warehouses), their weekly periods, the runs
that computed them, replenishment suggestions and the replenishment rule-set versions."""
from __future__ import annotations

import json

import peewee

from models.core.base import BaseModel, utc_now
from models.core.registry import register_tables
from models.core.rule_set_versions import RuleSetVersion
from models.core.texts import Text
from models.inventory.tables import Product, Warehouse
from models.partners.tables import Partner
from models.supply.tables import PurchaseOrder

ALL_WAREHOUSES = "*"  # a forecast's warehouse_code when it covers the SKU over every warehouse


def series_key(sku: str, warehouse_code: str | None) -> str:
    """The unique key of a forecast series: "SKU@WH", or "SKU@*" for the SKU over all warehouses."""
    return f"{sku}@{warehouse_code or ALL_WAREHOUSES}"


class DemandForecast(BaseModel):
    """The forecast in force for one series: the method the back-test chose and its error."""

    series = peewee.CharField(max_length=140, unique=True)  # series_key(sku, warehouse code)
    product = peewee.ForeignKeyField(Product, backref="forecasts", on_delete="CASCADE")
    warehouse = peewee.ForeignKeyField(Warehouse, null=True, backref="forecasts", on_delete="CASCADE")  # None: all
    method = peewee.CharField(max_length=32)  # e.g. AutoETS, TSB, SeasonalNaive
    mase = peewee.DecimalField(max_digits=12, decimal_places=4, auto_round=True, null=True)  # None: too short
    history_weeks = peewee.IntegerField()
    horizon_weeks = peewee.IntegerField()
    mean_weekly = peewee.DecimalField(max_digits=14, decimal_places=3, auto_round=True, default=0)
    weekly_std = peewee.DecimalField(max_digits=14, decimal_places=3, auto_round=True, default=0)  # back-test error
    computed_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("product", "warehouse"), False),)


class ForecastPeriod(BaseModel):
    forecast = peewee.ForeignKeyField(DemandForecast, backref="periods", on_delete="CASCADE")
    week_start = peewee.DateField()  # a Monday
    quantity = peewee.DecimalField(max_digits=14, decimal_places=2, auto_round=True)
    low = peewee.DecimalField(max_digits=14, decimal_places=2, auto_round=True)
    high = peewee.DecimalField(max_digits=14, decimal_places=2, auto_round=True)

    class Meta:
        indexes = ((("forecast", "week_start"), True),)


class ForecastRun(BaseModel):
    """One recomputation of the forecasts: how many series, how long, and whether it finished."""

    started_at = peewee.DateTimeField(default=utc_now)
    finished_at = peewee.DateTimeField(null=True)
    status = peewee.CharField(max_length=16, default="running")  # running, done, failed
    series = peewee.IntegerField(default=0)
    seconds = peewee.DecimalField(max_digits=10, decimal_places=3, auto_round=True, null=True)
    requested_by = peewee.CharField(max_length=254, default="")
    error = peewee.TextField(default="")


class ReplenishmentSuggestion(BaseModel):
    """What to order of one SKU for one warehouse, and why: the latest computation, one row per pair."""

    product = peewee.ForeignKeyField(Product, backref="replenishment", on_delete="CASCADE")
    warehouse = peewee.ForeignKeyField(Warehouse, backref="replenishment", on_delete="CASCADE")
    supplier = peewee.ForeignKeyField(Partner, null=True, backref="replenishment", on_delete="SET NULL")
    status = peewee.CharField(max_length=16, default="open")  # open, ordered, dismissed
    suggested_quantity = peewee.IntegerField(default=0)
    edited_quantity = peewee.IntegerField(null=True)  # ops' change, kept until ordered or recomputed away
    reorder_point = peewee.IntegerField(default=0)
    order_up_to = peewee.IntegerField(default=0)
    safety_stock = peewee.IntegerField(default=0)
    lead_time_days = peewee.IntegerField(default=0)
    service_level = peewee.DecimalField(max_digits=6, decimal_places=4, auto_round=True, default=0)
    sku_class = peewee.CharField(max_length=1, default="C")  # A, B, C by demand value
    forecast_over_lead = peewee.DecimalField(max_digits=14, decimal_places=2, auto_round=True, default=0)
    on_hand = peewee.IntegerField(default=0)
    reserved = peewee.IntegerField(default=0)
    incoming = peewee.IntegerField(default=0)
    backordered = peewee.IntegerField(default=0)
    explanation = peewee.TextField(default="")
    explanation_text = peewee.TextField(null=True)  # its template and values as JSON (models.core.texts)
    purchase_order = peewee.ForeignKeyField(PurchaseOrder, null=True, backref="suggestions", on_delete="SET NULL")
    computed_at = peewee.DateTimeField(default=utc_now)
    ordered_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("product", "warehouse"), True), (("status", "supplier"), False))

    @property
    def explanation_words(self) -> Text | str:
        """The explanation to translate: its template when kept, else the English as stored."""
        return Text.from_json(json.loads(self.explanation_text)) if self.explanation_text else self.explanation


class ReplenishmentRuleSet(RuleSetVersion):
    """One version of the replenishment settings (service level per SKU class, review period…)."""


register_tables(DemandForecast, ForecastPeriod, ForecastRun, ReplenishmentSuggestion, ReplenishmentRuleSet)
