"""HMAC signatures for carrier webhooks: the carrier signs "<timestamp>.<body>", we check it and its age."""

import hashlib
import hmac

from models.core.errors import ConfigError, SignatureInvalid

SIGNATURE_HEADER = "X-Carrier-Signature"
TIMESTAMP_HEADER = "X-Carrier-Timestamp"


def sign_body(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of the timestamp, a dot and the raw body."""
    if not secret:
        # An empty key would let anyone produce a "valid" signature.
        raise ConfigError("the webhook secret is empty; set OMS_CARRIER_WEBHOOK_SECRET")
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_body(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now: float,
    window_seconds: int = 300,
) -> None:
    """Raise SignatureInvalid unless the body is signed with secret and was signed within the window of now."""
    if not timestamp_header:
        raise SignatureInvalid(f"missing {TIMESTAMP_HEADER} header")
    if not signature_header:
        raise SignatureInvalid(f"missing {SIGNATURE_HEADER} header")
    # int() alone would accept " 12", "+12" and "1_2", none of which the carrier sends.
    if not (timestamp_header.isascii() and timestamp_header.isdigit()):
        raise SignatureInvalid(f"bad {TIMESTAMP_HEADER} header: {timestamp_header[:40]!r}")
    timestamp = int(timestamp_header)
    # Both directions: an old body is a replay, a far-future one could be replayed later.
    if abs(now - timestamp) > window_seconds:
        raise SignatureInvalid(
            f"timestamp {timestamp} is outside the {window_seconds}s replay window (now {int(now)})"
        )
    expected = sign_body(secret, timestamp, body)
    # compare_digest refuses non-ASCII str; such a header cannot be a hex digest anyway.
    if not signature_header.isascii() or not hmac.compare_digest(expected, signature_header.strip().lower()):
        raise SignatureInvalid("signature does not match the body")
