"""How many pages a PDF has, counted once when the PDF is rendered or received."""

from __future__ import annotations

import logging

from servicekit.pdflimits import PdfLimitExceeded, checked_page_count, run_limited

log = logging.getLogger("letters.pages")


def count_pages(pdf: bytes) -> int | None:
    """Return the number of pages of `pdf`, or None when it cannot be read as a PDF.

    Parsed in a child under the shared PDF limits (servicekit.pdflimits), as every PDF parse.
    """
    try:
        count = run_limited(checked_page_count, pdf)
    except PdfLimitExceeded as exc:
        # A missing count must never stop a sealed letter from being recorded: the count is
        # metadata, not the letter. (A child lost twice to a shutdown lands here too.)
        log.warning("could not count the pages of a %d-byte PDF: %s", len(pdf), exc.reason)
        return None
    return count or None
