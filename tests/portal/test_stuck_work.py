"""/ops/stuck and GET /api/v1/stuck: work past the sweeper's threshold by status and age, oldest first, and the
re-drive through the sweeper (ops desk roles, audited)."""
from datetime import timedelta

import pytest

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.db import database
from models.core.outbox import OutboxMessage
from models.core.transitions import transition
from models.orders.tables import Order
from models.partners.api_tokens import create_token
from models.partners.tables import Partner, User
from models.returns.tables import ReturnRequest
from models.shipping.tables import Shipment, Waybill
from models.supply.tables import PurchaseOrder
from tests.factories import allow_repeat_orders
from tests.portal.conftest import USERS, place

OLD = timedelta(hours=3)  # the test settings' threshold is OMS_STUCK_AFTER_SECONDS' default, 120 s


def aged(model, row_id: int, age: timedelta) -> None:
    model.update(status_changed_at=utc_now() - age).where(model.id == row_id).execute()


@pytest.fixture
def stuck(app):
    """One stuck item of each kind, plus a young order that is not stuck yet."""
    allow_repeat_orders()
    reviewing = place("PO-STUCK")
    aged(Order, reviewing.id, OLD)
    young = place("PO-YOUNG")
    approved = place("PO-APPROVED")
    assert transition("order", approved.id, "approved", actor="test")
    aged(Order, approved.id, OLD * 2)
    shipment = Shipment.create(order=approved, warehouse=1)
    Waybill.create(shipment=shipment, carrier="sandbox", idempotency_key="k-1", status="failed",
                   last_error="address rejected")
    aged(Shipment, shipment.id, OLD * 3)
    returned = ReturnRequest.create(order=reviewing, customer=reviewing.customer_id, status="approved",
                                    resolution="refund", reason="damaged")
    aged(ReturnRequest, returned.id, OLD * 4)
    purchase = PurchaseOrder.create(number="PO-SUP-1", supplier=Partner.get(Partner.code == "SUP1"), status="sent",
                                    warehouse=1, confirm_by=utc_now() - timedelta(days=1))
    aged(PurchaseOrder, purchase.id, timedelta(days=3))
    return {"order": reviewing.id, "young": young.id, "approved": approved.id, "shipment": shipment.id,
            "return": returned.id, "purchase_order": purchase.id}


def test_page_lists_every_kind_oldest_first_with_links(client, auth, stuck):
    auth.login_as("credit_controller")
    page = client.get("/ops/stuck")
    assert page.status_code == 200
    html = page.text
    links = ['href="/ops/purchase-orders/PO-SUP-1"', f'href="/ops/returns/{stuck["return"]}"',
             f'href="/ops/shipments/{stuck["shipment"]}"', f'href="/orders/{stuck["approved"]}"',
             f'href="/orders/{stuck["order"]}"']
    positions = [html.index(link) for link in links]
    assert positions == sorted(positions)  # oldest first
    assert "PO-YOUNG" not in html
    assert "address rejected" in html
    assert "Re-drive</button>" not in html  # a credit controller sees, but re-drives nothing


def test_api_groups_by_status_with_count_and_oldest(client, stuck):
    token = create_token(User.get(User.email == USERS["ops_agent"][0]))[1]
    answer = client.get("/api/v1/stuck", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    body = answer.json
    groups = {(g["kind"], g["status"]): g["count"] for g in body["groups"]}
    assert groups == {("order", "reviewing"): 1, ("order", "approved"): 1, ("shipment", "ready"): 1,
                      ("return", "approved"): 1, ("purchase_order", "sent"): 1}
    assert [(i["kind"], i["id"]) for i in body["items"]] == [
        ("purchase_order", stuck["purchase_order"]), ("return", stuck["return"]), ("shipment", stuck["shipment"]),
        ("order", stuck["approved"]), ("order", stuck["order"])]
    assert body["items"][-1]["age_seconds"] >= OLD.total_seconds()
    assert body["items"][-1]["url"].endswith(f"/orders/{stuck['order']}")


def test_api_refuses_partners(client, stuck):
    token = create_token(User.get(User.email == USERS["distributor"][0]))[1]
    assert client.get("/api/v1/stuck", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_redrive_one_goes_through_the_sweeper_and_is_audited(client, auth, stuck):
    auth.login_as("ops_agent")
    assert "Re-drive</button>" in client.get("/ops/stuck").text
    OutboxMessage.delete().execute()
    answer = client.post("/ops/stuck/redrive", data={"only": f"order:{stuck['order']}",
                                                     "item": [f"order:{stuck['approved']}"]})
    assert answer.status_code == 302
    assert [(m.actor_name, m.args) for m in OutboxMessage.select()] == [("review_orders", [[stuck["order"]]])]
    assert Order.get_by_id(stuck["order"]).redriven_at is not None
    assert Order.get_by_id(stuck["approved"]).redriven_at is None
    assert StatusChange.select().where(StatusChange.entity_id == stuck["order"],
                                       StatusChange.actor == USERS["ops_agent"][0],
                                       StatusChange.reason == "re-driven").count() == 1
    page = client.get("/ops/stuck").text
    assert "Re-driven: 1 orders, 0 returns." in page


def test_redrive_selected_orders_and_returns(client, auth, stuck):
    auth.login_as("ops_admin")
    OutboxMessage.delete().execute()
    client.post("/ops/stuck/redrive", data={"item": [f"order:{stuck['order']}", f"order:{stuck['approved']}",
                                                     f"return:{stuck['return']}", f"shipment:{stuck['shipment']}",
                                                     "order:abc"]})
    assert sorted((m.actor_name, m.args[0][0]) for m in OutboxMessage.select()) == sorted([
        ("review_orders", stuck["order"]), ("allocate_orders", stuck["approved"]),
        ("advance_returns", stuck["return"])])


@pytest.mark.parametrize("role, status", [("credit_controller", 403), ("distributor", 403)])
def test_redrive_is_for_the_ops_desk(client, auth, stuck, role, status):
    auth.login_as(role)
    OutboxMessage.delete().execute()
    assert client.post("/ops/stuck/redrive", data={"only": f"order:{stuck['order']}"}).status_code == status
    assert OutboxMessage.select().count() == 0
    if role == "distributor":
        assert client.get("/ops/stuck").status_code == 403


def test_page_queries_do_not_grow_with_the_rows(client, auth, stuck, monkeypatch):
    auth.login_as("ops_admin")

    def count_queries() -> int:
        seen = []
        real = database.obj.execute_sql
        monkeypatch.setattr(database.obj, "execute_sql", lambda sql, *a, **k: seen.append(sql) or real(sql, *a, **k))
        assert client.get("/ops/stuck").status_code == 200
        monkeypatch.undo()
        return len(seen)

    few = count_queries()
    for n in range(5):
        order = place(f"PO-MORE-{n}")
        aged(Order, order.id, OLD)
        shipment = Shipment.create(order=order, warehouse=1)
        aged(Shipment, shipment.id, OLD)
    assert count_queries() == few
