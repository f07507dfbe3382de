"""`oms bench portal`: the ops order list over a book of N orders: the server time of its first page, each status,
a keyset page deep in the list and searches by reference and by customer name, p50/p95 over repeated requests."""
from __future__ import annotations

import time

import click

from portal.bench_figures import percentile

OPS_EMAIL = "bench-ops@relay.test"
PASSWORD = "bench-portal-password-1"
WARM_UP = 2


@click.command("portal")
@click.option("--orders", "order_count", default=1_000_000, show_default=True, type=click.IntRange(min=10))
@click.option("--customers", "customer_count", default=2_000, show_default=True, type=click.IntRange(min=3, max=2_000))
@click.option("--requests", "repeats", default=30, show_default=True, type=click.IntRange(min=1),
              help="timed requests per query")
def bench_portal(order_count: int, customer_count: int, repeats: int) -> None:
    """Seed ORDERS orders into the empty database of OMS_DATABASE_URL (else a temporary SQLite file), then time the
    ops order list signed in as ops."""
    from models.core.db import database, is_sqlite
    from portal.cli_bench_portal_book import seeded_book

    with seeded_book("oms-bench-portal-", order_count, customer_count, echo=click.echo) as (settings, started):
        database.execute_sql('ANALYZE "order"' if is_sqlite() else 'VACUUM ANALYZE "order"')
        database.execute_sql("ANALYZE partner" if is_sqlite() else "VACUUM ANALYZE partner")
        if not is_sqlite():  # the references searched by fragment (migration 0033), as autovacuum would after a load
            database.execute_sql("VACUUM ANALYZE order_reference")
        click.echo(f"seeded {order_count:,} orders for {customer_count:,} customers in "
                   f"{time.perf_counter() - started:.1f} s")
        timings = _time_the_list(settings, _queries(order_count), repeats)
    _report(order_count, timings)


def _queries(order_count: int) -> dict[str, str]:
    """The pages to time, by name."""
    from models.orders.order_list import ORDER_STATUSES
    from models.orders.tables import Order
    from portal.cli_bench_portal_book import REFERENCE_BASE

    newest = Order.select(Order.id).order_by(Order.id.desc()).scalar()
    deep = newest - int(order_count * 0.9)  # nine tenths of the way down the list
    fragment = str(REFERENCE_BASE + order_count * 2 // 3)[1:-1]  # "0666666": ten orders at most
    return {"first": "/orders", **{f"status_{name}": f"/orders?status={name}" for name in ORDER_STATUSES},
            "deep": f"/orders?before={deep}", "search_ref": f"/orders?q={fragment}",
            "search_customer": "/orders?q=harbor"}


def _time_the_list(settings, queries: dict[str, str], repeats: int) -> dict[str, list[float]]:
    """Seconds each request took in the portal, sorted, by query name."""
    from models.partners.accounts import create_user
    from portal.app import create_app

    create_user(OPS_EMAIL, "ops_admin", password=PASSWORD)
    app = create_app(settings, test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    signed_in = client.post("/login", data={"email": OPS_EMAIL, "password": PASSWORD})
    if signed_in.status_code != 302:
        raise click.ClickException(f"could not sign in as ops: {signed_in.status_code}")
    timings: dict[str, list[float]] = {}
    for name, path in queries.items():
        for _ in range(WARM_UP):
            _get(client, path)
        spent, cpu = [], []
        for _ in range(repeats):
            started, cpu_started = time.perf_counter(), time.process_time()
            _get(client, path)
            spent.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        timings[name] = sorted(spent)
        # The portal's own CPU beside the wall time: on a busy host the wall time also holds the waits for a core.
        click.echo(f"{name:<30} p50 {1000 * percentile(timings[name], 0.5):7.1f} ms   "
                   f"p95 {1000 * percentile(timings[name], 0.95):7.1f} ms   "
                   f"portal cpu p50 {1000 * percentile(sorted(cpu), 0.5):5.1f} ms   {path}")
    return timings


def _get(client, path: str) -> None:
    answer = client.get(path)
    if answer.status_code != 200:
        raise click.ClickException(f"GET {path} answered {answer.status_code}")


def _report(order_count: int, timings: dict[str, list[float]]) -> None:
    worst = max(percentile(spent, 0.95) for spent in timings.values())
    parts = " ".join(f"{name}_p50_ms={1000 * percentile(spent, 0.5):.1f} "
                     f"{name}_p95_ms={1000 * percentile(spent, 0.95):.1f}" for name, spent in timings.items())
    click.echo(f"worst p95 {1000 * worst:.1f} ms")
    click.echo(f"RESULT orders={order_count} worst_p95_ms={1000 * worst:.1f} {parts}")
