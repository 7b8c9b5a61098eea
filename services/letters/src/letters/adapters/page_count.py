"""How many pages a PDF has, counted once when the PDF is rendered or received."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader

log = logging.getLogger("letters.pages")


def count_pages(pdf: bytes) -> int | None:
    """Return the number of pages of `pdf`, or None when it cannot be read as a PDF."""
    try:
        count = len(PdfReader(io.BytesIO(pdf)).pages)
    except Exception as exc:
        # pypdf raises far more than its own errors on damaged files, and a missing count must
        # never stop a sealed letter from being recorded: the count is metadata, not the letter.
        log.warning("could not count the pages of a %d-byte PDF: %s", len(pdf), exc)
        return None
    return count or None
