"""Webhook rules: which events a subscription gets, the signature, retry timing."""

from __future__ import annotations

import base64
import hashlib
import hmac

from notify.domain.webhooks import (
    matches,
    new_secret,
    next_state,
    retry_delay,
    sign,
    valid_pattern,
    valid_secret,
)


def test_patterns_select_event_types() -> None:
    assert matches(["contract.*"], "contract.submitted")
    assert not matches(["contract.*"], "review.approved")
    assert matches(["letter.sealed", "signing.*"], "signing.completed")
    assert matches(["*"], "letter.picked_up")
    assert not matches(["signing.completed"], "signing.counterparty_signed")


def test_only_dotted_event_patterns_are_accepted() -> None:
    for ok in ("contract.*", "*", "signing.completed", "*.approved"):
        assert valid_pattern(ok), ok
    for bad in ("", "contract.", "Contract.*", "a.b.c", "contract.[a-z]", "../x"):
        assert not valid_pattern(bad), bad


def test_signature_is_hmac_sha256_over_id_timestamp_body_with_the_decoded_key() -> None:
    key = b"k" * 32
    secret = "whsec_" + base64.b64encode(key).decode()
    body = '{"id":"e1","data":{"title":"采购合同"}}'.encode()
    expected = base64.b64encode(hmac.new(key, b"e1.1700000000." + body, hashlib.sha256).digest())
    assert (
        sign(secret=secret, msg_id="e1", timestamp=1700000000, body=body)
        == "v1," + expected.decode()
    )
    assert (
        sign(secret=secret, msg_id="e1", timestamp=1700000001, body=body)
        != "v1," + expected.decode()
    )


def test_generated_secrets_are_valid_and_distinct() -> None:
    a, b = new_secret(), new_secret()
    assert a != b and valid_secret(a) and valid_secret(b)
    assert not valid_secret("whsec_" + base64.b64encode(b"short").decode())
    assert not valid_secret("not-a-secret")
    assert not valid_secret("whsec_***")


def test_retries_back_off_exponentially_up_to_a_cap_and_end_after_max_attempts() -> None:
    assert [retry_delay(attempts=n, base=30, cap=600) for n in (1, 2, 3, 4, 5, 6)] == [
        30,
        60,
        120,
        240,
        480,
        600,
    ]
    assert next_state(ok=True, attempts=8, max_attempts=8) == "delivered"
    assert next_state(ok=False, attempts=7, max_attempts=8) == "pending"
    assert next_state(ok=False, attempts=8, max_attempts=8) == "failed"
