"""Request-scoped context: the correlation id that follows a request through its events."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

correlation_id_var: ContextVar[str] = ContextVar("correlation_id", default="")


def current_correlation_id() -> str:
    """Return the correlation id of the work in progress ('' outside any)."""
    return correlation_id_var.get()


def new_correlation_id() -> str:
    """Return a fresh correlation id."""
    return uuid.uuid4().hex
