"""Replenishment: recompute the suggestions of the given products (after a forecast run or a low-stock alert), then
order and send what the automatic switches allow."""
from datetime import timedelta

import dramatiq

from models.core.errors import BatchItemsFailed
from models.core.stages import REPLENISHMENT
from models.planning.replenishment import compute_replenishment as compute
from workers.broker import current_settings
from workers.options import DATABASE_STAGE


@dramatiq.actor(queue_name=REPLENISHMENT.queue_name, actor_name=REPLENISHMENT.actor_name, **DATABASE_STAGE)
def compute_replenishment(product_ids: list[int]) -> None:
    if not isinstance(product_ids, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) for item in product_ids):
        # A malformed message can never succeed: fail it for good so it lands with the dead letters.
        raise BatchItemsFailed(f"replenishment: {product_ids!r:.200} is not a list of product ids")
    compute(product_ids, actor=f"worker:{REPLENISHMENT.actor_name}",
            answer_within=timedelta(days=current_settings().po_confirm_days))
