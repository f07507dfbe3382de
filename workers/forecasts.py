"""The forecast run: recompute every series' demand forecast (or one SKU's), then the replenishment it drives."""
import logging

import dramatiq

from models.core.errors import NotFound
from models.core.stages import FORECASTS
from models.planning.forecasts import recompute_forecasts as recompute
from workers.options import PLANNING_STAGE

logger = logging.getLogger(__name__)


@dramatiq.actor(queue_name=FORECASTS.queue_name, actor_name=FORECASTS.actor_name, **PLANNING_STAGE)
def recompute_forecasts(sku: str | None, horizon_weeks: int) -> None:
    try:
        recompute(sku=sku, horizon_weeks=horizon_weeks, actor=f"worker:{FORECASTS.actor_name}")
    except NotFound as exc:  # the SKU was deleted since the nudge: nothing to forecast, nothing to retry
        logger.warning("forecast run skipped: %s", exc)
