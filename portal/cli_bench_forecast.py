"""`oms bench forecast`: weeks of shipped history for N forecast series in a fresh database, then one forecast
run timed: loading the history, back-testing and fitting, writing the forecasts."""
from __future__ import annotations

import math
import os
import shutil
import statistics
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import click

from portal.bench_settings import (
    bench_environment,
    bench_settings,
    deprecated_database_url,
    require_empty_database,
)

WAREHOUSES = (("EAST", "east"), ("WEST", "west"), ("SOUTH", "south"))
SERIES_PER_SKU = len(WAREHOUSES) + 1  # one per warehouse, and the SKU over all of them
PATTERNS = ("seasonal", "intermittent", "trending", "steady")


@click.command("forecast")
@click.option("--series", "series_count", default=5000, show_default=True, type=click.IntRange(min=SERIES_PER_SKU),
              help=f"forecast series: {SERIES_PER_SKU} per SKU ({len(WAREHOUSES)} warehouses and the SKU overall)")
@click.option("--weeks", default=104, show_default=True, type=click.IntRange(min=1, max=156),
              help="weeks of shipped history")
@click.option("--horizon-weeks", default=12, show_default=True, type=click.IntRange(min=1, max=104))
@click.option("--processes", default=None, type=click.IntRange(min=1),
              help="processes to fit in (default: the CPUs, at most 4)")
@deprecated_database_url
def bench_forecast(series_count: int, weeks: int, horizon_weeks: int, processes: int | None,
                   database_url: str | None) -> None:
    """Write WEEKS weeks of shipped orders for SERIES series (a quarter of the SKUs seasonal, a quarter
    intermittent, a quarter trending, a quarter steady) into a fresh database (the empty one of OMS_DATABASE_URL,
    else a temporary SQLite file), then time one forecast run."""
    from models.core.db import bind_database, database
    from models.core.migrate import upgrade_database
    from models.planning.forecasts import run_forecasts

    folder = Path(tempfile.mkdtemp(prefix="oms-bench-forecast-"))
    try:
        settings = bench_settings(bench_environment(folder, database_url=database_url))
        bind_database(settings.database_url)
        database.connect(reuse_if_open=True)
        require_empty_database()
        upgrade_database()
        skus = math.ceil(series_count / SERIES_PER_SKU)
        started = time.perf_counter()
        orders, lines = _write_history(skus, weeks)
        click.echo(f"bench: {skus * SERIES_PER_SKU} series ({skus} SKUs × {len(WAREHOUSES)} warehouses, and each SKU "
                   f"overall) × {weeks} weeks on {settings.database_url.split('@')[-1]}; history of {orders} orders, "
                   f"{lines} lines written in {time.perf_counter() - started:.1f} s")
        figures = run_forecasts(horizon_weeks=horizon_weeks, actor="bench", processes=processes)
        _report(figures, processes)
        database.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_history(skus: int, weeks: int) -> tuple[int, int]:
    """A world of three warehouses, a buyer per region and ``skus`` SKUs, and ``weeks`` weeks of one delivered
    order per warehouse and week carrying every SKU it shipped that week."""
    import numpy as np

    from models.core.base import utc_now
    from models.core.bulk_insert import insert_rows
    from models.core.db import database
    from models.inventory.tables import Product, Stock, Warehouse
    from models.partners.tables import Partner
    from models.planning.demand_history import week_start
    from models.planning.demo_history import ShippedOrder, write_shipped_orders

    with database.atomic():
        supplier = Partner.create(code="SUP-BENCH", name="Bench Supplier", kind="supplier", lead_time_days=7)
        insert_rows(Warehouse, [{"code": code, "name": f"{code} DC", "region": region} for code, region in WAREHOUSES])
        insert_rows(Partner, [{"code": f"CUST-{region.upper()}", "name": f"Buyer {region}", "kind": "customer",
                               "region": region, "email": f"buyer@{region}.example"} for _, region in WAREHOUSES])
        insert_rows(Product, [{"sku": f"SKU-{n:06d}", "name": f"Bench item {n}", "unit_price": Decimal("9.90"),
                               "supplier": supplier.id} for n in range(skus)])
        warehouses = list(Warehouse.select().order_by(Warehouse.id))
        products = [pid for (pid,) in Product.select(Product.id).order_by(Product.id).tuples()]
        insert_rows(Stock, [{"warehouse": w.id, "product": pid, "on_hand": 500}
                            for w in warehouses for pid in products])
    buyers = {region: pid for region, pid in Partner.select(Partner.region, Partner.id)
              .where(Partner.kind == "customer").tuples()}
    units = _demand(np.random.default_rng(7), skus, len(warehouses), weeks)  # SKU × warehouse × week
    first = datetime.combine(week_start(utc_now()) - timedelta(weeks=weeks), datetime.min.time())
    orders = []
    for week in range(weeks):
        for w, warehouse in enumerate(warehouses):
            shipped = np.flatnonzero(units[:, w, week])
            if len(shipped):
                orders.append(ShippedOrder(
                    customer_id=buyers[warehouse.region], warehouse_id=warehouse.id,
                    dispatched_at=first + timedelta(weeks=week, days=week % 5, hours=9 + w),
                    lines=tuple((products[s], int(units[s, w, week])) for s in shipped)))
    write_shipped_orders(orders, reference_prefix="BENCH")
    return len(orders), sum(len(order.lines) for order in orders)


def _demand(rng, skus: int, warehouses: int, weeks: int):
    """Weekly units per SKU, warehouse and week: seasonal, intermittent, trending or steady by SKU number."""
    import numpy as np

    week = np.arange(weeks)
    base = rng.uniform(2, 30, size=(skus, warehouses, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(skus, 1, 1))
    pattern = (np.arange(skus) % len(PATTERNS)).reshape(skus, 1, 1)
    rate = np.where(pattern == 0, base * (1 + 0.8 * np.sin(2 * np.pi * week / 52 + phase)),
                    np.where(pattern == 2, base * (0.4 + week / 80), base))
    units = rng.poisson(np.maximum(rate, 0.1))
    intermittent = rng.poisson(0.3, size=units.shape) * rng.integers(1, 10, size=units.shape)
    return np.where(pattern == 1, intermittent, units)


def _report(figures, processes: int | None) -> None:
    from models.planning.forecasts import MAX_PROCESSES
    from models.planning.tables import DemandForecast

    run = figures.run
    total = float(run.seconds)
    methods = Counter(method for (method,) in DemandForecast.select(DemandForecast.method).tuples())
    mases = [float(m) for (m,) in DemandForecast.select(DemandForecast.mase)
             .where(DemandForecast.mase.is_null(False)).tuples()]
    click.echo(f"load   {figures.load_seconds:6.2f} s  weekly shipped units of {figures.series} series")
    click.echo(f"fit    {figures.fit_seconds:6.2f} s  back-test (3 origins × 4 weeks) and forecast, "
               f"{processes or min(MAX_PROCESSES, os.cpu_count() or 1)} processes on {os.cpu_count()} CPUs")
    click.echo(f"write  {figures.write_seconds:6.2f} s  {figures.series} forecasts with their periods; "
               f"{figures.products_changed} products nudged to replenishment")
    click.echo(f"total  {total:6.2f} s  {figures.series / total:,.0f} series/s; run {run.status}")
    click.echo("methods " + ", ".join(f"{name} {count}" for name, count in methods.most_common())
               + (f"; MASE median {statistics.median(mases):.2f}" if mases else ""))
