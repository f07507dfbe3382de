"""Replenishment: recompute the suggestions of the given products (after a forecast run or a low-stock alert)."""
import dramatiq

from models.core.stages import REPLENISHMENT
from models.planning.replenishment import compute_replenishment as compute
from workers.options import DATABASE_STAGE


@dramatiq.actor(queue_name=REPLENISHMENT.queue_name, actor_name=REPLENISHMENT.actor_name, **DATABASE_STAGE)
def compute_replenishment(product_ids: list[int]) -> None:
    compute(product_ids, actor=f"worker:{REPLENISHMENT.actor_name}")
