"""Fail when one service imports another service's code (services talk only through events)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "contract": ROOT / "services/contract",
    "review": ROOT / "services/review",
    "signing": ROOT / "services/signing",
    "letters": ROOT / "services/letters",
    "notify": ROOT / "services/notify",
    "gateway": ROOT / "gateway",
}
# Shared libraries every service may import; nothing else of ours.
SHARED = {"lexseal_events", "servicekit", "cnid", "pades", "lexseal_ca"}


def imported_roots(path: Path) -> set[str]:
    """Return the top-level package names a Python file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def violations() -> list[str]:
    """List every import of a sibling service's package, as 'file: imports X'."""
    found: list[str] = []
    for owner, base in PACKAGES.items():
        for path in sorted(base.rglob("*.py")):
            if ".venv" in path.parts:
                continue
            for root in sorted(imported_roots(path) & (PACKAGES.keys() - {owner})):
                found.append(f"{path.relative_to(ROOT)}: imports {root!r} (another service)")
    for path in sorted((ROOT / "libs").rglob("*.py")):
        for root in sorted(imported_roots(path) & PACKAGES.keys()):
            found.append(f"{path.relative_to(ROOT)}: shared library imports service {root!r}")
    return found


def main() -> int:
    """Print violations and return the exit status."""
    problems = violations()
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} cross-service import(s): services may share only {sorted(SHARED)}")
        return 1
    print(f"import boundaries ok ({len(PACKAGES)} services/gateway checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
