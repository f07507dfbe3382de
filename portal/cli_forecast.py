"""`oms forecast`: recompute the demand forecasts now, every series or one SKU's, and say what the run did."""
from __future__ import annotations

import click


@click.command("forecast")
@click.option("--sku", default=None, help="only this SKU's series (per warehouse and over all warehouses)")
@click.option("--horizon-weeks", type=click.IntRange(min=1, max=104), default=None,
              help="weeks ahead to forecast (default OMS_FORECAST_HORIZON_WEEKS, 12)")
def forecast_command(sku: str | None, horizon_weeks: int | None) -> None:
    """Recompute the demand forecasts from the shipped history, back-testing a model per series, and nudge the
    replenishment of the products whose forecast changed."""
    from models.core.errors import NotFound
    from models.planning.forecasts import run_forecasts
    from portal.cli_support import cli_context

    with cli_context() as settings:
        try:
            figures = run_forecasts(sku=sku, horizon_weeks=horizon_weeks or settings.forecast_horizon_weeks,
                                    actor="cli")
        except NotFound as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"forecast run {figures.run.id}: {figures.series} series in {float(figures.run.seconds):.2f} s "
               f"(load {figures.load_seconds:.2f} s, fit {figures.fit_seconds:.2f} s, "
               f"write {figures.write_seconds:.2f} s); {figures.products_changed} products changed")
