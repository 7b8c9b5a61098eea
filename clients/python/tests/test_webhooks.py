"""The verification helper against the official `standardwebhooks` library's own signing."""

from __future__ import annotations

import base64
import json
import secrets
import time
from datetime import UTC, datetime

import pytest
from lexseal_client import WebhookVerificationError, sign, verify_webhook
from lexseal_events import Completed, CompletedData, DocumentRef
from standardwebhooks.webhooks import Webhook

SHA = "a" * 64


def _secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _completed_body() -> bytes:
    url = "https://gw/api/signing/partner/envelopes/e-1/signed.pdf"
    event = Completed(
        id="evt-1",
        source="/lexseal/signing",
        subject="c-1",
        data=CompletedData(
            envelope_id="e-1",
            contract_id="c-1",
            owner_id="lawyer-1",
            document=DocumentRef(sha256=SHA, size=10, url=url, public_url=url),
            verify_code="V1",
            verify_url="https://gw/verify/V1",
            firm_signer_id="f",
        ),
    )
    return event.model_dump_json().encode()


def _headers(
    secret: str, body: bytes, msg_id: str = "evt-1", at: datetime | None = None
) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def test_a_delivery_signed_by_the_official_library_verifies_and_parses() -> None:
    secret, body = _secret(), _completed_body()
    headers = {k.title(): v for k, v in _headers(secret, body).items()}  # any header case
    got = verify_webhook(body, headers, secret)
    assert (got.id, got.type) == ("evt-1", "signing.completed")
    assert isinstance(got.event, Completed)
    assert got.event.data.document.public_url.endswith("/e-1/signed.pdf")


def test_our_signature_is_what_the_official_library_verifies() -> None:
    secret, body = _secret(), _completed_body()
    now = int(time.time())
    headers = {
        "webhook-id": "m1",
        "webhook-timestamp": str(now),
        "webhook-signature": sign(secret=secret, msg_id="m1", timestamp=now, body=body),
    }
    assert Webhook(secret).verify(body, headers)["id"] == "evt-1"


def test_during_a_rotation_either_secret_verifies_a_doubly_signed_delivery() -> None:
    old, new, body = _secret(), _secret(), _completed_body()
    a, b = _headers(old, body), _headers(new, body)
    both = a | {"webhook-signature": f"{b['webhook-signature']} {a['webhook-signature']}"}
    assert verify_webhook(body, both, old).id == "evt-1"
    assert verify_webhook(body, both, [new, old]).id == "evt-1"
    with pytest.raises(WebhookVerificationError):
        verify_webhook(body, both, _secret())


def test_a_changed_body_a_wrong_secret_or_an_old_timestamp_is_refused() -> None:
    secret, body = _secret(), _completed_body()
    headers = _headers(secret, body)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(body.replace(b"c-1", b"c-2"), headers, secret)
    with pytest.raises(WebhookVerificationError):
        verify_webhook(body, headers, _secret())
    stale = _headers(secret, body, at=datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(WebhookVerificationError, match="too far"):
        verify_webhook(body, stale, secret)
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify_webhook(body, {"webhook-id": "x"}, secret)


def test_an_event_type_the_models_do_not_know_still_verifies() -> None:
    secret = _secret()
    body = json.dumps({"id": "t1", "type": "webhook.test", "data": {}}).encode()
    got = verify_webhook(body, _headers(secret, body, msg_id="t1"), secret)
    assert got.type == "webhook.test" and got.event is None and got.payload["data"] == {}
