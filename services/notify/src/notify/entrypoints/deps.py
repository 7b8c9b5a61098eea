"""FastAPI dependencies of notify's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from servicekit.app import deps_of

from ..deps import NotifyDeps

Deps = Annotated[NotifyDeps, Depends(deps_of(NotifyDeps))]
