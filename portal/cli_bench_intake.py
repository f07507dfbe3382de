"""`oms bench intake`: generate an order CSV of N lines on a fresh demo world, import it, print lines/s and peak
RSS."""
from __future__ import annotations

import csv
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
        started = time.perf_counter()
        with path.open("rb") as stream:
            result = import_order_file(stream, path.name, settings=settings, submitted_by="bench@relay.test",
                                       distributor=None, row_schema=import_row_schema)
        elapsed = time.perf_counter() - started
        database.close()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
        click.echo(f"imported {result.orders_accepted} orders / {result.lines_accepted} lines "
                   f"({result.orders_rejected} rejected, {result.errors_total} errors) in {elapsed:.2f} s: "
                   f"{line_count / elapsed:,.0f} lines/s")
        click.echo(f"peak RSS {peak_mb:.0f} MB")
        if keep:
            click.echo(f"kept {folder}")
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


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
