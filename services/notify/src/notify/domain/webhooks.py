"""Partner webhooks, pure rules: which events a subscription wants, signing, retry timing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from fnmatch import fnmatchcase

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret
# An event type pattern: dotted names, any part may be `*` (`contract.*`, `*`, `letter.sealed`).
_PATTERN = re.compile(r"^(\*|[a-z_]+)(\.(\*|[a-z_]+))?$")


def valid_pattern(pattern: str) -> bool:
    """Tell whether `pattern` is an event-type pattern we accept."""
    return bool(_PATTERN.match(pattern))


def matches(patterns: Iterable[str], event_type: str) -> bool:
    """Tell whether any of `patterns` selects `event_type`."""
    return any(fnmatchcase(event_type, p) for p in patterns)


def new_secret() -> str:
    """Return a fresh Standard Webhooks secret (`whsec_` + base64 of 32 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def valid_secret(secret: str) -> bool:
    """Tell whether `secret` is a `whsec_` secret carrying 24 to 64 bytes of key."""
    if not secret.startswith(SECRET_PREFIX):
        return False
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError:
        return False
    return 24 <= len(key) <= 64


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the `webhook-signature` value: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def retry_delay(*, attempts: int, base: float, cap: float) -> float:
    """Return the wait before the next try after `attempts` failed ones (exponential, capped)."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


def retry_window(*, max_attempts: int, base: float, cap: float) -> float:
    """Return how many seconds pass between a delivery's first try and its last."""
    return sum(retry_delay(attempts=n, base=base, cap=cap) for n in range(1, max_attempts))


def next_state(*, ok: bool, attempts: int, max_attempts: int) -> str:
    """Return a delivery's state after an attempt: delivered, pending (retry) or failed."""
    if ok:
        return "delivered"
    return "failed" if attempts >= max_attempts else "pending"
