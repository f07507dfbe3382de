from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.core.errors import NotFound
from models.core.outbox import OutboxMessage
from models.core.stages import FORECASTS, REPLENISHMENT
from models.partners.tables import Partner
from models.planning import forecast_rules
from models.planning.forecasts import (
    forecast_items,
    run_forecasts,
    schedule_due_forecasts,
)
from models.planning.tables import DemandForecast, ForecastPeriod, ForecastRun
from models.shipping.tables import Shipment
from tests.factories import make_world
from tests.forecast_support import at, ship

HISTORY_WEEKS = 30


@pytest.fixture
def world(any_db):
    world = make_world()
    for week in range(HISTORY_WEEKS):
        ship(world, at(week, day=1), 4 + week % 3, ref=f"E{week}")
        if week % 2:
            ship(world, at(week, day=2), 2, warehouse="west", ref=f"W{week}")
        if week >= 20:
            ship(world, at(week, day=3), 1 + week % 2, sku="gadget", ref=f"G{week}")
    return world


def run(**kwargs):
    return run_forecasts(horizon_weeks=kwargs.pop("horizon_weeks", 6), actor="test", as_of=at(HISTORY_WEEKS),
                         **kwargs)


def nudged(stage) -> list[list]:
    """The arguments of each message nudged to ``stage``, oldest first."""
    return [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == stage.actor_name)
            .order_by(OutboxMessage.id)]


def replenished() -> list[list[int]]:
    """The product ids of each replenishment nudge, oldest first."""
    return [products for (products,) in nudged(REPLENISHMENT)]


def stored() -> dict[str, DemandForecast]:
    return {f.series: f for f in DemandForecast.select()}


def test_a_run_stores_each_series_forecast_with_its_weeks(world):
    figures = run()
    assert figures.series == 5 and figures.run.status == "done" and figures.run.series == 5
    assert figures.run.seconds is not None and figures.run.finished_at is not None
    forecasts = stored()
    assert set(forecasts) == {"WIDGET@EAST", "WIDGET@WEST", "WIDGET@*", "GADGET@EAST", "GADGET@*"}
    east = forecasts["WIDGET@EAST"]
    assert (east.product_id, east.warehouse_id, east.history_weeks, east.horizon_weeks) == (
        world["widget"].id, world["east"].id, HISTORY_WEEKS, 6)
    assert forecasts["WIDGET@*"].warehouse_id is None
    assert east.method in forecast_rules.MODELS and east.mase is not None and Decimal("4") < east.mean_weekly < 7
    assert east.computed_at == figures.run.started_at
    weeks = list(east.periods.order_by(ForecastPeriod.week_start))
    assert [p.week_start for p in weeks] == [at(HISTORY_WEEKS + k).date() for k in range(6)]
    assert all(p.low <= p.quantity <= p.high for p in weeks)
    assert forecasts["GADGET@EAST"].method == "HistoricAverage" and forecasts["GADGET@EAST"].mase is None
    assert replenished() == [sorted([world["widget"].id, world["gadget"].id])]


def test_a_rerun_replaces_the_forecasts_and_nudges_only_what_changed(world):
    run()
    ids = {key: f.id for key, f in stored().items()}
    second = run()
    assert {key: f.id for key, f in stored().items()} == ids  # updated in place
    assert ForecastPeriod.select().count() == 5 * 6
    assert second.products_changed == 0 and len(replenished()) == 1
    ship(world, at(HISTORY_WEEKS - 1, day=4), 40, sku="gadget", ref="SPIKE")
    third = run(horizon_weeks=4)
    assert third.products_changed == 2  # the horizon changed every forecast
    assert ForecastPeriod.select().count() == 5 * 4
    ship(world, at(HISTORY_WEEKS - 1, day=4), 30, sku="gadget", ref="SPIKE2")
    run(horizon_weeks=4)
    assert replenished()[-1] == [world["gadget"].id]
    assert ForecastRun.select().where(ForecastRun.status == "done").count() == 4


def test_a_sku_run_touches_that_sku_only(world):
    run()
    before = {key: f.computed_at for key, f in stored().items()}
    figures = run(sku="GADGET", horizon_weeks=3)
    assert figures.series == 2
    after = stored()
    assert {key for key in after if after[key].computed_at != before[key]} == {"GADGET@EAST", "GADGET@*"}
    assert after["GADGET@EAST"].horizon_weeks == 3 and after["WIDGET@EAST"].horizon_weeks == 6
    assert replenished()[-1] == [world["gadget"].id]


def test_an_unknown_sku_is_refused_before_any_run(world):
    with pytest.raises(NotFound):
        run(sku="NOPE")
    assert ForecastRun.select().count() == 0


def test_a_series_left_without_shipments_loses_its_forecast(world):
    run()
    Shipment.update(status="cancelled").where(Shipment.warehouse == world["west"].id).execute()
    figures = run()
    assert "WIDGET@WEST" not in stored() and figures.series == 4
    assert world["widget"].id in replenished()[-1]


def test_a_failed_run_is_marked_failed(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the model fell over")

    monkeypatch.setattr(forecast_rules, "forecast_demand", broken)
    with pytest.raises(RuntimeError):
        run()
    failed = ForecastRun.get()
    assert failed.status == "failed" and "fell over" in failed.error and failed.finished_at is not None
    assert DemandForecast.select().count() == 0 and replenished() == []


def test_schedule_due_forecasts_nudges_once_until_the_next_is_due(any_db):
    every = timedelta(hours=24)
    assert schedule_due_forecasts(every, horizon_weeks=12)
    assert nudged(FORECASTS) == [[None, 12]]
    assert not schedule_due_forecasts(every, horizon_weeks=12)  # nudged, not started yet: not again
    OutboxMessage.update(created_at=utc_now() - timedelta(hours=30)).execute()
    ForecastRun.create(started_at=utc_now() - timedelta(hours=2), status="done")
    assert not schedule_due_forecasts(every, horizon_weeks=12)  # the last run is recent
    ForecastRun.update(started_at=utc_now() - timedelta(hours=25)).execute()
    assert schedule_due_forecasts(every, horizon_weeks=12)
    assert len(nudged(FORECASTS)) == 2


def test_no_nudge_while_a_run_is_under_way_unless_it_was_abandoned(any_db):
    every = timedelta(minutes=5)
    running = ForecastRun.create(started_at=utc_now() - timedelta(minutes=10), status="running")
    assert not schedule_due_forecasts(every, horizon_weeks=8)
    ForecastRun.update(started_at=utc_now() - timedelta(minutes=45)).where(ForecastRun.id == running.id).execute()
    assert schedule_due_forecasts(every, horizon_weeks=8)
    assert nudged(FORECASTS) == [[None, 8]]
    abandoned = ForecastRun.get_by_id(running.id)
    assert abandoned.status == "failed" and "abandoned" in abandoned.error


def test_a_run_without_any_shipment_is_done_with_no_series(any_db):
    make_world()
    figures = run_forecasts(horizon_weeks=4, actor="test")
    assert (figures.series, figures.run.status, figures.products_changed) == (0, "done", 0)
    assert DemandForecast.select().count() == 0 and replenished() == []


def test_forecast_items_filter_by_sku_warehouse_and_supplier_and_page(world):
    run()
    items, next_key = forecast_items()
    assert sorted((i["sku"], i["warehouse"]) for i in items) == [
        ("GADGET", "*"), ("GADGET", "EAST"), ("WIDGET", "*"), ("WIDGET", "EAST"), ("WIDGET", "WEST")]
    assert next_key is None
    first = next(i for i in items if i["series"] == "WIDGET@EAST")
    assert set(first) >= {"sku", "warehouse", "method", "mase", "history_weeks", "computed_at", "periods"}
    assert [set(p) for p in first["periods"]] == [{"week_start", "quantity", "low", "high"}] * 6
    assert [i["warehouse"] for i in forecast_items(sku="WIDGET", warehouse="*")[0]] == ["*"]
    assert [i["sku"] for i in forecast_items(warehouse="WEST")[0]] == ["WIDGET"]
    page, next_key = forecast_items(limit=2)
    rest, last_key = forecast_items(limit=3, after=next_key)
    assert len(page) == 2 and next_key == page[-1]["series"] and last_key is None
    assert [i["series"] for i in page + rest] == [i["series"] for i in items]  # keyset pages, in the database's order
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    assert forecast_items(supplier_id=other.id) == ([], None)
    assert len(forecast_items(supplier_id=world["supplier"].id)[0]) == 5
