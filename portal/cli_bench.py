"""`oms bench`: benchmarks that print figures, each on OMS_DATABASE_URL and OMS_BROKER_URL like every command, or
on SQLite in a temporary folder with the in-process broker when they are unset."""
from __future__ import annotations

import click

from portal.cli_bench_pipeline import bench_pipeline
from portal.cli_bench_portal import bench_portal


@click.group()
def bench() -> None:
    """Benchmarks that print figures."""


bench.add_command(bench_pipeline)
bench.add_command(bench_portal)
