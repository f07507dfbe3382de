"""Posting one delivery, signed as Standard Webhooks asks, and recording what came of it: delivered on a 2xx,
else the next attempt on the backoff schedule, and the subscription disabled (its owner mailed) after a long
failure streak. At least once: a crash between the post and the record posts again with the same webhook-id."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta

import requests

from models.core.base import utc_now
from models.core.config import Settings
from models.core.db import database
from models.core.mailer import send_mail
from models.webhooks.fanout import ATTEMPT_LEASE, nudge_deliveries
from models.webhooks.rules import (
    DisablePolicy,
    delivered,
    event_body,
    next_attempt_delay,
    signed_headers,
)
from models.webhooks.tables import (
    OPEN_DELIVERY_STATUSES,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)
MAX_ERROR = 500
REDRIVE_BATCH = 500


def deliver(delivery_id: int, settings: Settings, *, post: Callable = requests.post) -> str | None:
    """Post one open delivery of an active subscription; returns its new status (None: nothing to do)."""
    row = (WebhookDelivery.select(WebhookDelivery, WebhookEvent, WebhookSubscription)
           .join(WebhookEvent).switch(WebhookDelivery).join(WebhookSubscription)
           .where(WebhookDelivery.id == delivery_id).first())
    if row is None or row.status not in OPEN_DELIVERY_STATUSES or not row.subscription.active:
        return None
    event, subscription = row.event, row.subscription
    # Held off the relay while this attempt runs; a crash lets the relay send it again after the lease.
    WebhookDelivery.update(next_attempt_at=utc_now() + ATTEMPT_LEASE).where(WebhookDelivery.id == row.id).execute()
    body = event_body(event.event_type, event.occurred_at, json.loads(event.payload))
    sent_at = utc_now()
    status_code, error = None, ""
    try:
        answer = post(subscription.url, data=body.encode(), allow_redirects=False,
                      headers=signed_headers(subscription.secret, row.message_id, sent_at, body),
                      timeout=(min(5.0, settings.webhook_timeout_seconds), settings.webhook_timeout_seconds))
        status_code = answer.status_code
        if not delivered(status_code):
            error = f"HTTP {status_code}: {answer.text[:200]}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
    return record_attempt(row.id, status_code, error[:MAX_ERROR], settings)


def record_attempt(delivery_id: int, status_code: int | None, error: str, settings: Settings) -> str | None:
    """Store one attempt's outcome, guarded on the delivery still being open; returns its new status."""
    now = utc_now()
    disabled = None
    with database.atomic():
        row = WebhookDelivery.get_or_none(WebhookDelivery.id == delivery_id)
        if row is None or row.status not in OPEN_DELIVERY_STATUSES:
            return None
        attempts = row.attempts + 1
        changes = {"attempts": attempts, "last_status_code": status_code, "last_error": error,
                   "last_attempt_at": now}
        if delivered(status_code):
            changes |= {"status": "delivered", "delivered_at": now, "next_attempt_at": None}
        else:
            delay = next_attempt_delay(attempts)
            changes |= ({"status": "failing", "next_attempt_at": now + delay} if delay else
                        {"status": "failed", "next_attempt_at": None})
        if not (WebhookDelivery.update(**changes)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == row.status,
                       WebhookDelivery.attempts == row.attempts).execute()):
            return None  # another attempt recorded first
        if delivered(status_code):
            (WebhookSubscription.update(failure_streak=0, failing_since=None)
             .where(WebhookSubscription.id == row.subscription_id).execute())
        else:
            disabled = _count_failure(row.subscription_id, now, settings)
    if disabled is not None:
        mail_disabled(disabled, settings)
    return changes["status"]


def _count_failure(subscription_id: int, now, settings: Settings) -> WebhookSubscription | None:
    """Add a failure to the subscription's streak; disable it when the policy says so (returned then)."""
    policy = DisablePolicy(after=timedelta(hours=settings.webhook_disable_after_hours),
                           failures=settings.webhook_disable_after_failures)
    subscription = WebhookSubscription.get_by_id(subscription_id)
    streak = subscription.failure_streak + 1
    since = subscription.failing_since or now
    WebhookSubscription.update(failure_streak=WebhookSubscription.failure_streak + 1, failing_since=since).where(
        WebhookSubscription.id == subscription_id).execute()
    if not (subscription.active and policy.should_disable(streak, since, now)):
        return None
    reason = f"{streak} failed attempts in a row since {since.isoformat(timespec='seconds')}Z"
    if not (WebhookSubscription.update(active=False, disabled_at=now, disabled_reason=reason)
            .where(WebhookSubscription.id == subscription_id, WebhookSubscription.active == True)  # noqa: E712
            .execute()):
        return None
    return WebhookSubscription.get_by_id(subscription_id)


def mail_disabled(subscription: WebhookSubscription, settings: Settings) -> None:
    """Tell the subscription's creator (and its partner's address) that it was switched off, and why."""
    recipients = {subscription.created_by}
    if subscription.partner_id and subscription.partner.email:
        recipients.add(subscription.partner.email)
    body = (f"The webhook subscription {subscription.id} to {subscription.url} was disabled: "
            f"{subscription.disabled_reason}.\n\nNo more events are sent to it. Once the endpoint answers again, "
            f"re-enable it in the portal ({settings.portal_url}/webhooks) or with "
            f"POST /api/v1/webhooks/{subscription.id}/enable; failed deliveries can be sent again from its log.\n")
    for to in sorted(filter(None, recipients)):
        try:
            send_mail(settings, to, f"Webhook subscription {subscription.id} disabled", body)
        except OSError:  # the subscription stays disabled and shows why in the portal
            logger.exception("mail about disabled webhook subscription %s to %s not sent", subscription.id, to)


def redrive_due_deliveries(*, limit: int = REDRIVE_BATCH) -> int:
    """Nudge the open deliveries whose next attempt is due (retries, and nudges lost in a crash) of active
    subscriptions, pushing their next attempt a lease ahead; returns how many."""
    now = utc_now()
    with database.atomic():
        due = [row.id for row in WebhookDelivery.select(WebhookDelivery.id).join(WebhookSubscription)
               .where(WebhookDelivery.status.in_(OPEN_DELIVERY_STATUSES), WebhookDelivery.next_attempt_at <= now,
                      WebhookSubscription.active == True)  # noqa: E712
               .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)]
        if due:
            (WebhookDelivery.update(next_attempt_at=now + ATTEMPT_LEASE)
             .where(WebhookDelivery.id.in_(due)).execute())
            nudge_deliveries(due)
    return len(due)
