"""Page previews (PNG) rendered by poppler's pdftoppm in a bounded subprocess."""

import re
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from servicekit.pdflimits import PDF_LIMITS, PdfLimitExceeded, run_bounded_sync

_OUTPUT_NAME = re.compile(r"page-(\d+)\.png")


class PreviewFailed(Exception):
    """Previews could not be rendered; the code is always `preview_failed`."""

    code = "preview_failed"
    status_code = 422

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{self.code}: {message}")
        self.message = message
        self.details = details or {}


def render_previews(
    pdf_bytes: bytes,
    *,
    pages: list[int] | None = None,
    dpi: int = 72,
    max_pages: int = 50,
    timeout_s: float = PDF_LIMITS.timeout_s,
) -> list[bytes]:
    """Return PNG images of the requested 1-based pages (default: the first `max_pages`)."""
    wanted = sorted(set(pages)) if pages is not None else None
    if wanted is not None and (not wanted or wanted[0] < 1 or len(wanted) > max_pages):
        raise PreviewFailed("pages must be 1 to max_pages page numbers", {"pages": pages})
    if not 1 <= dpi <= 600:
        raise PreviewFailed("dpi must be between 1 and 600", {"dpi": dpi})
    with tempfile.TemporaryDirectory(prefix="lexseal-preview-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf_bytes)
        # pdftoppm clamps a last page beyond the end, so "all" needs no page count.
        for first, last in _runs(wanted) if wanted is not None else [(1, max_pages)]:
            _run_pdftoppm(
                source, Path(tmp) / "page", first=first, last=last, dpi=dpi, timeout_s=timeout_s
            )
        rendered = {
            int(match.group(1)): path
            for path in Path(tmp).iterdir()
            if (match := _OUTPUT_NAME.fullmatch(path.name))
        }
        numbers = wanted if wanted is not None else sorted(rendered)
        missing = [n for n in numbers if n not in rendered]
        if missing or not numbers:
            raise PreviewFailed("some pages do not exist", {"missing_pages": missing})
        return [rendered[n].read_bytes() for n in numbers]


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Return sorted page numbers as (first, last) runs, so [1, 2, 3, 9] renders 4 pages."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _run_pdftoppm(
    source: Path, prefix: Path, *, first: int, last: int, dpi: int, timeout_s: float
) -> None:
    binary = shutil.which("pdftoppm")
    if binary is None:
        raise PreviewFailed("pdftoppm (poppler-utils) is not installed")
    command = [binary, "-png", "-r", str(dpi), "-f", str(first), "-l", str(last)]
    command += [str(source), str(prefix)]
    # pdftoppm is a C parser fed untrusted input: the shared PDF limits cap time and memory.
    limits = replace(PDF_LIMITS, timeout_s=timeout_s)
    try:
        code, _ = run_bounded_sync(command, limits=limits)
    except PdfLimitExceeded as exc:
        raise PreviewFailed("rendering took too long", {"timeout_s": timeout_s}) from exc
    if code != 0:
        raise PreviewFailed("pdftoppm failed", {"exit": code})
