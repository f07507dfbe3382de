from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from statsforecast import StatsForecast
from statsforecast.models import SeasonalNaive

from models.planning import forecast_rules
from models.planning.forecast_rules import (
    BACKTEST_HORIZON,
    BACKTEST_WINDOWS,
    WeeklyHistory,
    forecast_demand,
)

MONDAY = date(2023, 1, 2)


def seasonal_weeks(weeks: int = 156, seed: int = 3) -> np.ndarray:
    """Weekly units with a yearly cycle (a summer peak, a winter trough) and Poisson noise."""
    rng = np.random.default_rng(seed)
    rate = 20 + 12 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    return rng.poisson(rate).astype(float)


def intermittent_weeks(weeks: int = 104, seed: int = 5) -> np.ndarray:
    """Demand in about one week of four, a few units at a time."""
    rng = np.random.default_rng(seed)
    return (rng.random(weeks) < 0.25) * rng.integers(1, 9, weeks).astype(float)


def seasonal_naive_backtest_mae(values: np.ndarray) -> float:
    """The seasonal naive forecast's error over the same rolling origins, computed apart from the rules."""
    frame = pd.DataFrame({"unique_id": 0, "ds": np.arange(len(values)), "y": values})
    crossed = StatsForecast(models=[SeasonalNaive(season_length=52)], freq=1).cross_validation(
        df=frame, h=BACKTEST_HORIZON, n_windows=BACKTEST_WINDOWS, step_size=BACKTEST_HORIZON)
    return float((crossed["y"] - crossed["SeasonalNaive"]).abs().mean())


@pytest.mark.parametrize("values, methods", [
    (seasonal_weeks(), {"SeasonalES", "SeasonalNaive", "AutoETS"}),
    (intermittent_weeks(), {"CrostonSBA", "TSB", "AutoETS"}),
], ids=["seasonal", "intermittent"])
def test_the_chosen_method_beats_seasonal_naive_on_the_backtest(values, methods):
    found = forecast_demand({"A@EAST": WeeklyHistory(MONDAY, values)}, horizon_weeks=12)["A@EAST"]
    assert found.method in methods
    assert found.backtest_mae < seasonal_naive_backtest_mae(values)
    assert found.mase is not None and 0 < found.mase < 1
    assert found.history_weeks == len(values)


def test_a_seasonal_series_gets_a_seasonal_model_that_follows_the_cycle():
    values = seasonal_weeks()
    found = forecast_demand({"S@*": WeeklyHistory(MONDAY, values)}, horizon_weeks=52)["S@*"]
    assert found.method == "SeasonalES"
    quantities = np.array([p.quantity for p in found.periods])
    assert np.corrcoef(quantities, values[-52:])[0, 1] > 0.8  # next year looks like the last ones


def test_intermittent_demand_is_not_given_seasonal_models():
    values = intermittent_weeks(weeks=156)
    found = forecast_demand({"I@EAST": WeeklyHistory(MONDAY, values)}, horizon_weeks=8)["I@EAST"]
    assert found.method not in ("SeasonalNaive", "SeasonalES")
    assert 0 < found.mean < values.mean() * 2


def test_periods_are_the_mondays_after_the_history_with_a_band_around_them():
    values = seasonal_weeks(weeks=130)
    found = forecast_demand({"A@EAST": WeeklyHistory(MONDAY, values)}, horizon_weeks=12)["A@EAST"]
    assert [p.week_start for p in found.periods] == [MONDAY + timedelta(weeks=130 + k) for k in range(12)]
    assert all(0 <= p.low <= p.quantity <= p.high for p in found.periods)
    assert any(p.low < p.quantity < p.high for p in found.periods)
    assert found.std > 0
    assert found.mean == pytest.approx(np.mean([p.quantity for p in found.periods]))


@pytest.mark.parametrize("values", [[5.0], [0, 3, 0, 6, 2], [4.0] * 19], ids=["one week", "five weeks", "19 weeks"])
def test_a_short_series_falls_back_to_its_average_without_a_mase(values):
    found = forecast_demand({"NEW@EAST": WeeklyHistory(MONDAY, values)}, horizon_weeks=4)["NEW@EAST"]
    assert found.method == "HistoricAverage"
    assert found.mase is None and found.backtest_mae is None
    assert [p.quantity for p in found.periods] == pytest.approx([np.mean(values)] * 4)
    assert all(p.low <= p.quantity <= p.high for p in found.periods)


def test_a_series_exactly_repeated_has_no_mase_rather_than_a_division_by_zero():
    found = forecast_demand({"FLAT@EAST": WeeklyHistory(MONDAY, [7.0] * 40)}, horizon_weeks=3)["FLAT@EAST"]
    assert found.mase is None
    assert [p.quantity for p in found.periods] == pytest.approx([7.0] * 3)


def test_the_same_history_gives_the_same_forecast():
    histories = {"A@EAST": WeeklyHistory(MONDAY, seasonal_weeks()),
                 "B@WEST": WeeklyHistory(MONDAY, intermittent_weeks()),
                 "C@*": WeeklyHistory(MONDAY + timedelta(weeks=80), [3.0, 0, 1, 2])}
    assert forecast_demand(histories, horizon_weeks=6) == forecast_demand(histories, horizon_weeks=6)


def test_many_series_split_over_processes_give_what_one_process_gives(monkeypatch):
    monkeypatch.setattr(forecast_rules, "PARALLEL_MIN_SERIES", 2)
    histories = {f"S{n}@EAST": WeeklyHistory(MONDAY, seasonal_weeks(weeks=60, seed=n)) for n in range(3)}
    histories["I@EAST"] = WeeklyHistory(MONDAY, intermittent_weeks(seed=9))
    assert forecast_demand(histories, horizon_weeks=4, processes=2) == forecast_demand(histories, horizon_weeks=4)


def test_no_series_no_forecasts():
    assert forecast_demand({}, horizon_weeks=4, processes=2) == {}


def test_a_horizon_below_one_week_is_refused():
    with pytest.raises(ValueError):
        forecast_demand({"A@EAST": WeeklyHistory(MONDAY, [1.0])}, horizon_weeks=0)
