"""Request and response bodies of the routes the client covers (pydantic, forward compatible).

Responses allow fields this version does not know (the server may add some); requests forbid
unknown ones, as the server does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# what a partner API key may do, chosen when an admin creates it
Scope = Literal["contracts:read", "documents:read", "letters:read", "webhooks:manage"]


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(_Request):
    username: str
    password: str


class Token(_Response):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme's name
    expires_in: int


class Me(_Response):
    id: str
    username: str
    display_name: str
    roles: list[str]


class ApiKeyCreate(_Request):
    name: str = Field(min_length=1, max_length=128)
    scopes: list[Scope] | None = None
    roles: list[str] = Field(default_factory=lambda: ["partner"])


class ApiKey(_Response):
    id: str
    name: str
    prefix: str
    roles: list[str]
    scopes: list[str] = Field(default_factory=list)
    active: bool
    created_at: datetime
    last_used_at: datetime | None = None


class ApiKeyCreated(ApiKey):
    key: str  # shown once: keep it, send it as X-API-Key


class WebhookCreate(_Request):
    url: str
    event_types: list[str] = Field(min_length=1)
    secret: str | None = None
    description: str = ""


class WebhookUpdate(_Request):
    url: str | None = None
    event_types: list[str] | None = None
    secret: str | None = None
    description: str | None = None
    active: bool | None = None


class Webhook(_Response):
    id: str
    owner_id: str
    url: str
    event_types: list[str]
    description: str
    active: bool
    created_at: datetime
    failing_since: datetime | None = None


class WebhookCreated(Webhook):
    secret: str  # shown once: the partner verifies `webhook-signature` with it


class Attempt(_Response):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class Delivery(_Response):
    id: str
    event_id: str
    event_type: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    log: list[Attempt] = Field(default_factory=list)


class ReplayRequest(_Request):
    since: AwareDatetime


class Signer(_Response):
    id: str
    kind: str
    name: str
    id_number: str
    masked: bool


class Contract(_Response):
    """A contract application as a partner key with `contracts:read` reads it (masked)."""

    id: str
    title: str
    contract_type: str
    client_name: str
    status: str
    amount: str | None = None
    case_serial_no: str | None = None
    has_signed_document: bool
    created_at: datetime
    updated_at: datetime
    signers: list[Signer] = Field(default_factory=list)


class Contracts(_Response):
    data: list[Contract]
    next_cursor: str | None = None


class Letter(_Response):
    """A letter as a partner key with `letters:read` reads it."""

    id: str
    kind: str
    status: str
    case_serial_no: str
    recipient_org: str
    number: str | None
    sealed: bool
    verify_url: str | None = None
    created_at: datetime
    updated_at: datetime
