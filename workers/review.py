"""Review stage: credit and blocked-customer checks approve, hold or reject each order; the approved ones that ship
whole from our warehouses are allocated in the same transaction, the rest nudge the allocation stage."""
import dramatiq

from models.allocation.step import allocate_straight
from models.core.stages import REVIEW
from models.review import step
from workers.batch import run_batch
from workers.options import DATABASE_STAGE

ACTOR = f"worker:{REVIEW.actor_name}"


@dramatiq.actor(queue_name=REVIEW.queue_name, actor_name=REVIEW.actor_name, **DATABASE_STAGE)
def review_orders(order_ids: list[int]) -> None:
    run_batch(order_ids, lambda ids: step.review_orders(ids, actor=ACTOR, allocate_now=allocate_straight),
              what="review of order")
