"""The forecast actor: runs the forecasts it is nudged for, and lets a SKU deleted since the nudge go."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from models.core.base import utc_now
from models.core.errors import BatchItemsFailed
from models.core.outbox import OutboxMessage
from models.core.stages import REPLENISHMENT
from models.planning.demand_history import week_start
from models.planning.tables import DemandForecast, ForecastRun
from tests.factories import make_world
from tests.forecast_support import ship
from workers.forecasts import recompute_forecasts


def test_the_actor_recomputes_and_nudges_replenishment(db):
    world = make_world()
    first = week_start(utc_now()) - timedelta(weeks=10)
    for week in range(10):
        ship(world, datetime.combine(first + timedelta(weeks=week, days=2), time(11)), 2 + week % 2, ref=f"W{week}")
    recompute_forecasts.fn(None, 5)
    run = ForecastRun.get()
    assert (run.status, run.series, run.requested_by) == ("done", 2, "worker:recompute_forecasts")
    assert {f.horizon_weeks for f in DemandForecast.select()} == {5}
    assert [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == REPLENISHMENT.actor_name)] == [
        [[world["widget"].id]]]


def test_a_sku_gone_since_the_nudge_is_not_retried(db):
    make_world()
    recompute_forecasts.fn("GONE", 5)  # no exception: dramatiq would retry it
    assert ForecastRun.select().count() == 0


@pytest.mark.parametrize("args", [(["WIDGET"], 12), ("WIDGET", "12"), (None, 0), (None, True)])
def test_malformed_forecast_arguments_fail_for_good(args):
    with pytest.raises(BatchItemsFailed, match="bad arguments"):
        recompute_forecasts.fn(*args)
