"""Each service's migrations form one line: two branches from one revision stop every upgrade.

Helpers working in parallel each add a migration after the same head; the rebase merges both
files without a conflict and alembic then refuses `upgrade head`. This fails before that lands.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(
    p.parent.parent
    for pattern in ("services/*/src/*/migrations/env.py", "gateway/src/*/migrations/env.py")
    for p in ROOT.glob(pattern)
)


@pytest.mark.parametrize("package", SERVICES, ids=lambda p: p.name)
def test_one_migration_head(package: Path) -> None:
    config = Config()
    config.set_main_option("script_location", str(package / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"{package.name} has migration heads {heads}: chain them"
