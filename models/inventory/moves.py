"""Changing on-hand stock by hand: adjustments and transfers between warehouses, each audited as a
StockMovement, never taking a warehouse below what it has promised to orders."""
from __future__ import annotations

import uuid

import peewee

from models.allocation.backorders import stock_arrived
from models.core.base import utc_now
from models.core.db import database, lock_for_update
from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import N_, Text
from models.inventory.alerts import evaluate_alerts
from models.inventory.tables import Product, Stock, StockMovement, Warehouse

# Reason codes of an adjustment, with their labels.
REASON_CODES = {
    "cycle_count": "Cycle count",
    "damaged": "Damaged",
    "found": "Found",
    "shrinkage": "Shrinkage",
    "correction": "Correction",
    "received": "Received outside a purchase order",
}
# Reasons that only ever go one way: damaged units are never added, found units never taken away.
DECREASING_REASONS = ("damaged", "shrinkage")
INCREASING_REASONS = ("found", "received")
# Those reasons as a refusal's sentence names them (their labels, lower case)
ONE_WAY_REASON_WORDS = {"damaged": N_("damaged"), "shrinkage": N_("shrinkage"), "found": N_("found"),
                        "received": N_("received outside a purchase order")}
TRANSFER_REASON_CODES = {
    "rebalance": "Rebalance between warehouses",
    "replenishment": "Replenish a forward warehouse",
    "consolidation": "Consolidate stock",
    "correction": "Correction",
}
MAX_QUANTITY = 1_000_000
MAX_NOTE = 500


def adjust_stock(warehouse_code: str, sku: str, quantity_change: int, *, reason_code: str, note: str = "",
                 actor: str) -> StockMovement:
    """Add (positive) or remove (negative) on-hand units of ``sku`` in a warehouse, with a reason.

    Refuses to leave on_hand below reserved: units promised to orders are never adjusted away.
    """
    errors: dict[str, list[str]] = {}
    _check_quantity(errors, "quantity_change", quantity_change, allow_negative=True)
    _check_reason(errors, reason_code, REASON_CODES)
    _check_note(errors, note)
    if not errors and reason_code in DECREASING_REASONS and quantity_change > 0:
        errors["quantity_change"] = [TextMessage(Text("%(reason)s can only take units away",
                                                      reason=Text(ONE_WAY_REASON_WORDS[reason_code])))]
    if not errors and reason_code in INCREASING_REASONS and quantity_change < 0:
        errors["quantity_change"] = [TextMessage(Text("%(reason)s can only add units",
                                                      reason=Text(ONE_WAY_REASON_WORDS[reason_code])))]
    warehouse = _warehouse(errors, "warehouse", warehouse_code)
    product = _product(errors, sku)
    _raise_if(errors)
    with database.atomic():
        return move_on_hand(warehouse, product, quantity_change, field="quantity_change", kind="adjustment",
                            reason_code=reason_code, note=note, actor=actor)


def move_on_hand(warehouse: Warehouse, product: Product, change: int, *, field: str, kind: str,
                 reason_code: str, actor: str, note: str = "", reference: str = "") -> StockMovement:
    """Change on_hand of a SKU in a warehouse by ``change`` and record the movement; added units wake
    backorders, and the row's low-stock alert is re-checked. Call inside ``atomic()``; ``field`` names
    the input an error is reported against."""
    stock = _locked_stock(warehouse.id, product.id)
    if stock is None:
        if change < 0:
            raise ValidationFailed({field: [TextMessage(Text("%(warehouse)s holds no %(sku)s to take away",
                                                             warehouse=warehouse.code, sku=product.sku))]})
        stock = _new_stock(warehouse.id, product.id)
    _change_on_hand(stock, change, field, warehouse, product)
    movement = StockMovement.create(warehouse=warehouse.id, product=product.id, kind=kind, quantity=change,
                                    reason_code=reason_code, note=note, reference=reference, actor=actor)
    if change > 0:
        stock_arrived([product.id])
    evaluate_alerts([stock.id])
    return movement


def quarantine(warehouse: Warehouse, product: Product, quantity: int, *, actor: str, note: str = "",
               reference: str = "") -> StockMovement:
    """Keep returned units that cannot be sold apart from on-hand stock, with their movement; inside ``atomic()``."""
    stock = _locked_stock(warehouse.id, product.id) or _new_stock(warehouse.id, product.id)
    Stock.update(quarantined=Stock.quarantined + quantity, updated_at=utc_now()).where(Stock.id == stock.id).execute()
    return StockMovement.create(warehouse=warehouse.id, product=product.id, kind="quarantine", quantity=quantity,
                                reason_code="return", note=note, reference=reference, actor=actor)


def transfer_stock(from_code: str, to_code: str, sku: str, quantity: int, *, reason_code: str, note: str = "",
                   actor: str) -> tuple[StockMovement, StockMovement]:
    """Move available units of ``sku`` from one warehouse to another; returns the (out, in) movements,
    which share one reference. Reserved units stay where they are promised."""
    errors: dict[str, list[str]] = {}
    _check_quantity(errors, "quantity", quantity, allow_negative=False)
    _check_reason(errors, reason_code, TRANSFER_REASON_CODES)
    _check_note(errors, note)
    source = _warehouse(errors, "from_warehouse", from_code)
    target = _warehouse(errors, "to_warehouse", to_code)
    if source is not None and target is not None and source.id == target.id:
        errors["to_warehouse"] = ["must differ from from_warehouse"]
    product = _product(errors, sku)
    _raise_if(errors)
    reference = f"TR-{uuid.uuid4().hex[:12].upper()}"
    with database.atomic():
        # Existing rows are locked in id order, like allocation does; a missing destination row is
        # created afterwards and so always comes last in that order too.
        rows = {row.warehouse_id: row for row in lock_for_update(
            Stock.select().where(Stock.product == product.id, Stock.warehouse.in_([source.id, target.id]))
            .order_by(Stock.id))}
        if source.id not in rows:
            raise ValidationFailed({"quantity": [TextMessage(Text("%(warehouse)s holds no %(sku)s to transfer",
                                                                  warehouse=source.code, sku=product.sku))]})
        out_row = rows[source.id]
        if quantity > out_row.available:
            raise ValidationFailed({"quantity": [TextMessage(Text(
                "only %(available)s %(sku)s available in %(warehouse)s (%(reserved)s of %(on_hand)s on hand are "
                "reserved for orders)", available=out_row.available, sku=product.sku, warehouse=source.code,
                reserved=out_row.reserved, on_hand=out_row.on_hand))]})
        in_row = rows.get(target.id) or _new_stock(target.id, product.id)
        _change_on_hand(out_row, -quantity, "quantity", source, product)
        _change_on_hand(in_row, quantity, "quantity", target, product)
        common = {"product": product.id, "reason_code": reason_code, "note": note, "reference": reference,
                  "actor": actor}
        moved_out = StockMovement.create(warehouse=source.id, kind="transfer_out", quantity=-quantity, **common)
        moved_in = StockMovement.create(warehouse=target.id, kind="transfer_in", quantity=quantity, **common)
        stock_arrived([product.id])
        evaluate_alerts([out_row.id, in_row.id])
    return moved_out, moved_in


def set_on_hand(stock_id: int, on_hand: int, *, actor: str, kind: str = "import",
                reason_code: str = "import") -> StockMovement | None:
    """Set a stock row's on_hand to a counted figure (a stock file import), recording the difference as a
    movement; None when it was already that figure. Call inside ``atomic()``."""
    stock = lock_for_update(Stock.select().where(Stock.id == stock_id)).get()
    change = on_hand - stock.on_hand
    if change == 0:
        return None
    if on_hand < stock.reserved:
        raise ValidationFailed({"on_hand": [TextMessage(Text("on_hand %(on_hand)s below reserved %(reserved)s",
                                                             on_hand=on_hand, reserved=stock.reserved))]})
    written = (Stock.update(on_hand=Stock.on_hand + change, updated_at=utc_now())
               .where(Stock.id == stock.id, Stock.on_hand + change >= Stock.reserved).execute())
    if not written:  # reserved grew since the read: only possible without a row lock
        raise ValidationFailed({"on_hand": [TextMessage(Text("on_hand %(on_hand)s below what is reserved now",
                                                             on_hand=on_hand))]})
    movement = StockMovement.create(warehouse=stock.warehouse_id, product=stock.product_id, kind=kind,
                                    quantity=change, reason_code=reason_code, actor=actor)
    if change > 0:
        stock_arrived([stock.product_id])
    evaluate_alerts([stock.id])
    return movement


def _change_on_hand(stock: Stock, change: int, field: str, warehouse: Warehouse, product: Product) -> None:
    """Apply ``change`` to a locked row; the WHERE repeats the check so the database has the last word."""
    if stock.on_hand + change < 0:
        raise ValidationFailed({field: [TextMessage(Text(
            "%(warehouse)s has only %(on_hand)s %(sku)s on hand; cannot take %(taken)s", warehouse=warehouse.code,
            on_hand=stock.on_hand, sku=product.sku, taken=-change))]})
    if stock.on_hand + change < stock.reserved:
        raise ValidationFailed({field: [TextMessage(Text(
            "%(warehouse)s has %(reserved)s of %(on_hand)s %(sku)s reserved for orders; at most %(available)s can "
            "be taken away", warehouse=warehouse.code, reserved=stock.reserved, on_hand=stock.on_hand,
            sku=product.sku, available=stock.available))]})
    written = (Stock.update(on_hand=Stock.on_hand + change, updated_at=utc_now())
               .where(Stock.id == stock.id, Stock.on_hand + change >= Stock.reserved).execute())
    if not written:
        raise ValidationFailed({field: [TextMessage(Text("%(sku)s in %(warehouse)s changed meanwhile; try again",
                                                         sku=product.sku, warehouse=warehouse.code))]})
    stock.on_hand += change


def _locked_stock(warehouse_id: int, product_id: int) -> Stock | None:
    return lock_for_update(Stock.select().where(Stock.warehouse == warehouse_id,
                                                Stock.product == product_id)).first()


def _new_stock(warehouse_id: int, product_id: int) -> Stock:
    """An empty stock row for a SKU the warehouse never held; one created meanwhile is taken instead."""
    try:
        with database.atomic():
            return Stock.create(warehouse=warehouse_id, product=product_id, on_hand=0, reserved=0)
    except peewee.IntegrityError:
        return _locked_stock(warehouse_id, product_id)


def _warehouse(errors: dict, field: str, code) -> Warehouse | None:
    if not isinstance(code, str) or not code.strip():
        errors[field] = [TextMessage(Text("give a warehouse code"))]
        return None
    warehouse = Warehouse.get_or_none(Warehouse.code == code.strip())
    if warehouse is None:
        errors[field] = [TextMessage(Text("unknown warehouse %(code)s", code=repr(code.strip())))]
    return warehouse


def _product(errors: dict, sku) -> Product | None:
    if not isinstance(sku, str) or not sku.strip():
        errors["sku"] = [TextMessage(Text("give a SKU"))]
        return None
    product = Product.get_or_none(Product.sku == sku.strip())
    if product is None:
        errors["sku"] = [TextMessage(Text("unknown SKU %(sku)s", sku=repr(sku.strip())))]
    return product


def _check_quantity(errors: dict, field: str, value, *, allow_negative: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = [TextMessage(Text("a whole number of units"))]
    elif value == 0 or (value < 0 and not allow_negative):
        errors[field] = [TextMessage(Text("must not be 0") if allow_negative else Text("must be at least 1"))]
    elif abs(value) > MAX_QUANTITY:
        errors[field] = [TextMessage(Text("at most %(count)s units at a time", count=MAX_QUANTITY))]


def _check_reason(errors: dict, reason_code, allowed: dict) -> None:
    if not isinstance(reason_code, str) or reason_code not in allowed:
        errors["reason_code"] = [TextMessage(Text("one of %(codes)s", codes=", ".join(allowed)))]


def _check_note(errors: dict, note) -> None:
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        errors["note"] = [TextMessage(Text("text of at most %(count)s characters", count=MAX_NOTE))]


def _raise_if(errors: dict) -> None:
    if errors:
        raise ValidationFailed(errors)
