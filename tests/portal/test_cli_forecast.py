import re
from datetime import datetime, time, timedelta

import pytest
from click.testing import CliRunner

from models.core.base import utc_now
from models.core.db import bind_database, connection
from models.core.migrate import upgrade_database
from models.core.outbox import OutboxMessage
from models.core.stages import REPLENISHMENT
from models.planning.demand_history import week_start
from models.planning.tables import DemandForecast, ForecastPeriod, ForecastRun
from portal.cli import main
from tests.factories import make_world
from tests.forecast_support import ship


@pytest.fixture
def cli_env(tmp_path, sqlite_url) -> dict:
    """A migrated SQLite file with make_world() and 20 weeks of WIDGET and GADGET shipments up to last week."""
    bind_database(sqlite_url)
    with connection():
        upgrade_database()
        world = make_world()
        first = week_start(utc_now()) - timedelta(weeks=20)
        for week in range(20):
            when = datetime.combine(first + timedelta(weeks=week, days=1), time(10))
            ship(world, when, 3 + week % 3, ref=f"W{week}")
            ship(world, when, 1, sku="gadget", warehouse="west", ref=f"G{week}")
    return {"OMS_DATABASE_URL": sqlite_url, "OMS_DATA_DIR": str(tmp_path / "data"), "OMS_SECRET_KEY": "test"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_forecast_recomputes_every_series_and_says_what_it_did(runner, cli_env):
    result = runner.invoke(main, ["forecast"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert re.match(r"forecast run \d+: 4 series in [\d.]+ s \(load [\d.]+ s, fit [\d.]+ s, write [\d.]+ s\); "
                    r"2 products changed", result.stdout)
    with connection():
        assert {f.series for f in DemandForecast.select()} == {"WIDGET@EAST", "WIDGET@*", "GADGET@WEST", "GADGET@*"}
        assert {f.horizon_weeks for f in DemandForecast.select()} == {12}  # OMS_FORECAST_HORIZON_WEEKS' default
        assert ForecastPeriod.select().count() == 4 * 12
        assert ForecastRun.get().requested_by == "cli"
        assert OutboxMessage.select().where(OutboxMessage.actor_name == REPLENISHMENT.actor_name).count() == 1


def test_forecast_for_one_sku_with_a_horizon(runner, cli_env):
    cli_env["OMS_FORECAST_HORIZON_WEEKS"] = "3"
    assert runner.invoke(main, ["forecast"], env=cli_env).exit_code == 0
    result = runner.invoke(main, ["forecast", "--sku", "GADGET", "--horizon-weeks", "5"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert ": 2 series in " in result.stdout
    with connection():
        horizons = {f.series: f.horizon_weeks for f in DemandForecast.select()}
    assert horizons == {"WIDGET@EAST": 3, "WIDGET@*": 3, "GADGET@WEST": 5, "GADGET@*": 5}


def test_an_unknown_sku_or_a_bad_horizon_is_refused(runner, cli_env):
    unknown = runner.invoke(main, ["forecast", "--sku", "NOPE"], env=cli_env)
    assert unknown.exit_code == 1 and "no SKU 'NOPE'" in unknown.stderr
    assert runner.invoke(main, ["forecast", "--horizon-weeks", "0"], env=cli_env).exit_code == 2
    with connection():
        assert ForecastRun.select().count() == 0


def test_the_bench_prints_its_figures(runner):
    result = runner.invoke(main, ["bench", "forecast", "--series", "8", "--weeks", "30", "--processes", "1"])
    assert result.exit_code == 0, result.output
    for label in ("load", "fit", "write", "total"):
        assert re.search(rf"^{label} +[\d.]+ s", result.stdout, re.MULTILINE), result.stdout
    assert "8 series (2 SKUs × 3 warehouses" in result.stdout and "series/s; run done" in result.stdout
