"""A price hold in the portal: the order page shows the given and resolved prices and the tax, an ops agent's
release is refused naming who may decide, a sales manager's release records the override, and the API's order
resource carries the priced and taxed lines."""
from __future__ import annotations

from decimal import Decimal

from models.core.audit import StatusChange
from models.intake.entry import place_order
from models.orders.flow import review
from models.orders.tables import Order
from models.orders.views import load_order_view
from models.pricing.tax_tables import TaxRateRow
from models.review.reviews import current_rule_set, save_rule_set
from models.review.rules import DEFAULT_SETTINGS
from schemas.order_resource import order_out
from schemas.orders import order_schema
from tests.factories import order_body


def price_hold(ref: str = "PO-CHEAP") -> int:
    body = order_body(ref, lines=[{"sku": "WIDGET", "quantity": 3, "unit_price": "0.01"}])
    order, _ = place_order(order_schema.load(body), actor="test")
    assert review(order.id, actor="test") == "hold"
    return order.id


def test_the_order_page_shows_the_figures_and_only_pricing_authority_releases(auth, client, app):
    order_id = price_hold()
    auth.login_as("ops_agent")
    page = client.get(f"/orders/{order_id}").text
    assert "line 1 WIDGET: given 0.01, resolved 10.00 (catalogue price of WIDGET: 10.00), lowest allowed 10.00" in page
    assert "line_1_resolved 10.00" in page and "line_1_given 0.01" in page
    refused = client.post(f"/orders/{order_id}/release", data={"release-comment": "fine"}, follow_redirects=True)
    assert "a sales_manager or ops_admin must" in refused.text
    assert Order.get_by_id(order_id).status == "on_hold"
    auth.logout()
    auth.login_as("sales_manager")
    client.post(f"/orders/{order_id}/release", data={"release-comment": "end-of-line clearance"})
    assert Order.get_by_id(order_id).status == "approved"
    change = StatusChange.get(StatusChange.entity_id == order_id, StatusChange.to_status == "approved")
    assert change.actor == "sales@relay.test"
    assert change.reason.startswith("released: end-of-line clearance; price override by sales_manager: line 1 WIDGET:"
                                    " given 0.01, resolved 10.00")


def test_the_hold_queue_filters_price_holds_for_a_sales_manager(auth, client, app):
    order_id = price_hold()
    auth.login_as("sales_manager")
    page = client.get("/ops/holds?reason=price").text
    assert f'<a href="/orders/{order_id}">' in page and "given 0.01, resolved 10.00" in page


def test_taxed_totals_show_on_the_page_and_in_the_api_resource(auth, client, app):
    TaxRateRow.create(tax_class="standard", country="US", region="", rate=Decimal("0.1"), name="Sales tax")
    body = order_body("PO-TAX", lines=[{"sku": "GADGET", "quantity": 2}])  # no price: the catalogue's 25.50
    order, _ = place_order(order_schema.load(body), actor="test")
    assert review(order.id, actor="test") == "approve"
    auth.login_as("distributor")
    page = client.get(f"/orders/{order.id}").text
    assert "5.10 USD" in page and "56.10 USD" in page and "Sales tax US: 10 %" in page
    resource = order_out.dump(load_order_view(order.id))
    assert (resource["subtotal"], resource["tax_total"], resource["total"], resource["prices_include_tax"]) == (
        "51.00", "5.10", "56.10", False)
    (line,) = resource["lines"]
    assert (line["price_given"], line["unit_price"], line["list_price"], line["tax_rate"], line["tax_amount"]) == (
        False, "25.50", "25.50", "0.1000", "5.10")
    assert line["price_note"] == "no price given: catalogue price of GADGET: 25.50; Sales tax US: 10 %"


def test_the_review_settings_page_saves_the_price_tolerance(auth, client, app):
    auth.login_as("ops_admin")
    form = {"base_version": "1", "enabled": sorted(DEFAULT_SETTINGS.enabled), "amount_hold_threshold": "25000.00",
            "amount_senior_threshold": "100000.00", "duplicate_window_minutes": "60", "overdue_grace_days": "0",
            "hold_max_age_days": "0", "price_tolerance_percent": "2.5", "note": ""}
    assert client.post("/ops/review-settings", data=form).status_code == 302
    assert current_rule_set().settings.price_tolerance_percent == Decimal("2.5")
    assert "price_tolerance_percent 0 → 2.5" in current_rule_set().note
    save_rule_set(DEFAULT_SETTINGS, actor="test")  # back to the defaults for whoever reads them next
