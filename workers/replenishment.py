"""Replenishment: recompute the suggestions of the given products (after a forecast run or a low-stock alert), then
order and send what the automatic switches allow."""
from datetime import timedelta

import dramatiq

from models.core.stages import REPLENISHMENT
from models.planning.replenishment import compute_replenishment as compute
from workers.broker import current_settings
from workers.options import DATABASE_STAGE


@dramatiq.actor(queue_name=REPLENISHMENT.queue_name, actor_name=REPLENISHMENT.actor_name, **DATABASE_STAGE)
def compute_replenishment(product_ids: list[int]) -> None:
    compute(product_ids, actor=f"worker:{REPLENISHMENT.actor_name}",
            answer_within=timedelta(days=current_settings().po_confirm_days))
