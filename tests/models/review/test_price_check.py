"""The price check on a real database: a distributor's order at 0.01 for a SKU whose catalogue price is 208.73 is
held for `price` with the figures, only pricing authority releases it (the override in the audit trail), lines
given no price take the price book's price, and tax lands in the totals, for a batch in a fixed number of
statements."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.errors import PermissionDenied, ValidationFailed
from models.intake.entry import place_order
from models.intake.file_import import import_order_file
from models.inventory.tables import Product, Stock
from models.orders.flow import allocate, review
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.pricing.rules import PriceBook, PriceBreak, PriceList
from models.pricing.tax_tables import TaxRateRow
from models.pricing.versions import save_price_book
from models.review.hold_decisions import release_held_order
from models.review.reviews import latest_review
from models.review.step import review_orders
from schemas.order_rows import import_row_schema
from schemas.orders import order_schema
from tests.conftest import settings_for
from tests.factories import make_world, order_body

ACTOR = "worker:test"
HEADER = ("external_ref,customer_code,sku,quantity,unit_price,currency,ship_to_name,ship_to_phone,ship_to_address,"
          "ship_to_city,ship_to_region,ship_to_postcode,ship_to_country,requested_delivery_date,notes")


@pytest.fixture
def world(any_db):
    world = make_world()
    world["sku_a"] = Product.create(sku="SKU-A", name="Pump", unit_price=Decimal("208.73"), weight_kg=Decimal("3"),
                                    supplier=world["supplier"])
    Stock.create(warehouse=world["east"], product=world["sku_a"], on_hand=50)
    return world


def imported_by_distributor(world, tmp_path, price: str) -> int:
    row = f"DST-1,CUST1,SKU-A,2,{price},USD,Ada Buyer,+1 555,12 Main St,Springfield,R1,12345,US,2030-01-31,"
    result = import_order_file(io.BytesIO(f"{HEADER}\n{row}\n".encode()), "orders.csv",
                               settings=settings_for(tmp_path), submitted_by="dist@relay.test",
                               distributor=world["distributor"], row_schema=import_row_schema, channel="file")
    assert result.orders_accepted == 1, result.errors
    return Order.get(Order.external_ref == "DST-1").id


def test_an_order_below_the_catalogue_price_is_held_and_only_pricing_authority_releases_it(world, tmp_path):
    order_id = imported_by_distributor(world, tmp_path, "0.01")
    assert review(order_id, actor=ACTOR) == "hold"
    held = latest_review(order_id)
    assert held.code_list == ["price"]
    numbers = held.reasons[0]["numbers"]
    assert (numbers["line_1_given"], numbers["line_1_resolved"], numbers["line_1_allowed_minimum"]) == (
        "0.01", "208.73", "208.73")
    assert held.reasons[0]["message"] == ("line 1 SKU-A: given 0.01, resolved 208.73 (catalogue price of SKU-A:"
                                          " 208.73), lowest allowed 208.73")
    assert held.release_roles.split() == ["ops_admin", "sales_manager"]
    line = OrderLine.get(OrderLine.order == order_id)
    assert (line.unit_price, line.list_price, line.price_given) == (Decimal("0.01"), Decimal("208.73"), True)
    assert line.price_note.startswith("catalogue price of SKU-A: 208.73")

    for role in ("ops_agent", "credit_controller"):
        with pytest.raises(PermissionDenied, match="a sales_manager or ops_admin must"):
            release_held_order(order_id, actor=f"{role}@relay.test", role=role, comment="looks fine")
    with pytest.raises(ValidationFailed) as no_note:
        release_held_order(order_id, actor="sales@relay.test", role="sales_manager")
    assert "comment" in no_note.value.messages
    assert Order.get_by_id(order_id).status == "on_hold"

    assert release_held_order(order_id, actor="sales@relay.test", role="sales_manager",
                              comment="clearance deal agreed by phone") is True
    assert allocate(order_id, actor=ACTOR) == "allocated"
    override = StatusChange.get(StatusChange.entity_id == order_id, StatusChange.to_status == "approved")
    assert override.actor == "sales@relay.test"
    assert override.reason == ("released: clearance deal agreed by phone; price override by sales_manager: line 1"
                               " SKU-A: given 0.01, resolved 208.73 (catalogue price of SKU-A: 208.73),"
                               " lowest allowed 208.73")


def test_an_order_at_the_catalogue_price_passes(world, tmp_path):
    order_id = imported_by_distributor(world, tmp_path, "208.73")
    assert review(order_id, actor=ACTOR) == "approve"


def test_lines_given_no_price_take_the_resolved_price_and_tax_lands_in_the_totals(world):
    TaxRateRow.create(tax_class="standard", country="US", region="", rate=Decimal("0.2"), name="Sales tax")
    book = PriceBook((PriceList("DIST1-2026", "USD", "distributor", "DIST1",
                                entries={"GADGET": (PriceBreak(1, Decimal("20.00")),)}),))
    save_price_book(book, expected_version=None, actor="ops@relay.test")
    body = order_body("NOPRICE-1", lines=[{"sku": "WIDGET", "quantity": 2}, {"sku": "GADGET", "quantity": 3}])
    order, _ = place_order(order_schema.load(body), actor="test")
    assert review(order.id, actor=ACTOR) == "approve"
    order = Order.get_by_id(order.id)
    lines = list(order.lines.order_by(OrderLine.line_no))
    assert [(line.unit_price, line.line_total, line.tax_amount, line.price_given) for line in lines] == [
        (Decimal("10.00"), Decimal("20.00"), Decimal("4.00"), False),
        (Decimal("20.00"), Decimal("60.00"), Decimal("12.00"), False)]
    assert lines[1].price_note == "no price given: list DIST1-2026: 20.00; Sales tax US: 20 %"
    assert lines[1].tax_rate == Decimal("0.2")
    assert (order.subtotal, order.tax_total, order.total, order.prices_include_tax) == (
        Decimal("80.00"), Decimal("16.00"), Decimal("96.00"), False)
    assert latest_review(order.id).price_book_version is not None


def test_the_credit_check_sees_the_priced_total(world):
    Partner.update(credit_limit=Decimal("100.00")).where(Partner.code == "CUST1").execute()
    body = order_body("CREDIT-1", lines=[{"sku": "SKU-A", "quantity": 1}])  # placed at 208.73 by review
    order, _ = place_order(order_schema.load(body), actor="test")
    assert review(order.id, actor=ACTOR) == "hold"
    assert latest_review(order.id).code_list == ["credit_limit"]


def test_a_priced_batch_costs_the_same_statements_whatever_its_size(world, statements):
    TaxRateRow.create(tax_class="standard", country="US", region="", rate=Decimal("0.1"), name="Sales tax")
    save_price_book(PriceBook((PriceList("CAT", "USD", "catalogue",
                                         entries={"WIDGET": (PriceBreak(1, Decimal("9.50")),)}),)),
                    expected_version=None, actor="ops@relay.test")
    ids = [place_order(order_schema.load(order_body(f"P-{n}", lines=[
        {"sku": "WIDGET", "quantity": n + 1}, {"sku": "GADGET", "quantity": 1, "unit_price": "1.00"}])),
        actor="test")[0].id for n in range(9)]
    review_orders(ids[:1], actor=ACTOR)  # the price book parsed once, as a running worker has it
    costs = []
    for batch in (ids[1:3], ids[3:9]):
        statements.clear()
        outcomes = review_orders(batch, actor=ACTOR).outcomes
        costs.append(len(statements))
        assert set(outcomes.values()) == {"hold"}  # GADGET at 1.00 is below its catalogue price
    assert costs[0] == costs[1]
    widget = OrderLine.get(OrderLine.order == ids[8], OrderLine.line_no == 1)
    assert (widget.unit_price, widget.tax_amount) == (Decimal("9.50"), Decimal("8.55"))
