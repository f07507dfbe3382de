"""Review stage: credit and blocked-customer checks approve, hold or reject each order."""
import dramatiq

from models.core.stages import REVIEW
from models.orders.flow import review
from workers.batch import run_for_each
from workers.options import DATABASE_STAGE

ACTOR = f"worker:{REVIEW.actor_name}"


@dramatiq.actor(queue_name=REVIEW.queue_name, actor_name=REVIEW.actor_name, **DATABASE_STAGE)
def review_orders(order_ids: list[int]) -> None:
    run_for_each(order_ids, lambda order_id: review(order_id, actor=ACTOR), what="review of order")
