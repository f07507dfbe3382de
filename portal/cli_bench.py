"""`oms bench pipeline`: orders placed → shipped through the real stages, with figures."""
from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from datetime import timedelta

import click


@click.group()
def bench() -> None:
    """Benchmarks that print figures."""


@bench.command("pipeline")
@click.option("--orders", default=500, show_default=True, type=int)
@click.option("--lines", default=3, show_default=True, type=int, help="lines per order")
@click.option("--threads", default=4, show_default=True, type=int, help="worker threads (per process)")
@click.option("--processes", default=2, show_default=True, type=int,
              help="`oms worker` processes, when OMS_BROKER_URL selects RabbitMQ")
def bench_pipeline(orders: int, lines: int, threads: int, processes: int) -> None:
    """Place ORDERS orders on a fresh demo world and time them to shipped (intake, review, allocation,
    shipment, sandbox waybill).

    Runs on OMS_DATABASE_URL / OMS_BROKER_URL when set (the database must be empty: use a disposable
    one), with `oms worker` processes as in production; else on a temporary SQLite file with the
    in-process broker and worker threads, as `oms up` runs.
    """
    os.environ.setdefault("OMS_DATA_DIR", tempfile.mkdtemp(prefix="oms-bench-"))
    os.environ.setdefault("OMS_CARRIER_URL", f"http://127.0.0.1:{_free_port()}")
    os.environ["OMS_SANDBOX_DELIVERY_SECONDS"] = "0"
    from dramatiq import Worker

    from models.core.migrate import upgrade_database
    from models.invariants import run_checks
    from portal.cli_run import _start_relay, _start_sandbox
    from portal.cli_support import cli_context

    with cli_context() as settings:
        upgrade_database()
        order_bodies = _prepare_world(orders, lines)
    sandbox = _start_sandbox(settings.carrier_url)
    from workers.actors import broker

    if settings.uses_rabbitmq:
        worker = _WorkerProcesses(processes, threads)
        layout = f"{processes} worker processes × {threads} threads"
    else:
        worker = Worker(broker.broker, worker_threads=threads, worker_timeout=100)
        worker.start()
        layout = f"{threads} worker threads in this process"
    stop = threading.Event()
    relay = _start_relay(broker.broker, settings, stop)
    click.echo(f"bench: {orders} orders × {lines} lines on {settings.database_url.split('@')[-1]}, "
               f"broker {settings.broker_url.split('@')[-1] or 'in-process'}, {layout}")
    try:
        with cli_context():
            placed_in, ids = _place(order_bodies)
            settled_in = _wait_settled(ids, timeout=max(120.0, orders * 0.5))
            latencies = _latencies(ids)
            checks = run_checks()
            carrier = _carrier_books(settings.carrier_url)
    finally:
        stop.set()
        worker.stop(timeout=10_000)
        relay.join(10)
        if sandbox is not None:
            sandbox.shutdown()
    _report(orders, placed_in, settled_in, latencies, checks)
    click.echo(carrier)


class _WorkerProcesses:
    """`oms worker` as a child process group, stopped like a Worker."""

    def __init__(self, processes: int, threads: int) -> None:
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, "-m", "portal.cli", "worker", "--processes", str(processes),
                                      "--threads", str(threads)], start_new_session=True)

    def stop(self, timeout: int) -> None:
        import signal

        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout / 1000)


def _prepare_world(orders: int, lines: int) -> list[dict]:
    """Demo data with credit and stock out of the way: this measures the pipeline, not the rules."""
    import random

    from models.demo_data import demo_is_needed, seed_demo
    from models.inventory.tables import Product, Stock
    from models.partners.tables import Partner

    if not demo_is_needed():
        raise click.ClickException("the bench needs an empty database; point OMS_DATABASE_URL at a disposable one")
    seed_demo()
    Partner.update(credit_limit=None, blocked=False).execute()
    Stock.update(on_hand=1_000_000).execute()
    rng = random.Random(7)
    customers = list(Partner.select().where(Partner.kind.in_(("customer", "distributor"))))
    skus = [p.sku for p in Product.select(Product.sku)]
    bodies = []
    for n in range(orders):
        customer = rng.choice(customers)
        bodies.append({
            "channel": "api", "external_ref": f"BENCH-{n:06d}", "customer_code": customer.code, "currency": "USD",
            "ship_to": {"name": customer.name, "phone": "", "email": "", "address": "1 Bench Road", "city": "Testville",
                        "region": customer.region, "postcode": "00000", "country": "US"},
            "lines": [{"sku": sku, "quantity": rng.randint(1, 5), "unit_price": None}
                      for sku in rng.sample(skus, lines)],
            "requested_delivery_date": None, "notes": "", "priority": 0,
        })
    return bodies


def _place(bodies: list[dict]) -> tuple[float, list[int]]:
    from models.intake.entry import place_order

    started = time.perf_counter()
    ids = [place_order(body, actor="bench")[0].id for body in bodies]
    return time.perf_counter() - started, ids


def _wait_settled(ids: list[int], *, timeout: float) -> float:
    from models.orders.states import ORDER_WORKING_STATES
    from models.orders.tables import Order

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if not Order.select().where(Order.id.in_(ids), Order.status.in_(ORDER_WORKING_STATES)).exists():
            return time.perf_counter() - started
        time.sleep(0.05)
    raise click.ClickException(f"orders still in working states after {timeout:.0f} s")


def _latencies(ids: list[int]) -> list[float]:
    """Seconds from each order's creation to its `shipped` audit row."""
    from models.core.audit import StatusChange
    from models.orders.states import ORDER_SHIPPED
    from models.orders.tables import Order

    created = dict(Order.select(Order.id, Order.created_at).where(Order.id.in_(ids)).tuples())
    shipped = (StatusChange.select(StatusChange.entity_id, StatusChange.at)
               .where(StatusChange.entity == "order", StatusChange.to_status == ORDER_SHIPPED,
                      StatusChange.entity_id.in_(ids)).tuples())
    return sorted((at - created[order_id]) / timedelta(seconds=1) for order_id, at in shipped)


def _report(orders: int, placed_in: float, settled_in: float, latencies: list[float], checks: dict) -> None:
    shipped = len(latencies)
    click.echo(f"placed   {orders} orders in {placed_in:.2f} s ({orders / placed_in:.0f} orders/s, API write path)")
    click.echo(f"shipped  {shipped}/{orders} in {settled_in:.2f} s after the last placement "
               f"({shipped / (placed_in + settled_in):.0f} orders/s end to end)")
    if latencies:
        quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
        click.echo(f"latency  placed→shipped p50 {quantiles[49]:.2f} s, p95 {quantiles[94]:.2f} s, "
                   f"max {latencies[-1]:.2f} s")
    failed = {name: v for name, v in checks.items() if v}
    click.echo("oms check: clean" if not failed else f"oms check: FAILED {failed}")


def _carrier_books(carrier_url: str) -> str:
    """Our issued waybills against the carrier's own list, and how many attempts each took."""
    from collections import Counter

    import requests

    from models.shipping.states import WAYBILL_ISSUED
    from models.shipping.tables import Waybill

    ours = {number for (number,)
            in Waybill.select(Waybill.waybill_number).where(Waybill.status == WAYBILL_ISSUED).tuples()}
    attempts = Counter(a for (a,) in Waybill.select(Waybill.attempts).tuples())
    try:
        listed = requests.get(f"{carrier_url}/waybills", timeout=10).json()["waybills"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        return f"waybills {len(ours)} issued; the carrier's list is not readable ({exc})"
    live = {w["waybill_number"] for w in listed if w["status"] != "cancelled"}
    return (f"waybills {len(ours)} issued, {len(live)} live at the carrier, {len(live - ours)} unknown to us, "
            f"{len(ours - live)} missing there; attempts per shipment {dict(sorted(attempts.items()))}")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
