"""Every blob-store adapter keeps the same promises: local directory, PostgreSQL, S3.

The S3 adapter talks to a real S3-protocol server on loopback: moto's standalone server
(`moto_server`, installed with the dev dependencies), started once per session by the
servicekit fixture `s3_endpoint`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from servicekit.blobs import (
    BlobNotFound,
    BlobStore,
    LocalBlobStore,
    PostgresBlobStore,
    S3BlobStore,
    open_blob_store,
)
from servicekit.config import ServiceSettings
from servicekit.db import create_engine

PARAMS = ["local", pytest.param("postgres", marks=pytest.mark.integration), "s3"]


def _s3(endpoint: str, *, bucket: str, prefix: str) -> S3BlobStore:
    return S3BlobStore.connect(
        bucket=bucket,
        prefix=prefix,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id="test",
        secret_access_key="test",
        addressing_style="path",
    )


@pytest.fixture(params=PARAMS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "blobs")
    elif request.param == "postgres":
        engine = create_engine(request.getfixturevalue("pg_url"))
        pg = PostgresBlobStore(engine)
        await pg.create_table()
        yield pg
        await engine.dispose()
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"lexseal-{uuid.uuid4().hex[:12]}"
        s3 = _s3(endpoint, bucket=bucket, prefix="signing/")
        await asyncio.to_thread(s3.client.create_bucket, Bucket=bucket)
        yield s3
        await s3.close()


async def test_put_get_replace_delete(store: BlobStore) -> None:
    await store.put("pki/ca/root.pem", b"first")
    assert await store.get("pki/ca/root.pem") == b"first"
    await store.put("pki/ca/root.pem", b"second")  # a put replaces
    assert await store.get("pki/ca/root.pem") == b"second"
    assert await store.exists("pki/ca/root.pem")
    await store.delete("pki/ca/root.pem")
    assert not await store.exists("pki/ca/root.pem")
    with pytest.raises(BlobNotFound):
        await store.get("pki/ca/root.pem")
    await store.delete("pki/ca/root.pem")  # deleting twice is fine


async def test_add_keeps_the_first_writer(store: BlobStore) -> None:
    assert await store.add("pki/tsa/tsa.pem", b"mine") is True
    assert await store.add("pki/tsa/tsa.pem", b"theirs") is False
    assert await store.get("pki/tsa/tsa.pem") == b"mine"


async def test_keys_by_prefix_and_binary_round_trip(store: BlobStore) -> None:
    data = bytes(range(256)) * 1000  # binary, 256 kB
    for key in ("documents/a.pdf", "documents/b.pdf", "pki/firm/firm.pem"):
        await store.put(key, data)
    assert await store.keys("documents/") == ["documents/a.pdf", "documents/b.pdf"]
    assert len(await store.keys()) == 3
    assert await store.get("documents/b.pdf") == data


async def test_concurrent_adds_store_exactly_one(store: BlobStore) -> None:
    results = await asyncio.gather(*(store.add("once", str(i).encode()) for i in range(8)))
    assert sorted(results) == [False] * 7 + [True]
    assert await store.get("once") in {str(i).encode() for i in range(8)}


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", "", "a b"])
async def test_unsafe_keys_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError, match="not a valid blob key"):
        await store.put(key, b"x")


async def test_s3_prefix_keeps_services_apart(s3_endpoint: str) -> None:
    bucket = f"lexseal-{uuid.uuid4().hex[:12]}"
    signing = _s3(s3_endpoint, bucket=bucket, prefix="signing/")
    letters = _s3(s3_endpoint, bucket=bucket, prefix="letters/")
    await asyncio.to_thread(signing.client.create_bucket, Bucket=bucket)
    await signing.put("k", b"signing's")
    assert not await letters.exists("k")
    assert await signing.keys() == ["k"]


async def test_auto_picks_postgres_for_a_postgres_database_else_local(tmp_path: Path) -> None:
    local = ServiceSettings(data_dir=tmp_path, service_name="letters")
    engine = create_engine(local.database_url)
    store = await open_blob_store(local, engine)
    assert isinstance(store, LocalBlobStore) and store.root == tmp_path / "blobs" / "letters"
    await engine.dispose()


@pytest.mark.integration
async def test_auto_is_postgres_when_the_database_is(pg_url: str) -> None:
    settings = ServiceSettings(database_url=pg_url)
    engine = create_engine(pg_url)
    try:
        store = await open_blob_store(settings, engine)
        assert isinstance(store, PostgresBlobStore)
        await open_blob_store(settings, engine)  # a second replica: the table is there
        await store.put("k", b"v")
        assert await store.get("k") == b"v"
    finally:
        await engine.dispose()


def test_s3_without_a_bucket_names_the_setting() -> None:
    settings = ServiceSettings(blob_store="s3")
    with pytest.raises(ValueError, match="S3_BUCKET"):
        asyncio.run(open_blob_store(settings, create_engine(settings.database_url)))
