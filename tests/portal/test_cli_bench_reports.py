"""`oms bench reports` at a tiny size, on SQLite and on PostgreSQL: it seeds the book and its rollups, times every
report of REPORT_URLS and ends with a RESULT line; the rollups it times equal the figures of its raw rows."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import date

import pytest

from portal.bench_report_urls import REPORT_URLS
from tests.portal.test_cli_bench import ROOT, _environment


def _bench_reports(env: dict[str, str]) -> tuple[str, dict[str, float]]:
    done = subprocess.run([sys.executable, "-m", "portal.cli", "bench", "reports", "--orders", "400", "--customers",
                           "30", "--requests", "2"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("RESULT orders=400 "), done.stdout
    return done.stdout, {name: float(value) for name, value in re.findall(r"(\w+)=([\d.]+)", last)}


def _assert_sane(output: str, result: dict[str, float]) -> None:
    assert "seeded 400 orders for 30 customers" in output and "rollups rebuilt" in output
    assert {"sales_api_by_customer", "customers_page", "cycle_times_api"} <= {name for name, _ in REPORT_URLS}
    for name, _ in REPORT_URLS:
        assert 0 < result[f"{name}_p50_ms"] <= result[f"{name}_p95_ms"] <= result["worst_p95_ms"], name


@pytest.mark.slow(seconds=30)
def test_the_reports_bench_on_sqlite():
    _assert_sane(*_bench_reports(_environment()))


@pytest.mark.postgres
@pytest.mark.slow(seconds=30)
def test_the_reports_bench_on_postgres(postgres_url):
    output, result = _bench_reports(_environment(OMS_DATABASE_URL=postgres_url))
    assert "oms_test_" in output.splitlines()[0]
    _assert_sane(output, result)


def test_the_bench_history_gives_the_rollups_their_raw_figures(db):
    """The book's lines and trails, rebuilt into rollups, agree with the figures computed from them here."""
    from models.core.db import database
    from models.reports.sales_rollup import rebuild_rollups
    from portal.bench_report_history import seed_lines, seed_trails
    from portal.cli_bench_portal_book import seed_orders, seed_partners
    from tests.models.reports.raw_figures import kept_rollups, raw_rollups

    seed_partners(12)
    seed_orders(300)
    with database.atomic():
        seed_lines()
        seed_trails()
    rebuild_rollups()
    kept = kept_rollups()
    assert kept == raw_rollups()
    assert sum(orders for orders, _, _ in kept[0].values()) > 200


def test_the_bench_book_gives_the_inventory_and_returns_reports_figures(db):
    """Reservations, backorders, returns, feedback and snapshots are seeded, and the inventory rollup rebuilt from
    them counts every shipped unit, so those reports time real figures."""
    import peewee

    from models.core.db import database
    from models.orders.tables import Order, OrderLine, Reservation
    from models.reports.inventory_rollup import rebuild_inventory_rollup
    from models.reports.inventory_tables import InventoryDay, StockSnapshot
    from models.reports.periods import DateRange
    from models.reports.returns import returns_report
    from models.returns.tables import OrderFeedback, ReturnRequest
    from portal.bench_report_history import seed_lines, seed_trails
    from portal.bench_report_stock import seed_catalogue, seed_stock_book
    from portal.cli_bench_portal_book import seed_orders, seed_partners

    seed_partners(12)
    seed_orders(3000)
    with database.atomic():
        seed_catalogue()
        seed_lines()
        seed_trails()
        seed_stock_book()
    rebuild_inventory_rollup()
    shipped_lines = (OrderLine.select(peewee.fn.SUM(OrderLine.quantity)).join(Order)
                     .where(Order.status.in_(("shipped", "delivered"))).scalar())
    assert OrderLine.select().where(OrderLine.product.is_null()).count() == 0
    assert Reservation.select(peewee.fn.SUM(Reservation.quantity)).where(Reservation.status == "fulfilled").scalar() \
        == shipped_lines
    assert InventoryDay.select(peewee.fn.SUM(InventoryDay.units_shipped)).scalar() == shipped_lines
    assert InventoryDay.select(peewee.fn.SUM(InventoryDay.units_backordered)).scalar() > 0
    assert InventoryDay.select(peewee.fn.SUM(InventoryDay.units_refilled)).scalar() > 0
    assert StockSnapshot.select().count() > 0 and ReturnRequest.select().count() > 0
    assert OrderFeedback.select().count() > 0
    span = DateRange(date(2024, 1, 1), date(2026, 12, 31))
    by_reason = returns_report(span, "reason")
    assert len(by_reason) >= 5 and all(row.returns > 0 for row in by_reason)
    assert any(row.units_shipped for row in returns_report(span, "sku"))
