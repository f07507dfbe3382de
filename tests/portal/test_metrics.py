"""GET /metrics: Prometheus text that parses, request counts by route, business gauges as seeded, the token."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from models.core.base import utc_now
from models.core.outbox import OutboxMessage
from models.inventory.tables import Product, StockAlert, Warehouse
from models.operations.queue_tables import DeadLetter
from models.orders.tables import Order
from tests.conftest import settings_for
from tests.portal.conftest import build_app, place, put_on_hold

TOKEN = "metrics-token-0123456789"


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape by (name, sorted labels)."""
    answer = client.get("/metrics", **kwargs)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.content_type.startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.get_data(as_text=True))
            for sample in family.samples}


def requests_of(samples, route: str, status: str = "200", method: str = "GET") -> float:
    return samples.get(("oms_http_requests_total", (("method", method), ("route", route), ("status", status))), 0.0)


def test_a_request_is_counted_by_its_route_not_its_path(client, auth):
    route = "/orders/<int:order_id>"
    before = scrape(client)
    auth.login("admin@relay.test")
    order_id = place("MET-1").id
    assert client.get(f"/orders/{order_id}").status_code == 200
    assert client.get("/no-such-page-123").status_code == 404
    after = scrape(client)
    assert requests_of(after, route) == requests_of(before, route) + 1
    assert requests_of(after, "unmatched", "404") == requests_of(before, "unmatched", "404") + 1
    assert not any(f"/orders/{order_id}" in str(key) for key in after)  # no raw path, no id in a label
    count = ("oms_http_request_duration_seconds_count", (("method", "GET"), ("route", route), ("status", "200")))
    assert after[count] == before.get(count, 0.0) + 1


def test_business_gauges_match_the_data(client):
    place("MET-1")
    put_on_hold(place("MET-2").id)
    OutboxMessage.delete().execute()
    OutboxMessage.create(queue_name="oms_review", actor_name="review_orders", payload="[[1]]",
                         created_at=utc_now() - timedelta(minutes=5))
    DeadLetter.create(message_id="m-1", queue="oms_review", actor="review_orders", args="[]", error="boom")
    StockAlert.create(warehouse=Warehouse.select().first(), product=Product.select().first(), available=1,
                      reorder_point=5)
    samples = scrape(client)
    by_status = {}
    for order in Order.select(Order.status):
        by_status[order.status] = by_status.get(order.status, 0) + 1
    assert {dict(labels)["status"]: value for (name, labels), value in samples.items()
            if name == "oms_orders"} == by_status
    assert samples[("oms_business_up", ())] == 1
    assert samples[("oms_order_holds_open", ())] == by_status["on_hold"] == 1
    assert samples[("oms_dead_letters_open", ())] == 1
    assert samples[("oms_outbox_unsent", ())] == 1
    assert 299 <= samples[("oms_outbox_oldest_unsent_age_seconds", ())] < 400
    assert samples[("oms_alerts_open", (("kind", "stock"),))] == 1
    assert samples[("oms_alerts_open", (("kind", "supply"),))] == 0


def test_metrics_stay_open_without_a_login_and_outside_csrf(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)  # CSRF on, nobody signed in
    assert app.test_client().get("/metrics").status_code == 200


def test_a_metrics_token_closes_the_endpoint_to_everyone_else(tmp_path, sqlite_url):
    from portal.app import create_app
    from tests.conftest import copy_sqlite_template

    copy_sqlite_template(sqlite_url)
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url, OMS_METRICS_TOKEN=TOKEN),
                     test_config={"TESTING": True})
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code == 401
    assert scrape(client, headers={"Authorization": f"Bearer {TOKEN}"})[("oms_business_up", ())] == 1


def test_a_database_outage_still_serves_the_process_metrics(tmp_path):
    from portal.app import create_app

    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none"),
                     test_config={"TESTING": True})
    samples = scrape(app.test_client())
    assert samples[("oms_business_up", ())] == 0
    assert any(name == "oms_http_requests_total" for name, _ in samples)


def test_the_grafana_dashboard_graphs_only_metrics_that_exist(client):
    from pathlib import Path

    from portal.metrics import LATENCY, REQUESTS
    from workers.metrics_middleware import (
        DEAD_LETTERS,
        DURATION,
        ERRORS,
        MESSAGES,
        RETRIES,
    )

    dashboard = json.loads((Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json").read_text())
    graphed = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"\boms_[a-z_]+", target["expr"])}
    served = {family.name for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True))}
    served |= {metric._name for metric in (REQUESTS, LATENCY, MESSAGES, ERRORS, RETRIES, DEAD_LETTERS, DURATION)}
    suffixes = ("_total", "_bucket", "_count", "_sum")
    assert {name for name in graphed if not any(name.removesuffix(s) in served for s in suffixes + ("",))} == set()
