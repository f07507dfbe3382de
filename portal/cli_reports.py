"""`oms reports rebuild`: recompute the sales and cycle-time rollups from the orders and their audit trail."""
from __future__ import annotations

import time
from datetime import date

import click


@click.command("rebuild")
@click.option("--from", "since", type=click.DateTime(formats=["%Y-%m-%d"]), help="first day to recompute")
@click.option("--to", "until", type=click.DateTime(formats=["%Y-%m-%d"]), help="last day to recompute")
def rebuild_reports(since, until) -> None:
    """Recompute the sales (order and line grain) and cycle-time rollups, all days or those of --from..--to (the
    day an order shipped; delivered for the delivery step), replacing what was kept there."""
    from models.reports.sales_rollup import rebuild_rollups
    from portal.cli_support import cli_context

    first: date | None = since.date() if since else None
    last: date | None = until.date() if until else None
    if first and last and first > last:
        raise click.BadParameter("--from must be on or before --to")
    with cli_context():
        started = time.perf_counter()
        rebuild_rollups(since=first, until=last)
    click.echo(f"sales and cycle-time rollups rebuilt ({first or 'first day'} to {last or 'last day'}) in "
               f"{time.perf_counter() - started:.2f} s")
