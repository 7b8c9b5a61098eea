"""The demo's gateway client is lexseal's Python client (clients/python, `lexseal_client`).

`Gateway` is that client under the name the demo, the chaos run and the benchmarks use (they
wrap its `request`); `wait_for` polls, since events travel between services asynchronously.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from lexseal_client import ApiError
from lexseal_client import Client as Gateway

T = TypeVar("T")

__all__ = ["ApiError", "Gateway", "wait_for"]


def wait_for(
    what: str, probe: Callable[[], T | None], *, timeout: float = 60, every: float = 0.25
) -> T:
    """Poll `probe` until it returns something; events travel asynchronously between services."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)
