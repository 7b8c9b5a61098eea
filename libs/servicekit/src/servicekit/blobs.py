"""The blob-store port: documents, rendered PDFs and key files, wherever the deployment keeps them.

Every replica of a service sees the same blobs, so nothing a request or an event depends on
lives on one machine's disk. Adapters:

- ``LocalBlobStore``: a directory (the one-machine default with SQLite, ``make run``);
- ``PostgresBlobStore``: a table in the service's own database (the default whenever the
  service's database is PostgreSQL);
- ``S3BlobStore``: S3-compatible object storage (AWS S3, MinIO, Alibaba Cloud OSS) via boto3.

Keys are relative paths such as ``pki/ca/root.pem`` or ``documents/<sha256>.pdf``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlalchemy import (
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    Table,
    Text,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

if TYPE_CHECKING:
    from .config import ServiceSettings

_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*")
# The table the PostgreSQL adapter owns. It creates it itself (CREATE TABLE IF NOT EXISTS)
# rather than through each service's alembic history, so every service gets it the same way;
# servicekit.migrations keeps autogenerate from proposing to drop it.
BLOB_TABLE = "kit_blobs"
# Its own metadata: the services' alembic metadata (SQLModel's) never sees this table.
_blobs = Table(
    BLOB_TABLE,
    MetaData(),
    Column("key", Text, primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


class BlobNotFound(KeyError):
    """No blob is stored under the key."""


def check_key(key: str) -> str:
    """Return ``key`` when it is a safe relative path, else raise ValueError."""
    if len(key) > 512 or not _KEY.fullmatch(key) or ".." in key.split("/"):
        raise ValueError(f"not a valid blob key: {key!r}")
    return key


@runtime_checkable
class BlobStore(Protocol):
    """Bytes by key, shared by every replica of one service."""

    name: str

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically (replacing what was there)."""
        ...

    async def add(self, key: str, data: bytes) -> bool:
        """Store ``data`` only when ``key`` is free; return whether it was written."""
        ...

    async def get(self, key: str) -> bytes:
        """Return the bytes under ``key``; raise BlobNotFound when there are none."""
        ...

    async def exists(self, key: str) -> bool:
        """Tell whether ``key`` holds a blob."""
        ...

    async def delete(self, key: str) -> None:
        """Remove ``key`` (nothing happens when it is absent)."""
        ...

    async def keys(self, prefix: str = "") -> list[str]:
        """Return every key that starts with ``prefix``, sorted."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class LocalBlobStore:
    """Blobs as files under one directory; writes are atomic (temp file, fsync, rename)."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write(self, key: str, data: bytes, *, replace: bool) -> bool:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".blob-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            if replace:
                os.replace(tmp, target)
                return True
            try:
                os.link(tmp, target)  # fails when the key is taken: first writer wins
            except FileExistsError:
                return False
            return True
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically."""
        await asyncio.to_thread(self._write, key, data, replace=True)

    async def add(self, key: str, data: bytes) -> bool:
        """Store ``data`` only when ``key`` is free."""
        return await asyncio.to_thread(self._write, key, data, replace=False)

    async def get(self, key: str) -> bytes:
        """Return the bytes under ``key``."""
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    async def exists(self, key: str) -> bool:
        """Tell whether ``key`` holds a blob."""
        return self._path(key).is_file()

    async def delete(self, key: str) -> None:
        """Remove ``key``."""
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    async def keys(self, prefix: str = "") -> list[str]:
        """Return every key under ``prefix``."""

        def scan() -> list[str]:
            if not self.root.is_dir():
                return []
            found = []
            for path in self.root.rglob("*"):
                if path.is_file() and not path.name.startswith("."):
                    key = path.relative_to(self.root).as_posix()
                    if key.startswith(prefix):
                        found.append(key)
            return sorted(found)

        return await asyncio.to_thread(scan)

    async def close(self) -> None:
        """Nothing to release."""


class PostgresBlobStore:
    """Blobs as rows of ``kit_blobs`` in the service's own PostgreSQL database."""

    name = "postgres"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create_table(self) -> None:
        """Create the table when it is missing (idempotent, safe for concurrent replicas)."""
        async with self.engine.begin() as conn:
            # Two replicas racing on CREATE TABLE can still collide on the catalog:
            # the transaction-scoped lock makes them take turns.
            await conn.execute(select(func.pg_advisory_xact_lock(func.hashtext(BLOB_TABLE))))
            await conn.run_sync(_blobs.metadata.create_all, checkfirst=True)

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (in one statement, so atomically)."""
        stmt = pg_insert(_blobs).values(key=check_key(key), data=data)
        stmt = stmt.on_conflict_do_update(
            index_elements=[_blobs.c.key],
            set_={"data": stmt.excluded.data, "created_at": func.now()},
        )
        async with self.engine.begin() as conn:
            await conn.execute(stmt)

    async def add(self, key: str, data: bytes) -> bool:
        """Store ``data`` only when ``key`` is free."""
        stmt = (
            pg_insert(_blobs)
            .values(key=check_key(key), data=data)
            .on_conflict_do_nothing(index_elements=[_blobs.c.key])
            .returning(_blobs.c.key)
        )
        async with self.engine.begin() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def get(self, key: str) -> bytes:
        """Return the bytes under ``key``."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(_blobs.c.data).where(_blobs.c.key == check_key(key)))
            ).first()
        if row is None:
            raise BlobNotFound(key)
        return bytes(row[0])

    async def exists(self, key: str) -> bool:
        """Tell whether ``key`` holds a blob."""
        async with self.engine.connect() as conn:
            found = await conn.execute(select(_blobs.c.key).where(_blobs.c.key == check_key(key)))
            return found.first() is not None

    async def delete(self, key: str) -> None:
        """Remove ``key``."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(_blobs).where(_blobs.c.key == check_key(key)))

    async def keys(self, prefix: str = "") -> list[str]:
        """Return every key under ``prefix``."""
        query = select(_blobs.c.key).where(func.starts_with(_blobs.c.key, prefix))
        async with self.engine.connect() as conn:
            rows = await conn.execute(query.order_by(_blobs.c.key))
            return [r[0] for r in rows]

    async def close(self) -> None:
        """The engine belongs to the service; nothing to release here."""


class S3BlobStore:
    """Blobs as objects in an S3-compatible bucket (AWS S3, MinIO, Alibaba Cloud OSS).

    boto3 is synchronous: each call runs in a worker thread. ``prefix`` keeps services that
    share a bucket apart (``<service>/`` by default).
    """

    name = "s3"

    def __init__(self, *, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def connect(
        cls,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: str = "auto",
    ) -> S3BlobStore:
        """Return a store for ``bucket`` through a boto3 client built from these settings."""
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=Config(
                s3={"addressing_style": addressing_style},
                retries={"max_attempts": 5, "mode": "standard"},
                signature_version="s3v4",
            ),
        )
        return cls(client=client, bucket=bucket, prefix=prefix)

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` (an S3 PUT replaces the object atomically)."""
        await asyncio.to_thread(
            self.client.put_object, Bucket=self.bucket, Key=self._name(key), Body=data
        )

    async def add(self, key: str, data: bytes) -> bool:
        """Store ``data`` only when ``key`` is free (conditional PUT, If-None-Match: *)."""
        from botocore.exceptions import ClientError

        try:
            await asyncio.to_thread(
                self.client.put_object,
                Bucket=self.bucket,
                Key=self._name(key),
                Body=data,
                IfNoneMatch="*",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {
                "PreconditionFailed",
                "ConditionalRequestConflict",
            }:
                return False
            raise
        return True

    async def get(self, key: str) -> bytes:
        """Return the bytes under ``key``."""
        from botocore.exceptions import ClientError

        try:
            response = await asyncio.to_thread(
                self.client.get_object, Bucket=self.bucket, Key=self._name(key)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise BlobNotFound(key) from None
            raise
        body = response["Body"]
        try:
            data: bytes = await asyncio.to_thread(body.read)
        finally:
            body.close()
        return data

    async def exists(self, key: str) -> bool:
        """Tell whether ``key`` holds a blob."""
        from botocore.exceptions import ClientError

        try:
            await asyncio.to_thread(
                self.client.head_object, Bucket=self.bucket, Key=self._name(key)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                return False
            raise
        return True

    async def delete(self, key: str) -> None:
        """Remove ``key`` (S3 answers success for a missing key)."""
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._name(key))

    async def keys(self, prefix: str = "") -> list[str]:
        """Return every key under ``prefix``."""

        def scan() -> list[str]:
            found: list[str] = []
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                found += [obj["Key"][len(self.prefix) :] for obj in page.get("Contents", [])]
            return sorted(found)

        return await asyncio.to_thread(scan)

    async def close(self) -> None:
        """Close the client's connection pool."""
        await asyncio.to_thread(self.client.close)


async def open_blob_store(settings: ServiceSettings, engine: AsyncEngine) -> BlobStore:
    """Return the blob store the settings choose (``auto``: PostgreSQL's when the DB is)."""
    from .db import is_postgres

    kind = settings.blob_store
    if kind == "auto":
        kind = "postgres" if is_postgres(settings.database_url) else "local"
    if kind == "postgres":
        if not is_postgres(settings.database_url):
            raise ValueError("the postgres blob store needs a PostgreSQL *_DATABASE_URL")
        store = PostgresBlobStore(engine)
        await store.create_table()
        return store
    if kind == "s3":
        if not settings.s3_bucket:
            raise ValueError("the s3 blob store needs *_S3_BUCKET")
        secret = settings.s3_secret_access_key
        return S3BlobStore.connect(
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix
            if settings.s3_prefix is not None
            else f"{settings.service_name}/",
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
            addressing_style=settings.s3_addressing_style,
        )
    return LocalBlobStore(settings.blob_dir or settings.data_dir / "blobs" / settings.service_name)


# --- documents by content hash, for services that keep PDFs ---------------------------------

_SHA256 = re.compile(r"[0-9a-f]{64}")
# where a unit of work's session finds the service's blob store (Session.info)
_SESSION_INFO = "lexseal.blobs"


def attach_to_sessions(sessionmaker: async_sessionmaker[AsyncSession], store: BlobStore) -> None:
    """Make ``store`` reachable from every session ``sessionmaker`` opens from now on.

    Repositories are built from a session alone; they find the store with
    ``session_blobs``. Called in a service's lifespan, before consumers start.
    """
    sessionmaker.configure(info={_SESSION_INFO: store})


def session_blobs(session: AsyncSession) -> BlobStore | None:
    """Return the blob store attached to ``session``'s factory (None: none attached)."""
    store = session.info.get(_SESSION_INFO)
    return store if isinstance(store, BlobStore) else None


def document_key(sha256: str) -> str:
    """Return the blob key of the PDF whose SHA-256 is ``sha256``."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError("not a sha256 hex digest")
    return f"documents/{sha256}.pdf"


def _in_session(store: BlobStore, session: AsyncSession | None) -> bool:
    # The PostgreSQL store on the session's own database: go through the session's
    # connection. A second connection per request, taken while the session holds one, runs
    # a busy pool dry (every request holding one, waiting for another); one transaction also
    # makes the bytes and the row that names them commit or roll back together.
    return (
        session is not None
        and isinstance(store, PostgresBlobStore)
        and session.bind is store.engine
    )


async def keep_document(
    store: BlobStore, data: bytes, *, session: AsyncSession | None = None
) -> str:
    """Store a PDF under its SHA-256 (idempotent: same bytes, same key); return the hash.

    With ``session`` (the unit of work's) and the PostgreSQL store, the write joins its
    transaction.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    key = document_key(sha256)
    if session is not None and _in_session(store, session):
        stmt = pg_insert(_blobs).values(key=key, data=data)
        await session.execute(stmt.on_conflict_do_nothing(index_elements=[_blobs.c.key]))
    else:
        await store.add(key, data)
    return sha256


async def load_document(
    store: BlobStore, sha256: str, *, session: AsyncSession | None = None
) -> bytes:
    """Return the PDF stored under ``sha256``, checked against its hash."""
    key = document_key(sha256)
    if session is not None and _in_session(store, session):
        found = (await session.execute(select(_blobs.c.data).where(_blobs.c.key == key))).first()
        if found is None:
            raise BlobNotFound(key)
        data = bytes(found[0])
    else:
        data = await store.get(key)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"stored document {sha256} does not match its hash")
    return data
