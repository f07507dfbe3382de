import pytest

from models.orders.change_tables import OrderChange
from models.orders.flow import allocate, review
from models.orders.tables import Order, OrderLine
from tests.portal.conftest import place


def allocated(ref: str = "PO-1", **kwargs) -> int:
    order = place(ref, **kwargs)
    assert review(order.id, actor="test") == "approve" and allocate(order.id, actor="test") == "allocated"
    return order.id


def form_of(order_id: int, **changes) -> dict:
    """The change form as the page fills it for the order, with ``changes`` on top."""
    order = Order.get_by_id(order_id)
    data = {f"change-ship_to_{name}": getattr(order, f"ship_to_{name}")
            for name in ("name", "phone", "email", "address", "city", "region", "postcode", "country")}
    lines = OrderLine.select().where(OrderLine.order == order_id).order_by(OrderLine.line_no)
    for index, line in enumerate(lines):
        data[f"change-lines-{index}-sku"] = line.sku
        data[f"change-lines-{index}-quantity"] = str(line.quantity)
    data["change-requested_delivery_date"] = ""
    return {**data, **changes}


def test_ops_change_an_allocated_order_from_its_page_and_see_the_change(client, auth):
    order_id = allocated()
    auth.login_as("ops_admin")
    page = client.get(f"/orders/{order_id}").text
    assert "Change order" in page and 'name="change-lines-0-unit_price"' in page
    answer = client.post(f"/orders/{order_id}/change", data=form_of(
        order_id, **{"change-ship_to_region": "R2", "change-lines-1-sku": "", "change-lines-1-quantity": "",
                     "change-lines-0-quantity": "4", "change-note": "phoned in"}), follow_redirects=True)
    assert "changed: ship-to region, lines; reviewed again: now approved." in answer.text
    order = Order.get_by_id(order_id)
    assert (order.status, order.ship_to_region) == ("approved", "R2")
    assert [(line.sku, line.quantity) for line in order.lines] == [("WIDGET", 4)]
    assert "ship-to region: R1 → R2" in answer.text and "phoned in" in answer.text
    again = client.post(f"/orders/{order_id}/change", data=form_of(order_id), follow_redirects=True)
    assert "nothing changed" in again.text and OrderChange.select().count() == 1


def test_an_ops_agent_has_no_price_column(client, auth):
    order_id = allocated()
    auth.login_as("ops_agent")
    page = client.get(f"/orders/{order_id}").text
    assert "Change order" in page and "unit_price" not in page


def test_a_bad_form_is_flashed_and_changes_nothing(client, auth):
    order_id = allocated()
    auth.login_as("ops_admin")
    answer = client.post(f"/orders/{order_id}/change", data=form_of(
        order_id, **{"change-lines-0-sku": "NOPE", "change-ship_to_country": "USA"}), follow_redirects=True)
    assert "line 1 sku: unknown SKU" in answer.text or "ship to country" in answer.text
    assert Order.get_by_id(order_id).status == "allocated"


@pytest.mark.parametrize("allocate_first", [False, True])
def test_a_distributor_changes_its_order_before_allocation_only(client, auth, allocate_first):
    order_id = allocated("PO-D", placed_by="DIST1") if allocate_first else place("PO-D", placed_by="DIST1").id
    auth.login_as("distributor")
    page = client.get(f"/orders/{order_id}").text
    assert ("Change order" in page) is not allocate_first
    assert ("This order cannot be changed: stock is already reserved" in page) is allocate_first
    answer = client.post(f"/orders/{order_id}/change", data=form_of(order_id, **{"change-ship_to_city": "Elsewhere"}),
                         follow_redirects=True)
    assert ("Not changed" in answer.text) is allocate_first
    assert (Order.get_by_id(order_id).ship_to_city == "Elsewhere") is not allocate_first


def test_another_distributors_order_is_not_found(client, auth):
    order_id = allocated("PO-2", customer_code="CUST2")
    auth.login_as("distributor")
    assert client.post(f"/orders/{order_id}/change", data=form_of(order_id)).status_code == 404
