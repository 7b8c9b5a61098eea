"""Partner webhooks, pure rules: which events a subscription wants, signing, retry timing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from servicekit.domain import Invalid, NotFound

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format prefix, not a secret
# An event type pattern: dotted names, any part may be `*` (`contract.*`, `*`, `letter.sealed`).
_PATTERN = re.compile(r"^(\*|[a-z_]+)(\.(\*|[a-z_]+))?$")


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
    message_en = "Webhook not found"
    message_zh = "回调订阅不存在"


class DeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"
    message_en = "Delivery not found"
    message_zh = "投递记录不存在"


class WebhookUrlInvalid(Invalid):
    code = "webhook_url_invalid"
    message_en = "The URL must be an absolute http(s) URL"
    message_zh = "回调地址须为完整的 http(s) 地址"

    def __init__(self, allowed_schemes: Sequence[str]) -> None:
        super().__init__(details={"allowed_schemes": list(allowed_schemes)})


class WebhookEventTypesInvalid(Invalid):
    code = "webhook_event_types_invalid"
    message_en = "Give event types such as contract.* or signing.completed"
    message_zh = "请填写事件类型，例如 contract.* 或 signing.completed"

    def __init__(self, invalid: Sequence[str]) -> None:
        super().__init__(details={"invalid": list(invalid)})


class WebhookSecretInvalid(Invalid):
    code = "webhook_secret_invalid"
    message_en = "The secret must be whsec_ followed by base64 of 24-64 bytes"
    message_zh = "密钥格式须为 whsec_ 加 24-64 字节的 base64"


class WebhookUrlPrivate(Invalid):
    code = "webhook_url_private"
    message_en = "The URL points into a private network"
    message_zh = "回调地址不能指向内网地址"


def check_subscription(
    *, url: str | None, patterns: Sequence[str] | None, secret: str | None, https_only: bool
) -> None:
    """Refuse a URL that is not absolute http(s) (https only when asked), bad event-type
    patterns, or a malformed secret."""
    if url is not None:
        parts = urlsplit(url)
        allowed = ("https",) if https_only else ("http", "https")
        if parts.scheme not in allowed or not parts.hostname:
            raise WebhookUrlInvalid(allowed)
    if patterns is not None:
        bad = [p for p in patterns if not valid_pattern(p)]
        if not patterns or bad:
            raise WebhookEventTypesInvalid(bad)
    if secret is not None and not valid_secret(secret):
        raise WebhookSecretInvalid()


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
