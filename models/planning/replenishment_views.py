"""Read-only queries over replenishment suggestions for the ops page and the API: filtered lists by SKU then
warehouse, and finding suggestions by SKU and warehouse code."""
from __future__ import annotations

from dataclasses import dataclass

import peewee

from models.inventory.tables import Product, Warehouse
from models.partners.tables import Partner
from models.planning.tables import ReplenishmentSuggestion
from models.supply.tables import PurchaseOrder

SUGGESTION_STATUSES = ("open", "ordered", "dismissed")


@dataclass(frozen=True)
class SuggestionFilter:
    sku: str | None = None
    warehouse: str | None = None
    supplier: str | None = None
    sku_class: str | None = None
    status: str | None = None
    to_order: bool = False  # only suggestions with something to order


def effective_quantity(suggestion: ReplenishmentSuggestion) -> int:
    """What ordering it would order: ops' edit when there is one, else the suggestion."""
    return suggestion.suggested_quantity if suggestion.edited_quantity is None else suggestion.edited_quantity


Key = tuple[str, str]  # (SKU, warehouse code)


def list_suggestions(where: SuggestionFilter, *, limit: int = 100,
                     after: Key | None = None) -> tuple[list[ReplenishmentSuggestion], Key | None]:
    """Suggestions by (SKU, warehouse code) after ``after``, with product, warehouse, supplier and purchase order;
    returns them and the key to continue from (None on the last page). One query."""
    supplier = Partner.alias()
    query = (ReplenishmentSuggestion.select(ReplenishmentSuggestion, Product, Warehouse, supplier, PurchaseOrder)
             .join(Product, on=(ReplenishmentSuggestion.product == Product.id)).switch(ReplenishmentSuggestion)
             .join(Warehouse, on=(ReplenishmentSuggestion.warehouse == Warehouse.id)).switch(ReplenishmentSuggestion)
             .join(supplier, peewee.JOIN.LEFT_OUTER, on=(ReplenishmentSuggestion.supplier == supplier.id))
             .switch(ReplenishmentSuggestion)
             .join(PurchaseOrder, peewee.JOIN.LEFT_OUTER,
                   on=(ReplenishmentSuggestion.purchase_order == PurchaseOrder.id)))
    if where.sku:
        query = query.where(Product.sku == where.sku)
    if where.warehouse:
        query = query.where(Warehouse.code == where.warehouse)
    if where.supplier:
        query = query.where(supplier.code == where.supplier)
    if where.sku_class:
        query = query.where(ReplenishmentSuggestion.sku_class == where.sku_class)
    if where.status:
        query = query.where(ReplenishmentSuggestion.status == where.status)
    if where.to_order:
        quantity = peewee.fn.COALESCE(ReplenishmentSuggestion.edited_quantity,
                                      ReplenishmentSuggestion.suggested_quantity)
        query = query.where(quantity > 0, ReplenishmentSuggestion.status != "ordered")
    if after:
        query = query.where((Product.sku > after[0]) | ((Product.sku == after[0]) & (Warehouse.code > after[1])))
    rows = list(query.order_by(Product.sku, Warehouse.code).limit(limit + 1))
    page = rows[:limit]
    return page, ((page[-1].product.sku, page[-1].warehouse.code) if len(rows) > limit else None)


def suggestions_by_pair(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], ReplenishmentSuggestion]:
    """The suggestions of these (SKU, warehouse code) pairs that exist. One query."""
    if not pairs:
        return {}
    rows = (ReplenishmentSuggestion.select(ReplenishmentSuggestion, Product, Warehouse)
            .join(Product, on=(ReplenishmentSuggestion.product == Product.id)).switch(ReplenishmentSuggestion)
            .join(Warehouse, on=(ReplenishmentSuggestion.warehouse == Warehouse.id))
            .where(Product.sku.in_(sorted({sku for sku, _ in pairs})),
                   Warehouse.code.in_(sorted({code for _, code in pairs}))))
    return {(row.product.sku, row.warehouse.code): row for row in rows
            if (row.product.sku, row.warehouse.code) in set(pairs)}
