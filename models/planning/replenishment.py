"""Replenishment suggestions per SKU × warehouse from the forecasts, stock, incoming goods and backorders.

A batch of products is loaded with a fixed number of set-based queries, each pair goes through the pure rule
(models.planning.replenishment_rules) and every suggestion of the batch is upserted in one statement per chunk,
in one transaction. Backordered orders count against the warehouse allocation would serve them from: the one with
the cheapest lane to the order's region (then the quickest, then by code); an order whose region no active
warehouse serves counts nowhere, since no stock of ours can fill it."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import peewee

from models.core.base import utc_now
from models.core.db import database, lock_for_update
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.orders.states import ORDER_BACKORDERED
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.planning.replenishment_orders import order_automatic_suggestions
from models.planning.replenishment_rules import (
    ReplenishmentAdvice,
    ReplenishmentFacts,
    ReplenishmentPolicy,
    advise_replenishment,
    classify_skus,
    edited_quantity_kept,
)
from models.planning.settings import (
    ReplenishmentSettings,
    current_replenishment_settings,
)
from models.planning.tables import (
    DemandForecast,
    ForecastPeriod,
    ReplenishmentSuggestion,
)
from models.supply.incoming import IncomingStock, incoming_by_pair
from models.supply.states import PO_DRAFT
from models.supply.tables import PurchaseOrder

PRODUCTS_PER_BATCH = 200
ROWS_PER_INSERT = 500
DEFAULT_ANSWER_WITHIN = timedelta(days=3)
SUGGESTION_OPEN, SUGGESTION_ORDERED = "open", "ordered"
# The computed columns an upsert overwrites; status, edited quantity and purchase order are decided per row.
FIGURES = ("supplier", "suggested_quantity", "reorder_point", "order_up_to", "safety_stock", "lead_time_days",
           "service_level", "sku_class", "forecast_over_lead", "on_hand", "reserved", "incoming", "backordered",
           "explanation")
COMPARED = (*FIGURES, "status", "edited_quantity")
LEVEL_PLACES, UNIT_PLACES = Decimal("0.0001"), Decimal("0.01")
Pair = tuple[int, int]  # (warehouse id, product id)


@dataclass(frozen=True)
class PairForecast:
    weekly: tuple[float, ...]
    mean_weekly: float
    weekly_std: float
    method: str


def compute_replenishment(product_ids: list[int] | None = None, *, actor: str,
                          answer_within: timedelta = DEFAULT_ANSWER_WITHIN) -> int:
    """Recompute the suggestions of ``product_ids`` (None: every product); returns how many rows changed. Then
    order what the automatic switches (per SKU or supplier) allow, sent to the supplier within ``answer_within``."""
    _, settings = current_replenishment_settings()
    ids = sorted(set(product_ids)) if product_ids is not None else replenished_product_ids()
    changed = 0
    if ids:
        context = _Context.load(settings)
        for start in range(0, len(ids), PRODUCTS_PER_BATCH):
            changed += _compute_batch(ids[start:start + PRODUCTS_PER_BATCH], context)
    order_automatic_suggestions(actor=actor, answer_within=answer_within)
    return changed


def replenished_product_ids() -> list[int]:
    """Every product a suggestion is computed for: active, bought from a supplier into our warehouses."""
    return [pid for (pid,) in _replenished(Product.select(Product.id)).order_by(Product.id).tuples()]


def _replenished(query: peewee.ModelSelect) -> peewee.ModelSelect:
    return query.where(Product.active == True, Product.dropship == False,  # noqa: E712
                       Product.supplier.is_null(False))


@dataclass
class _Context:
    """What every batch shares: the settings, the active warehouses, each region's serving warehouse, the ABC
    class of every SKU and the Monday the forecasts are read from."""

    settings: ReplenishmentSettings
    warehouse_ids: list[int]
    region_warehouse: dict[str, int]
    classes: dict[int, str]
    this_week: date

    @classmethod
    def load(cls, settings: ReplenishmentSettings) -> _Context:
        today = utc_now().date()
        return cls(settings=settings,
                   warehouse_ids=[w for (w,) in Warehouse.select(Warehouse.id).where(
                       Warehouse.active == True).order_by(Warehouse.id).tuples()],  # noqa: E712
                   region_warehouse=_serving_warehouses(),
                   classes=_sku_classes(settings), this_week=today - timedelta(days=today.weekday()))


def _serving_warehouses() -> dict[str, int]:
    """Region → the active warehouse with the cheapest lane to it (then the quickest, then by code)."""
    lanes = (Lane.select(Lane.region, Lane.warehouse, Lane.cost, Lane.lead_time_days, Warehouse.code)
             .join(Warehouse).where(Warehouse.active == True).tuples())  # noqa: E712
    best: dict[str, tuple] = {}
    for region, warehouse_id, cost, days, code in lanes:
        key = (cost, days, code, warehouse_id)
        if region not in best or key < best[region]:
            best[region] = key
    return {region: key[3] for region, key in best.items()}


def _sku_classes(settings: ReplenishmentSettings) -> dict[int, str]:
    """ABC class per product id by forecast demand value (weekly units × unit price) over every SKU: the SKU's
    overall series where there is one, else the sum of its warehouses' series."""
    overall: dict[int, float] = {}
    by_warehouse: dict[int, float] = defaultdict(float)
    rows = (DemandForecast.select(DemandForecast.product, DemandForecast.warehouse, DemandForecast.mean_weekly,
                                  Product.unit_price).join(Product).tuples())
    for product_id, warehouse_id, mean_weekly, price in rows:
        value = float(mean_weekly or 0) * float(price or 0)
        if warehouse_id is None:
            overall[product_id] = value
        else:
            by_warehouse[product_id] += value
    values = {**by_warehouse, **overall}
    shares = settings.class_shares
    return classify_skus(values, a_share=float(shares["A"]), b_share=float(shares["B"]))


def _compute_batch(product_ids: list[int], context: _Context) -> int:
    """One transaction: load the batch, advise every pair, upsert; returns how many rows changed."""
    with database.atomic():
        products = {p.id: p for p in _replenished(Product.select(Product, Partner).join(
            Partner, on=(Product.supplier == Partner.id))).where(Product.id.in_(product_ids))}
        if not products or not context.warehouse_ids:
            return 0
        existing = _existing(list(products))
        stock = _stock(list(products), context.warehouse_ids)
        forecasts = _forecasts(list(products), context.this_week)
        wanted = {(w, p) for w in context.warehouse_ids for p in products}
        incoming = incoming_by_pair(wanted)
        backordered = _backordered(list(products), context.region_warehouse)
        pairs = sorted(wanted & (set(stock) | set(forecasts) | set(incoming) | set(backordered) | set(existing)))
        rows, changed = [], 0
        for pair in pairs:
            old = existing.get(pair)
            if old is not None and _waiting_for_its_draft(old):
                continue  # its units count as incoming once the purchase order is sent
            product = products[pair[1]]
            facts = _facts(product, stock.get(pair, (0, 0)), forecasts.get(pair), incoming.get(pair),
                           backordered.get(pair, 0), context.settings)
            advice = advise_replenishment(facts, _policy(context.classes.get(product.id, "C"), context.settings))
            row = _row(pair, product, advice, facts, old)
            changed += old is None or any(row[name] != _stored(old, name) for name in COMPARED)
            rows.append(row)
        _upsert(rows)
    return changed


def _existing(product_ids: list[int]) -> dict[Pair, ReplenishmentSuggestion]:
    """The batch's suggestions, locked against a concurrent order, each with its purchase order's status."""
    rows = list(lock_for_update(ReplenishmentSuggestion.select()
                                .where(ReplenishmentSuggestion.product.in_(product_ids))
                                .order_by(ReplenishmentSuggestion.id)))
    po_ids = sorted({row.purchase_order_id for row in rows if row.purchase_order_id is not None})
    statuses = dict(PurchaseOrder.select(PurchaseOrder.id, PurchaseOrder.status)
                    .where(PurchaseOrder.id.in_(po_ids)).tuples()) if po_ids else {}
    for row in rows:
        row.po_status = statuses.get(row.purchase_order_id)
    return {(row.warehouse_id, row.product_id): row for row in rows}


def _waiting_for_its_draft(suggestion: ReplenishmentSuggestion) -> bool:
    return suggestion.status == SUGGESTION_ORDERED and getattr(suggestion, "po_status", None) == PO_DRAFT


def _stock(product_ids: list[int], warehouse_ids: list[int]) -> dict[Pair, tuple[int, int]]:
    rows = (Stock.select(Stock.warehouse, Stock.product, Stock.on_hand, Stock.reserved)
            .where(Stock.product.in_(product_ids), Stock.warehouse.in_(warehouse_ids)).tuples())
    return {(w, p): (on_hand, reserved) for w, p, on_hand, reserved in rows}


def _forecasts(product_ids: list[int], this_week: date) -> dict[Pair, PairForecast]:
    """Each pair's forecast with its weekly quantities from this week on (two queries)."""
    heads = list(DemandForecast.select(DemandForecast.id, DemandForecast.warehouse, DemandForecast.product,
                                       DemandForecast.mean_weekly, DemandForecast.weekly_std, DemandForecast.method)
                 .where(DemandForecast.product.in_(product_ids), DemandForecast.warehouse.is_null(False)).tuples())
    weekly: dict[int, list[float]] = defaultdict(list)
    if heads:
        periods = (ForecastPeriod.select(ForecastPeriod.forecast, ForecastPeriod.quantity)
                   .where(ForecastPeriod.forecast.in_([head[0] for head in heads]),
                          ForecastPeriod.week_start >= this_week)
                   .order_by(ForecastPeriod.forecast, ForecastPeriod.week_start).tuples())
        for forecast_id, quantity in periods:
            weekly[forecast_id].append(float(quantity))
    return {(w, p): PairForecast(tuple(weekly[fid]), float(mean or 0), float(std or 0), method)
            for fid, w, p, mean, std, method in heads}


def _backordered(product_ids: list[int], region_warehouse: dict[str, int]) -> dict[Pair, int]:
    """Units on lines of backordered orders, per (serving warehouse, product)."""
    rows = (OrderLine.select(OrderLine.product, Order.ship_to_region, peewee.fn.SUM(OrderLine.quantity))
            .join(Order).where(Order.status == ORDER_BACKORDERED, OrderLine.product.in_(product_ids))
            .group_by(OrderLine.product, Order.ship_to_region).tuples())
    units: dict[Pair, int] = defaultdict(int)
    for product_id, region, quantity in rows:
        warehouse_id = region_warehouse.get(region)
        if warehouse_id is not None:
            units[(warehouse_id, product_id)] += int(quantity)
    return dict(units)


def _facts(product: Product, stock: tuple[int, int], forecast: PairForecast | None, incoming: IncomingStock | None,
           backordered: int, settings: ReplenishmentSettings) -> ReplenishmentFacts:
    lead = product.supplier.lead_time_days
    return ReplenishmentFacts(
        weekly_forecast=forecast.weekly if forecast else (), mean_weekly=forecast.mean_weekly if forecast else 0.0,
        weekly_std=forecast.weekly_std if forecast else 0.0, method=forecast.method if forecast else "",
        lead_time_days=lead if lead is not None else settings.default_lead_time_days,
        on_hand=stock[0], reserved=stock[1], incoming=incoming.units if incoming else 0, backordered=backordered,
        pack_size=max(1, product.pack_size), min_order=max(0, product.min_order_quantity))


def _policy(sku_class: str, settings: ReplenishmentSettings) -> ReplenishmentPolicy:
    return ReplenishmentPolicy(sku_class=sku_class, service_level=settings.service_level(sku_class),
                               review_period_days=settings.review_period_days)


def _row(pair: Pair, product: Product, advice: ReplenishmentAdvice, facts: ReplenishmentFacts,
         old: ReplenishmentSuggestion | None) -> dict:
    """The upserted row: the figures, ops' edit kept unless nothing is to be ordered any more, and an ordered
    suggestion open again (its purchase order left the draft and counts as incoming now)."""
    status = SUGGESTION_OPEN if old is None or old.status == SUGGESTION_ORDERED else old.status
    return {
        "warehouse": pair[0], "product": pair[1], "supplier": product.supplier_id, "status": status,
        "suggested_quantity": advice.suggested_quantity,
        "edited_quantity": edited_quantity_kept(old.edited_quantity if old else None, advice.suggested_quantity),
        "reorder_point": advice.reorder_point, "order_up_to": advice.order_up_to,
        "safety_stock": advice.safety_stock, "lead_time_days": advice.lead_time_days,
        "service_level": Decimal(str(advice.service_level)).quantize(LEVEL_PLACES), "sku_class": advice.sku_class,
        "forecast_over_lead": Decimal(str(advice.forecast_over_lead)).quantize(UNIT_PLACES),
        "on_hand": facts.on_hand, "reserved": facts.reserved, "incoming": facts.incoming,
        "backordered": facts.backordered, "explanation": advice.explanation,
        "explanation_text": None if advice.text is None else json.dumps(advice.text.as_json()),
        "purchase_order": old.purchase_order_id if old else None, "computed_at": utc_now(),
    }


def _stored(old: ReplenishmentSuggestion, name: str):
    return old.supplier_id if name == "supplier" else getattr(old, name)


def _upsert(rows: list[dict]) -> None:
    """Insert new pairs and overwrite the others, in statements of ROWS_PER_INSERT rows."""
    table = ReplenishmentSuggestion
    preserved = [getattr(table, name) for name in (*FIGURES, "explanation_text", "status", "edited_quantity",
                                                   "purchase_order", "computed_at")]
    for start in range(0, len(rows), ROWS_PER_INSERT):
        (table.insert_many(rows[start:start + ROWS_PER_INSERT])
         .on_conflict(conflict_target=[table.product, table.warehouse], preserve=preserved).execute())
