"""The pipeline stages as data: which queue and actor take an order on from each status."""
from __future__ import annotations

from dataclasses import dataclass

from models.core.outbox import OutboxMessage, enqueue_after_commit


@dataclass(frozen=True)
class Stage:
    queue_name: str
    actor_name: str
    # Ids per message at most when the relay merges nudges: small where each id waits on a network; None takes as
    # many as OMS_STAGE_MAX_BATCH allows (the set-based stages, whose cost an order falls as batches grow).
    max_batch: int | None = None

    def nudge(self, *args) -> OutboxMessage:
        """Write this stage's message to the outbox; call inside the transaction that made the change."""
        return enqueue_after_commit(self.queue_name, self.actor_name, *args)


INTAKE = Stage("oms_intake", "intake_orders")
REVIEW = Stage("oms_review", "review_orders")
ALLOCATION = Stage("oms_allocation", "allocate_orders")
SHIPPING = Stage("oms_shipping", "create_shipments")
# Waybills: the stage's database work is set-based; each carrier is asked in calls of CARRIER_CALL_MAX shipments.
WAYBILLS = Stage("oms_carrier", "request_waybills")
CARRIER_CALL_MAX = 250  # shipments in one batch call to a carrier (carriers' batch label APIs cap a request)
# Calls to a carrier an id at a time (tracking polls, releases of failed bookings) have a queue of their own: the
# waybill stage's queue is taken a message at a time (PIPELINE_QUEUES), and a slow carrier must not hold it up.
CARRIER_CALLS = "oms_carrier_calls"
# Mails: each id waits on the mail server.
ALERT_MAILS = Stage("oms_notify", "mail_stock_alerts", max_batch=500)  # low-stock mails, after the alert commits
SHIPMENT_MAILS = Stage("oms_notify", "mail_shipment_events", max_batch=500)  # shipped, out for delivery, delivered
TRACKING_POLLS = Stage(CARRIER_CALLS, "poll_tracking", max_batch=20)  # carriers without webhooks: asked for events
# Failed bookings of cancelled shipments: a last unanswered call may have booked them; cancel that at the carrier.
WAYBILL_RELEASES = Stage(CARRIER_CALLS, "release_failed_bookings", max_batch=20)
RETURNS = Stage("oms_returns", "advance_returns", max_batch=20)  # approved returns: exchange, label; settling
RETURN_MAILS = Stage("oms_notify", "mail_return_updates", max_batch=500)  # the customer's mail at each step of a return
# The supplier's mail when a purchase order is sent, changed or cancelled, or its counter-proposal decided.
SUPPLIER_MAILS = Stage("oms_notify", "mail_purchase_order_updates", max_batch=500)
FORECASTS = Stage("oms_planning", "recompute_forecasts", max_batch=1)  # a whole run: every series, or one SKU's
# Product ids whose replenishment suggestions to recompute.
REPLENISHMENT = Stage("oms_planning", "compute_replenishment", max_batch=500)
REPORT_ROLLUPS = Stage("oms_planning", "refresh_report_rollups", max_batch=1)  # the inventory report's days
# Outbound webhook deliveries: one HTTP post each (up to OMS_WEBHOOK_TIMEOUT_SECONDS), so few per message.
WEBHOOKS = Stage("oms_webhooks", "deliver_webhooks", max_batch=10)

ALL_STAGES = (INTAKE, REVIEW, ALLOCATION, SHIPPING, WAYBILLS, ALERT_MAILS, SHIPMENT_MAILS, TRACKING_POLLS,
              WAYBILL_RELEASES, RETURNS, RETURN_MAILS, SUPPLIER_MAILS, FORECASTS, REPLENISHMENT,
              REPORT_ROLLUPS, WEBHOOKS)
# The order pipeline's queues: while one has messages waiting, the relay merges its nudges in the outbox.
PIPELINE_QUEUES = tuple(dict.fromkeys(stage.queue_name for stage in (REVIEW, ALLOCATION, SHIPPING, WAYBILLS)))
MAX_BATCH_BY_ACTOR = {stage.actor_name: stage.max_batch for stage in ALL_STAGES if stage.max_batch is not None}
