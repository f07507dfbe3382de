"""`oms bench stages`: the pipeline's four stages run one after the other in this process over N placed orders,
each timed by the CPU it cost this process and its database backend. On a machine whose neighbours make whole-
pipeline runs scatter, this is the steadier measure of what a change to one stage bought."""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from portal.bench_settings import (
    bench_environment,
    bench_settings,
    require_empty_database,
    where,
)

ACTOR = "bench:stages"
PLACING_BATCH = 200


@dataclass(frozen=True)
class StageCost:
    name: str
    python_ms: float  # CPU of this process per order
    database_ms: float | None  # CPU of its PostgreSQL backend per order (None on SQLite: it is in this process)
    wall_ms: float


@click.command("stages")
@click.option("--orders", default=2000, show_default=True, type=click.IntRange(min=1))
@click.option("--lines", default=3, show_default=True, type=click.IntRange(min=1, max=20), help="lines per order")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(min=1), help="order ids per stage call")
def bench_stages(orders: int, lines: int, batch: int) -> None:
    """Place ORDERS orders on a fresh demo world, then review, allocate, prepare their waybills and record them as
    issued, a stage at a time in batches of BATCH ids, printing each stage's CPU an order. No carrier is called:
    preparing finds none to quote and takes the rules' first candidate, as it does when carriers do not answer,
    and recording takes the waybill numbers a carrier would have issued. Runs on OMS_DATABASE_URL (an empty
    database) or a temporary SQLite file; the broker is always the in-process one (nothing is consumed)."""
    folder = Path(tempfile.mkdtemp(prefix="oms-bench-stages-"))
    try:
        env = bench_environment(folder, OMS_CARRIER_URL="http://127.0.0.1:9")
        env.pop("OMS_BROKER_URL", None)
        os.environ.pop("OMS_BROKER_URL", None)
        os.environ.update(env)
        settings = bench_settings(env)
        clean = _run(settings, orders=orders, lines=lines, batch=batch)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not clean:
        raise SystemExit(1)


def _run(settings, *, orders: int, lines: int, batch: int) -> bool:
    from models.core.db import bind_database, database, is_sqlite
    from models.core.migrate import upgrade_database
    from models.invariants import run_checks
    from portal.bench_orders import prepare_world
    from portal.bench_placers import place_batch

    bind_database(settings.database_url)
    database.connect(reuse_if_open=True)
    require_empty_database()
    upgrade_database()
    bodies = prepare_world(orders, lines)
    ids = [order_id for start in range(0, orders, PLACING_BATCH)
           for order_id in place_batch(bodies[start:start + PLACING_BATCH])]
    if not is_sqlite():
        database.execute_sql("ANALYZE")
    click.echo(f"bench: {orders} orders × {lines} lines on {where(settings)}, the stages one after the other in "
               f"this process, {batch} ids a call")
    costs = [_measure(name, step, items, batch, len(ids)) for name, step, items in _stages(ids)]
    for cost in costs:
        database_part = "" if cost.database_ms is None else f", {cost.database_ms:.3f} in its database backend"
        click.echo(f"{cost.name:<10} {cost.python_ms:.3f} ms an order in this process{database_part}; "
                   f"{cost.wall_ms:.3f} ms wall")
    python_ms = sum(cost.python_ms for cost in costs)
    database_ms = sum(cost.database_ms or 0.0 for cost in costs)
    click.echo(f"total      {python_ms + database_ms:.3f} ms of CPU an order")
    problems = {name: found for name, found in run_checks().items() if found}
    click.echo("oms check: clean" if not problems else f"oms check: {problems}")
    click.echo("RESULT " + " ".join(f"{cost.name}_ms={cost.python_ms + (cost.database_ms or 0.0):.3f}"
                                    for cost in costs)
               + f" python_ms={python_ms:.3f} database_ms={database_ms:.3f} total_ms={python_ms + database_ms:.3f}")
    database.close()
    return not problems


def _stages(order_ids: list[int]):
    """(name, step over a batch of ids, the ids) for each stage, the later ones' ids found when they start."""
    from models.allocation.step import allocate_orders
    from models.review.step import review_orders
    from models.shipping.booking import BookedWaybill, prepare_waybills, record_waybills
    from models.shipping.tables import Shipment
    from workers.broker import current_settings
    from workers.shipping import choose_carriers

    yield "review", lambda ids: review_orders(ids, actor=ACTOR), order_ids
    yield "allocation", lambda ids: allocate_orders(ids, actor=ACTOR), order_ids
    shipments = [shipment_id for (shipment_id,) in Shipment.select(Shipment.id)
                 .where(Shipment.order.in_(order_ids)).order_by(Shipment.id).tuples()]
    settings, jobs = current_settings(), []
    logging.getLogger("workers.shipping").setLevel(logging.ERROR)  # "carriers did not quote": none is running
    yield ("preparing", lambda ids: jobs.extend(prepare_waybills(ids, choose=lambda p: choose_carriers(p, settings))),
           shipments)
    issued = {job.shipment_id: BookedWaybill(f"BENCH{job.shipment_id:09d}", f"https://bench.invalid/{job.shipment_id}")
              for job in jobs}
    yield "recording", lambda ids: record_waybills({i: issued[i] for i in ids}, actor=ACTOR), sorted(issued)


def _measure(name: str, step: Callable[[list[int]], object], items: list[int], batch: int, orders: int) -> StageCost:
    from models.core.db import database, is_sqlite

    backend = None if is_sqlite() else database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    started, backend_started, wall = time.process_time(), _cpu(backend), time.perf_counter()
    for start in range(0, len(items), batch):
        step(items[start:start + batch])
    python = time.process_time() - started
    database_cpu = None if backend is None else _cpu(backend) - backend_started
    per = 1000 / orders
    return StageCost(name, python * per, None if database_cpu is None else database_cpu * per,
                     (time.perf_counter() - wall) * per)


def _cpu(pid: int | None) -> float:
    from portal.bench_cpu import cpu_seconds

    return 0.0 if pid is None else cpu_seconds(pid) or 0.0
