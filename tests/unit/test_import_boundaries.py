"""The boundary check itself catches a cross-service import."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_checker():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("check_imports", ROOT / "tools/check_imports.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tree_respects_service_boundaries() -> None:
    assert load_checker().violations() == []


def test_a_cross_service_import_is_reported(tmp_path: Path) -> None:
    checker = load_checker()
    bad = tmp_path / "bad.py"
    bad.write_text("from signing.adapters import pki\nimport review.domain\nfrom . import local\n")
    assert checker.imported_roots(bad) == {"signing", "review"}
