"""The pure webhook rules: secrets and signatures any Standard Webhooks library verifies, backoff, patterns."""
import base64
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from models.webhooks.rules import (
    MAX_ATTEMPTS,
    DisablePolicy,
    delivered,
    event_body,
    known_pattern,
    new_secret,
    next_attempt_delay,
    sign,
    signed_headers,
    type_matches,
    url_problem,
)


def test_a_secret_is_whsec_and_the_base64_of_24_to_32_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(secret[6:])) <= 32
    assert new_secret() != secret


def test_the_signed_headers_verify_with_the_standardwebhooks_package():
    secret = new_secret()
    body = event_body("order.status_changed", datetime(2026, 5, 1, 12), {"order_id": 7})
    headers = signed_headers(secret, "msg_abc", datetime.now(timezone.utc).replace(tzinfo=None), body)
    assert Webhook(secret).verify(body, headers) == {
        "type": "order.status_changed", "timestamp": "2026-05-01T12:00:00.000Z", "data": {"order_id": 7}}


def test_the_signature_is_the_packages_own_for_the_same_id_timestamp_and_body():
    secret, moment = new_secret(), datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
    assert sign(secret, "msg_1", int(moment.timestamp()), "{}") == Webhook(secret).sign("msg_1", moment, "{}")


def test_a_tampered_body_or_another_secret_fails_verification():
    secret = new_secret()
    body = event_body("stock.low", datetime(2026, 5, 1), {"sku": "W"})
    headers = signed_headers(secret, "msg_1", datetime.now(timezone.utc).replace(tzinfo=None), body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("W", "X"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_retries_follow_the_suggested_schedule_then_give_up():
    assert [next_attempt_delay(n) for n in (1, 2, 3, 4)] == [
        timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
    assert next_attempt_delay(MAX_ATTEMPTS - 1) == timedelta(hours=10)
    assert next_attempt_delay(MAX_ATTEMPTS) is None


@pytest.mark.parametrize("code, ok", [(200, True), (204, True), (299, True), (301, False), (500, False),
                                      (None, False)])
def test_only_a_2xx_counts_as_delivered(code, ok):
    assert delivered(code) is ok


@pytest.mark.parametrize("pattern, event_type, matches", [
    ("order.status_changed", "order.status_changed", True),
    ("purchase_order.*", "purchase_order.asn_received", True),
    ("purchase_order.*", "order.status_changed", False),
    ("return.*", "return.refunded", True),
    ("order.*", "purchase_order.status_changed", False),
])
def test_patterns(pattern, event_type, matches):
    assert type_matches(pattern, event_type) is matches


def test_known_patterns():
    assert known_pattern("shipment.tracking") and known_pattern("return.*")
    assert not known_pattern("order.deleted") and not known_pattern("*")


@pytest.mark.parametrize("url, ok", [
    ("https://erp.example.com/hooks", True), ("http://10.0.0.5:8080/x", True),
    ("ftp://erp.example.com/", False), ("javascript:alert(1)", False), ("https://", False),
    ("https://user:pw@erp.example.com/", False), ("https://erp.example.com:99999/", False),
    ("/relative", False), ("https://a b.com/", False),
])
def test_urls(url, ok):
    assert (url_problem(url) is None) is ok


def test_disabling_needs_both_the_time_and_the_number_of_failures():
    policy = DisablePolicy(after=timedelta(days=5), failures=10)
    now = datetime(2026, 5, 10)
    assert policy.should_disable(10, now - timedelta(days=5), now)
    assert not policy.should_disable(9, now - timedelta(days=6), now)
    assert not policy.should_disable(50, now - timedelta(days=4), now)
    assert not policy.should_disable(50, None, now)
