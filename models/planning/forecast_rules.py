"""Weekly demand forecasts, each series' method chosen by a rolling-origin back-test. Pure: pandas, numpy and
statsforecast, no database.

Every series with enough history is back-tested: three origins four weeks apart, each forecasting the next four
weeks from the history before it (the last twelve weeks held out in turn). The candidate with the lowest mean
absolute error wins; its error over the back-test gives the series' MASE (scaled by the in-sample error of the
seasonal naive forecast, season 52 with two years of history, else 1), its spread (root mean squared error) and
its 80% band (the 10th and 90th percentiles of its back-test errors around the forecast).
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from multiprocessing import get_context
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import (
    TSB,
    AutoETS,
    CrostonSBA,
    HistoricAverage,
    SeasonalExponentialSmoothingOptimized,
    SeasonalNaive,
)

SEASON_WEEKS = 52
BACKTEST_HORIZON = 4  # weeks each back-test origin forecasts
BACKTEST_WINDOWS = 3  # origins, BACKTEST_HORIZON weeks apart
BACKTEST_WEEKS = BACKTEST_HORIZON * BACKTEST_WINDOWS
MIN_FIT_WEEKS = 8  # history a model fits on at the first origin
MIN_BACKTEST_HISTORY = BACKTEST_WEEKS + MIN_FIT_WEEKS  # shorter series: the historic average, no MASE
SEASONAL_HISTORY = 2 * SEASON_WEEKS  # two seasons: seasonal candidates, and a season-52 naive for the MASE scale
# Syntetos–Boylan: demand in fewer than 1 week of 1.32 on average is intermittent; seasonal models chase its spikes.
INTERMITTENT_SHARE = 1 / 1.32
BAND_QUANTILES = (0.1, 0.9)  # the 80% band
PARALLEL_MIN_SERIES = 400  # below this, starting processes costs more than it saves
EPOCH_MONDAY = date(1970, 1, 5)  # weeks are numbered from this Monday: the models need only their order


@dataclass(frozen=True)
class WeeklyHistory:
    """Units shipped per week, oldest first, from the week starting on Monday ``start``."""

    start: date
    quantities: Sequence[float]


@dataclass(frozen=True)
class PeriodForecast:
    week_start: date
    quantity: float
    low: float
    high: float


@dataclass(frozen=True)
class SeriesForecast:
    method: str
    mase: float | None  # None: too short to back-test, or a history the seasonal naive forecasts exactly
    mean: float  # weekly units over the horizon
    std: float  # weekly forecast error: root mean squared back-test error (in-sample for short series)
    history_weeks: int
    backtest_mae: float | None
    periods: tuple[PeriodForecast, ...]


@dataclass(frozen=True)
class Candidate:
    """A statsforecast model the back-test may choose, and the series it is tried on."""

    method: str
    make: Callable[[], object]  # a fresh model whose alias is ``method``
    min_weeks: int
    regular_only: bool = False  # not tried on intermittent demand, whose spikes it would repeat


CANDIDATES = (  # in order of preference between equal errors: the seasonal naive baseline first
    Candidate("SeasonalNaive", partial(SeasonalNaive, season_length=SEASON_WEEKS, alias="SeasonalNaive"),
              SEASONAL_HISTORY, regular_only=True),
    # two whole seasons before the first back-test origin; with fewer it repeats the seasonal naive
    Candidate("SeasonalES", partial(SeasonalExponentialSmoothingOptimized, season_length=SEASON_WEEKS,
                                    alias="SeasonalES"), SEASONAL_HISTORY + BACKTEST_WEEKS, regular_only=True),
    Candidate("AutoETS", partial(AutoETS, season_length=1, model="ANN", alias="AutoETS"), MIN_BACKTEST_HISTORY),
    Candidate("CrostonSBA", partial(CrostonSBA, alias="CrostonSBA"), MIN_BACKTEST_HISTORY),
    Candidate("TSB", partial(TSB, alpha_d=0.1, alpha_p=0.1, alias="TSB"), MIN_BACKTEST_HISTORY),
)
SHORT = Candidate("HistoricAverage", partial(HistoricAverage, alias="HistoricAverage"), 1)
MODELS = {candidate.method: candidate for candidate in (*CANDIDATES, SHORT)}


def forecast_demand(histories: Mapping[str, WeeklyHistory], *, horizon_weeks: int,
                    processes: int = 1) -> dict[str, SeriesForecast]:
    """The back-tested forecast of every series, by key; ``processes`` > 1 splits many series over processes."""
    if horizon_weeks < 1:
        raise ValueError("horizon_weeks must be at least 1")
    keys = sorted(histories)
    if not keys:
        return {}
    if processes <= 1 or len(keys) < PARALLEL_MIN_SERIES:
        return _forecast_chunk({key: histories[key] for key in keys}, horizon_weeks)
    chunks = [{key: histories[key] for key in keys[part::processes]} for part in range(processes)]
    context = get_context("forkserver")  # never fork a process that holds threads and database connections
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        results = pool.map(_forecast_chunk, chunks, [horizon_weeks] * processes)
        merged: dict[str, SeriesForecast] = {}
        for result in results:
            merged.update(result)
    return {key: merged[key] for key in keys}


def _forecast_chunk(histories: dict[str, WeeklyHistory], horizon_weeks: int) -> dict[str, SeriesForecast]:
    keys = list(histories)
    values = [np.asarray(histories[key].quantities, dtype=float) for key in keys]
    lengths = np.array([len(v) for v in values])
    if (lengths < 1).any():
        raise ValueError("every series needs at least one week of history")
    regular = np.array([np.count_nonzero(v) >= INTERMITTENT_SHARE * len(v) for v in values])
    tested = np.flatnonzero(lengths >= MIN_BACKTEST_HISTORY)
    frame = _frame(histories, keys, values)
    methods = np.full(len(keys), SHORT.method, dtype=object)
    errors: dict[int, np.ndarray] = {}
    if len(tested):
        chosen, chosen_errors = _backtest(frame, tested, lengths, regular)
        methods[tested] = chosen
        errors.update(zip(tested.tolist(), chosen_errors))
    points = _fit_chosen(frame, methods, horizon_weeks)
    results = {}
    for i, key in enumerate(keys):
        residuals = errors.get(i)
        in_sample = residuals is None
        if in_sample:
            residuals = values[i] - values[i].mean()
        results[key] = _series_forecast(histories[key], values[i], methods[i], points[i], residuals,
                                        backtested=not in_sample)
    return results


def _frame(histories: dict[str, WeeklyHistory], keys: list[str], values: list[np.ndarray]) -> pd.DataFrame:
    """The long table statsforecast reads: series number, week number, units."""
    first_weeks = [(histories[key].start - EPOCH_MONDAY).days // 7 for key in keys]
    return pd.DataFrame({
        "unique_id": np.repeat(np.arange(len(keys)), [len(v) for v in values]),
        "ds": np.concatenate([first + np.arange(len(v)) for first, v in zip(first_weeks, values)]),
        "y": np.concatenate(values),
    })


def _backtest(frame: pd.DataFrame, tested: np.ndarray, lengths: np.ndarray,
              regular: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each tested series' winning method and that method's back-test errors (actual − forecast), in order."""
    errors = np.full((len(tested), len(CANDIDATES), BACKTEST_WEEKS), np.nan)  # series × candidate × week
    trials: dict[tuple[int, bool], list[int]] = {}  # candidates tried on the same series run together
    for number, candidate in enumerate(CANDIDATES):
        trials.setdefault((candidate.min_weeks, candidate.regular_only), []).append(number)
    for (min_weeks, regular_only), numbers in trials.items():
        rows = np.flatnonzero((lengths[tested] >= min_weeks) & (regular[tested] | (not regular_only)))
        if len(rows):
            found = _backtest_errors(frame, tested[rows], [CANDIDATES[n].make() for n in numbers])
            errors[np.ix_(rows, numbers)] = found
    mae = np.abs(errors).mean(axis=2)
    mae[np.isnan(mae)] = np.inf  # a candidate not tried on the series, or one that failed a window
    best = np.argmin(mae, axis=1)  # the first of equals: the order of preference
    methods = np.array([candidate.method for candidate in CANDIDATES], dtype=object)
    return methods[best], errors[np.arange(len(tested)), best]


def _backtest_errors(frame: pd.DataFrame, series: np.ndarray, models: list) -> np.ndarray:
    """The back-test errors of ``series`` (series numbers, ascending) under each model: series × model × week."""
    crossed = (StatsForecast(models=models, freq=1, n_jobs=1)
               .cross_validation(df=frame[frame["unique_id"].isin(series)], h=BACKTEST_HORIZON,
                                 n_windows=BACKTEST_WINDOWS, step_size=BACKTEST_HORIZON)
               .sort_values(["unique_id", "cutoff", "ds"]))
    actual = crossed["y"].to_numpy(dtype=float)
    return np.stack([(actual - crossed[model.alias].to_numpy(dtype=float)).reshape(len(series), BACKTEST_WEEKS)
                     for model in models], axis=1)


def _fit_chosen(frame: pd.DataFrame, methods: np.ndarray, horizon_weeks: int) -> np.ndarray:
    """Each series' forecast from its method fitted on its whole history: a series × week array."""
    points = np.zeros((len(methods), horizon_weeks))
    for method in sorted(set(methods)):
        series = np.flatnonzero(methods == method)
        forecast = (StatsForecast(models=[MODELS[method].make()], freq=1, n_jobs=1)
                    .forecast(df=frame[frame["unique_id"].isin(series)], h=horizon_weeks)
                    .sort_values(["unique_id", "ds"]))
        points[series] = forecast[method].to_numpy(dtype=float).reshape(len(series), horizon_weeks)
    return np.clip(np.nan_to_num(points, nan=0.0), 0.0, None)


def _series_forecast(history: WeeklyHistory, values: np.ndarray, method: str, points: np.ndarray,
                     residuals: np.ndarray, *, backtested: bool) -> SeriesForecast:
    low_offset, high_offset = np.quantile(residuals, BAND_QUANTILES)
    mae = float(np.mean(np.abs(residuals))) if backtested else None
    first_week = history.start + timedelta(weeks=len(values))
    periods = tuple(PeriodForecast(week_start=first_week + timedelta(weeks=k), quantity=float(point),
                                   low=float(min(point, max(0.0, point + low_offset))),
                                   high=float(max(point, point + high_offset)))
                    for k, point in enumerate(points))
    return SeriesForecast(method=method, mase=_mase(mae, values), mean=float(points.mean()),
                          std=float(np.sqrt(np.mean(residuals ** 2))), history_weeks=len(values),
                          backtest_mae=mae, periods=periods)


def _mase(mae: float | None, values: np.ndarray) -> float | None:
    """Back-test MAE over the in-sample MAE of the seasonal naive forecast."""
    if mae is None:
        return None
    season = naive_scale_season(len(values))
    scale = float(np.mean(np.abs(values[season:] - values[:-season])))
    return mae / scale if scale > 0 else None


def naive_scale_season(history_weeks: int) -> int:
    """The season of the naive forecast a series' MASE is scaled by."""
    return SEASON_WEEKS if history_weeks >= SEASONAL_HISTORY else 1
