"""`oms bench reports`: every report page and API over a book of N orders with their lines, audit trails,
reservations, backorders, returns, feedback and stock snapshots, and rollups (rebuilt as `oms reports rebuild` and
`oms reports rebuild-inventory` do), p50/p95 server time per report over repeated requests."""
from __future__ import annotations

import time

import click

from portal.bench_figures import percentile

OPS_EMAIL = "bench-reports@relay.test"
PASSWORD = "bench-reports-password-1"
WARM_UP = 1
TARGET_MS = 1000


@click.command("reports")
@click.option("--orders", "order_count", default=1_000_000, show_default=True, type=click.IntRange(min=10))
@click.option("--customers", "customer_count", default=2_000, show_default=True, type=click.IntRange(min=3, max=2_000))
@click.option("--requests", "repeats", default=10, show_default=True, type=click.IntRange(min=1),
              help="timed requests per report")
def bench_reports(order_count: int, customer_count: int, repeats: int) -> None:
    """Seed ORDERS orders and their rollups into the empty database of OMS_DATABASE_URL (else a temporary SQLite
    file), then time every report page and API signed in as ops."""
    from portal.cli_bench_portal_book import seeded_book

    with seeded_book("oms-bench-reports-", order_count, customer_count, echo=click.echo) as (settings, started):
        _seed_history()
        click.echo(f"seeded {order_count:,} orders for {customer_count:,} customers in "
                   f"{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        _rebuild()
        click.echo(f"rollups rebuilt in {time.perf_counter() - started:.1f} s")
        timings = _time_reports(settings, repeats)
    _report(order_count, timings)


def _seed_history() -> None:
    """Lines, trails and what the inventory and returns reports read (stock, reservations, returns, snapshots)."""
    from models.core.db import database
    from portal.bench_report_history import seed_lines, seed_trails
    from portal.bench_report_stock import seed_catalogue, seed_stock_book

    with database.atomic():
        seed_catalogue()
        seed_lines()
        seed_trails()
        seed_stock_book()
    _analyze(("order_line", "status_change", "reservation", "return_request", "return_line", "order_feedback",
              "stock_snapshot"))


def _rebuild() -> None:
    from models.reports.inventory_rollup import rebuild_inventory_rollup
    from models.reports.sales_rollup import ROLLUP_TABLES, rebuild_rollups

    rebuild_rollups()
    rebuild_inventory_rollup()
    _analyze((*ROLLUP_TABLES, "inventory_day"))


def _analyze(tables) -> None:
    from models.core.db import database, is_sqlite

    for table in tables:
        database.execute_sql(f'ANALYZE "{table}"' if is_sqlite() else f'VACUUM ANALYZE "{table}"')


def _time_reports(settings, repeats: int) -> dict[str, list[float]]:
    """Seconds each request took in the portal, sorted, by report name."""
    from models.partners.accounts import create_user
    from models.partners.tables import ApiToken
    from portal.app import create_app
    from portal.bench_report_urls import REPORT_URLS

    user, _ = create_user(OPS_EMAIL, "ops_admin", password=PASSWORD)
    headers = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
    app = create_app(settings, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    signed_in = client.post("/login", data={"email": OPS_EMAIL, "password": PASSWORD})
    if signed_in.status_code != 302:
        raise click.ClickException(f"could not sign in as ops: {signed_in.status_code}")
    ranges = _ranges()
    timings: dict[str, list[float]] = {}
    for name, template in REPORT_URLS:
        path = template.format(**ranges)
        for _ in range(WARM_UP):
            _get(client, path, headers)
        spent = []
        for _ in range(repeats):
            started = time.perf_counter()
            _get(client, path, headers)
            spent.append(time.perf_counter() - started)
        timings[name] = sorted(spent)
        click.echo(f"{name:<28} p50 {1000 * percentile(timings[name], 0.5):7.1f} ms   "
                   f"p95 {1000 * percentile(timings[name], 0.95):7.1f} ms   {path}")
    return timings


def _ranges() -> dict[str, str]:
    """The last half year and year of the book, ending on its last day with shipped orders."""
    from datetime import timedelta

    import peewee

    from models.reports.tables import SalesDay
    from models.reports.values import as_date

    last = SalesDay.select(peewee.fn.MAX(SalesDay.day)).scalar()
    end = as_date(last) if last else None
    if end is None:
        raise click.ClickException("no shipped order in the book: nothing to report")
    return {name: f"from={(end - timedelta(days=days - 1)).isoformat()}&to={end.isoformat()}"
            for name, days in (("half_year", 183), ("year", 365))}


def _get(client, path: str, headers: dict[str, str]) -> None:
    answer = client.get(path, headers=headers if path.startswith("/api/") else None)
    answer.get_data()  # a streamed body is produced while read: count it
    if answer.status_code != 200:
        raise click.ClickException(f"GET {path} answered {answer.status_code}")


def _report(order_count: int, timings: dict[str, list[float]]) -> None:
    worst = max(percentile(spent, 0.95) for spent in timings.values())
    slowest = max(timings, key=lambda name: percentile(timings[name], 0.95))
    parts = " ".join(f"{name}_p50_ms={1000 * percentile(spent, 0.5):.1f} "
                     f"{name}_p95_ms={1000 * percentile(spent, 0.95):.1f}" for name, spent in timings.items())
    click.echo(f"worst p95 {1000 * worst:.1f} ms ({slowest}); target {TARGET_MS} ms")
    click.echo(f"RESULT orders={order_count} worst_p95_ms={1000 * worst:.1f} {parts}")
