"""`oms bench allocation`: N approved orders racing for one scarce SKU, allocated from T threads on a fresh
demo world; prints allocations/s, the outcome and the invariant check."""
from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

from portal.bench_settings import (
    bench_environment,
    bench_settings,
    deprecated_database_url,
    require_empty_database,
)

ACTOR = "bench:allocation"
PLENTY_PER_ORDER = 10  # units per order of every other SKU in each warehouse: only the hot SKU runs short
MAX_ATTEMPTS = 5


@click.command("allocation")
@click.option("--orders", "order_count", default=2000, show_default=True, type=click.IntRange(min=1))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1))
@deprecated_database_url
def bench_allocation(order_count: int, threads: int, database_url: str | None) -> None:
    """Allocate ORDERS approved orders of 1-3 units of one hot SKU (stock for about half of them) plus
    random other SKUs, from THREADS threads, on a fresh demo world: the empty database of OMS_DATABASE_URL, else
    a temporary SQLite file."""
    from models.core.db import bind_database, database
    from models.core.migrate import upgrade_database
    from models.demo_data import seed_demo
    from models.invariants import run_checks

    folder = Path(tempfile.mkdtemp(prefix="oms-bench-allocation-"))
    try:
        settings = bench_settings(bench_environment(folder, database_url=database_url))
        bind_database(settings.database_url)
        database.connect(reuse_if_open=True)
        require_empty_database()
        upgrade_database()
        seed_demo()
        hot, supply = _scarce_stock(order_count)
        started = time.perf_counter()
        ids = _approved_orders(order_count, hot)
        click.echo(f"bench: {order_count} approved orders on {settings.database_url.split('@')[-1]}, "
                   f"{threads} threads; hot SKU {hot} has {supply} units for about {2 * order_count} wanted "
                   f"(orders placed in {time.perf_counter() - started:.1f} s)")
        database.close()  # every thread takes its own connection from the pool
        tally = _Tally()
        started = time.perf_counter()
        _allocate_in_threads(ids, threads, tally)
        elapsed = time.perf_counter() - started
        database.connect(reuse_if_open=True)
        _report(ids, hot, supply, threads, elapsed, tally, run_checks())
        database.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _scarce_stock(order_count: int) -> tuple[str, int]:
    """Cut the first held SKU to about one unit per order over the warehouses (orders want two on average)
    and fill every other held SKU up; return the hot SKU and its units."""
    from models.inventory.tables import Product, Stock, Warehouse

    held = Product.select(Product.id, Product.sku).where(Product.dropship == False).order_by(Product.sku)  # noqa: E712
    hot = held.first()
    warehouses = [w.id for w in Warehouse.select(Warehouse.id).order_by(Warehouse.id)]
    shares = [order_count // len(warehouses) + (n < order_count % len(warehouses)) for n in range(len(warehouses))]
    for warehouse_id, units in zip(warehouses, shares):
        Stock.update(on_hand=units).where(Stock.product == hot.id, Stock.warehouse == warehouse_id).execute()
    Stock.update(on_hand=PLENTY_PER_ORDER * order_count).where(
        Stock.product.in_(held.select(Product.id)), Stock.product != hot.id).execute()
    return hot.sku, sum(shares)


def _approved_orders(order_count: int, hot: str) -> list[int]:
    """Orders of the hot SKU and sometimes one other, from buyers in good standing, placed and approved."""
    from models.core.db import database
    from models.core.transitions import transition
    from models.demo_data import WAREHOUSES
    from models.intake.entry import place_order
    from models.inventory.tables import Product
    from models.orders.states import ORDER_APPROVED, ORDER_REVIEWING
    from models.partners.tables import Partner
    from schemas.orders import order_schema

    rng = random.Random(7)
    others = [sku for (sku,) in Product.select(Product.sku).where(Product.dropship == False,  # noqa: E712
                                                                  Product.sku != hot).tuples()]
    buyers = [code for (code,) in Partner.select(Partner.code).where(
        Partner.kind == "customer", Partner.blocked == False).tuples()]  # noqa: E712
    regions = [region for _, _, region, _ in WAREHOUSES]
    ids = []
    with database.atomic():  # one commit: placing is set-up here, not the figure measured
        for number in range(order_count):
            lines = [{"sku": hot, "quantity": rng.randint(1, 3)}]
            if rng.random() < 0.5:
                lines.append({"sku": rng.choice(others), "quantity": rng.randint(1, 5)})
            body = {"channel": "api", "external_ref": f"BENCH-ALLOC-{number:06d}", "customer_code": rng.choice(buyers),
                    "currency": "USD", "lines": lines, "notes": "",
                    "ship_to": {"name": "Receiving", "address": "1 Dock Road", "city": "Springfield",
                                "region": rng.choice(regions), "postcode": "10001", "country": "US"}}
            order, _ = place_order(order_schema.load(body), actor=ACTOR)  # placed straight into review
            transition("order", order.id, ORDER_APPROVED, actor=ACTOR, expected=ORDER_REVIEWING)
            ids.append(order.id)
    return ids


@dataclass
class _Tally:
    """What the threads saw, under one lock."""

    replans: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _allocate_in_threads(ids: list[int], threads: int, tally: _Tally) -> None:
    from models.core.db import connection
    from models.core.errors import StockMoved
    from models.orders.flow import allocate

    def work(share: list[int]) -> None:
        with connection():
            for order_id in share:
                # One attempt at a time, so that every re-plan after StockMoved is counted here.
                for _ in range(MAX_ATTEMPTS):
                    try:
                        allocate(order_id, actor=ACTOR, attempts=1)
                        break
                    except StockMoved:
                        with tally.lock:
                            tally.replans += 1
                    except Exception as exc:  # noqa: BLE001 - reported with the figures
                        with tally.lock:
                            tally.errors.append(f"order {order_id}: {exc!r}")
                        break

    workers = [threading.Thread(target=work, args=(ids[n::threads],)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def _report(ids: list[int], hot: str, supply: int, threads: int, elapsed: float, tally: _Tally,
            checks: dict[str, list[str]]) -> None:
    import peewee

    from models.inventory.tables import Product, Stock
    from models.orders.states import ORDER_ALLOCATED, ORDER_BACKORDERED
    from models.orders.tables import Order

    outcome = dict(Order.select(Order.status, peewee.fn.COUNT(Order.id)).where(Order.id.in_(ids))
                   .group_by(Order.status).tuples())
    reserved = (Stock.select(peewee.fn.SUM(Stock.reserved)).join(Product).where(Product.sku == hot).scalar()) or 0
    click.echo(f"allocated {len(ids)} orders from {threads} threads in {elapsed:.2f} s: "
               f"{len(ids) / elapsed:,.0f} allocations/s")
    click.echo(f"outcome: {outcome.get(ORDER_ALLOCATED, 0)} allocated, {outcome.get(ORDER_BACKORDERED, 0)} backordered"
               + "".join(f", {count} {status}" for status, count in sorted(outcome.items())
                         if status not in (ORDER_ALLOCATED, ORDER_BACKORDERED)))
    click.echo(f"hot SKU {hot}: {reserved} of {supply} units reserved; re-plans after StockMoved: {tally.replans}")
    if tally.errors:
        click.echo(f"errors: {len(tally.errors)} (first: {tally.errors[0]})")
    problems = {name: found for name, found in checks.items() if found}
    if not problems:
        click.echo("oms check: clean")
    for name, found in problems.items():
        click.echo(f"oms check: {name}: {len(found)} violations, e.g. {found[0]}")
