"""The replenishment actor: recomputes the products it is given and sends automatic orders with the purchase-order
answer time of the settings in force."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models.core.base import utc_now
from models.core.errors import BatchItemsFailed
from models.inventory.tables import Product
from models.planning.tables import (
    DemandForecast,
    ForecastPeriod,
    ReplenishmentSuggestion,
    series_key,
)
from models.supply.tables import PurchaseOrder
from tests.conftest import settings_for
from tests.factories import make_world
from workers.replenishment import compute_replenishment


def test_the_actor_orders_automatically_with_the_configured_answer_time(db, tmp_path, monkeypatch):
    world = make_world(on_hand=0)
    monkeypatch.setattr("workers.replenishment.current_settings",
                        lambda: settings_for(tmp_path, OMS_PO_CONFIRM_DAYS="9"))
    head = DemandForecast.create(series=series_key("WIDGET", "EAST"), product=world["widget"],
                                 warehouse=world["east"], method="AutoETS", history_weeks=30, horizon_weeks=4,
                                 mean_weekly=14, weekly_std=0)
    monday = utc_now().date() - timedelta(days=utc_now().date().weekday())
    for week in range(4):
        ForecastPeriod.create(forecast=head, week_start=monday + timedelta(weeks=week), quantity=14, low=0, high=14)
    Product.update(auto_replenish=True).where(Product.id == world["widget"].id).execute()
    compute_replenishment.fn([world["widget"].id])
    [purchase] = list(PurchaseOrder.select())
    assert (purchase.status, purchase.origin, purchase.created_by) == ("sent", "automatic",
                                                                       "worker:compute_replenishment")
    assert abs(purchase.confirm_by - (purchase.sent_at + timedelta(days=9))) < timedelta(seconds=1)
    assert ReplenishmentSuggestion.select().count() == 2  # WIDGET in EAST and WEST; GADGET was not asked for


@pytest.mark.parametrize("poison", ["not-an-id", ["not-an-id"], [None], {"id": 1}, [True]])
def test_malformed_product_ids_fail_for_good(poison):
    with pytest.raises(BatchItemsFailed, match="not a list of product ids"):
        compute_replenishment.fn(poison)
