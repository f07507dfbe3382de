"""Whose figures a report reads: everything (ops), a distributor's own book, or a supplier's own SKUs, as
conditions on the rollup tables (the same book as models.partners.access.visible_orders)."""
from __future__ import annotations

from dataclasses import dataclass

import peewee

from models.core.db import is_sqlite
from models.inventory.tables import Product
from models.partners.tables import Partner


@dataclass(frozen=True)
class ReportScope:
    """None everywhere: every figure. ``distributor_id``: orders it placed, its own and its customers'.
    ``supplier_id``: lines of the SKUs it supplies (sell-through), never whose orders they were."""

    distributor_id: int | None = None
    supplier_id: int | None = None

    @property
    def is_partner(self) -> bool:
        return self.distributor_id is not None or self.supplier_id is not None


EVERYTHING = ReportScope()
NOTHING = ReportScope(distributor_id=-1)  # a partner user bound to no partner


def scope_of(user) -> ReportScope:
    """The scope of a signed-in user or token owner (``role``, ``partner_id``, ``is_ops``)."""
    if user.is_ops:
        return EVERYTHING
    if user.role == "distributor" and user.partner_id:
        return ReportScope(distributor_id=user.partner_id)
    if user.role == "supplier" and user.partner_id:
        return ReportScope(supplier_id=user.partner_id)
    return NOTHING


def scope_condition(table: type[peewee.Model], scope: ReportScope) -> peewee.Expression | None:
    """The rows of ``table`` (SalesDay or SkuDay) ``scope`` may read; None for every row."""
    conditions = []
    if scope.distributor_id is not None:
        customers = Partner.select(Partner.id).where(Partner.distributor == scope.distributor_id)
        conditions.append((table.placed_by_id == scope.distributor_id) | (table.customer_id == scope.distributor_id)
                          | table.customer_id.in_(customers))
    if scope.supplier_id is not None:
        conditions.append(table.sku.in_(Product.select(Product.sku).where(Product.supplier == scope.supplier_id)))
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else conditions[0] & conditions[1]


def partner_names(ids) -> dict[int, tuple[str, str]]:
    """Code and name of each partner of ``ids``, in a query per thousand ids (a report groups by id first: cheaper
    than grouping by a joined code)."""
    ids = sorted({int(i) for i in ids})
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 1000):
        found.update((pid, (code, name)) for pid, code, name in Partner.select(Partner.id, Partner.code, Partner.name)
                     .where(Partner.id.in_(ids[start:start + 1000])).tuples())
    return found


def period_of(column: peewee.Field, group: str) -> peewee.Node:
    """The first day of the ``group`` period (day, ISO week, month) holding the date ``column``, in SQL."""
    if group == "day":
        return column
    if is_sqlite():
        if group == "week":
            return peewee.fn.date(column, "weekday 0", "-6 days")  # the Sunday ending the week, back to Monday
        return peewee.fn.strftime("%Y-%m-01", column)
    return peewee.fn.date_trunc(group, column).cast("date")
