"""Allocation stage: reserve stock for a batch of approved orders and create their shipments, or backorder them."""
from datetime import timedelta

import dramatiq

from models.allocation.step import allocate_orders as allocate_order_batch
from models.core.stages import ALLOCATION
from workers.batch import run_batch
from workers.broker import current_settings
from workers.options import DATABASE_STAGE

ACTOR = f"worker:{ALLOCATION.actor_name}"


@dramatiq.actor(queue_name=ALLOCATION.queue_name, actor_name=ALLOCATION.actor_name, **DATABASE_STAGE)
def allocate_orders(order_ids: list[int]) -> None:
    confirm_within = timedelta(hours=current_settings().dropship_confirm_hours)
    run_batch(order_ids, lambda ids: allocate_order_batch(ids, actor=ACTOR, dropship_confirm_within=confirm_within),
              what="allocation of order")
