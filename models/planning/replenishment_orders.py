"""Turning replenishment suggestions into purchase orders: the ones ops tick (one purchase order per supplier and
warehouse, in one transaction), and those the automatic switches (per SKU or per supplier) order without a person.
Also ops' edits of a suggested quantity."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import peewee

from models.core.base import utc_now
from models.core.db import database, lock_for_update
from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.inventory.tables import Product, Warehouse
from models.partners.tables import Partner
from models.planning.tables import ReplenishmentSuggestion
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.tables import PurchaseOrder

OPEN, ORDERED = "open", "ordered"
MAX_QUANTITY = 1_000_000
Group = tuple[str, str]  # (supplier code, warehouse code)


def order_suggestions(selections: dict[int, int], *, actor: str, send: bool, answer_within: timedelta,
                      origin: str = "replenishment") -> list[str]:
    """One purchase order per supplier × warehouse of the chosen suggestions (id → quantity to order), all in one
    transaction, sent when ``send``; the suggestions become "ordered" with their purchase order. Returns the
    purchase-order numbers. Errors name the suggestion (unknown, already ordered, bad quantity): nothing is made."""
    if not selections:
        raise ValidationFailed({"suggestions": [TextMessage(Text("choose at least one suggestion to order"))]})
    with database.atomic():
        return _order(selections, actor=actor, send=send, answer_within=answer_within, origin=origin,
                      skip_ordered=False)


def order_automatic_suggestions(*, actor: str, answer_within: timedelta) -> list[str]:
    """Order and send, without a person, every open suggestion with something to order whose SKU or supplier has
    automatic replenishment on; returns the purchase-order numbers (none when nothing qualifies)."""
    quantity = peewee.fn.COALESCE(ReplenishmentSuggestion.edited_quantity, ReplenishmentSuggestion.suggested_quantity)
    with database.atomic():
        rows = (ReplenishmentSuggestion.select(ReplenishmentSuggestion.id, quantity)
                .join(Product, on=(ReplenishmentSuggestion.product == Product.id))
                .join(Partner, on=(Product.supplier == Partner.id))
                .where(ReplenishmentSuggestion.status == OPEN, quantity > 0, Product.active == True,  # noqa: E712
                       Product.dropship == False,  # noqa: E712
                       (Product.auto_replenish == True) | (Partner.auto_replenish == True))  # noqa: E712
                .order_by(ReplenishmentSuggestion.id).tuples())
        selections = dict(rows)
        if not selections:
            return []
        return _order(selections, actor=actor, send=True, answer_within=answer_within, origin="automatic",
                      skip_ordered=True)


def edit_suggested_quantities(edits: dict[int, int], *, actor: str) -> int:
    """Keep ops' quantities on open suggestions (a quantity equal to the suggestion clears the edit); returns how
    many changed. Errors name the suggestion."""
    _check_quantities(edits, allow_zero=True)
    with database.atomic():
        rows = list(lock_for_update(ReplenishmentSuggestion.select().where(
            ReplenishmentSuggestion.id.in_(sorted(edits))).order_by(ReplenishmentSuggestion.id)))
        _refuse_missing_or_ordered(edits, rows)
        values = {row.id: (None if edits[row.id] == row.suggested_quantity else edits[row.id]) for row in rows}
        changed = [row.id for row in rows if values[row.id] != row.edited_quantity]
        if changed:
            edited = peewee.Case(ReplenishmentSuggestion.id, [(sid, values[sid]) for sid in changed]).cast("INTEGER")
            (ReplenishmentSuggestion.update(edited_quantity=edited)
             .where(ReplenishmentSuggestion.id.in_(changed)).execute())
    return len(changed)


def _order(selections: dict[int, int], *, actor: str, send: bool, answer_within: timedelta, origin: str,
           skip_ordered: bool) -> list[str]:
    _check_quantities(selections, allow_zero=False)
    rows = list(lock_for_update(ReplenishmentSuggestion.select().where(
        ReplenishmentSuggestion.id.in_(sorted(selections))).order_by(ReplenishmentSuggestion.id)))
    if skip_ordered:
        rows = [row for row in rows if row.status != ORDERED]  # ordered meanwhile by a person or another run
    else:
        _refuse_missing_or_ordered(selections, rows)
    groups = _groups(rows)
    numbers = []
    today = utc_now().date()
    for (supplier_code, warehouse_code), members in sorted(groups.items()):
        members.sort(key=lambda member: member[1])
        purchase = create_purchase_order(
            supplier_code=supplier_code, warehouse_code=warehouse_code, actor=actor, origin=origin,
            lines=[PurchaseLineInput(sku, selections[row.id]) for row, sku in members],
            expected_at=today + timedelta(days=max(row.lead_time_days for row, _ in members)),
            note=f"from {len(members)} replenishment suggestion(s)")
        if send:
            send_purchase_order(purchase.number, actor=actor, answer_within=answer_within)
        (ReplenishmentSuggestion.update(status=ORDERED, purchase_order=purchase.id, ordered_at=utc_now(),
                                        edited_quantity=None)
         .where(ReplenishmentSuggestion.id.in_([row.id for row, _ in members])).execute())
        numbers.append(purchase.number)
    return numbers


def _groups(rows: list[ReplenishmentSuggestion]) -> dict[Group, list[tuple[ReplenishmentSuggestion, str]]]:
    """The suggestions by the SKU's supplier today and the warehouse, each with its SKU."""
    products = {pid: (sku, code) for pid, sku, code in (
        Product.select(Product.id, Product.sku, Partner.code)
        .join(Partner, peewee.JOIN.LEFT_OUTER, on=(Product.supplier == Partner.id))
        .where(Product.id.in_(sorted({row.product_id for row in rows}))).tuples())} if rows else {}
    warehouses = dict(Warehouse.select(Warehouse.id, Warehouse.code)
                      .where(Warehouse.id.in_(sorted({row.warehouse_id for row in rows}))).tuples()) if rows else {}
    groups: dict[Group, list] = defaultdict(list)
    errors: dict[str, list[str]] = {}
    for row in rows:
        sku, supplier_code = products[row.product_id]
        if supplier_code is None:
            errors[f"suggestion {row.id}"] = [TextMessage(Text("%(sku)s has no supplier to order from", sku=sku))]
            continue
        groups[(supplier_code, warehouses[row.warehouse_id])].append((row, sku))
    if errors:
        raise ValidationFailed(errors, "nothing was ordered")
    return groups


def _check_quantities(quantities: dict[int, int], *, allow_zero: bool) -> None:
    lowest = 0 if allow_zero else 1
    errors = {f"suggestion {sid}": [TextMessage(Text("the quantity must be a whole number from %(lowest)s to "
                                                     "%(highest)s", lowest=lowest, highest=MAX_QUANTITY))]
              for sid, quantity in quantities.items()
              if not isinstance(quantity, int) or isinstance(quantity, bool) or not lowest <= quantity <= MAX_QUANTITY}
    if errors:
        raise ValidationFailed(errors, "nothing was changed")


def _refuse_missing_or_ordered(chosen: dict[int, int], rows: list[ReplenishmentSuggestion]) -> None:
    found = {row.id: row for row in rows}
    numbers = dict(PurchaseOrder.select(PurchaseOrder.id, PurchaseOrder.number).where(PurchaseOrder.id.in_(
        sorted({row.purchase_order_id for row in rows if row.status == ORDERED and row.purchase_order_id}))).tuples())
    errors: dict[str, list[str]] = {}
    for sid in sorted(chosen):
        row = found.get(sid)
        if row is None:
            errors[f"suggestion {sid}"] = [TextMessage(Text("no such suggestion; reload the page"))]
        elif row.status == ORDERED:
            number = numbers.get(row.purchase_order_id) or Text("a purchase order")
            errors[f"suggestion {sid}"] = [TextMessage(Text("already ordered on %(number)s", number=number))]
    if errors:
        raise ValidationFailed(errors, "nothing was changed")
