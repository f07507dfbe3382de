"""Forecast runs: the weekly shipped demand of every series (or one SKU's), its back-tested forecast stored in
chunks, and the replenishment the changed forecasts drive; and the forecasts as the API reads them."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import peewee

from models.core.base import utc_now
from models.core.bulk_insert import insert_rows
from models.core.db import database
from models.core.errors import NotFound
from models.core.outbox import OutboxMessage
from models.core.stages import FORECASTS, REPLENISHMENT
from models.inventory.tables import Product, Warehouse
from models.planning.demand_history import DemandSeries, weekly_demand
from models.planning.tables import (
    ALL_WAREHOUSES,
    DemandForecast,
    ForecastPeriod,
    ForecastRun,
)

WRITE_CHUNK = 500  # series per transaction
NUDGE_CHUNK = 500  # product ids per replenishment message
RUN_ABANDONED_AFTER = timedelta(minutes=30)  # a run still "running" this long ago died with its worker
MAX_PROCESSES = 4
RUN_RUNNING, RUN_DONE, RUN_FAILED = "running", "done", "failed"
MEAN_PLACES, PERIOD_PLACES, MASE_PLACES = Decimal("0.001"), Decimal("0.01"), Decimal("0.0001")


@dataclass(frozen=True)
class ForecastRunFigures:
    run: ForecastRun
    series: int
    load_seconds: float
    fit_seconds: float
    write_seconds: float
    products_changed: int


def recompute_forecasts(*, sku: str | None = None, horizon_weeks: int, actor: str) -> ForecastRun:
    """Recompute every series (or ``sku``'s) and store the forecasts; returns the ForecastRun row."""
    return run_forecasts(sku=sku, horizon_weeks=horizon_weeks, actor=actor).run


def run_forecasts(*, sku: str | None = None, horizon_weeks: int, actor: str, as_of: datetime | None = None,
                  processes: int | None = None) -> ForecastRunFigures:
    """Load the weekly demand up to ``as_of`` (default now), forecast it, store it chunk by chunk; then, with the
    run marked done, nudge replenishment for the products whose forecasts changed. Returns the run and timings."""
    product_ids = None
    if sku is not None:
        product_ids = [pid for (pid,) in Product.select(Product.id).where(Product.sku == sku).tuples()]
        if not product_ids:
            raise NotFound(f"no SKU {sku!r}")
    with database.atomic():
        run = ForecastRun.create(requested_by=actor[:254], started_at=utc_now())
    try:
        return _run(run, product_ids, horizon_weeks, as_of or run.started_at,
                    processes or min(MAX_PROCESSES, os.cpu_count() or 1))
    except Exception as exc:
        with database.atomic():
            (ForecastRun.update(status=RUN_FAILED, finished_at=utc_now(), error=repr(exc)[:4000])
             .where(ForecastRun.id == run.id).execute())
        raise


def _run(run: ForecastRun, product_ids: list[int] | None, horizon_weeks: int, as_of: datetime,
         processes: int) -> ForecastRunFigures:
    from models.planning.forecast_rules import (  # the library takes seconds to load
        WeeklyHistory,
        forecast_demand,
    )

    started = time.perf_counter()
    series = weekly_demand(product_ids=product_ids, as_of=as_of)
    loaded = time.perf_counter()
    forecasts = forecast_demand({s.key: WeeklyHistory(s.start, s.quantities) for s in series},
                                horizon_weeks=horizon_weeks, processes=processes)
    fitted = time.perf_counter()
    changed: set[int] = set()
    for chunk in peewee.chunked(series, WRITE_CHUNK):
        with database.atomic():
            changed |= _store_chunk(chunk, forecasts, horizon_weeks, run.started_at)
    with database.atomic():
        changed |= _drop_stale(product_ids, run.started_at)
        seconds = time.perf_counter() - started
        (ForecastRun.update(status=RUN_DONE, finished_at=utc_now(), series=len(series), seconds=seconds)
         .where(ForecastRun.id == run.id).execute())
        for ids in peewee.chunked(sorted(changed), NUDGE_CHUNK):
            REPLENISHMENT.nudge(list(ids))
    return ForecastRunFigures(run=ForecastRun.get_by_id(run.id), series=len(series),
                              load_seconds=loaded - started, fit_seconds=fitted - loaded,
                              write_seconds=time.perf_counter() - fitted, products_changed=len(changed))


def _store_chunk(chunk: list[DemandSeries], forecasts: dict, horizon_weeks: int, computed_at: datetime) -> set[int]:
    """Upsert the chunk's forecasts, replace their periods; the products whose forecast changed."""
    keys = [s.key for s in chunk]
    before = _fingerprints(keys)
    rows, periods, after = [], {}, {}
    for s in chunk:
        found = forecasts[s.key]
        mean, std = _decimal(found.mean, MEAN_PLACES), _decimal(found.std, MEAN_PLACES)
        periods[s.key] = [(p.week_start, _decimal(p.quantity, PERIOD_PLACES), _decimal(p.low, PERIOD_PLACES),
                           _decimal(p.high, PERIOD_PLACES)) for p in found.periods]
        after[s.key] = (found.method, mean, std, tuple((week, quantity) for week, quantity, _, _ in periods[s.key]))
        rows.append({"series": s.key, "product": s.product_id, "warehouse": s.warehouse_id,
                     "method": found.method, "history_weeks": found.history_weeks, "horizon_weeks": horizon_weeks,
                     "mase": None if found.mase is None else _decimal(min(found.mase, 99_999_999), MASE_PLACES),
                     "mean_weekly": mean, "weekly_std": std, "computed_at": computed_at})
    updated = [field for field in DemandForecast._meta.sorted_fields if field.name not in ("id", "series")]
    (DemandForecast.insert_many(rows)
     .on_conflict(conflict_target=[DemandForecast.series], preserve=updated).execute())
    ids = dict(DemandForecast.select(DemandForecast.series, DemandForecast.id)
               .where(DemandForecast.series.in_(keys)).tuples())
    ForecastPeriod.delete().where(ForecastPeriod.forecast.in_(list(ids.values()))).execute()
    period_rows = [{"forecast": ids[key], "week_start": week, "quantity": quantity, "low": low, "high": high}
                   for key, rows_of_key in periods.items() for week, quantity, low, high in rows_of_key]
    insert_rows(ForecastPeriod, period_rows)
    return {s.product_id for s in chunk if before.get(s.key) != after[s.key]}


def _fingerprints(keys: list[str]) -> dict[str, tuple]:
    """What a stored forecast says, by series, in the form _store_chunk compares: method, mean, spread, weeks."""
    stored = {series: (forecast_id, method, mean, std) for forecast_id, series, method, mean, std in
              DemandForecast.select(DemandForecast.id, DemandForecast.series, DemandForecast.method,
                                    DemandForecast.mean_weekly, DemandForecast.weekly_std)
              .where(DemandForecast.series.in_(keys)).tuples()}
    weeks: dict[int, list] = {forecast_id: [] for forecast_id, *_ in stored.values()}
    for forecast_id, week, quantity in (ForecastPeriod
                                        .select(ForecastPeriod.forecast, ForecastPeriod.week_start,
                                                ForecastPeriod.quantity)
                                        .where(ForecastPeriod.forecast.in_(list(weeks)))
                                        .order_by(ForecastPeriod.forecast, ForecastPeriod.week_start).tuples()):
        weeks[forecast_id].append((week, _decimal(quantity, PERIOD_PLACES)))
    return {series: (method, _decimal(mean, MEAN_PLACES), _decimal(std, MEAN_PLACES), tuple(weeks[forecast_id]))
            for series, (forecast_id, method, mean, std) in stored.items()}


def _drop_stale(product_ids: list[int] | None, computed_at: datetime) -> set[int]:
    """Delete the forecasts in the run's scope that it did not write (no shipment in the history any more)."""
    stale = DemandForecast.computed_at < computed_at
    if product_ids is not None:
        stale &= DemandForecast.product.in_(product_ids)
    products = {pid for (pid,) in DemandForecast.select(DemandForecast.product).where(stale).distinct().tuples()}
    if products:
        DemandForecast.delete().where(stale).execute()
    return products


def _decimal(value, places: Decimal) -> Decimal:
    return Decimal(str(value)).quantize(places)


def schedule_due_forecasts(every: timedelta, *, horizon_weeks: int) -> bool:
    """Nudge a forecast run when the last one started (or was nudged) longer than ``every`` ago and none is
    under way; True when nudged."""
    now = utc_now()
    with database.atomic():
        running = ForecastRun.select().where(ForecastRun.status == RUN_RUNNING,
                                             ForecastRun.started_at > now - RUN_ABANDONED_AFTER)
        if running.exists():
            return False
        (ForecastRun.update(status=RUN_FAILED, finished_at=now, error="abandoned: no end within 30 minutes")
         .where(ForecastRun.status == RUN_RUNNING).execute())
        last_run = ForecastRun.select(ForecastRun.started_at).order_by(ForecastRun.started_at.desc()).first()
        # a nudge the worker has not taken up yet counts as a run, or every sweep would nudge again
        last_nudge = (OutboxMessage.select(OutboxMessage.created_at)
                      .where(OutboxMessage.actor_name == FORECASTS.actor_name,
                             OutboxMessage.payload.startswith("[null"))
                      .order_by(OutboxMessage.created_at.desc()).first())
        latest = max([row.started_at for row in (last_run,) if row] + [row.created_at for row in (last_nudge,) if row],
                     default=None)
        if latest is not None and latest > now - every:
            return False
        FORECASTS.nudge(None, horizon_weeks)
    return True


def forecast_items(*, sku: str | None = None, warehouse: str | None = None, supplier_id: int | None = None,
                   limit: int = 100, after: str | None = None) -> tuple[list[dict], str | None]:
    """Forecasts with their weeks, by series key, and the key to continue after (None on the last page).
    ``warehouse`` "*" selects the SKUs' all-warehouse series; ``supplier_id`` only that supplier's SKUs."""
    query = (DemandForecast.select(DemandForecast.id, DemandForecast.series, Product.sku,
                                   Warehouse.code.alias("warehouse"), DemandForecast.method, DemandForecast.mase,
                                   DemandForecast.history_weeks, DemandForecast.horizon_weeks,
                                   DemandForecast.mean_weekly, DemandForecast.weekly_std, DemandForecast.computed_at)
             .join(Product, on=(DemandForecast.product == Product.id))
             .join_from(DemandForecast, Warehouse, peewee.JOIN.LEFT_OUTER,
                        on=(DemandForecast.warehouse == Warehouse.id))
             .order_by(DemandForecast.series).limit(limit + 1))
    if sku is not None:
        query = query.where(Product.sku == sku)
    if warehouse == ALL_WAREHOUSES:
        query = query.where(DemandForecast.warehouse.is_null())
    elif warehouse is not None:
        query = query.where(Warehouse.code == warehouse)
    if supplier_id is not None:
        query = query.where(Product.supplier == supplier_id)
    if after is not None:
        query = query.where(DemandForecast.series > after)
    found = list(query.dicts())
    page = found[:limit]
    weeks = _periods_of([row["id"] for row in page])
    items = [{**{key: value for key, value in row.items() if key != "id"},
              "warehouse": row["warehouse"] or ALL_WAREHOUSES, "periods": weeks.get(row["id"], [])} for row in page]
    return items, (page[-1]["series"] if len(found) > limit else None)


def _periods_of(forecast_ids: list[int]) -> dict[int, list[dict]]:
    weeks: dict[int, list[dict]] = {}
    if not forecast_ids:
        return weeks
    for forecast_id, week, quantity, low, high in (ForecastPeriod
                                                   .select(ForecastPeriod.forecast, ForecastPeriod.week_start,
                                                           ForecastPeriod.quantity, ForecastPeriod.low,
                                                           ForecastPeriod.high)
                                                   .where(ForecastPeriod.forecast.in_(forecast_ids))
                                                   .order_by(ForecastPeriod.forecast, ForecastPeriod.week_start)
                                                   .tuples()):
        weeks.setdefault(forecast_id, []).append({"week_start": _as_date(week), "quantity": quantity,
                                                  "low": low, "high": high})
    return weeks


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))

