"""Creating and sending purchase orders: by hand, from replenishment suggestions, or for a drop-ship order.

Every purchase order is born ``draft`` with its audit trail opened, is numbered ``PO-000123`` from its id, and is
sent in a guarded transition that writes the supplier's mail to the outbox in the same transaction."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from models.core.audit_reasons import PO_CREATED, SENT_TO_SUPPLIER, say
from models.core.base import CENT, utc_now
from models.core.db import database
from models.core.errors import NotFound, ValidationFailed
from models.core.stages import SUPPLIER_MAILS
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.core.transitions import record_creation, transition
from models.inventory.tables import Product, Warehouse
from models.partners.tables import Partner
from models.supply.states import PO_DRAFT, PO_SENT
from models.supply.tables import PurchaseOrder, PurchaseOrderLine

ORIGINS = ("manual", "replenishment", "automatic", "drop_ship")


@dataclass(frozen=True)
class PurchaseLineInput:
    sku: str
    quantity: int
    unit_price: Decimal | None = None  # None: the last price paid to this supplier for the SKU, else 0
    order_line_id: int | None = None  # the sales-order line a drop-ship line serves


def create_purchase_order(*, supplier_code: str, warehouse_code: str | None, lines: list[PurchaseLineInput],
                          actor: str, origin: str = "manual", expected_at: date | None = None, note: str = "",
                          sales_order_id: int | None = None, currency: str | None = None) -> PurchaseOrder:
    """A new ``draft`` purchase order of ``lines`` from the supplier for the warehouse (None for drop-ship, which
    then needs ``sales_order_id``). Every SKU must be one the supplier supplies; errors name the line and field."""
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}")
    with database.atomic():
        supplier = Partner.get_or_none(Partner.code == supplier_code, Partner.kind == "supplier")
        if supplier is None:
            raise ValidationFailed({"supplier": [TextMessage(Text("no supplier %(code)s", code=repr(supplier_code)))]})
        warehouse = _warehouse(warehouse_code, dropship=sales_order_id is not None)
        products = check_lines(lines, supplier)
        prices = last_prices(supplier.id, [p.id for p in products.values()])
        purchase = PurchaseOrder.create(
            number=f"new-{uuid.uuid4().hex}", supplier=supplier.id, status=PO_DRAFT,
            dropship=sales_order_id is not None, warehouse=warehouse.id if warehouse else None,
            sales_order=sales_order_id, currency=currency or _currency(products), expected_at=expected_at,
            origin=origin, created_by=actor, note=note[:2000])
        purchase.number = f"PO-{purchase.id:06d}"
        PurchaseOrder.update(number=purchase.number).where(PurchaseOrder.id == purchase.id).execute()
        PurchaseOrderLine.insert_many([{
            "purchase_order": purchase.id, "product": products[line.sku].id, "quantity": line.quantity,
            "order_line": line.order_line_id,
            "unit_cost": (line.unit_price if line.unit_price is not None
                          else prices.get(products[line.sku].id, Decimal(0))).quantize(CENT),
        } for line in lines]).execute()
        record_creation("purchase_order", purchase.id, PO_DRAFT, actor=actor, reason=say(PO_CREATED, origin=origin))
    return purchase


def send_purchase_order(number: str, *, actor: str, answer_within: timedelta) -> bool:
    """draft → sent: the supplier is mailed (through the outbox) and has ``answer_within`` to answer.
    False when the order was not a draft (already sent by a duplicate call)."""
    with database.atomic():
        purchase = PurchaseOrder.get_or_none(PurchaseOrder.number == number)
        if purchase is None:
            raise NotFound(f"no purchase order {number!r}")
        if not transition("purchase_order", purchase.id, PO_SENT, actor=actor, reason=SENT_TO_SUPPLIER,
                          expected=PO_DRAFT):
            return False
        now = utc_now()
        (PurchaseOrder.update(sent_at=now, confirm_by=now + answer_within)
         .where(PurchaseOrder.id == purchase.id).execute())
        SUPPLIER_MAILS.nudge(purchase.id, "sent")
    return True


def _warehouse(code: str | None, *, dropship: bool) -> Warehouse | None:
    if dropship:
        return None
    warehouse = Warehouse.get_or_none(Warehouse.code == (code or ""), Warehouse.active == True)  # noqa: E712
    if warehouse is None:
        raise ValidationFailed({"warehouse": [TextMessage(Text("no active warehouse %(code)s", code=repr(code)))]})
    return warehouse


def check_lines(lines: list[PurchaseLineInput], supplier: Partner) -> dict[str, Product]:
    """The lines' products by SKU; ValidationFailed naming each bad line and field (a new order or a change)."""
    if not lines:
        raise ValidationFailed({"lines": [TextMessage(Text("give at least one line"))]})
    skus = [line.sku for line in lines]
    products = {p.sku: p for p in Product.select().where(Product.sku.in_(skus))}
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, line in enumerate(lines):
        product = products.get(line.sku)
        if product is None:
            errors[f"lines[{index}].sku"] = [TextMessage(Text("unknown SKU %(sku)s", sku=repr(line.sku)))]
        elif product.supplier_id != supplier.id:
            errors[f"lines[{index}].sku"] = [TextMessage(Text("%(sku)s is not supplied by %(supplier)s",
                                                              sku=line.sku, supplier=supplier.code))]
        elif line.sku in seen:
            errors[f"lines[{index}].sku"] = [TextMessage(Text("%(sku)s is on the order twice; give it once",
                                                              sku=line.sku))]
        seen.add(line.sku)
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or line.quantity < 1:
            errors[f"lines[{index}].quantity"] = [TextMessage(Text("quantity must be a whole number of at least 1"))]
        if line.unit_price is not None and line.unit_price < 0:
            errors[f"lines[{index}].unit_price"] = [TextMessage(Text("unit_price may not be negative"))]
    if errors:
        raise ValidationFailed(errors)
    return products


def last_prices(supplier_id: int, product_ids: list[int]) -> dict[int, Decimal]:
    """The unit cost on the newest purchase-order line of each product from this supplier."""
    rows = (PurchaseOrderLine.select(PurchaseOrderLine.product, PurchaseOrderLine.unit_cost)
            .join(PurchaseOrder)
            .where(PurchaseOrder.supplier == supplier_id, PurchaseOrderLine.product.in_(product_ids))
            .order_by(PurchaseOrderLine.id).tuples())
    return {product_id: cost for product_id, cost in rows}


def _currency(products: dict[str, Product]) -> str:
    currencies = {p.currency for p in products.values()}
    return currencies.pop() if len(currencies) == 1 else "USD"


def purchase_order_by_number(number: str) -> PurchaseOrder:
    purchase = PurchaseOrder.get_or_none(PurchaseOrder.number == number)
    if purchase is None:
        raise NotFound(f"no purchase order {number!r}")
    return purchase
