"""lexseal's Python client: the gateway's routes typed, sync and async, webhooks verified."""

from __future__ import annotations

from .client import AsyncClient, Client, retry_after
from .errors import ApiError
from .models import (
    ApiKey,
    ApiKeyCreated,
    Contract,
    Contracts,
    Delivery,
    Letter,
    Me,
    Scope,
    Token,
    Webhook,
    WebhookCreated,
    WebhookUpdate,
)
from .webhooks import WebhookEvent, WebhookVerificationError, sign, verify_webhook

__all__ = [
    "ApiError",
    "ApiKey",
    "ApiKeyCreated",
    "AsyncClient",
    "Client",
    "Contract",
    "Contracts",
    "Delivery",
    "Letter",
    "Me",
    "Scope",
    "Token",
    "Webhook",
    "WebhookCreated",
    "WebhookEvent",
    "WebhookUpdate",
    "WebhookVerificationError",
    "retry_after",
    "sign",
    "verify_webhook",
]
