"""Migrations run once: replicas starting together take turns; a replica that must not
migrate waits for the schema and then refuses, naming what to do."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from servicekit.migrations import SchemaNotReady, prepare_schema, upgrade, wait_for_schema

pytestmark = pytest.mark.integration

_ENV = """
from servicekit.migrations import run_env
from sqlalchemy import MetaData

run_env(MetaData())
"""
_MAKO = '''"""${message}"""
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
'''
# Slow enough that two unlocked replicas would both see an empty database and both create.
_REVISION = '''
"""widgets"""
import time

import sqlalchemy as sa
from alembic import op

revision = "a1"
down_revision = None


def upgrade() -> None:
    time.sleep(0.5)
    op.create_table("widgets", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("widgets")
'''


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    root = tmp_path / "migrations"
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text(_ENV)
    (root / "script.py.mako").write_text(_MAKO)
    (root / "versions" / "a1_widgets.py").write_text(_REVISION)
    return root


def _race(scripts: Path, url: str, n: int = 3) -> list[str]:
    # Separate processes, as replicas are (alembic's context is one per process).
    code = (
        "import sys; from pathlib import Path; from servicekit.migrations import upgrade;"
        " upgrade(script_location=Path(sys.argv[1]), database_url=sys.argv[2])"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(scripts), url],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(n)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    return [out for p, out in zip(procs, outputs, strict=True) if p.returncode != 0]


def test_replicas_migrating_together_on_postgresql_take_turns(scripts: Path, pg_url: str) -> None:
    assert _race(scripts, pg_url) == []
    wait_for_schema(script_location=scripts, database_url=pg_url, timeout=0)


def test_replicas_migrating_together_on_sqlite_take_turns(scripts: Path, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/svc.db"
    assert _race(scripts, url) == []
    wait_for_schema(script_location=scripts, database_url=url, timeout=0)


def test_a_replica_that_does_not_migrate_refuses_an_old_schema(scripts: Path, pg_url: str) -> None:
    with pytest.raises(SchemaNotReady, match=r"empty \(never migrated\).*needs a1.*migrate"):
        prepare_schema(script_location=scripts, database_url=pg_url, migrate=False, wait=0)
    prepare_schema(script_location=scripts, database_url=pg_url, migrate=True, wait=0)
    prepare_schema(script_location=scripts, database_url=pg_url, migrate=False, wait=0)


def test_a_waiting_replica_starts_once_the_migration_lands(scripts: Path, pg_url: str) -> None:
    timer = threading.Timer(
        1.0, upgrade, kwargs={"script_location": scripts, "database_url": pg_url}
    )
    timer.start()
    try:
        wait_for_schema(script_location=scripts, database_url=pg_url, timeout=60)
    finally:
        timer.join()
