"""Writing a chunk of accepted import orders on PostgreSQL: in one transaction, a COPY of the orders (straight
into review), one of their lines, one of their audit rows (received, then reviewing) and the review nudge.

The orders are drawn from the checked orders, and each COPY's text formatted, only as psycopg2 sends it
(copying.copy_lines): Python checks and formats one block while PostgreSQL parses, indexes and checks the keys of
the block before, instead of each waiting for the other. Ids are reserved before the orders COPY, so the lines and
audit rows can name them: as many as the chunk may hold (writing.write_orders knows how many orders the file has at
most); a chunk that turns out shorter, its rejected orders skipped, leaves the rest unused.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import chain
from typing import Iterator

from models.core import bulk_copy as copying
from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.bulk_copy import NULL, copy_text
from models.core.db import database
from models.core.stages import REVIEW
from models.intake.entry import INTO_REVIEW_REASON
from models.intake.file_import.fields import HEADER_FIELDS
from models.intake.file_import.planned import ChunkOutcome, PlannedOrder, Provenance
from models.intake.file_import.rows import SEPARATOR
from models.orders.states import ORDER_RECEIVED, ORDER_REVIEWING
from models.orders.tables import Order, OrderLine

# The order's own values, then its header fields as the file gave them (the customer code aside: the
# customer's id is stored), then what every order of the upload shares.
HEADER_COLUMNS = [getattr(Order, name) for name in HEADER_FIELDS[1:]]
ORDER_COLUMNS = [Order.id, Order.external_ref, Order.intake_scope, Order.customer, Order.subtotal, Order.total,
                 *HEADER_COLUMNS,
                 Order.channel, Order.placed_by, Order.shipping_total, Order.status, Order.priority,
                 Order.ship_to_email, Order.status_reason, Order.submitted_by, Order.source_batch, Order.created_at,
                 Order.status_changed_at]
LINE_COLUMNS = [OrderLine.order, OrderLine.line_no, OrderLine.product, OrderLine.sku, OrderLine.quantity,
                OrderLine.unit_price, OrderLine.line_total, OrderLine.price_given]
AUDIT_COLUMNS = [StatusChange.entity, StatusChange.entity_id, StatusChange.from_status, StatusChange.to_status,
                 StatusChange.actor, StatusChange.reason, StatusChange.at]
_DATE_AT = HEADER_FIELDS[1:].index("requested_delivery_date")  # the one header field stored as NULL when empty


def copy_new_orders(orders: Iterator[PlannedOrder], limit: int, drawn: list[PlannedOrder],
                    source: Provenance) -> ChunkOutcome:
    """Write up to ``limit`` of ``orders`` in one transaction, appending each to ``drawn`` as it is taken; a ref
    the submitter already used raises peewee's IntegrityError and nothing of the chunk is kept."""
    first = next(orders, None)
    if first is None:
        return ChunkOutcome()
    orders = chain([first], orders)
    now = utc_now()
    shared = "\t".join([copy_text(source.channel), NULL if source.placed_by_id is None else str(source.placed_by_id),
                        "0", ORDER_REVIEWING, "0", "", "", copy_text(source.submitted_by), str(source.batch_id),
                        str(now), str(now)])
    placed: list[tuple[int, PlannedOrder, list]] = []
    with database.atomic():
        ids = copying.reserve_ids(Order, limit)
        copying.copy_lines(Order, ORDER_COLUMNS, _order_rows(zip(ids, orders), drawn, placed, source, shared))
        copying.copy_lines(OrderLine, LINE_COLUMNS, _line_rows(placed))
        copying.copy_lines(StatusChange, AUDIT_COLUMNS, _audit_rows(placed, source, now))
        REVIEW.nudge([order_id for order_id, _, _ in placed])
    return ChunkOutcome(len(placed), sum(len(order.lines) for _, order, _ in placed))


def _order_rows(numbered: Iterator[tuple[int, PlannedOrder]], drawn: list, placed: list, source: Provenance,
                shared: str) -> Iterator[str]:
    scopes: dict[int, str] = {}
    for order_id, order in numbered:
        drawn.append(order)
        totals = order.line_totals()
        placed.append((order_id, order, totals))
        subtotal = sum(totals)
        scope = scopes.get(order.customer_id) or scopes.setdefault(order.customer_id, source.scope_of(order))
        yield (f"{order_id}\t{copy_text(order.external_ref)}\t{copy_text(scope)}\t{order.customer_id}\t"
               f"{subtotal}\t{subtotal}\t{_header_text(order.header)}\t{shared}\n")


def _line_rows(placed: list[tuple[int, PlannedOrder, list]]) -> Iterator[str]:
    for order_id, order, totals in placed:
        for line_no, (product_id, sku, quantity, price, given), total in zip(range(1, len(totals) + 1), order.lines,
                                                                           totals):
            yield (f"{order_id}\t{line_no}\t{product_id}\t{copy_text(sku)}\t{quantity}\t{price}\t{total}\t"
                   f"{'t' if given else 'f'}\n")


def _audit_rows(placed: list[tuple[int, PlannedOrder, list]], source: Provenance, now) -> Iterator[str]:
    actor, reason = copy_text(source.submitted_by), copy_text(source.reason)
    received = f"\t{NULL}\t{ORDER_RECEIVED}\t{actor}\t{reason}\t{now}\n"
    reviewing = f"\t{ORDER_RECEIVED}\t{ORDER_REVIEWING}\t{actor}\t{copy_text(INTO_REVIEW_REASON)}\t{now}\n"
    for order_id, _, _ in placed:
        yield f"order\t{order_id}{received}order\t{order_id}{reviewing}"


@lru_cache(maxsize=4096)  # orders share few headers
def _header_text(header: str) -> str:
    """The HEADER_COLUMNS of an order in COPY text, from its joined header fields."""
    values = [copy_text(value) for value in header.split(SEPARATOR)[1:]]
    if not values[_DATE_AT]:
        values[_DATE_AT] = NULL
    return "\t".join(values)
