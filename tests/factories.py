"""Small builders of master data and order bodies for tests (all on the bound test database)."""
from __future__ import annotations

from decimal import Decimal

from models.core.base import utc_now
from models.intake.entry import place_order
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import Order
from models.partners.tables import Partner
from models.returns.requesting import RequestedLine, request_return
from models.shipping.dispatch import CarrierChoice, prepare_waybill, record_waybill
from models.shipping.tracking import CarrierEvent, record_tracking_events
from schemas.orders import order_schema


def make_world(*, on_hand: int = 100, credit_limit: str | None = "10000.00") -> dict:
    """Two warehouses (EAST cheap to region R1, WEST), a supplier, two products, a customer, a distributor."""
    supplier = Partner.create(code="SUP1", name="Supplier One", kind="supplier", lead_time_days=5)
    distributor = Partner.create(code="DIST1", name="Distributor One", kind="distributor", region="R1",
                                 credit_limit=Decimal("50000"))
    customer = Partner.create(code="CUST1", name="Customer One", kind="customer", region="R1",
                              credit_limit=None if credit_limit is None else Decimal(credit_limit),
                              distributor=distributor, email="buyer@example.com")
    east = Warehouse.create(code="EAST", name="East DC", region="R1", address="1 East Road")
    west = Warehouse.create(code="WEST", name="West DC", region="R2", address="9 West Road")
    Lane.create(warehouse=east, region="R1", cost=Decimal("5.00"), lead_time_days=1)
    Lane.create(warehouse=west, region="R1", cost=Decimal("9.00"), lead_time_days=3)
    Lane.create(warehouse=west, region="R2", cost=Decimal("4.00"), lead_time_days=1)
    widget = Product.create(sku="WIDGET", name="Widget", unit_price=Decimal("10.00"), weight_kg=Decimal("0.5"),
                            supplier=supplier)
    gadget = Product.create(sku="GADGET", name="Gadget", unit_price=Decimal("25.50"), weight_kg=Decimal("1.2"),
                            supplier=supplier)
    for warehouse in (east, west):
        for product in (widget, gadget):
            Stock.create(warehouse=warehouse, product=product, on_hand=on_hand)
    return {"supplier": supplier, "distributor": distributor, "customer": customer,
            "east": east, "west": west, "widget": widget, "gadget": gadget}


def order_body(external_ref: str = "PO-1", *, customer_code: str = "CUST1", region: str = "R1",
               lines: list[dict] | None = None, channel: str = "api") -> dict:
    """A JSON order body as POST /api/v1/orders takes it."""
    return {
        "channel": channel,
        "external_ref": external_ref,
        "customer_code": customer_code,
        "currency": "USD",
        "ship_to": {"name": "Ada Buyer", "phone": "+1 555 0100", "address": "12 Main St", "city": "Springfield",
                    "region": region, "postcode": "12345", "country": "US"},
        "lines": lines or [{"sku": "WIDGET", "quantity": 2, "unit_price": "10.00"},
                           {"sku": "GADGET", "quantity": 1}],
        "notes": "",
    }


def allow_repeat_orders() -> None:
    """Switch the suspected-duplicate review rule off, for tests that place identical orders on purpose
    (pipeline mechanics, stock arithmetic) rather than test the review."""
    from dataclasses import replace

    from models.review.reviews import save_rule_set
    from models.review.rules import DEFAULT_SETTINGS

    save_rule_set(replace(DEFAULT_SETTINGS, enabled=DEFAULT_SETTINGS.enabled - {"duplicate"}), actor="test",
                  note="identical orders on purpose")


def sandbox_choice(parcel):
    """A carrier choice for tests that book with the sandbox without asking the carrier rules."""
    return CarrierChoice(carrier="sandbox", service_level=parcel.facts.service_level, reason="chosen by the test")


BUYER = "ada@example.com"
ACTOR = "worker:test"


def book_waybills(order: Order) -> list[str]:
    """Review, allocate, create shipments and record a sandbox waybill for each; the waybill numbers."""
    assert review(order.id, actor=ACTOR) == "approve"
    assert allocate(order.id, actor=ACTOR) == "allocated"
    numbers = []
    for shipment_id in create_shipments(order.id, actor=ACTOR):
        assert prepare_waybill(shipment_id, choose=sandbox_choice) is not None
        numbers.append(f"SBX-{order.external_ref}-{shipment_id}")
        assert record_waybill(shipment_id, waybill_number=numbers[-1], tracking_url="", actor=ACTOR)
    return numbers


def delivered_order(ref: str = "PO-1", *, email: str = BUYER, postcode: str = "SW1A 1AA",
                    lines: list[dict] | None = None, customer_code: str = "CUST1", region: str = "R1") -> Order:
    """An order taken through review, allocation and a sandbox waybill to delivered by a carrier event.

    Call allow_repeat_orders() first when a test places more than one such order."""
    body = order_body(ref, lines=lines, customer_code=customer_code, region=region)
    body["ship_to"].update(postcode=postcode, **({"email": email} if email else {}))
    order, created = place_order(order_schema.load(body), actor="test")
    assert created
    numbers = book_waybills(order)
    record_tracking_events("sandbox", [CarrierEvent(f"ev-{number}", number, "delivered", utc_now())
                                       for number in numbers], actor=ACTOR)
    order = Order.get_by_id(order.id)
    assert order.status == "delivered"
    return order


def ask(order: Order, reason: str = "damaged", *, resolution: str = "refund", sku: str = "WIDGET",
        quantity: int = 1):
    """A self-service return of ``quantity`` units of one SKU of a delivered order."""
    return request_return(order.id, resolution=resolution, reason=reason, comment="", via="self_service",
                          actor="customer:test", lines=[RequestedLine(sku, quantity)])
