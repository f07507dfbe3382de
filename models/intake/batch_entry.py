"""Placing a batch of canonical orders in one transaction with a fixed number of statements: the checks of
``entry.place_order`` per body, then one multi-row insert each for the orders, their lines and their audit rows,
and one review nudge for them all. A body that fails its checks is reported and never takes the others down."""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

from models.core.audit import StatusChange
from models.core.audit_reasons import PLACED_VIA, say
from models.core.base import utc_now
from models.core.bulk_insert import insert_values
from models.core.db import database, is_sqlite
from models.core.errors import ValidationFailed
from models.core.stages import REVIEW
from models.intake.entry import (
    catalogue,
    check_buyer,
    check_skus,
    line_rows,
    order_columns,
    placement_trail,
    price_lines,
    prices_in_currency,
)
from models.intake.rules import ops_scope, partner_scope
from models.orders.states import ORDER_REVIEWING
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner

Key = tuple[str, str, str]  # (channel, external_ref, intake_scope): the unique reference of an order


@dataclass(frozen=True)
class PlacementResult:
    """One body's outcome: its order (new or the one its reference already named), or what is wrong with it."""

    order_id: int | None = None
    created: bool = False
    status: str | None = None
    errors: dict | None = None

    @property
    def placed(self) -> bool:
        return self.errors is None


def place_orders(bodies: list[dict], *, actor: str, placed_by: Partner | None = None) -> list[PlacementResult]:
    """Store validated order bodies (schemas.orders.OrderSchema) in one transaction; a result per body, in order.

    As ``place_order``: a reference the submitter (``placed_by``, or ops for the customer) already used answers
    that order with created=False, and so does a reference repeated inside the batch (the first one's order) or
    one a racing placement took between our look-up and our insert.
    """
    if not bodies:
        return []
    with database.atomic():
        customers = _partners({body["customer_code"] for body in bodies})
        scopes = [_scope(body, customers, placed_by) for body in bodies]
        keys = [(body["channel"], body["external_ref"], scope) if scope else None
                for body, scope in zip(bodies, scopes)]
        existing = _orders([key for key in keys if key])
        products = catalogue(sorted({line["sku"] for body in bodies for line in body["lines"]}))
        results: dict[int, PlacementResult] = {}
        fresh: dict[Key, tuple[int, tuple[dict, list[tuple]]]] = {}  # the first valid body of each new reference
        repeats: dict[int, Key] = {}
        for index, (body, scope, key) in enumerate(zip(bodies, scopes, keys)):
            if key in existing:
                results[index] = _known(existing[key])
            elif key in fresh:
                repeats[index] = key
            else:
                try:
                    row = _checked_row(body, customers, products, placed_by=placed_by, scope=scope, actor=actor)
                except ValidationFailed as failed:
                    results[index] = PlacementResult(errors=failed.messages)
                    continue
                fresh[key] = (index, row)
        created = _insert(list(fresh.values()), actor=actor)
        taken = _orders([key for key in fresh if key not in created])  # a racing placement's, since we looked
        for key, (index, _) in fresh.items():
            results[index] = (PlacementResult(created[key], created=True, status=ORDER_REVIEWING) if key in created
                              else _known(taken[key]))
        for index, key in repeats.items():
            first = results[fresh[key][0]]
            results[index] = PlacementResult(first.order_id, created=False, status=first.status)
    return [results[index] for index in range(len(bodies))]


def _known(order: tuple[int, str]) -> PlacementResult:
    """An order the reference already named: its id and status, created False."""
    order_id, status = order
    return PlacementResult(order_id, created=False, status=status)


def _partners(codes: set[str]) -> dict[str, Partner]:
    return {partner.code: partner for partner in Partner.select().where(Partner.code.in_(sorted(codes)))}


def _scope(body: dict, customers: dict[str, Partner], placed_by: Partner | None) -> str | None:
    """As ``entry._scope_of``: the placing partner's, or ops' for the customer; None when it is unknown."""
    if placed_by is not None:
        return partner_scope(placed_by.id)
    customer = customers.get(body["customer_code"])
    return None if customer is None else ops_scope(customer.id)


def _orders(keys: list[Key]) -> dict[Key, tuple[int, str]]:
    """The id and status of the orders with these references, in one query (none when there are no keys)."""
    if not keys:
        return {}
    wanted = sorted(set(keys))
    rows = database.execute_sql(_lookup_sql(len(wanted)), [part for key in wanted for part in key]).fetchall()
    return {(channel, ref, scope): (order_id, status) for channel, ref, scope, order_id, status in rows}


def _lookup_sql(count: int) -> str:
    """Each key looked up on its own in the unique (channel, external_ref, intake_scope) index, whatever the
    planner's statistics say: on PostgreSQL a LATERAL probe per key; SQLite probes the index for a row-value IN.

    On the reference alone (not the index's leading column) PostgreSQL scanned the whole order table, and with
    ``IN (VALUES …)`` statistics taken while the table was small made it hash-join a scan of every order."""
    keys = ", ".join([f"({database.param}, {database.param}, {database.param})"] * count)
    if is_sqlite():
        return ('SELECT "channel", "external_ref", "intake_scope", "id", "status" FROM "order" '
                f'WHERE ("channel", "external_ref", "intake_scope") IN (VALUES {keys})')
    return ('SELECT k.channel, k.external_ref, k.intake_scope, o.id, o.status '
            f'FROM (VALUES {keys}) AS k(channel, external_ref, intake_scope) '
            'CROSS JOIN LATERAL (SELECT "id", "status" FROM "order" WHERE "channel" = k.channel '
            'AND "external_ref" = k.external_ref AND "intake_scope" = k.intake_scope LIMIT 1) AS o')


def _checked_row(body: dict, customers: dict[str, Partner], products: dict, *, placed_by: Partner | None,
                 scope: str | None, actor: str) -> tuple[dict, list[tuple]]:
    """The order row and priced lines of a body that passes place_order's checks; ValidationFailed otherwise.
    (``scope`` is None only when the customer is unknown, which the buyer check refuses.)"""
    customer = check_buyer(customers.get(body["customer_code"]), body["customer_code"], placed_by)
    check_skus([line["sku"] for line in body["lines"]], products)
    prices_in_currency(body, products)
    priced, subtotal = price_lines(body, products)
    return order_columns(body, customer=customer, placed_by=placed_by, scope=scope, actor=actor,
                         subtotal=subtotal), priced


def _insert(fresh: list[tuple[int, tuple[dict, list[tuple]]]], *, actor: str) -> dict[Key, int]:
    """Insert the new orders (a reference taken meanwhile is skipped by the unique index), then the lines and
    audit rows of those inserted and one review nudge; their ids by reference."""
    if not fresh:
        return {}
    returned = insert_values(Order, [row for _, (row, _) in fresh], ignore_conflicts=True,
                             returning=("channel", "external_ref", "intake_scope", "id"))
    created = {(channel, ref, scope): order_id for channel, ref, scope, order_id in returned}
    inserted = [(created[key], row, priced) for _, (row, priced) in fresh
                if (key := (row["channel"], row["external_ref"], row["intake_scope"])) in created]
    if not inserted:
        return created
    now = utc_now()
    insert_values(OrderLine, list(chain.from_iterable(line_rows(order_id, priced)
                                                      for order_id, _, priced in inserted)))
    insert_values(StatusChange, list(chain.from_iterable(
        placement_trail(order_id, actor=actor, reason=say(PLACED_VIA, channel=row["channel"]), at=now)
        for order_id, row, _ in inserted)))
    REVIEW.nudge([order_id for order_id, _, _ in inserted])
    return created
