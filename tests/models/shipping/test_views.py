from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from models.core.db import database
from models.intake.entry import place_order
from models.orders.flow import allocate, create_shipments, review
from models.partners.tables import Partner
from models.shipping.dispatch import fail_waybill, prepare_waybill, record_waybill
from models.shipping.tables import Shipment
from models.shipping.tracking import CarrierEvent, record_tracking_events
from models.shipping.views import (
    ShipmentFilters,
    shipment_page,
    shipping_problems,
    visible_shipment,
)
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, make_world, order_body, sandbox_choice

ACTOR = "worker:test"


@dataclass(frozen=True)
class Viewer:
    role: str
    partner_id: int | None = None

    @property
    def is_ops(self) -> bool:
        return self.role.startswith("ops_")


OPS = Viewer("ops_agent")


@pytest.fixture
def world(any_db):
    make_world()
    allow_repeat_orders()
    dist2 = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R2")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R2", distributor=dist2)


def shipment(ref: str, *, customer: str = "CUST1", region: str = "R1", number: str | None = None) -> int:
    order, _ = place_order(order_schema.load(order_body(ref, customer_code=customer, region=region)), actor="test")
    assert review(order.id, actor=ACTOR) == "approve"
    assert allocate(order.id, actor=ACTOR) == "allocated"
    (shipment_id,) = create_shipments(order.id, actor=ACTOR)
    if number:
        assert prepare_waybill(shipment_id, choose=sandbox_choice) is not None
        assert record_waybill(shipment_id, waybill_number=number, tracking_url="", actor=ACTOR)
    return shipment_id


def track(number: str, *codes: str) -> None:
    start = datetime(2024, 5, 1, 9, 0)
    record_tracking_events("sandbox", [
        CarrierEvent(event_id=f"{number}-{i}", waybill_number=number, code=code, occurred_at=start + timedelta(hours=i))
        for i, code in enumerate(codes)], actor="test")


class QueryCounter:
    def __init__(self, monkeypatch) -> None:
        self.count = 0
        real = database.obj.execute_sql

        def counted(sql, params=None, *args, **kwargs):
            self.count += 1
            return real(sql, params, *args, **kwargs)

        monkeypatch.setattr(database.obj, "execute_sql", counted)


def test_a_page_takes_three_queries_however_many_shipments(world, monkeypatch):
    for i in range(4):
        number = f"SBX00000001{i}"
        shipment(f"PO-{i}", number=number)
        track(number, "picked_up", "exception")
    counter = QueryCounter(monkeypatch)
    page = shipment_page(OPS, ShipmentFilters())
    assert counter.count == 3
    assert [s.open_alerts for s in page.shipments] == [1, 1, 1, 1]
    assert page.shipments[0].last_event_at == datetime(2024, 5, 1, 10, 0)
    assert page.shipments[0].waybill.waybill_number == "SBX000000013" and page.next_before is None


def test_a_distributor_pages_through_its_own_book_only(world):
    own = [shipment(f"PO-{i}") for i in range(3)]
    shipment("PO-OTHER", customer="CUST2", region="R2")
    dist1 = Viewer("distributor", Partner.get(Partner.code == "DIST1").id)
    first = shipment_page(dist1, ShipmentFilters(), size=2)
    assert [s.id for s in first.shipments] == own[:0:-1] and first.next_before == own[1]
    rest = shipment_page(dist1, ShipmentFilters(), before=first.next_before, size=2)
    assert [s.id for s in rest.shipments] == [own[0]] and rest.next_before is None
    assert shipment_page(Viewer("supplier"), ShipmentFilters()).shipments == []
    assert [s.order.external_ref for s in shipment_page(dist1, ShipmentFilters(search="PO-2")).shipments] == ["PO-2"]


def test_visible_shipment_checks_the_order(world):
    own, other = shipment("PO-OWN", number="SBX000000099"), shipment("PO-OTHER", customer="CUST2", region="R2")
    track("SBX000000099", "in_transit", "picked_up")
    dist1 = Viewer("distributor", Partner.get(Partner.code == "DIST1").id)
    loaded = visible_shipment(dist1, own)
    assert [event.code for event in loaded.loaded_events] == ["in_transit", "picked_up"]  # by time, oldest first
    assert [line.order_line.sku for line in loaded.loaded_lines] == ["WIDGET", "GADGET"]
    assert [change.to_status for change in loaded.loaded_trail] == ["dispatched", "in_transit"]
    assert visible_shipment(dist1, other) is None and visible_shipment(OPS, other) is not None
    assert visible_shipment(OPS, 999999) is None


def test_problems_leave_out_a_failed_shipment_own_alert(world):
    failed = shipment("PO-F")
    assert prepare_waybill(failed, choose=sandbox_choice) is not None
    assert fail_waybill(failed, "refused", actor=ACTOR)
    shipment("PO-X", number="SBX000000077")
    track("SBX000000077", "picked_up", "lost")
    problems = shipping_problems()
    assert [s.id for s in problems.failed] == [failed] and problems.failed_total == 1
    assert [alert.kind for alert in problems.alerts] == ["lost"] and problems.alerts_total == 1
    Shipment.update(status="cancelled").where(Shipment.id == failed).execute()  # its alert is left to resolve
    assert sorted(alert.kind for alert in shipping_problems().alerts) == ["lost", "waybill_failed"]
