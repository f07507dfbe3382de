"""Managing webhook subscriptions and their deliveries: ops admins hold the ops subscriptions (and may see
every one); a distributor's or supplier's users hold their partner's, and see only those."""
from __future__ import annotations

import json
from dataclasses import dataclass

import peewee

from models.core.base import utc_now
from models.core.db import database
from models.core.errors import NotFound, PermissionDenied, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.partners.tables import User
from models.webhooks.fanout import nudge_deliveries, skip_to_newest
from models.webhooks.rules import known_pattern, new_secret, url_problem
from models.webhooks.tables import (
    OPEN_DELIVERY_STATUSES,
    WebhookCursor,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

PARTNER_ROLES = ("distributor", "supplier")
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class SubscriptionChange:
    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    active: bool | None = None


def may_manage_webhooks(user: User) -> bool:
    return user.role == "ops_admin" or (user.role in PARTNER_ROLES and user.partner_id is not None)


def _require(user: User) -> None:
    if not may_manage_webhooks(user):
        raise PermissionDenied(TextMessage(Text("role %(role)s may not manage webhooks", role=user.role)))


def visible_subscriptions(user: User) -> peewee.ModelSelect:
    """The subscriptions ``user`` may see, newest first: every one for an ops admin, else its partner's."""
    _require(user)
    query = WebhookSubscription.select().order_by(WebhookSubscription.id.desc())
    if user.role == "ops_admin":
        return query
    return query.where(WebhookSubscription.partner == user.partner_id)


def visible_subscription(user: User, subscription_id: int) -> WebhookSubscription:
    found = (visible_subscriptions(user).where(WebhookSubscription.id == subscription_id).first()
             if 0 < subscription_id <= MAX_ID else None)
    if found is None:
        raise NotFound(TextMessage(Text("webhook subscription %(id)s not found", id=subscription_id)))
    return found


def _checked_url(url: str) -> str:
    url = url.strip()
    problem = url_problem(url)
    if problem:
        raise ValidationFailed({"url": [problem]})
    return url


def _checked_events(events: list[str]) -> list[str]:
    unknown = [event for event in events if not known_pattern(event)]
    if unknown:
        raise ValidationFailed({"events": [TextMessage(Text("unknown event type: %(events)s",
                                                            events=", ".join(unknown)))]})
    if not events:
        raise ValidationFailed({"events": [TextMessage(Text("name at least one event type"))]})
    return list(dict.fromkeys(events))


def create_subscription(user: User, url: str, events: list[str], *, description: str = ""
                        ) -> tuple[WebhookSubscription, str]:
    """A new subscription owned by ``user``'s partner (or ops, for an ops admin); returns it and its secret,
    which is shown only now."""
    _require(user)
    url, events = _checked_url(url), _checked_events(events)
    secret = new_secret()
    with database.atomic():
        if not WebhookCursor.select().exists():
            skip_to_newest()  # the fan-out starts from now, not from the whole history
        subscription = WebhookSubscription.create(
            partner=None if user.role == "ops_admin" else user.partner_id, created_by=user.email, url=url,
            secret=secret, event_types=json.dumps(events), description=description.strip())
    return subscription, secret


def update_subscription(user: User, subscription_id: int, change: SubscriptionChange) -> WebhookSubscription:
    """Change the URL, event types, description or active flag; re-enabling clears the failure streak, and the
    relay then sends the deliveries still open."""
    subscription = visible_subscription(user, subscription_id)
    values: dict = {}
    if change.url is not None:
        values["url"] = _checked_url(change.url)
    if change.events is not None:
        values["event_types"] = json.dumps(_checked_events(change.events))
    if change.description is not None:
        values["description"] = change.description.strip()
    if change.active is True and not subscription.active:
        values |= {"active": True, "failure_streak": 0, "failing_since": None, "disabled_at": None,
                   "disabled_reason": ""}
    elif change.active is False and subscription.active:
        values |= {"active": False, "disabled_at": utc_now(), "disabled_reason": f"disabled by {user.email}"}
    if values:
        WebhookSubscription.update(**values).where(WebhookSubscription.id == subscription.id).execute()
    return WebhookSubscription.get_by_id(subscription.id)


def delete_subscription(user: User, subscription_id: int) -> None:
    """Remove the subscription with its delivery log."""
    subscription = visible_subscription(user, subscription_id)
    with database.atomic():
        WebhookDelivery.delete().where(WebhookDelivery.subscription == subscription.id).execute()
        subscription.delete_instance()


def deliveries(user: User, subscription_id: int, *, before: int | None = None, limit: int = 50
               ) -> list[WebhookDelivery]:
    """One keyset page of the subscription's deliveries, newest first, with their events."""
    subscription = visible_subscription(user, subscription_id)
    query = (WebhookDelivery.select(WebhookDelivery, WebhookEvent).join(WebhookEvent)
             .where(WebhookDelivery.subscription == subscription.id)
             .order_by(WebhookDelivery.id.desc()).limit(limit))
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    return list(query)


def redeliver(user: User, delivery_id: int, *, subscription_id: int | None = None) -> WebhookDelivery:
    """Send a delivery again now, with the same webhook-id (receivers deduplicate on it)."""
    row = (WebhookDelivery.get_or_none(WebhookDelivery.id == delivery_id) if 0 < delivery_id <= MAX_ID else None)
    if row is None or subscription_id not in (None, row.subscription_id):
        raise NotFound(TextMessage(Text("webhook delivery %(id)s not found", id=delivery_id)))
    subscription = visible_subscription(user, row.subscription_id)
    if not subscription.active:
        raise ValidationFailed({"subscription": [TextMessage(Text("disabled: enable it before sending again"))]})
    with database.atomic():
        (WebhookDelivery.update(status="pending" if row.status not in OPEN_DELIVERY_STATUSES else row.status,
                                next_attempt_at=utc_now())
         .where(WebhookDelivery.id == row.id).execute())
        nudge_deliveries([row.id])
    return WebhookDelivery.get_by_id(row.id)


def subscription_document(subscription: WebhookSubscription, *, secret: str | None = None) -> dict:
    """The subscription as the API shows it; the secret only when just created."""
    document = {
        "id": subscription.id, "url": subscription.url, "events": json.loads(subscription.event_types),
        "description": subscription.description, "active": subscription.active,
        "owner": "ops" if subscription.partner_id is None else "partner", "partner_id": subscription.partner_id,
        "failure_streak": subscription.failure_streak, "disabled_at": _stamp(subscription.disabled_at),
        "disabled_reason": subscription.disabled_reason, "created_at": _stamp(subscription.created_at),
    }
    if secret is not None:
        document["secret"] = secret
    return document


def delivery_document(delivery: WebhookDelivery) -> dict:
    event = delivery.event
    return {
        "id": delivery.id, "webhook_id": delivery.message_id, "event_id": event.id, "type": event.event_type,
        "status": delivery.status, "attempts": delivery.attempts, "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error, "last_attempt_at": _stamp(delivery.last_attempt_at),
        "next_attempt_at": _stamp(delivery.next_attempt_at) if delivery.status in OPEN_DELIVERY_STATUSES else None,
        "delivered_at": _stamp(delivery.delivered_at), "data": json.loads(event.payload),
    }


def _stamp(moment) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"
