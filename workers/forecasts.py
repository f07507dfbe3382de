"""The forecast run: recompute every series' demand forecast (or one SKU's), then the replenishment it drives."""
import dramatiq

from models.core.stages import FORECASTS
from models.planning.forecasts import recompute_forecasts as recompute
from workers.options import PLANNING_STAGE


@dramatiq.actor(queue_name=FORECASTS.queue_name, actor_name=FORECASTS.actor_name, **PLANNING_STAGE)
def recompute_forecasts(sku: str | None, horizon_weeks: int) -> None:
    recompute(sku=sku, horizon_weeks=horizon_weeks, actor=f"worker:{FORECASTS.actor_name}")
