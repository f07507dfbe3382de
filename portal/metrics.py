"""``GET /metrics``: Prometheus text format, and the portal's request counters behind it.

Served: every OMS process's counters and histograms on this host (portal requests, Dramatiq messages; see
``models/core/metrics.py``) and the business figures, read from the database at scrape time. Open by default,
as scrapers expect; with OMS_METRICS_TOKEN set it needs ``Authorization: Bearer <token>``. It opens its own
database connection so that a database outage still serves the process metrics (``oms_business_up`` 0).
"""
from __future__ import annotations

import hmac
import logging
import time

import peewee
from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client.core import GaugeMetricFamily

from models.core.db import connection
from models.core.metrics import counter, exposition, histogram
from models.operations.business_figures import business_figures

logger = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)
ENDPOINT = "metrics.metrics"
UNMATCHED = "unmatched"  # a 404 or 405 has no route: one label value, whatever path was asked
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = counter("oms_http_requests_total", "Portal and API requests answered.", ("route", "method", "status"))
LATENCY = histogram("oms_http_request_duration_seconds", "Time to answer a portal or API request.",
                    ("route", "method", "status"), LATENCY_BUCKETS)


def count_requests(app: Flask) -> None:
    """Time every request and count it by route (the URL rule, so ids in paths add no series), method and status."""
    @app.before_request
    def _start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            labels = (request.url_rule.rule if request.url_rule else UNMATCHED, request.method,
                      str(response.status_code))
            REQUESTS.labels(*labels).inc()
            LATENCY.labels(*labels).observe(time.perf_counter() - started)
        return response


@bp.get("/metrics")
def metrics():
    expected = current_app.config["OMS_SETTINGS"].metrics_token
    if expected and not _bearer_matches(expected):
        return jsonify({"error": "/metrics needs Authorization: Bearer <OMS_METRICS_TOKEN>"}), 401, \
            {"WWW-Authenticate": "Bearer"}
    body, content_type = exposition([BusinessCollector()])
    return Response(body, content_type=content_type)


def _bearer_matches(expected: str) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected.encode())


class BusinessCollector:
    """Gauges read from the database when scraped, so every portal process reports the same fresh values."""

    def collect(self):
        up = GaugeMetricFamily("oms_business_up", "1 when the business figures below could be read.")
        try:
            with connection():
                figures = business_figures()
        except peewee.PeeweeException as exc:
            logger.error("metrics: business figures unavailable: %s", str(exc).strip()[:300])
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        orders = GaugeMetricFamily("oms_orders", "Orders in each status (large statuses estimated on PostgreSQL).",
                                   labels=["status"])
        for status, count in figures.orders_by_status.items():
            orders.add_metric([status], count)
        yield orders
        yield GaugeMetricFamily("oms_order_holds_open", "Orders on hold, waiting for a decision.",
                                value=figures.open_holds)
        yield GaugeMetricFamily("oms_dead_letters_open", "Dead letters not yet retried or discarded.",
                                value=figures.open_dead_letters)
        yield GaugeMetricFamily("oms_outbox_unsent", "Outbox rows the relay has not published yet.",
                                value=figures.outbox_unsent)
        yield GaugeMetricFamily("oms_outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox row.",
                                value=figures.outbox_oldest_age_seconds)
        alerts = GaugeMetricFamily("oms_alerts_open", "Open alerts by kind.", labels=["kind"])
        for kind, count in figures.open_alerts.items():
            alerts.add_metric([kind], count)
        yield alerts
