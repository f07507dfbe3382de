"""Creating accepted import orders a chunk at a time: one transaction per chunk writes the orders (straight into
review, as placement does), their lines, two audit rows each (received, then reviewing) and one review nudge;
refs the same submitter already used are counted as duplicates.

PostgreSQL copies each chunk as it is drawn from the checked orders (streaming.py) and lets the unique index
find a ref already used; only a chunk where it does is looked up and written again. SQLite looks the refs up
first and writes multi-row INSERTs.
"""
from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import chain, islice
from typing import Iterable, Iterator

import peewee

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.db import database, is_sqlite
from models.core.stages import REVIEW
from models.intake.entry import INTO_REVIEW_REASON
from models.intake.file_import import streaming
from models.intake.file_import.planned import ChunkOutcome, PlannedOrder, Provenance
from models.intake.file_import.rows import header_values
from models.orders.states import ORDER_RECEIVED, ORDER_REVIEWING
from models.orders.tables import Order, OrderLine

ORDERS_PER_CHUNK = 500  # one transaction and one review nudge (REVIEW's batch size) each
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
               OrderLine.unit_price, OrderLine.line_total, OrderLine.price_given]
AUDIT_FIELDS = [StatusChange.entity, StatusChange.entity_id, StatusChange.from_status, StatusChange.to_status,
                StatusChange.actor, StatusChange.reason, StatusChange.at]
NOTHING = ChunkOutcome()


def write_orders(orders: Iterable[PlannedOrder], source: Provenance, *, at_most: int) -> ChunkOutcome:
    """Write ``orders`` (``at_most`` of them: no id is reserved beyond) ORDERS_PER_CHUNK at a time, each chunk in
    its own transaction: a crash keeps the chunks written before it, whole, and importing the file again counts
    their refs as duplicates."""
    orders, written, left = iter(orders), NOTHING, at_most
    while left > 0:
        chunk: list[PlannedOrder] = []
        size = min(ORDERS_PER_CHUNK, left)
        written += _write_next_chunk(orders, chunk, size, source)
        if len(chunk) < size:
            return written
        left -= size
    if next(orders, None) is not None:  # drawn to its end, so that what it counts on the way is counted
        raise ValueError(f"more than at_most={at_most} orders to write")
    return written


def _write_next_chunk(orders: Iterator[PlannedOrder], chunk: list[PlannedOrder], size: int,
                      source: Provenance) -> ChunkOutcome:
    """The next ``size`` of ``orders``, each drawn into ``chunk``. PostgreSQL copies them without looking their refs
    up: the unique index finds one already used, and only that chunk is then looked up and written again."""
    if copies():
        try:
            return streaming.copy_new_orders(orders, size, chunk, source)
        except peewee.IntegrityError:
            pass
    chunk.extend(islice(orders, size - len(chunk)))
    return write_chunk(chunk, source) if chunk else NOTHING


def write_chunk(orders: list[PlannedOrder], source: Provenance) -> ChunkOutcome:
    """Write the orders whose external_ref is new for the channel and submitter (a distributor, or ops for the
    order's customer); a racing writer's refs become duplicates."""
    try:
        return _write_new(orders, source)
    except peewee.IntegrityError:  # another upload took some refs between our check and our insert
        return _write_new(orders, source)


def copies() -> bool:
    """Whether rows go in by COPY (PostgreSQL) rather than multi-row INSERTs (SQLite)."""
    return not is_sqlite()


def _write_new(orders: list[PlannedOrder], source: Provenance) -> ChunkOutcome:
    scopes = [source.scope_of(order) for order in orders]
    taken = _taken_refs(source.channel, [(scope, order.external_ref) for scope, order in zip(scopes, orders)])
    fresh = [(scope, order) for scope, order in zip(scopes, orders) if (scope, order.external_ref) not in taken]
    duplicates = ChunkOutcome(0, 0, len(orders) - len(fresh))
    if not fresh:
        return duplicates
    if copies():
        return streaming.copy_new_orders(iter([order for _, order in fresh]), len(fresh), [], source) + duplicates
    now = utc_now()
    # One timestamp for the whole chunk: on SQLite, convert it once as the driver would for each value.
    stamp = sqlite3.adapt(now) if is_sqlite() else now
    totals = [order.line_totals() for _, order in fresh]
    with database.atomic():
        rows = [_order_row(order, scope, order_totals, source, stamp)
                for (scope, order), order_totals in zip(fresh, totals)]
        # A file holds each ref once (its rows are grouped by ref), so the ref names the new row.
        new_ids = dict(_insert(Order, ORDER_FIELDS, rows, returning=(Order.external_ref, Order.id)))
        order_ids = [new_ids[row[1]] for row in rows]
        line_rows = [(order_id, line_no, product_id, sku, quantity, price, total, given)
                     for order_id, (_, order), order_totals in zip(order_ids, fresh, totals)
                     for line_no, (product_id, sku, quantity, price, given), total
                     in zip(range(1, len(order_totals) + 1), order.lines, order_totals)]
        _insert(OrderLine, LINE_FIELDS, line_rows)
        _insert(StatusChange, AUDIT_FIELDS, placement_trail(order_ids, source, stamp))
        REVIEW.nudge(order_ids)
    return ChunkOutcome(len(fresh), len(line_rows), 0) + duplicates


def placement_trail(order_ids: list[int], source: Provenance, at) -> list[tuple]:
    """The audit rows (AUDIT_FIELDS) of placed orders: received, then straight into review, as placement writes."""
    return list(chain.from_iterable(
        (("order", order_id, None, ORDER_RECEIVED, source.submitted_by, source.reason, at),
         ("order", order_id, ORDER_RECEIVED, ORDER_REVIEWING, source.submitted_by, INTO_REVIEW_REASON, at))
        for order_id in order_ids))


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


def _order_row(order: PlannedOrder, scope: str, totals: list[Decimal], source: Provenance, now) -> tuple:
    head = header_of(order.header)
    subtotal = sum(totals, ZERO)
    delivery = date.fromisoformat(head["requested_delivery_date"]) if head["requested_delivery_date"] else None
    return (source.channel, order.external_ref, scope, order.customer_id, source.placed_by_id, head["currency"],
            subtotal, ZERO, subtotal, ORDER_REVIEWING, 0,
            head["ship_to_name"], head["ship_to_phone"], "", head["ship_to_address"],
            head["ship_to_city"], head["ship_to_region"], head["ship_to_postcode"], head["ship_to_country"],
            delivery, head["notes"], "", source.submitted_by, source.batch_id, now, now)


@lru_cache(maxsize=4096)  # orders share few headers; the dicts are only read
def header_of(header: str) -> dict[str, str]:
    return header_values(header)


def _insert(model: type[peewee.Model], fields: list, rows: list[tuple], returning: tuple = ()) -> list[tuple]:
    """A multi-row INSERT per VALUES_PER_INSERT values, its SQL built once per size; the ``returning``
    columns of the new rows come back (SQLite ≥ 3.35 and PostgreSQL both know RETURNING).

    Why not Model.insert_many: peewee builds its SQL value by value, which profiled at ~60% of a
    100k-line import. The rows are built in this module already in their columns' Python types (str,
    int, Decimal to the cent, date, datetime), which sqlite3 (with peewee's adapters) and psycopg2 bind as they
    are, so field.db_value is not called per value either.
    """
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
