"""Verify a webhook delivery (Standard Webhooks) and read its event with lexseal's models.

lexseal signs `webhook-id.webhook-timestamp.body` with HMAC-SHA256 under the subscription's
`whsec_` secret and sends `webhook-signature: v1,<base64>`; during a secret rotation it sends
one signature per secret, separated by spaces. A receiver that holds both secrets (rotating)
passes both; one matching signature is enough.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lexseal_events import AnyEvent, InvalidEvent, UnknownEventType, parse_event

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret
TOLERANCE_SECONDS = 5 * 60  # Standard Webhooks: refuse a timestamp further off than this


class WebhookVerificationError(ValueError):
    """The delivery is not from lexseal (bad or missing signature, stale timestamp)."""


@dataclass(frozen=True)
class WebhookEvent:
    """A verified delivery: its id (the event id; deduplicate on it), type and payload.

    `event` is the payload parsed with lexseal's event models (identifiers arrive masked);
    None for a type this version does not know, such as `webhook.test`.
    """

    id: str
    type: str
    timestamp: int
    payload: dict[str, Any]
    event: AnyEvent | None


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except ValueError as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc
    if not key:
        raise ValueError("empty webhook secret")
    return key


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the `v1,<base64>` signature of a delivery (as lexseal computes it)."""
    mac = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def verify_webhook(
    body: bytes | str,
    headers: Mapping[str, str],
    secrets: str | Sequence[str],
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> WebhookEvent:
    """Check a delivery's signature and timestamp; return its event or raise.

    Pass the raw body exactly as received (bytes), the request headers (any case) and the
    subscription's secret, or a list of secrets while rotating.
    """
    data = body.encode() if isinstance(body, str) else body
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not (msg_id and stamp and signatures):
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is too far from now (replayed?)")
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    passed = [s.encode() for s in signatures.split(" ") if s]
    expected = [
        sign(secret=k, msg_id=msg_id, timestamp=timestamp, body=data).encode() for k in keys
    ]
    if not any(hmac.compare_digest(e, p) for e in expected for p in passed):
        raise WebhookVerificationError("no matching signature")
    try:
        payload = json.loads(data)
    except ValueError:
        raise WebhookVerificationError("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise WebhookVerificationError("the body is not a JSON object")
    try:
        event: AnyEvent | None = parse_event(payload)
    except (UnknownEventType, InvalidEvent):
        event = None
    return WebhookEvent(
        id=msg_id, type=str(payload.get("type")), timestamp=timestamp, payload=payload, event=event
    )
