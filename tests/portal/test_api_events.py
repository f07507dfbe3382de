import re

import pytest

from models.core.base import utc_now
from models.partners.tables import ApiToken, User
from models.shipping.events import FEED_SETTLE
from models.shipping.tables import ShipmentEvent
from tests.models.shipping.test_events import record, shipment_of_new_order

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def events(app):
    """Three shipments (two orders of DIST1's customer, one of DIST2's) with events in interleaved order."""
    mine, other, later = (shipment_of_new_order("PO-1"), shipment_of_new_order("PO-2", customer_code="CUST2"),
                          shipment_of_new_order("PO-3"))
    record(mine.id, "shipped")
    record(other.id, "shipped")
    record(mine.id, "out_for_delivery")
    record(later.id, "shipped")
    record(other.id, "exception", detail="address not found")
    record(mine.id, "delivered")
    ShipmentEvent.update(created_at=utc_now() - 2 * FEED_SETTLE).execute()  # settled
    return {"DIST1": [mine.order_id, later.order_id], "DIST2": [other.order_id]}


def token(email: str) -> dict:
    return {"Authorization": f"Bearer {ApiToken.issue(User.get(User.email == email))}"}


def feed(client, headers, query: str = ""):
    return client.get(f"/api/v1/events{query}", headers=headers)


def test_ops_reads_every_event_in_id_order_page_by_page(client, events):
    headers = token("agent@relay.test")
    all_ids = [e.id for e in ShipmentEvent.select().order_by(ShipmentEvent.id)]
    seen, after = [], 0
    for _ in range(4):
        response = feed(client, headers, f"?after={after}&limit=2")
        assert response.status_code == 200, response.text
        page = response.json
        seen += page["events"]
        after = page["next_after"]
    assert [e["id"] for e in seen] == all_ids and len(all_ids) == 6
    assert after == all_ids[-1]  # an empty page answers the same cursor back
    assert feed(client, headers, f"?after={after}").json == {"events": [], "next_after": after}

    first = seen[0]
    assert {k: v for k, v in first.items() if k != "created_at"} == {
        "id": all_ids[0], "kind": "shipped", "order_id": events["DIST1"][0], "order_ref": "PO-1",
        "shipment_id": first["shipment_id"], "carrier": "sandbox",
        "waybill_number": f"SBX-{first['shipment_id']:06d}",
        "tracking_url": f"https://carrier.example/track/SBX-{first['shipment_id']:06d}", "detail": ""}
    assert ISO_UTC.match(first["created_at"])
    assert [e["detail"] for e in seen if e["kind"] == "exception"] == ["address not found"]


def test_default_page_is_everything_up_to_a_hundred(client, events):
    page = feed(client, token("admin@relay.test")).json
    assert len(page["events"]) == 6 and page["next_after"] == page["events"][-1]["id"]


def test_a_distributor_reads_only_the_events_of_its_orders(client, events):
    page = feed(client, token("dist1@relay.test")).json
    assert {e["order_id"] for e in page["events"]} == set(events["DIST1"])
    assert [e["kind"] for e in page["events"]] == ["shipped", "out_for_delivery", "shipped", "delivered"]

    other = feed(client, token("dist2@relay.test")).json["events"]
    assert [(e["order_id"], e["kind"]) for e in other] == [(events["DIST2"][0], "shipped"),
                                                           (events["DIST2"][0], "exception")]


def test_a_distributor_page_skips_ids_it_may_not_see(client, events):
    headers = token("dist2@relay.test")
    first = feed(client, headers, "?limit=1").json
    second = feed(client, headers, f"?after={first['next_after']}&limit=1").json
    assert [e["kind"] for e in first["events"] + second["events"]] == ["shipped", "exception"]
    assert second["next_after"] > first["next_after"] + 1  # DIST1's events in between were passed over


def test_other_roles_are_refused(client, events):
    response = feed(client, token("sup1@relay.test"))
    assert response.status_code == 403 and "may not read the events feed" in response.json["error"]


def test_a_token_is_required(client, events):
    assert feed(client, {}).status_code == 401
    assert feed(client, {"Authorization": "Bearer not-a-token"}).status_code == 401


@pytest.mark.parametrize("query, parameter", [
    ("?after=abc", "after"), ("?after=-1", "after"), ("?limit=0", "limit"), ("?limit=501", "limit"),
    ("?limit=ten", "limit"),
])
def test_bad_parameters_answer_422_naming_them(client, events, query, parameter):
    response = feed(client, token("agent@relay.test"), query)
    assert response.status_code == 422, response.text
    assert list(response.json["errors"]) == [parameter]


def test_limit_of_500_is_allowed(client, events):
    assert feed(client, token("agent@relay.test"), "?limit=500").status_code == 200


def test_an_event_younger_than_the_settle_time_waits_for_the_next_poll(client, events):
    """An older id may still commit after a younger one is visible: the feed holds back what just happened."""
    fresh = shipment_of_new_order("PO-9")
    record(fresh.id, "shipped")
    headers = token("admin@relay.test")
    assert fresh.id not in [e["shipment_id"] for e in feed(client, headers).get_json()["events"]]
    ShipmentEvent.update(created_at=utc_now() - 2 * FEED_SETTLE).where(
        ShipmentEvent.shipment == fresh.id).execute()
    assert fresh.id in [e["shipment_id"] for e in feed(client, headers).get_json()["events"]]
