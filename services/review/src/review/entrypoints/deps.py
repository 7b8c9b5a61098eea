"""FastAPI dependencies of review's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from servicekit.app import deps_of

from ..deps import ReviewDeps

Deps = Annotated[ReviewDeps, Depends(deps_of(ReviewDeps))]
