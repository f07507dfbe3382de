"""Webhook stage: post each delivery of the batch once; the database keeps its retries (next_attempt_at), which
the relay sends again when due, so a delivery survives a worker crash."""
from __future__ import annotations

import dramatiq

from models.core.stages import WEBHOOKS
from models.webhooks.delivery import deliver
from workers.batch import run_for_each
from workers.broker import current_settings
from workers.options import WEBHOOK_STAGE


@dramatiq.actor(queue_name=WEBHOOKS.queue_name, actor_name=WEBHOOKS.actor_name, **WEBHOOK_STAGE)
def deliver_webhooks(delivery_ids: list[int]) -> None:
    settings = current_settings()
    run_for_each(delivery_ids, lambda delivery_id: deliver(delivery_id, settings), what="webhook delivery")
