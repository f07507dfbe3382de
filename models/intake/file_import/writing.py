"""Creating accepted import orders a chunk at a time: one transaction per chunk writes the orders, their
lines, their audit rows and one intake nudge (multi-row INSERTs on SQLite, COPY on PostgreSQL); refs the
same submitter already used are counted as duplicates."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import chain

import peewee

from models.core.audit import StatusChange
from models.core.base import CENT, utc_now
from models.core.db import database, is_sqlite
from models.core.stages import INTAKE
from models.intake.file_import import copying
from models.intake.rules import submitter_scope
from models.orders.states import ORDER_RECEIVED
from models.orders.tables import Order, OrderLine

ORDERS_PER_CHUNK = 500
# Bound values per INSERT: a chunk's orders, and its lines, then go in one statement each (a statement
# costs a round of parsing, planning and, on PostgreSQL, a round trip). PostgreSQL takes up to 65535;
# SQLite says its own limit (32766 since 3.32, 999 before), which _insert respects.
VALUES_PER_INSERT = 30_000
ZERO = Decimal(0)

ORDER_FIELDS = [Order.channel, Order.external_ref, Order.intake_scope, Order.customer, Order.placed_by, Order.currency,
                Order.subtotal, Order.shipping_total, Order.total, Order.status, Order.priority,
                Order.ship_to_name, Order.ship_to_phone, Order.ship_to_email, Order.ship_to_address,
                Order.ship_to_city, Order.ship_to_region, Order.ship_to_postcode, Order.ship_to_country,
                Order.requested_delivery_date, Order.notes, Order.status_reason, Order.submitted_by,
                Order.source_batch, Order.created_at, Order.status_changed_at]
LINE_FIELDS = [OrderLine.order, OrderLine.line_no, OrderLine.product, OrderLine.sku, OrderLine.quantity,
               OrderLine.unit_price, OrderLine.line_total]
AUDIT_FIELDS = [StatusChange.entity, StatusChange.entity_id, StatusChange.from_status, StatusChange.to_status,
                StatusChange.actor, StatusChange.reason, StatusChange.at]


@dataclass
class PlannedOrder:
    external_ref: str
    customer_id: int
    header: dict[str, str]  # validated header fields as text (see rows.header_values)
    lines: list[tuple[int, str, int, Decimal]]  # product id, sku, quantity, unit price


@dataclass
class ChunkOutcome:
    created: int
    lines: int
    duplicates: int


@dataclass(frozen=True)
class Provenance:
    channel: str
    batch_id: int
    placed_by_id: int | None
    submitted_by: str


def write_chunk(orders: list[PlannedOrder], source: Provenance) -> ChunkOutcome:
    """Write the orders whose external_ref is new for the channel and submitter (a distributor, or ops for the
    order's customer); a racing writer's refs become duplicates."""
    try:
        return _write_new(orders, source)
    except peewee.IntegrityError:  # another upload took some refs between our check and our insert
        return _write_new(orders, source)


def _write_new(orders: list[PlannedOrder], source: Provenance) -> ChunkOutcome:
    scopes = [_scope(order, source) for order in orders]
    taken = _taken_refs(source.channel, [(scope, order.external_ref) for scope, order in zip(scopes, orders)])
    fresh = [(scope, order) for scope, order in zip(scopes, orders) if (scope, order.external_ref) not in taken]
    if not fresh:
        return ChunkOutcome(0, 0, len(orders))
    now = utc_now()
    # One timestamp for the whole chunk: on SQLite, convert it once as the driver would for each value.
    stamp = sqlite3.adapt(now) if is_sqlite() else now
    line_totals = [[(price * quantity).quantize(CENT) for _, _, quantity, price in order.lines]
                   for _, order in fresh]
    with database.atomic():
        order_ids = _add_orders([_order_row(order, scope, totals, source, stamp)
                                 for (scope, order), totals in zip(fresh, line_totals)])
        line_rows = [(order_id, line_no, product_id, sku, quantity, price, total)
                     for order_id, (_, order), totals in zip(order_ids, fresh, line_totals)
                     for line_no, (product_id, sku, quantity, price), total
                     in zip(range(1, len(totals) + 1), order.lines, totals)]
        _insert(OrderLine, LINE_FIELDS, line_rows)
        reason = f"imported from batch {source.batch_id} via {source.channel}"
        _insert(StatusChange, AUDIT_FIELDS,
                [("order", order_id, None, ORDER_RECEIVED, source.submitted_by, reason, stamp)
                 for order_id in order_ids])
        INTAKE.nudge(order_ids)
    return ChunkOutcome(len(fresh), len(line_rows), len(orders) - len(fresh))


def copies() -> bool:
    """Whether rows go in by COPY (PostgreSQL) rather than multi-row INSERTs (SQLite)."""
    return not is_sqlite()


def _add_orders(rows: list[tuple]) -> list[int]:
    """Insert the order rows (ORDER_FIELDS), returning their new ids in the same order."""
    if not copies():
        # A file holds each ref once (its rows are grouped by ref), so the ref names the new row.
        ids = dict(_insert(Order, ORDER_FIELDS, rows, returning=(Order.external_ref, Order.id)))
        return [ids[row[1]] for row in rows]
    ids = copying.reserve_ids(Order, len(rows))  # COPY returns nothing: the ids are chosen first
    _insert(Order, [Order.id, *ORDER_FIELDS], [(order_id, *row) for order_id, row in zip(ids, rows)])
    return ids


def _scope(order: PlannedOrder, source: Provenance) -> str:
    return submitter_scope(placed_by_id=source.placed_by_id, customer_id=order.customer_id)


def _taken_refs(channel: str, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (scope, ref) pairs of ``keys`` already used by orders of ``channel``: one query (SQL built once per
    size, as in _insert); another submitter's order with the same ref is not among them."""
    refs = sorted({ref for _, ref in keys})
    quote, param = _quoter(database.quote), database.param
    # Filtered by ref only (one bound value per order, as SQLite's old 999 limit needs); the few other
    # submitters' orders sharing a ref are dropped here.
    sql = (f"SELECT {quote('intake_scope')}, {quote('external_ref')} FROM {quote(Order._meta.table_name)} "
           f"WHERE {quote('channel')} = {param} AND {quote('external_ref')} IN ({', '.join([param] * len(refs))})")
    return {tuple(row) for row in database.execute_sql(sql, [channel, *refs]).fetchall()} & set(keys)


def _order_row(order: PlannedOrder, scope: str, line_totals: list[Decimal], source: Provenance, now) -> tuple:
    head = order.header
    subtotal = sum(line_totals, ZERO)
    delivery = date.fromisoformat(head["requested_delivery_date"]) if head["requested_delivery_date"] else None
    return (source.channel, order.external_ref, scope, order.customer_id, source.placed_by_id, head["currency"],
            subtotal, ZERO, subtotal, ORDER_RECEIVED, 0,
            head["ship_to_name"], head["ship_to_phone"], "", head["ship_to_address"],
            head["ship_to_city"], head["ship_to_region"], head["ship_to_postcode"], head["ship_to_country"],
            delivery, head["notes"], "", source.submitted_by, source.batch_id, now, now)


def _insert(model: type[peewee.Model], fields: list, rows: list[tuple], returning: tuple = ()) -> list[tuple]:
    """A multi-row INSERT per VALUES_PER_INSERT values, its SQL built once per size; the ``returning``
    columns of the new rows come back (SQLite ≥ 3.35 and PostgreSQL both know RETURNING). On PostgreSQL,
    rows whose columns need not come back go in by COPY instead (copying.py).

    Why not Model.insert_many: peewee builds its SQL value by value, which profiled at ~60% of a
    100k-line import. The rows are built in this module already in their columns' Python types (str,
    int, Decimal to the cent, date, datetime), which sqlite3 (with peewee's adapters) and psycopg2 bind
    as they are, so field.db_value is not called per value either.
    """
    if not returning and copies():
        copying.copy_rows(model, fields, rows)
        return []
    step = max(1, _values_per_insert() // len(fields))
    returned: list[tuple] = []
    for start in range(0, len(rows), step):
        part = rows[start:start + step]
        sql = _insert_sql(model, tuple(fields), len(part), tuple(returning), database.param, database.quote)
        cursor = database.execute_sql(sql, list(chain.from_iterable(part)))
        if returning:
            returned.extend(cursor.fetchall())
    return returned


def _values_per_insert() -> int:
    connection = database.connection()
    if isinstance(connection, sqlite3.Connection):
        return min(VALUES_PER_INSERT, connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return VALUES_PER_INSERT


@lru_cache(maxsize=64)
def _insert_sql(model: type[peewee.Model], fields: tuple, count: int, returning: tuple, param: str,
                quotes: str) -> str:
    quote = _quoter(quotes)
    columns = ", ".join(quote(field.column_name) for field in fields)
    one_row = "(" + ", ".join([param] * len(fields)) + ")"
    sql = f"INSERT INTO {quote(model._meta.table_name)} ({columns}) VALUES " + ", ".join([one_row] * count)
    if returning:
        sql += " RETURNING " + ", ".join(quote(field.column_name) for field in returning)
    return sql


def _quoter(quotes: str):
    return lambda name: f"{quotes[0]}{name}{quotes[1]}"
