from collections import Counter

import pytest

from models.demo_data import seed_demo
from models.invariants import run_checks
from models.inventory.tables import Product
from models.orders.tables import Order
from models.planning.demand_history import weekly_demand
from models.planning.demo_history import DEMO_HISTORY_WEEKS
from models.planning.forecasts import run_forecasts
from models.planning.tables import DemandForecast
from models.receivables.ledger import Invoice


@pytest.fixture
def seeded(db):
    return seed_demo()


def test_the_demo_history_keeps_every_invariant(seeded):
    assert seeded.history_orders == Order.select().where(Order.status == "delivered").count() > 500
    assert {name: found[:3] for name, found in run_checks().items() if found} == {}
    assert Invoice.select().where(Invoice.order.is_null(False), Invoice.status != "paid").count() == 0


def test_every_stocked_sku_has_history_in_every_warehouse(seeded):
    series = weekly_demand()
    stocked = Product.select().where(Product.dropship == False).count()  # noqa: E712
    assert len(series) == stocked * 4  # three warehouses and the SKU overall
    lengths = sorted(len(s.quantities) for s in series)
    assert lengths[-1] == lengths[len(lengths) // 2] == DEMO_HISTORY_WEEKS  # most start at the first week
    assert lengths[0] > 52


def test_demo_forecasts_show_seasonal_and_intermittent_methods(seeded):
    run_forecasts(horizon_weeks=12, actor="test")
    methods = Counter(method for (method,) in DemandForecast.select(DemandForecast.method).tuples())
    assert methods["SeasonalES"] + methods["SeasonalNaive"] >= 10
    assert methods["CrostonSBA"] + methods["TSB"] >= 10
    assert methods["AutoETS"] >= 10
