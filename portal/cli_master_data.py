"""`oms import KIND FILE` and `oms seed demo`: master data into the database from CSV or the demo world."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click

from models.core.errors import OMSError, ValidationFailed
from models.currency.rate_import import import_rates
from models.demo_data import demo_is_needed, seed_demo
from models.partners.master_data import import_master_data
from models.pricing.price_import import import_price_lists
from models.pricing.tax_import import import_tax_rates
from models.receivables.payment_import import import_payments
from portal.cli_support import cli_context
from schemas.exchange_rates import rate_row_schema
from schemas.master_data import KINDS, ROW_SCHEMAS
from schemas.payments import payment_row_schema
from schemas.price_lists import price_list_row_schema
from schemas.tax_rates import tax_rate_row_schema

# Imports beyond master data and payments: kind -> a function (file, *, actor, settings) returning a report with
# created, updated, unchanged and errors (each error with row, field, message), as import_master_data does.
OTHER_IMPORTS: dict[str, Callable[..., Any]] = {
    "price-lists": partial(import_price_lists, row_schema=price_list_row_schema),
    "rates": partial(import_rates, row_schema=rate_row_schema),
    "tax-rates": partial(import_tax_rates, row_schema=tax_rate_row_schema),
}


@click.command("import")
@click.argument("kind", type=click.Choice((*KINDS, "payments", "price-lists", "rates", "tax-rates")))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(kind: str, file: Path) -> None:
    """Create or update KIND records from the CSV FILE (examples in deploy/examples/master-data).

    Import in the order suppliers, customers, warehouses, lanes, products, stock so every code a row
    names exists; payments once their customers exist (a payment reference already recorded is skipped).
    Bad rows are listed and skipped; the good rows are kept. Exit code 1 if any row failed.
    """
    with cli_context() as settings:
        if kind in OTHER_IMPORTS:
            report = OTHER_IMPORTS[kind](file, actor="cli", settings=settings)
        elif kind == "payments":
            report = import_payments(file, row_schema=payment_row_schema, actor="cli", settings=settings)
        else:
            report = import_master_data(kind, file, row_schema=ROW_SCHEMAS[kind], actor="cli", settings=settings)
    click.echo(f"{kind}: created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
               f"errors {len(report.errors)}")
    for error in report.errors:
        click.echo(f"row {error.row}, {error.field}: {error.message}", err=True)
    if report.errors:
        raise click.exceptions.Exit(1)


@click.group("seed")
def seed_command() -> None:
    """Fill the database with sample data."""


@seed_command.command("demo")
@click.option("--password", default="demo-pass-123", show_default=True,
              help="Password of every demo login (at least 8 characters).")
def seed_demo_command(password: str) -> None:
    """Seed an empty database with warehouses, a catalogue, stock, buyers and one login per role."""
    with cli_context():
        if not demo_is_needed():
            click.echo("The database already has partners; demo data is only seeded into an empty database.",
                       err=True)
            raise click.exceptions.Exit(1)
        try:
            seed = seed_demo(password=password)
        except OMSError as exc:
            raise click.ClickException(_describe(exc)) from None
    click.echo(f"Seeded {seed.warehouses} warehouses, {seed.lanes} lanes, {seed.suppliers} suppliers, "
               f"{seed.products} products, {seed.stock_rows} stock rows, {seed.distributors} distributors, "
               f"{seed.customers} customers.")
    click.echo(_table(("email", "role", "password"), seed.logins))


def _describe(exc: OMSError) -> str:
    if isinstance(exc, ValidationFailed):
        return "; ".join(f"{name}: {', '.join(map(str, messages))}" for name, messages in exc.messages.items())
    return str(exc)


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = [headers, tuple("-" * width for width in widths), *rows]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip()
                     for line in lines)
