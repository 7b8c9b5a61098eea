"""Page images kept on disk by (PDF sha256, page, dpi), so each page goes through pdftoppm once."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from pathlib import Path

log = logging.getLogger("letters.page_cache")

_SHA256 = re.compile(r"[0-9a-f]{64}")


class PageImageCache:
    """PNG files under `root`, written atomically and pruned oldest-first past `max_bytes`.

    The key is content-addressed, so an entry never goes stale and replicas may share the
    directory. The cache is an optimisation: a disk that refuses to read or write only costs
    a re-render, never a failed request.
    """

    def __init__(self, root: Path, *, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path(self, *, sha256: str, page: int, dpi: int) -> Path:
        """Return where the image of one page at one resolution is kept."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / f"{sha256}-p{int(page)}-{int(dpi)}dpi.png"

    def get(self, *, sha256: str, page: int, dpi: int) -> bytes | None:
        """Return the cached image, or None."""
        target = self.path(sha256=sha256, page=page, dpi=dpi)
        try:
            png = target.read_bytes()
            os.utime(target)  # recently used: pruned last
        except OSError:
            return None
        return png

    def put(self, *, sha256: str, page: int, dpi: int, png: bytes) -> None:
        """Keep an image (atomically: a reader never sees half a file), then prune if too big."""
        target = self.path(sha256=sha256, page=page, dpi=dpi)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".page-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(png)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            self._prune()
        except OSError as exc:
            log.warning("page image not cached at %s: %s", self.root, exc)

    def _prune(self) -> None:
        """Delete the least recently used images until the cache is under 90% of its cap."""
        entries = []
        with os.scandir(self.root) as it:
            for entry in it:
                if entry.name.endswith(".png") and entry.is_file():
                    st = entry.stat()
                    entries.append((st.st_mtime, st.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return
        goal = self.max_bytes * 9 // 10
        for _, size, path in sorted(entries):
            if total <= goal:
                break
            with contextlib.suppress(FileNotFoundError):  # another replica pruned it first
                os.unlink(path)
            total -= size
