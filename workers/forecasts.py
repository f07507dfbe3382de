"""The forecast run: recompute every series' demand forecast (or one SKU's), then the replenishment it drives."""
import logging

import dramatiq

from models.core.errors import BatchItemsFailed, NotFound
from models.core.stages import FORECASTS
from models.planning.forecasts import recompute_forecasts as recompute
from workers.options import PLANNING_STAGE

logger = logging.getLogger(__name__)


@dramatiq.actor(queue_name=FORECASTS.queue_name, actor_name=FORECASTS.actor_name, **PLANNING_STAGE)
def recompute_forecasts(sku: str | None, horizon_weeks: int) -> None:
    if not (sku is None or isinstance(sku, str)) or isinstance(horizon_weeks, bool) or \
            not isinstance(horizon_weeks, int) or horizon_weeks < 1:
        raise BatchItemsFailed(f"forecast run: bad arguments {sku!r:.100}, {horizon_weeks!r:.100}")
    try:
        recompute(sku=sku, horizon_weeks=horizon_weeks, actor=f"worker:{FORECASTS.actor_name}")
    except NotFound as exc:  # the SKU was deleted since the nudge: nothing to forecast, nothing to retry
        logger.warning("forecast run skipped: %s", exc)
