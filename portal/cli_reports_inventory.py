"""`oms reports rebuild-inventory`: recompute the inventory report's daily rollup from the raw rows."""
from __future__ import annotations

import time

import click


@click.command("rebuild-inventory")
@click.option("--snapshot/--no-snapshot", default=True, help="also take today's on-hand snapshot if it is missing")
def rebuild_inventory(snapshot: bool) -> None:
    """Recompute every day of the units reserved, shipped and backordered per SKU and warehouse from the
    reservations and the audit trail (what the sweep keeps for the recent days), replacing the rollup."""
    from models.core.base import utc_now
    from models.reports.inventory_rollup import rebuild_inventory_rollup, take_snapshot
    from portal.cli_support import cli_context

    with cli_context():
        started = time.perf_counter()
        snapshots = take_snapshot(utc_now().date()) if snapshot else 0
        rows = rebuild_inventory_rollup()
    click.echo(f"inventory rollup rebuilt: {rows} day rows, {snapshots} snapshot rows, "
               f"{time.perf_counter() - started:.2f} s")
