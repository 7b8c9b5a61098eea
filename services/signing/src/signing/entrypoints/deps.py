"""Dependencies the routes share: the keyring, the settings, the signer as an audit actor."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Request
from servicekit.app import get_kit
from servicekit.auth import client_ip
from servicekit.idempotency import IdempotencyKey, IdempotentRequest, keyed_request
from servicekit.uow import Actor

from ..adapters.keyring import Keyring
from ..config import Settings


def get_keyring(request: Request) -> Keyring:
    """Return the running service's keyring."""
    keyring: Keyring = get_kit(request).extras["keyring"]
    return keyring


def get_settings_dep(request: Request) -> Settings:
    """Return the running service's settings."""
    settings: Settings = request.app.state.settings
    return settings


def signer_actor(request: Request) -> Actor:
    """Return the anonymous signer behind a token as an audit actor (IP, user agent)."""
    return Actor(
        id="invitee",
        name="signer (token)",
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )


def signer_idempotent(
    request: Request, token: str, key: IdempotencyKey = None
) -> IdempotentRequest:
    """Return the signer's Idempotency-Key, scoped to their invitation (never another's)."""
    scope = hashlib.sha256(token.encode()).hexdigest()[:40]
    return keyed_request(request, key, f"invite:{scope}")


KeyringDep = Annotated[Keyring, Depends(get_keyring)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SignerActor = Annotated[Actor, Depends(signer_actor)]
SignerIdempotent = Annotated[IdempotentRequest, Depends(signer_idempotent)]
