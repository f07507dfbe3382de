"""The replenishment pages: suggestions with their figures and explanation, filters, saving quantities, one purchase
order per supplier and warehouse from the ticked rows, recompute; the settings and automatic switches; who may."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.core.outbox import OutboxMessage
from models.core.stages import REPLENISHMENT, SUPPLIER_MAILS
from models.inventory.tables import Product, Stock, Warehouse
from models.partners.tables import Partner
from models.planning.replenishment import compute_replenishment
from models.planning.settings import current_replenishment_settings
from models.planning.tables import (
    DemandForecast,
    ForecastPeriod,
    ReplenishmentRuleSet,
    ReplenishmentSuggestion,
    series_key,
)
from models.supply.tables import PurchaseOrder

PAGE = "/ops/replenishment"
SETTINGS = f"{PAGE}/settings"


def forecast(sku: str, warehouse: str, weekly: float) -> None:
    product, row = Product.get(Product.sku == sku), Warehouse.get(Warehouse.code == warehouse)
    head = DemandForecast.create(series=series_key(sku, warehouse), product=product, warehouse=row, method="TSB",
                                 history_weeks=40, horizon_weeks=8, mean_weekly=weekly, weekly_std=2)
    monday = utc_now().date() - timedelta(days=utc_now().date().weekday())
    for week in range(8):
        ForecastPeriod.create(forecast=head, week_start=monday + timedelta(weeks=week), quantity=weekly, low=0,
                              high=weekly * 2)


def suggestion(sku: str, warehouse: str) -> ReplenishmentSuggestion:
    return (ReplenishmentSuggestion.select().join(Product).switch(ReplenishmentSuggestion).join(Warehouse)
            .where(Product.sku == sku, Warehouse.code == warehouse).get())


@pytest.fixture
def suggested(app):
    """Suggestions for make_world(): SUP1's WIDGET and GADGET low in EAST, WIDGET low in WEST; SUP2's BOLT in EAST."""
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier", lead_time_days=10)
    bolt = Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.00"), supplier=other)
    Stock.create(warehouse=Warehouse.get(Warehouse.code == "EAST"), product=bolt, on_hand=0)
    for sku, warehouse, weekly in (("WIDGET", "EAST", 140), ("GADGET", "EAST", 70), ("WIDGET", "WEST", 140),
                                   ("BOLT", "EAST", 7)):
        forecast(sku, warehouse, weekly)
    Stock.update(on_hand=5).execute()
    compute_replenishment(None, actor="test")
    return app


@pytest.fixture
def agent(auth, client, suggested):
    auth.login_as("ops_agent")
    return client


def ticked(*pairs: tuple[str, str], **quantities) -> dict:
    """The form as the page posts it: every open row's quantity box, and the ticked rows."""
    rows = [row for row in ReplenishmentSuggestion.select() if row.status != "ordered"]
    data = {"row": [str(row.id) for row in rows],
            **{f"quantity-{row.id}": str(row.suggested_quantity) for row in rows},
            "selected": [str(suggestion(*pair).id) for pair in pairs]}
    for key, quantity in quantities.items():
        sku, warehouse = key.split("_")
        data[f"quantity-{suggestion(sku, warehouse).id}"] = str(quantity)
    return data


def test_the_page_shows_each_suggestion_with_its_figures_and_explanation(agent):
    widget = suggestion("WIDGET", "EAST")
    page = agent.get(PAGE).text
    assert widget.suggested_quantity > 0
    row = page[page.index(f'id="suggestion-{widget.id}"'):][:3000]
    assert f'name="selected" value="{widget.id}"' in row
    assert f'name="quantity-{widget.id}" value="{widget.suggested_quantity}"' in row
    for figure in (widget.reorder_point, widget.order_up_to, widget.safety_stock, widget.on_hand):
        assert f'<td class="num">{figure}</td>' in row
    assert "98 %" in row  # WIDGET is class A
    assert widget.explanation in row
    assert "on hand 5 − reserved 0 + incoming 0 − backorders 0 = 5 ≤ reorder point" in page
    for button in ("Save quantities", "Create purchase orders", "Create and send", "Recompute now"):
        assert button in page
    assert f'<a href="{PAGE}">Replenishment</a>' in page


@pytest.mark.parametrize(("query", "expected"), [
    ("?sku=WIDGET", {("WIDGET", "EAST"), ("WIDGET", "WEST")}),
    ("?warehouse=WEST", {("WIDGET", "WEST"), ("GADGET", "WEST")}),
    ("?supplier=SUP2", {("BOLT", "EAST")}),
    ("?sku_class=C&warehouse=EAST", {("BOLT", "EAST")}),
    ("?to_order=1&warehouse=WEST", {("WIDGET", "WEST")}),
])
def test_filters(agent, query, expected):
    page = agent.get(PAGE + query).text
    shown = {(row.product.sku, row.warehouse.code) for row in ReplenishmentSuggestion.select()
             if f'id="suggestion-{row.id}"' in page}
    assert shown == expected


def test_ticked_rows_become_one_purchase_order_per_supplier_and_warehouse(agent):
    data = ticked(("WIDGET", "EAST"), ("GADGET", "EAST"), ("WIDGET", "WEST"), ("BOLT", "EAST"), WIDGET_EAST=77)
    response = agent.post(PAGE, data={**data, "action": "order"}, follow_redirects=True)
    purchases = list(PurchaseOrder.select().order_by(PurchaseOrder.id))
    assert [(po.supplier.code, po.warehouse.code, po.status, po.origin) for po in purchases] == [
        ("SUP1", "EAST", "draft", "replenishment"), ("SUP1", "WEST", "draft", "replenishment"),
        ("SUP2", "EAST", "draft", "replenishment")]
    assert {line.product.sku: line.quantity for line in purchases[0].lines}["WIDGET"] == 77
    assert "Purchase orders created as drafts: " in response.text
    for po in purchases:
        assert f'<a href="/ops/purchase-orders/{po.number}">{po.number}</a> ({po.supplier.code} → ' \
               f'{po.warehouse.code})' in response.text
    assert suggestion("WIDGET", "EAST").status == "ordered"
    assert f'<a href="/ops/purchase-orders/{purchases[0].number}">' in agent.get(PAGE).text


def test_create_and_send_sends_them_to_the_supplier(agent):
    response = agent.post(PAGE, data={**ticked(("BOLT", "EAST")), "action": "send"}, follow_redirects=True)
    [purchase] = list(PurchaseOrder.select())
    assert purchase.status == "sent" and purchase.confirm_by is not None
    assert "Purchase orders created and sent: " in response.text
    assert OutboxMessage.select().where(OutboxMessage.actor_name == SUPPLIER_MAILS.actor_name).count() == 1


def test_saving_quantities_keeps_the_edits(agent):
    response = agent.post(PAGE + "", data={**ticked(GADGET_EAST=500), "action": "save", "filter-sku": "GADGET"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{PAGE}?sku=GADGET")
    assert suggestion("GADGET", "EAST").edited_quantity == 500
    assert suggestion("WIDGET", "EAST").edited_quantity is None
    assert "edited" in agent.get(PAGE + "?sku=GADGET&warehouse=EAST").text


def test_nothing_ticked_or_a_bad_quantity_orders_nothing(agent):
    page = agent.post(PAGE, data={**ticked(), "action": "order"}, follow_redirects=True).text
    assert "tick at least one suggestion to order" in page
    data = ticked(("WIDGET", "EAST"), WIDGET_EAST="lots")
    page = agent.post(PAGE, data={**data, "action": "send"}, follow_redirects=True).text
    assert "the quantity must be a whole number of 0 or more" in page
    assert PurchaseOrder.select().count() == 0


def test_recompute_now_nudges_every_sku(agent):
    response = agent.post(f"{PAGE}/recompute", follow_redirects=True)
    assert "Recomputing the suggestions of 3 SKU(s)" in response.text
    [nudge] = list(OutboxMessage.select().where(OutboxMessage.actor_name == REPLENISHMENT.actor_name))
    assert sorted(nudge.args[0]) == sorted(p.id for p in Product.select())


def test_a_credit_controller_reads_but_may_not_order(auth, client, suggested):
    auth.login_as("credit_controller")
    page = client.get(PAGE).text
    assert "Create purchase orders" not in page and 'name="selected"' not in page
    assert client.post(PAGE, data={**ticked(("BOLT", "EAST")), "action": "order"}).status_code == 403
    assert client.post(f"{PAGE}/recompute").status_code == 403
    assert PurchaseOrder.select().count() == 0


@pytest.mark.parametrize("role", ["distributor", "supplier"])
def test_partners_may_not_see_or_act(auth, client, suggested, role):
    auth.login_as(role)
    for path in (PAGE, SETTINGS):
        assert client.get(path).status_code == 403
    assert client.post(PAGE, data={**ticked(("BOLT", "EAST")), "action": "order"}).status_code == 403
    assert client.post(f"{SETTINGS}/suppliers/SUP1", data={"on": "1"}).status_code == 403
    assert PurchaseOrder.select().count() == 0 and not Partner.get(Partner.code == "SUP1").auto_replenish


def test_signed_out_goes_to_the_login_page(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_posting_needs_the_csrf_token_when_protection_is_on(app, agent):
    app.config["WTF_CSRF_ENABLED"] = True  # read per request: the fixture app turns it off
    data = {**ticked(("BOLT", "EAST")), "action": "order"}
    assert agent.post(PAGE, data=data).status_code == 400
    assert agent.post(f"{PAGE}/recompute").status_code == 400
    assert PurchaseOrder.select().count() == 0
    token = re.search(r'name="csrf_token" value="([^"]+)"', agent.get(PAGE).text)[1]
    assert agent.post(PAGE, data={**data, "csrf_token": token}).status_code == 302
    assert PurchaseOrder.select().count() == 1


# --- settings ------------------------------------------------------------------------------------

def settings_form(**changes) -> dict:
    values = {"base_version": "1", "level_a": "0.98", "level_b": "0.95", "level_c": "0.90",
              "review_period_days": "7", "share_a": "0.80", "share_b": "0.15", "default_lead_time_days": "14",
              "note": ""}
    return {**values, **changes}


@pytest.fixture
def admin(auth, client, suggested):
    current_replenishment_settings()  # version 1, the defaults
    auth.login_as("ops_admin")
    return client


def test_the_settings_page_shows_the_version_in_force_and_the_switches(admin):
    page = admin.get(SETTINGS).text
    assert 'Replenishment settings <span class="muted">version 1</span>' in page
    assert 'name="level_a" required type="text" value="0.98"' in page
    assert 'name="review_period_days" required type="number" value="7"' in page
    assert re.search(r"<td>1 <span[^>]*>in force</span></td>\s*<td>system</td>", page)
    assert 'id="supplier-SUP1"' in page and 'id="supplier-SUP2"' in page
    assert "No SKU is switched on by itself." in page


def test_an_admin_saves_a_new_version(admin):
    response = admin.post(SETTINGS, data=settings_form(level_a="99.5%", review_period_days="14"),
                          follow_redirects=True)
    assert "Replenishment settings saved as version 2." in response.text
    rule_set, settings = current_replenishment_settings()
    assert (settings.service_levels["A"], settings.review_period_days) == (Decimal("0.995"), 14)
    assert rule_set.note == "service_levels A 0.98 → 0.995; review_period_days 7 → 14"
    assert admin.post(SETTINGS, data=settings_form(level_a="0.995", review_period_days="14", base_version="2"),
                      follow_redirects=True).text.count("Nothing changed") == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"level_b": "1.5"}, "a share such as 0.95"),
    ({"level_c": "0.2"}, "each from 0.50 to 0.9999"),
    ({"share_a": "0.9", "share_b": "0.2"}, "together at most 1"),
    ({"review_period_days": "-1"}, "Review period (days)"),
])
def test_bad_settings_are_refused_without_a_version(admin, changes, message):
    response = admin.post(SETTINGS, data=settings_form(**changes))
    assert response.status_code == 422 and message in response.text
    assert ReplenishmentRuleSet.select().count() == 1


def test_a_stale_settings_form_is_refused_with_409(admin):
    assert admin.post(SETTINGS, data=settings_form(level_c="0.91")).status_code == 302
    response = admin.post(SETTINGS, data=settings_form(level_c="0.92"))
    assert response.status_code == 409 and "someone saved version 2 meanwhile" in response.text
    assert ReplenishmentRuleSet.select().count() == 2


def test_the_switches_per_supplier_and_per_sku(admin):
    admin.post(f"{SETTINGS}/suppliers/SUP2", data={"on": "1"})
    assert Partner.get(Partner.code == "SUP2").auto_replenish
    admin.post(f"{SETTINGS}/skus", data={"sku": "GADGET", "on": "1"})
    assert Product.get(Product.sku == "GADGET").auto_replenish
    page = admin.get(SETTINGS).text
    assert 'id="sku-GADGET"' in page
    admin.post(f"{SETTINGS}/skus", data={"sku": "GADGET", "on": "0"})
    assert not Product.get(Product.sku == "GADGET").auto_replenish
    assert "no SKU &#39;NOPE&#39;" in admin.post(f"{SETTINGS}/skus", data={"sku": "NOPE", "on": "1"},
                                                 follow_redirects=True).text
    assert admin.post(f"{SETTINGS}/suppliers/NOPE", data={"on": "1"}, follow_redirects=True).status_code == 200


def test_an_agent_reads_the_settings_but_may_not_change_them(auth, client, suggested):
    auth.login_as("ops_agent")
    page = client.get(SETTINGS).text
    assert "Only an ops admin may change" in page and "Save as a new version" not in page
    assert client.post(SETTINGS, data=settings_form(level_a="0.99")).status_code == 403
    assert client.post(f"{SETTINGS}/suppliers/SUP1", data={"on": "1"}).status_code == 403
    assert client.post(f"{SETTINGS}/skus", data={"sku": "WIDGET", "on": "1"}).status_code == 403
    assert not Partner.get(Partner.code == "SUP1").auto_replenish


def test_settings_need_the_csrf_token_when_protection_is_on(app, admin):
    app.config["WTF_CSRF_ENABLED"] = True
    assert admin.post(SETTINGS, data=settings_form(level_a="0.99")).status_code == 400
    assert admin.post(f"{SETTINGS}/suppliers/SUP1", data={"on": "1"}).status_code == 400
    assert ReplenishmentRuleSet.select().count() == 1 and not Partner.get(Partner.code == "SUP1").auto_replenish
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', admin.get(SETTINGS).text)[1]
    assert admin.post(SETTINGS, data={**settings_form(level_a="0.99"), "csrf_token": token}).status_code == 302
    assert ReplenishmentRuleSet.select().count() == 2
