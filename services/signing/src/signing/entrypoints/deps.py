"""Dependencies the routes share: the service's SigningDeps (built in bootstrap.py) and the
signer as an audit actor."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Depends, Request
from servicekit.app import deps_of
from servicekit.auth import client_ip
from servicekit.idempotency import IdempotencyKey, IdempotentRequest, keyed_request
from servicekit.uow import Actor

from ..config import Settings
from ..deps import SigningDeps

Deps = Annotated[SigningDeps, Depends(deps_of(SigningDeps))]


def get_settings_dep(deps: Deps) -> Settings:
    """Return the running service's settings (a field of its dependencies)."""
    return deps.settings


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


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SignerActor = Annotated[Actor, Depends(signer_actor)]
SignerIdempotent = Annotated[IdempotentRequest, Depends(signer_idempotent)]
