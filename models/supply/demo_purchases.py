"""The demo's purchase orders: one waiting for the demo supplier to confirm, one confirmed with its delivery
announced (incoming, dated stock), so the supplier's home and the stock pages have something to show."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from models.core.base import CENT
from models.inventory.tables import Product, Stock, Warehouse
from models.partners.tables import Partner
from models.supply.asns import AsnLineInput, create_asn
from models.supply.confirmations import ConfirmationInput, confirm_purchase_order
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.tables import PurchaseOrder

ACTOR = "demo"
ANSWER_WITHIN = timedelta(days=3)


def seed_demo_purchases(supplier_code: str, *, today: date) -> list[str]:
    """Two sent purchase orders from ``supplier_code`` for its stock SKUs lowest in the first warehouse; the second
    confirmed and announced. Returns their numbers."""
    supplier = Partner.get(Partner.code == supplier_code)
    warehouse = Warehouse.select().where(Warehouse.active == True).order_by(Warehouse.code).first()  # noqa: E712
    skus = [sku for sku, in (Product.select(Product.sku).join(Stock)
                             .where(Product.supplier == supplier.id, Product.dropship == False,  # noqa: E712
                                    Stock.warehouse == warehouse.id)
                             .order_by(Stock.on_hand, Product.sku).limit(5).tuples())]
    waiting = _sent(supplier_code, warehouse.code, skus[:3], today, note="Replenishment for the low SKUs")
    announced = _sent(supplier_code, warehouse.code, skus[3:5], today - timedelta(days=4), note="Top-up")
    purchase = PurchaseOrder.get(PurchaseOrder.number == announced)
    promised = today + timedelta(days=2)
    confirm_purchase_order(announced, [ConfirmationInput(line.product.sku, line.quantity, promised)
                                       for line in purchase.lines], supplier_id=supplier.id, actor=ACTOR)
    create_asn(announced, supplier_id=supplier.id, carrier="Road Freight Co", tracking_number="RFC-DEMO-0001",
               expected_on=promised, actor=ACTOR,
               lines=[AsnLineInput(line.product.sku, line.quantity) for line in purchase.lines])
    return [waiting, announced]


def _sent(supplier_code: str, warehouse_code: str, skus: list[str], expected: date, *, note: str) -> str:
    purchase = create_purchase_order(
        supplier_code=supplier_code, warehouse_code=warehouse_code, actor=ACTOR, origin="replenishment",
        expected_at=expected + timedelta(days=7), note=note,
        lines=[PurchaseLineInput(sku, 24 * (index + 1), _cost(sku)) for index, sku in enumerate(skus)])
    send_purchase_order(purchase.number, actor=ACTOR, answer_within=ANSWER_WITHIN)
    return purchase.number


def _cost(sku: str) -> Decimal:
    """What the demo pays its supplier: 60 % of the catalogue price."""
    price = Product.select(Product.unit_price).where(Product.sku == sku).scalar()
    return (price * Decimal("0.60")).quantize(CENT)
