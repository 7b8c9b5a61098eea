"""One CA, one firm key, one TSA key per deployment, whichever replica starts first.

Replicas are modelled as separate data directories (their local disks) sharing the
service's database and blob store, starting at the same moment.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from lexseal_ca.key_vault import PREFIX, with_deployment_keys
from servicekit.blobs import BlobStore, LocalBlobStore, PostgresBlobStore, S3BlobStore
from servicekit.db import create_engine
from signing.bootstrap import open_deps
from signing.config import Settings
from signing.deps import SigningDeps
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.integration


def _fingerprints(deps: SigningDeps) -> tuple[bytes, bytes, bytes, bytes]:
    firm = deps.firm.signer().signing_cert
    tsa = deps.pki.timestamper.tsa_cert  # type: ignore[attr-defined]
    return (
        deps.pki.ca.root.fingerprint(hashes.SHA256()),
        deps.pki.ca.issuing.fingerprint(hashes.SHA256()),
        firm.dump(),
        tsa.dump(),
    )


async def _replica(
    engine: AsyncEngine, blobs: BlobStore, data_dir: Path, db_url: str
) -> tuple[bytes, bytes, bytes, bytes]:
    settings = Settings(environment="test", data_dir=data_dir, database_url=db_url)
    deps = await with_deployment_keys(
        engine=engine,
        blobs=blobs,
        directory=settings.pki_dir,
        build=lambda: open_deps(settings, blobs),
    )
    return _fingerprints(deps)


@pytest.fixture(params=["postgres", "s3"])
async def deployment(
    request: pytest.FixtureRequest, pg_url: str
) -> AsyncIterator[tuple[AsyncEngine, BlobStore]]:
    engine = create_engine(pg_url)
    blobs: BlobStore
    if request.param == "postgres":
        blobs = PostgresBlobStore(engine)
        await blobs.create_table()
    else:
        bucket = f"lexseal-{uuid.uuid4().hex[:12]}"
        blobs = S3BlobStore.connect(
            bucket=bucket,
            prefix="signing/",
            endpoint_url=request.getfixturevalue("s3_endpoint"),
            region="us-east-1",
            access_key_id="test",
            secret_access_key="test",
            addressing_style="path",
        )
        await asyncio.to_thread(blobs.client.create_bucket, Bucket=bucket)
    yield engine, blobs
    await blobs.close()
    await engine.dispose()


async def test_replicas_starting_together_share_one_set_of_keys(
    deployment: tuple[AsyncEngine, BlobStore], pg_url: str, tmp_path: Path
) -> None:
    engine, blobs = deployment
    first, second, third = await asyncio.gather(
        *(_replica(engine, blobs, tmp_path / f"replica-{i}", pg_url) for i in range(3))
    )
    assert first == second == third
    stored = await blobs.keys(PREFIX)
    assert "pki/ca/root.pem" in stored and "pki/tsa/tsa.key.pem" in stored
    assert "pki/firm/firm.key.pem" in stored
    # private keys are stored encrypted, as on disk
    assert b"ENCRYPTED" in await blobs.get("pki/ca/issuing.key.pem")


async def test_a_replica_on_a_fresh_disk_loads_the_deployment_keys(
    deployment: tuple[AsyncEngine, BlobStore], pg_url: str, tmp_path: Path
) -> None:
    engine, blobs = deployment
    before = await _replica(engine, blobs, tmp_path / "old-pod", pg_url)
    after = await _replica(engine, blobs, tmp_path / "new-pod", pg_url)  # rescheduled pod
    assert after == before


async def test_keys_an_older_version_kept_on_disk_become_the_deployment_keys(
    deployment: tuple[AsyncEngine, BlobStore], pg_url: str, tmp_path: Path
) -> None:
    engine, blobs = deployment
    legacy = Settings(environment="test", data_dir=tmp_path / "legacy", database_url=pg_url)
    # as before: files only
    on_disk = _fingerprints(open_deps(legacy, LocalBlobStore(tmp_path / "legacy-blobs")))
    assert await blobs.keys(PREFIX) == []
    assert await _replica(engine, blobs, tmp_path / "legacy", pg_url) == on_disk
    assert await _replica(engine, blobs, tmp_path / "another", pg_url) == on_disk
