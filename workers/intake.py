"""Intake stage: a received order enters review."""
import dramatiq

from models.core.stages import INTAKE
from models.orders.flow import start_review
from workers.batch import run_for_each
from workers.options import DATABASE_STAGE

ACTOR = f"worker:{INTAKE.actor_name}"


@dramatiq.actor(queue_name=INTAKE.queue_name, actor_name=INTAKE.actor_name, **DATABASE_STAGE)
def intake_orders(order_ids: list[int]) -> None:
    run_for_each(order_ids, lambda order_id: start_review(order_id, actor=ACTOR), what="intake of order")
