"""Functions the bounded-child tests run in a child (module level, so a child can import them)."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path


def read_every_page(data: bytes) -> int:
    """Parse `data` with pypdf and decode every page's content (what a renderer would)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    for page in reader.pages:
        page.get_contents()
        if (contents := page.get_contents()) is not None:
            contents.get_data()
    return len(reader.pages)


def ended_from_outside_first(marker: str, then: int) -> int:
    """End the child by SIGTERM (a service shutting down) the first time, answer `then` after."""
    path = Path(marker)
    if not path.exists():
        path.write_text("ended once")
        signal.raise_signal(signal.SIGTERM)
    return then


def status_lost() -> None:
    """End the child the way a fork server that went away reports it: exit code 255."""
    os._exit(255)


def crash() -> None:
    """Crash by itself (what a parser bug on a hostile file looks like)."""
    os.abort()
