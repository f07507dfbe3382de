"""Builders for drop-ship tests: GADGET shipped straight from its supplier, orders taken to allocation, the
supplier's confirmation and ASN (all on the bound test database)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from models.intake.entry import place_order
from models.inventory.tables import Product, Stock
from models.orders.flow import allocate, review
from models.partners.tables import Partner
from models.supply.asns import AsnLineInput, create_asn
from models.supply.confirmations import ConfirmationInput, confirm_purchase_order
from models.supply.tables import AdvanceShippingNotice, PurchaseOrder
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, make_world, order_body

ACTOR = "worker:test"
SUPPLIER_ACTOR = "sup1@relay.test"
BUYER_EMAIL = "ada@example.com"
MIXED = [{"sku": "WIDGET", "quantity": 2}, {"sku": "GADGET", "quantity": 1}]  # EAST ships widgets, SUP1 gadgets
DROP_ONLY = [{"sku": "GADGET", "quantity": 3}]


def make_dropship_world(**kwargs) -> dict:
    """make_world() with GADGET drop-shipped by SUP1 (none in stock), and SUP2 drop-shipping THING."""
    return add_dropship(make_world(**kwargs))


def add_dropship(world: dict | None = None) -> dict:
    """On a make_world() database: GADGET drop-shipped by SUP1 (none in stock), SUP2 drop-shipping THING."""
    world = dict(world or {})
    allow_repeat_orders()
    gadget = Product.get(Product.sku == "GADGET")
    Product.update(dropship=True).where(Product.id == gadget.id).execute()
    Stock.update(on_hand=0).where(Stock.product == gadget.id).execute()
    world["supplier"] = Partner.get(Partner.code == "SUP1")
    world["supplier2"] = Partner.create(code="SUP2", name="Supplier Two", kind="supplier", lead_time_days=4)
    world["thing"] = Product.create(sku="THING", name="Thing", unit_price=Decimal("7.00"), weight_kg=Decimal("2.0"),
                                    supplier=world["supplier2"], dropship=True)
    return world


def allocated_order(ref: str, lines: list[dict], *, email: str = BUYER_EMAIL,
                    confirm_within: timedelta = timedelta(hours=24)) -> int:
    """An order of ``lines`` placed, reviewed and allocated; its id."""
    body = order_body(ref, lines=lines)
    body["ship_to"]["email"] = email
    order, created = place_order(order_schema.load(body), actor="test")
    assert created
    assert review(order.id, actor=ACTOR) == "approve"
    assert allocate(order.id, actor=ACTOR, dropship_confirm_within=confirm_within) == "allocated"
    return order.id


def dropship_po(order_id: int, supplier_code: str = "SUP1") -> PurchaseOrder:
    return (PurchaseOrder.select().join(Partner)
            .where(PurchaseOrder.sales_order == order_id, Partner.code == supplier_code).get())


def confirm_all(purchase: PurchaseOrder) -> str:
    """The supplier confirms every line in full, for delivery in two days."""
    answers = [ConfirmationInput(line.product.sku, line.quantity, date.today() + timedelta(days=2))
               for line in purchase.lines]
    return confirm_purchase_order(purchase.number, answers, supplier_id=purchase.supplier_id, actor=SUPPLIER_ACTOR)


def ship_asn(purchase: PurchaseOrder, tracking_number: str, *, carrier: str = "DHL Express",
             units: dict[str, int] | None = None) -> AdvanceShippingNotice:
    """The supplier's ASN for ``units`` per SKU (default: every line in full)."""
    units = units or {line.product.sku: line.quantity for line in purchase.lines}
    return create_asn(purchase.number, supplier_id=purchase.supplier_id, carrier=carrier,
                      tracking_number=tracking_number, expected_on=date.today() + timedelta(days=2),
                      actor=SUPPLIER_ACTOR, lines=[AsnLineInput(sku, quantity) for sku, quantity in units.items()])
