"""Stand-ins for the inspection worker that end the way a stopping service ends it (module level,
so the bounded child can import them)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any


def status_lost(data: bytes, max_pages: int) -> Any:
    """Exit the way a child whose fork server went away reads: code 255."""
    os._exit(255)


def terminated_once(data: bytes, max_pages: int, marker: str) -> Any:
    """Be ended by SIGTERM (the service's shutdown) the first time; inspect normally after."""
    path = Path(marker)
    if not path.exists():
        path.write_text("terminated once")
        signal.raise_signal(signal.SIGTERM)
    from contract.adapters.pdf_inspect_worker import inspect

    return inspect(data, max_pages=max_pages)
