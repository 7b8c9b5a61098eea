"""FastAPI dependencies of contract's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from servicekit.app import deps_of
from servicekit.auth import (
    ADMIN,
    CONTRACTS_READ,
    LAWYER,
    RISK_CONTROL,
    Principal,
    require_roles,
    require_scope,
)

from ..deps import ContractDeps

Deps = Annotated[ContractDeps, Depends(deps_of(ContractDeps))]
Lawyer = Annotated[Principal, Depends(require_roles(LAWYER))]
Reader = Annotated[Principal, Depends(require_roles(LAWYER, RISK_CONTROL, ADMIN))]
# the application list and detail: staff, and partner API keys with `contracts:read` (masked)
ContractReader = Annotated[
    Principal,
    Depends(require_scope(CONTRACTS_READ, or_roles=(LAWYER, RISK_CONTROL, ADMIN))),
]
