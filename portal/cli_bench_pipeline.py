"""`oms bench pipeline`: N orders placed by K processes while the pipeline runs, timed to their waybills, with CPU,
SQL statements and messages per order over every process, against the raw no-op rate of the same broker and
workers."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import click

from portal.bench_settings import (
    bench_environment,
    bench_settings,
    require_empty_database,
    where,
)


@click.command("pipeline")
@click.option("--orders", default=500, show_default=True, type=click.IntRange(min=1))
@click.option("--lines", default=3, show_default=True, type=click.IntRange(min=1, max=20), help="lines per order")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(min=1), help="worker threads per process")
@click.option("--processes", default=2, show_default=True, type=click.IntRange(min=1),
              help="worker processes when OMS_BROKER_URL selects RabbitMQ (in-process: the threads of this one)")
@click.option("--raw-messages", default=10_000, show_default=True, type=click.IntRange(min=10),
              help="no-op messages a round for the raw rate of the broker and workers")
@click.option("--raw-rounds", default=3, show_default=True, type=click.IntRange(min=1),
              help="rounds of the raw rate; the best is the baseline, so a slow moment cannot flatter the ratio")
@click.option("--placers", type=click.IntRange(min=1),
              help="processes placing the orders, each its share (on SQLite threads of this process)  "
                   "[default: 2 on PostgreSQL, 1 on SQLite]")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True),
              help="orders/s placed, all placers together (latency at a given load)  [default: as fast as they can]")
@click.option("--max-batch", type=click.IntRange(min=1),
              help="order ids per message at most when the relay merges a stage's nudges (OMS_STAGE_MAX_BATCH)")
@click.option("--placing", type=click.Choice(["api", "batch"]), default="api", show_default=True,
              help="api: one order a call (place_order); batch: --placing-batch orders a call (place_orders)")
@click.option("--placing-batch", default=200, show_default=True, type=click.IntRange(min=1, max=500),
              help="orders per place_orders call with --placing batch")
def bench_pipeline(orders: int, lines: int, threads: int, processes: int, raw_messages: int, raw_rounds: int,
                   placers: int | None, rate: float | None, max_batch: int | None, placing: str,
                   placing_batch: int) -> None:
    """Place ORDERS orders on a fresh demo world while the pipeline runs, and time them to their waybills.

    Runs on OMS_DATABASE_URL (empty: use a disposable one) and OMS_BROKER_URL like every command, with worker
    processes on RabbitMQ; unset, on SQLite in a temporary folder with the in-process broker and worker threads,
    as `oms up` runs. The carrier is always the bundled sandbox. Ends with a RESULT line; exits 1 when an order
    did not ship or an invariant fails.
    """
    folder = Path(tempfile.mkdtemp(prefix="oms-bench-pipeline-"))
    try:
        clean = _run(folder, orders=orders, lines=lines, threads=threads, processes=processes,
                     raw_messages=raw_messages, raw_rounds=raw_rounds, placers=placers, rate=rate, max_batch=max_batch,
                     batch=placing_batch if placing == "batch" else None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not clean:
        raise SystemExit(1)


def _environment(folder: Path, max_batch: int | None):
    """Settings for this process and its workers; the broker module reads them from os.environ when imported."""
    from portal.bench_counters import ENV

    (folder / "counters").mkdir()
    extra = {"OMS_STAGE_MAX_BATCH": str(max_batch)} if max_batch else {}
    env = bench_environment(folder, OMS_CARRIER_URL=f"http://127.0.0.1:{_free_port()}",
                            OMS_SANDBOX_DELIVERY_SECONDS="0", **{ENV: str(folder / "counters")}, **extra)
    env.pop("OMS_CARRIERS_FILE", None)
    os.environ.pop("OMS_CARRIERS_FILE", None)
    os.environ.update(env)
    return bench_settings(env)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(folder: Path, *, orders: int, lines: int, threads: int, processes: int, raw_messages: int,
         raw_rounds: int, placers: int | None, rate: float | None, max_batch: int | None,
         batch: int | None = None) -> bool:
    from models.core.db import bind_database, connection
    from models.core.migrate import upgrade_database
    from portal.bench_counters import install, uncounted
    from portal.bench_figures import placer_words
    from portal.bench_orders import prepare_world, wait_outbox_drained
    from portal.bench_stack import Stack

    settings = _environment(folder, max_batch)
    placers = placers or (1 if settings.uses_sqlite else 2)
    install(folder / "counters")  # before the first connection opens
    bind_database(settings.database_url)  # once: the relay and the worker threads share this binding
    with connection():
        require_empty_database()
        upgrade_database()
        bodies = prepare_world(orders, lines)
    from portal.bench_worker import bench_noop
    from workers.broker import broker

    stack = Stack(settings, broker, folder, processes=processes, threads=threads)
    placing = placer_words(placers, "placing thread" if settings.uses_sqlite else "placing process")
    paced = f" at {rate:,.0f} orders/s" if rate else ""
    placing += f" in batches of {batch}" if batch else ""
    click.echo(f"bench: {orders} orders × {lines} lines on {where(settings)}, {stack.layout}; {placing}{paced}; "
               f"up to {settings.stage_max_batch} ids a message")
    try:
        stack.start()
        with connection():
            with uncounted():
                wait_outbox_drained(timeout=120)  # the demo world's own messages; the workers are up by then
            raw_rates = stack.raw_rates(bench_noop, raw_messages, raw_rounds)
            figures, books = _measure(settings, stack, bodies, raw_messages, raw_rates, placers=placers, rate=rate,
                                      batch=batch)
    finally:
        stack.stop()
    with connection(), uncounted():
        from models.invariants import run_checks

        checks = run_checks()
    return _print(figures, books, checks)


def _measure(settings, stack, bodies: list[dict], raw_messages: int, raw_rates: list[float], *, placers: int,
             rate: float | None, batch: int | None = None):
    """Place the orders (processes started and ready before the window) and wait for their waybills, between the
    meter's two readings."""
    from portal.bench_counters import uncounted
    from portal.bench_figures import Figures
    from portal.bench_meter import Meter
    from portal.bench_orders import carrier_books, outcome, wait_settled
    from portal.bench_placers import Placers
    from portal.bench_statistics import StatisticsKeeper

    placing = Placers(bodies, placers, rate, threads=settings.uses_sqlite, batch=batch)
    try:
        meter = Meter(settings, stack.folder / "counters", stack.relay_broker, placers=placing.pids,
                      workers=stack.worker_pid)
        meter.start()
        with StatisticsKeeper() as statistics:
            placing.go()
            placed = placing.results(timeout=max(120.0, len(bodies) / rate * 2 if rate else 0.0,
                                                 len(bodies) * 0.5))
            with uncounted():
                wait_settled(placed.ids, timeout=max(120.0, len(placed.ids) * 0.5))
        usage = meter.finish()
        if statistics.words:
            click.echo(statistics.words)
    finally:
        placing.stop()
    ids = placed.ids
    with uncounted():
        result, books = outcome(ids), carrier_books(ids, settings.carrier_url)
    figures = Figures(orders=len(bodies), shipped=len(result.shipped), placing_seconds=placed.seconds,
                      span_seconds=result.span, latencies=result.latencies, cpu_seconds=usage.cpu_seconds,
                      side_cpu_seconds=usage.side_cpu_seconds, statements=usage.statements,
                      published=usage.published, outbox_rows=usage.outbox_rows, raw_messages=raw_messages,
                      raw_rate=max(raw_rates), raw_rounds=tuple(raw_rates),
                      statements_by_part=usage.statements_by_part, placers=placers, rate=rate,
                      placer_kind="thread" if settings.uses_sqlite else "process", placing_batch=batch)
    return figures, books


def _print(figures, books: str, checks: dict[str, list[str]]) -> bool:
    """Every figure, the carrier's books and the invariant checks, then RESULT; True when all is well."""
    from portal.bench_figures import check_lines, report_lines, result_line

    for line in [*report_lines(figures), books, *check_lines(checks)]:
        click.echo(line)
    if figures.shipped < figures.orders:
        click.echo(f"NOT SHIPPED: {figures.orders - figures.shipped} orders")
    click.echo(result_line(figures))
    return figures.shipped == figures.orders and not any(checks.values())
