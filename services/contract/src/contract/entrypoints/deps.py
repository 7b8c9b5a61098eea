"""Named dependencies of the contract routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from servicekit.auth import (
    ADMIN,
    CONTRACTS_READ,
    LAWYER,
    RISK_CONTROL,
    Principal,
    require_roles,
    require_scope,
)

from ..adapters.document_store import DocumentStore
from ..config import Settings


def get_settings_dep(request: Request) -> Settings:
    """Return the running service's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> DocumentStore:
    """Return the running service's document store."""
    store: DocumentStore = request.app.state.documents
    return store


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[DocumentStore, Depends(get_store)]
Lawyer = Annotated[Principal, Depends(require_roles(LAWYER))]
Reader = Annotated[Principal, Depends(require_roles(LAWYER, RISK_CONTROL, ADMIN))]
# the application list and detail: staff, and partner API keys with `contracts:read` (masked)
ContractReader = Annotated[
    Principal,
    Depends(require_scope(CONTRACTS_READ, or_roles=(LAWYER, RISK_CONTROL, ADMIN))),
]
