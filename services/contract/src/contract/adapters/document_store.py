"""Documents named by their sha256: kept in the service's blob store, cached on local disk.

The blob store (servicekit.blobs: the service's database, S3 or a directory) is where a
document lives, so every replica can serve and hand out any of them; the local directory
receives uploads (spool files) and caches what this replica has read. Every local write is
atomic (temp file, fsync, rename).

Content-addressed and idempotent: storing bytes that are already there changes nothing, and
nothing here deletes a stored document, so no failure path can remove bytes that a committed
row (of this request or a concurrent one) refers to. A write whose record then fails to commit
leaves its bytes behind, harmless: the next upload of the same content finds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import tempfile
import time
from pathlib import Path

from servicekit.blobs import BlobNotFound, BlobStore

_SHA256 = re.compile(r"[0-9a-f]{64}")
PART_PREFIX, PART_SUFFIX = ".upload-", ".part"
# A part file this fresh may belong to an upload that has created it but not yet locked it.
_PART_MIN_AGE_S = 1.0

log = logging.getLogger("contract.documents")


class TooLarge(Exception):
    """More bytes arrived than the cap allows."""


class DocumentStore:
    """PDFs in the blob store (``documents/<sha256>.pdf``), cached under ``root``; previews
    cached under ``root/previews/`` (caches only: any replica can rebuild them)."""

    def __init__(self, root: Path, blobs: BlobStore | None = None) -> None:
        self.root = root
        # set in the app's lifespan (it needs the database); None: local disk only (unit tests)
        self.blobs = blobs

    @staticmethod
    def key(sha256: str) -> str:
        """Return the blob key of a document."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError("not a sha256 hex digest")
        return f"documents/{sha256}.pdf"

    async def keep(self, sha256: str, data: bytes) -> None:
        """Store a document in the blob store (idempotent: the key is its content's hash)."""
        if self.blobs is not None:
            await self.blobs.add(self.key(sha256), data)

    async def save(self, data: bytes) -> str:
        """Store ``data`` in the blob store and the local cache; return its sha256."""
        sha256, _ = await asyncio.to_thread(self.put, data)
        await self.keep(sha256, data)
        return sha256

    async def local(self, sha256: str) -> Path | None:
        """Return the document's local file, fetching it from the blob store when not cached."""
        path = self.path(sha256)
        if path.is_file():
            return path
        if self.blobs is None:
            return None
        try:
            data = await self.blobs.get(self.key(sha256))
        except BlobNotFound:
            return None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"stored document {sha256} does not match its hash")
        await asyncio.to_thread(self.put, data)
        return path

    async def read(self, sha256: str) -> bytes | None:
        """Return the document's bytes (None when it is stored nowhere)."""
        path = await self.local(sha256)
        return None if path is None else await asyncio.to_thread(path.read_bytes)

    def path(self, sha256: str) -> Path:
        """Return where the document with `sha256` lives (it may not exist)."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / f"{sha256}.pdf"

    def exists(self, sha256: str) -> bool:
        """Tell whether the document is stored."""
        return self.path(sha256).is_file()

    def spool(self) -> Spool:
        """Return a temp file in the store's directory that streams bytes in with a cap."""
        self.root.mkdir(parents=True, exist_ok=True)
        return Spool(self.root)

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store `data` atomically; return its sha256 and whether it was newly written."""
        sha256 = hashlib.sha256(data).hexdigest()
        if self.exists(sha256):
            return sha256, False
        spool = self.spool()
        try:
            spool.write(data, max_bytes=len(data))
            return sha256, spool.commit(self.path(sha256))
        finally:
            spool.discard()

    def remove_leftover_parts(self) -> int:
        """Delete the temp files of uploads whose process died (kill -9, power loss).

        A live upload holds a lock on its part file (see ``Spool``), so only files no process
        holds go, even when several processes share the directory. Return how many went.
        """
        removed = 0
        for path in self.root.glob(f"{PART_PREFIX}*{PART_SUFFIX}"):
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # an upload in progress
                if time.time() - os.fstat(fd).st_mtime < _PART_MIN_AGE_S:
                    continue
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                removed += 1
            finally:
                os.close(fd)
        if removed:
            log.info("removed %d leftover upload file(s) from %s", removed, self.root)
        return removed

    def preview_path(self, sha256: str, page: int) -> Path:
        """Return where page `page`'s PNG preview is cached."""
        self.path(sha256)  # validates the hash
        return self.root / "previews" / sha256 / f"{page}.png"

    def put_preview(self, sha256: str, page: int, png: bytes) -> None:
        """Cache one page preview atomically."""
        target = self.preview_path(sha256, page)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(png)
        os.replace(tmp, target)


class Spool:
    """An upload being received: hashed as it arrives, refused past the cap."""

    def __init__(self, directory: Path) -> None:
        fd, name = tempfile.mkstemp(dir=directory, prefix=PART_PREFIX, suffix=PART_SUFFIX)
        # Held until the file is renamed or removed: tells a starting process it is in use.
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._file = os.fdopen(fd, "w+b")
        self.name = Path(name)
        self.size = 0
        self._digest = hashlib.sha256()

    def write(self, chunk: bytes, *, max_bytes: int) -> None:
        """Append a chunk, raising TooLarge once the total passes `max_bytes`."""
        self.size += len(chunk)
        if self.size > max_bytes:
            raise TooLarge(self.size)
        self._digest.update(chunk)
        self._file.write(chunk)

    @property
    def sha256(self) -> str:
        """Return the hash of what has been written."""
        return self._digest.hexdigest()

    def read(self) -> bytes:
        """Return everything written (bounded by the cap the writer enforced)."""
        self._file.flush()
        self._file.seek(0)
        return self._file.read()

    def commit(self, target: Path) -> bool:
        """Move the spooled bytes to `target`; return False when it was already there.

        Idempotent under concurrency: `target` is named by the content's hash, so a racing
        writer of the same name renames identical bytes over it, atomically.
        """
        self._file.flush()
        os.fsync(self._file.fileno())
        try:
            if target.exists():
                return False
            os.replace(self.name, target)  # still open and locked: no cleaner takes it first
            return True
        finally:
            self._file.close()

    def discard(self) -> None:
        """Remove the temp file if it is still there."""
        if not self._file.closed:
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.name.unlink()
