"""`oms bench intake`: generate an order CSV of N lines on a fresh demo world, import it, print lines/s, the CPU
seconds of the bench and its PostgreSQL backend, peak RSS, and a machine-readable RESULT line."""
from __future__ import annotations

import csv
import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import click

from portal.bench_settings import (
    bench_environment,
    bench_settings,
    deprecated_database_url,
    require_empty_database,
)

LINES_PER_ORDER = 3
COLUMNS = ("external_ref", "customer_code", "sku", "quantity", "unit_price", "currency", "ship_to_name",
           "ship_to_phone", "ship_to_address", "ship_to_city", "ship_to_region", "ship_to_postcode",
           "ship_to_country", "requested_delivery_date", "notes")


@click.command("intake")
@click.option("--lines", "line_count", default=100_000, show_default=True, type=click.IntRange(min=1))
@click.option("--keep", is_flag=True, help="keep the temporary folder (database, CSV) and print its path")
@deprecated_database_url
def bench_intake(line_count: int, keep: bool, database_url: str | None) -> None:
    """Import a generated CSV of LINES order lines (3 a order) into a fresh demo world: the empty database of
    OMS_DATABASE_URL, else a temporary SQLite file."""
    from models.core.db import bind_database, database
    from models.core.migrate import upgrade_database
    from models.demo_data import seed_demo
    from models.intake.file_import import import_order_file
    from schemas.order_rows import import_row_schema

    folder = Path(tempfile.mkdtemp(prefix="oms-bench-intake-"))
    try:
        settings = bench_settings(bench_environment(folder, database_url=database_url,
                                                    OMS_IMPORT_MAX_ROWS=str(max(line_count, 1_000_000)),
                                                    OMS_IMPORT_MAX_BYTES=str(1 << 40)))
        bind_database(settings.database_url)
        database.connect(reuse_if_open=True)
        require_empty_database()
        upgrade_database()
        seed_demo()
        path = folder / "orders.csv"
        started = time.perf_counter()
        _write_csv(path, line_count)
        generated = time.perf_counter() - started
        click.echo(f"generated {line_count} lines ({path.stat().st_size / 1e6:.1f} MB) in {generated:.2f} s")
        backend = _backend_pid()
        cpu_before = _cpu_seconds(backend)
        started = time.perf_counter()
        with path.open("rb") as stream:
            result = import_order_file(stream, path.name, settings=settings, submitted_by="bench@relay.test",
                                       distributor=None, row_schema=import_row_schema)
        elapsed = time.perf_counter() - started
        cpu = [after - before for before, after in zip(cpu_before, _cpu_seconds(backend))]
        load = os.getloadavg()[0]
        database.close()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
        click.echo(f"imported {result.orders_accepted} orders / {result.lines_accepted} lines "
                   f"({result.orders_rejected} rejected, {result.errors_total} errors) in {elapsed:.2f} s: "
                   f"{line_count / elapsed:,.0f} lines/s")
        # Other work on the machine stretches the wall, much less the CPU seconds: both are printed.
        click.echo(f"cpu: this process {cpu[0]:.2f} s" + (f", its PostgreSQL backend {cpu[1]:.2f} s" if backend else "")
                   + f"; load average {load:.1f} on {os.cpu_count()} cores")
        click.echo(f"peak RSS {peak_mb:.0f} MB")
        click.echo(f"RESULT lines_per_s={line_count / elapsed:.0f} seconds={elapsed:.2f} cpu_s={cpu[0]:.2f} "
                   f"db_cpu_s={cpu[1] if backend else 0:.2f} load={load:.1f}")
        if keep:
            click.echo(f"kept {folder}")
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _backend_pid() -> int | None:
    """The PostgreSQL server process of this connection when it runs on this machine (its CPU is then readable)."""
    from models.core.db import database, is_sqlite
    from portal.bench_cpu import named_as

    if is_sqlite():
        return None
    pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    return pid if named_as(pid, "postgres") else None


def _cpu_seconds(backend: int | None) -> list[float]:
    """CPU seconds so far of this process and of ``backend`` (0 without one)."""
    from portal.bench_cpu import cpu_seconds

    return [time.process_time(), (cpu_seconds(backend) or 0.0) if backend else 0.0]


def _write_csv(path: Path, line_count: int) -> None:
    """Valid orders over the demo catalogue and buyers; each buyer ships to one of a few addresses."""
    from models.inventory.tables import Product
    from models.partners.tables import Partner

    rng = random.Random(7)
    skus = [sku for (sku,) in Product.select(Product.sku).where(Product.active == True).tuples()]  # noqa: E712
    buyers = [code for (code,) in Partner.select(Partner.code).where(Partner.kind == "customer").tuples()]
    with path.open("w", newline="", encoding="utf-8") as handle:
        # Not models.core.csv_export: this file is import input, not a report for a spreadsheet, and the
        # importer must read "+1 555 0100" as written, not with an apostrophe in front.
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for number in range(0, line_count, LINES_PER_ORDER):
            buyer = rng.choice(buyers)
            site = rng.randrange(5)
            header = [buyer, "USD", f"Receiving {buyer}-{site}", "+1 555 0100", f"{site + 1} Dock Road", "Springfield",
                      "east", f"1000{site}", "US", f"2030-0{1 + site}-15", "" if site else "leave at gate, 2nd door"]
            for sku in rng.sample(skus, min(LINES_PER_ORDER, line_count - number)):
                price = "" if rng.random() < 0.5 else f"{rng.randint(100, 500000) / 100:,.2f}"
                writer.writerow([f"BENCH-{number // LINES_PER_ORDER:07d}", header[0], sku, rng.randint(1, 40),
                                 price, *header[1:]])
