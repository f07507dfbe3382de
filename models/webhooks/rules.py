"""The webhook rules: event types and patterns, secrets, Standard Webhooks signing, retry backoff, disabling.

Standard library only: the worker, the portal and the tests share these without a database.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24  # Standard Webhooks: 24 to 64 random bytes
MAX_URL = 2000
EVENT_TYPES = (
    "order.status_changed",
    "shipment.status_changed",
    "shipment.tracking",
    "stock.low",
    "purchase_order.status_changed",
    "purchase_order.asn_received",
    "return.status_changed",
    "return.refunded",
)
# After the first attempt fails, the next ones wait this long each (the specification's suggested schedule);
# a delivery whose every attempt failed is given up ("failed") and can be redelivered by hand.
RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and the base64 of random bytes, as every Standard Webhooks library reads."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a ``whsec_`` secret stands for."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``{id}.{timestamp}.{body}``: the webhook-signature header."""
    digest = hmac.new(secret_key(secret), f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def event_body(event_type: str, occurred_at: datetime, data: dict) -> str:
    """The JSON body every delivery of an event carries: ``{type, timestamp, data}`` (timestamp in UTC)."""
    stamp = occurred_at.replace(tzinfo=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, separators=(",", ":"),
                      sort_keys=True)


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: str) -> dict[str, str]:
    """The headers of one attempt; the id is the same on every attempt of a delivery, the timestamp is now's."""
    timestamp = int(sent_at.replace(tzinfo=timezone.utc).timestamp())
    return {"content-type": "application/json", "webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, message_id, timestamp, body)}


def type_matches(pattern: str, event_type: str) -> bool:
    """A subscription's ``order.status_changed`` matches itself; ``purchase_order.*`` every purchase-order type."""
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def known_pattern(pattern: str) -> bool:
    return any(type_matches(pattern, event_type) for event_type in EVENT_TYPES)


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot receive webhooks, or None: an absolute http(s) URL with a host, no credentials."""
    if len(url) > MAX_URL:
        return f"at most {MAX_URL} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "has no host"
    if parts.username or parts.password:
        return "must not carry a user name or password"
    if any(ch.isspace() for ch in url):
        return "must not contain spaces"
    return None


def next_attempt_delay(attempts: int) -> timedelta | None:
    """How long after failed attempt number ``attempts`` (1-based) the next one waits; None: give up."""
    if 1 <= attempts <= len(RETRY_DELAYS):
        return RETRY_DELAYS[attempts - 1]
    return None


def delivered(status_code: int | None) -> bool:
    """Any 2xx answer is a delivery; anything else (or no answer) a failure."""
    return status_code is not None and 200 <= status_code < 300


@dataclass(frozen=True)
class DisablePolicy:
    """A subscription failing without a single success for ``after`` and at least ``failures`` attempts is
    switched off (both, so one failure after a quiet week does not)."""

    after: timedelta
    failures: int

    def should_disable(self, streak: int, failing_since: datetime | None, now: datetime) -> bool:
        return failing_since is not None and streak >= self.failures and now - failing_since >= self.after
