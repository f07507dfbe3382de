import hashlib
import hmac

import pytest

from models.core.errors import ConfigError, SignatureInvalid
from models.shipping.webhook_signing import sign_body, verify_body

SECRET = "s3cret"
BODY = b'{"events": [{"code": "delivered"}]}'
NOW = 1_700_000_000


def signed(timestamp: int = NOW, body: bytes = BODY, secret: str = SECRET) -> tuple[str, str]:
    return str(timestamp), sign_body(secret, timestamp, body)


def test_sign_body_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign_body(SECRET, NOW, BODY) == expected


def test_round_trip_accepts():
    ts, sig = signed()
    verify_body(SECRET, ts, sig, BODY, now=NOW + 1)


def test_uppercase_hex_signature_accepted():
    ts, sig = signed()
    verify_body(SECRET, ts, sig.upper(), BODY, now=NOW)


@pytest.mark.parametrize(
    "body, secret",
    [(BODY + b" ", SECRET), (BODY.replace(b"delivered", b"cancelled"), SECRET), (BODY, "other-secret")],
    ids=["appended", "tampered", "wrong-secret"],
)
def test_mismatch_rejected(body, secret):
    ts, sig = signed()
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify_body(secret, ts, sig, body, now=NOW)


def test_signature_bound_to_timestamp():
    _, sig = signed()
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify_body(SECRET, str(NOW + 1), sig, BODY, now=NOW)


@pytest.mark.parametrize("ts, sig, missing", [(None, "abc", "Timestamp"), ("", "abc", "Timestamp"),
                                              (str(NOW), None, "Signature"), (str(NOW), "", "Signature")])
def test_missing_headers_rejected(ts, sig, missing):
    with pytest.raises(SignatureInvalid, match=f"missing X-Carrier-{missing}"):
        verify_body(SECRET, ts, sig, BODY, now=NOW)


@pytest.mark.parametrize("ts", ["abc", "-5", "+1700000000", " 1700000000", "1_700_000_000", "17e8", "١٢"])
def test_bad_timestamp_rejected(ts):
    with pytest.raises(SignatureInvalid, match="bad X-Carrier-Timestamp"):
        verify_body(SECRET, ts, "00" * 32, BODY, now=NOW)


def test_non_ascii_signature_rejected():
    ts, sig = signed()
    with pytest.raises(SignatureInvalid, match="does not match"):
        verify_body(SECRET, ts, sig + "é", BODY, now=NOW)


@pytest.mark.parametrize("offset", [-301, 301, -10_000, 10_000], ids=["old", "future", "very-old", "far-future"])
def test_outside_window_rejected_even_when_correctly_signed(offset):
    ts, sig = signed(NOW + offset)
    with pytest.raises(SignatureInvalid, match="replay window"):
        verify_body(SECRET, ts, sig, BODY, now=NOW)


@pytest.mark.parametrize("offset", [-300, 300])
def test_window_boundary_is_inclusive(offset):
    ts, sig = signed(NOW + offset)
    verify_body(SECRET, ts, sig, BODY, now=NOW)


def test_custom_window():
    ts, sig = signed(NOW - 61)
    verify_body(SECRET, ts, sig, BODY, now=NOW, window_seconds=61)
    with pytest.raises(SignatureInvalid, match="60s replay window"):
        verify_body(SECRET, ts, sig, BODY, now=NOW, window_seconds=60)


def test_empty_secret_refused():
    with pytest.raises(ConfigError):
        sign_body("", NOW, BODY)
    with pytest.raises(ConfigError):
        verify_body("", str(NOW), sign_body("x", NOW, BODY), BODY, now=NOW)
