"""Allocation stage: reserve stock for approved orders, or backorder them."""
from datetime import timedelta

import dramatiq

from models.core.stages import ALLOCATION
from models.orders.flow import allocate
from workers.batch import run_for_each
from workers.broker import current_settings
from workers.options import DATABASE_STAGE

ACTOR = f"worker:{ALLOCATION.actor_name}"


@dramatiq.actor(queue_name=ALLOCATION.queue_name, actor_name=ALLOCATION.actor_name, **DATABASE_STAGE)
def allocate_orders(order_ids: list[int]) -> None:
    confirm_within = timedelta(hours=current_settings().dropship_confirm_hours)
    run_for_each(order_ids, lambda order_id: allocate(order_id, actor=ACTOR, dropship_confirm_within=confirm_within),
                 what="allocation of order")
